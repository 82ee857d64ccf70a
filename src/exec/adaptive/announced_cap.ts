/**
 * What a fixed profile does with a limit the server announces: it never runs
 * faster than announced (less a headroom that grows with each refusal), and
 * is otherwise left as it is.
 *
 * @module
 */

import type { Clock } from "../clock.ts";
import type { RunControl } from "../run_control.ts";
import type { Limits, RateHint, RateSetting, RunEvent } from "../types.ts";
import { DEFAULT_LIMIT_STATUSES } from "./controller.ts";
import { DEFAULT_ADAPTIVE_PARAMS } from "./params.ts";
import { RateSetter } from "./rate_setter.ts";

/** Options of {@linkcode AnnouncedCap}. */
export interface AnnouncedCapOptions {
  /** The run's control, passed to `runDag` as `control`. */
  readonly control: RunControl;
  readonly clock: Clock;
  /** The profile's limits, restored when the announced limit is above them. */
  readonly limits: Limits;
  /** Pace this fraction below the announced rate. @default DEFAULT_ADAPTIVE_PARAMS.announcedHeadroom (0.02) */
  readonly headroom?: number;
  /** Each refusal under the cap paces this fraction lower. @default DEFAULT_ADAPTIVE_PARAMS.marginStep (0.03) */
  readonly step?: number;
  /** Failure statuses that mean "too many requests". @default [429] */
  readonly limitStatuses?: readonly number[];
  /** After this long without a refusal, one headroom step is won back, ms. @default DEFAULT_ADAPTIVE_PARAMS.probeDelayMs (30 s) */
  readonly recoverAfterMs?: number;
  /** Receives every `rate-change` event, synchronously. */
  readonly onChange?: (event: RunEvent) => void;
}

/**
 * Caps a fixed profile's rate at the limit the server announces, less the
 * headroom, and lifts the cap when a later announcement is above the
 * profile's own rate. A refusal (429) while the cap binds means the pacing
 * left too little room for the timing jitter between client and server: the
 * cap moves one `step` lower (refusals of requests sent before that
 * are the same episode); a new announced rate starts afresh. Each stretch
 * of `recoverAfterMs` without a refusal wins one step back, so that a few
 * refusals in a long run (jitter, another client sharing the quota) do not
 * lower it for good. The in-flight limit and everything else stay the
 * profile's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AnnouncedCap } from "./announced_cap.ts";
 * import { RunControl } from "../run_control.ts";
 * import { systemClock } from "../clock.ts";
 * const cap = new AnnouncedCap({
 *   control: new RunControl(),
 *   clock: systemClock,
 *   limits: { scopes: [1], tasksPerScope: 1, delayMs: 25 },
 * });
 * assert.equal(cap.setting.ratePerSecond, 40);
 * ```
 */
export class AnnouncedCap {
  readonly #clock: Clock;
  readonly #headroom: number;
  readonly #step: number;
  readonly #limitStatuses: ReadonlySet<number>;
  readonly #setter: RateSetter;
  readonly #recoverAfterMs: number;
  /** Start time of each running attempt. */
  readonly #starts = new Map<string, number>();
  #announced = Infinity;
  /** Refusals while capped at the current announcement (or at the profile's own rate). */
  #refusals = 0;
  #lastCutAt = -Infinity;

  /** @throws {RangeError} when `headroom` is not from 0 to below 1. */
  constructor(options: AnnouncedCapOptions) {
    this.#clock = options.clock;
    this.#headroom = options.headroom ?? DEFAULT_ADAPTIVE_PARAMS.announcedHeadroom;
    if (!(this.#headroom >= 0 && this.#headroom < 1)) {
      throw new RangeError(
        `Cannot cap at announced limits with headroom "${this.#headroom}": expected from 0 to below 1`,
      );
    }
    this.#step = options.step ?? DEFAULT_ADAPTIVE_PARAMS.marginStep;
    if (!(this.#step >= 0 && this.#step < 1)) {
      throw new RangeError(
        `Cannot cap at announced limits with step "${this.#step}": expected from 0 to below 1`,
      );
    }
    this.#limitStatuses = new Set(options.limitStatuses ?? DEFAULT_LIMIT_STATUSES);
    this.#recoverAfterMs = options.recoverAfterMs ?? DEFAULT_ADAPTIVE_PARAMS.probeDelayMs;
    this.#setter = new RateSetter(options);
  }

  /** The setting in effect. */
  get setting(): RateSetting {
    return this.#setter.setting;
  }

  /**
   * Takes a run event into account: refusals while capped lower the cap, and
   * a long enough stretch without one raises it a step.
   */
  readonly observe = (event: RunEvent): void => {
    this.#recover(event.at);
    switch (event.type) {
      case "task-start":
        if (event.role === "task") this.#starts.set(event.id, event.at);
        break;
      case "task-retry":
      case "task-failed": {
        const startedAt = this.#starts.get(event.id);
        this.#starts.delete(event.id);
        if (
          startedAt === undefined || startedAt < this.#lastCutAt || event.status === undefined ||
          !this.#limitStatuses.has(event.status) || !this.#binds()
        ) break;
        const sentAt = this.#setter.setting.ratePerSecond;
        this.#refusals++;
        this.#lastCutAt = event.at;
        this.#apply(
          event.at,
          "limit",
          `HTTP ${event.status} at ${_rate(sentAt)} ${this.#under()}: pacing ${
            Math.round(this.#step * 100)
          } % lower, at most ${_rate(this.#cap())}`,
        );
        break;
      }
      case "task-done":
      case "task-cancelled":
        this.#starts.delete(event.id);
        break;
      default:
        break;
    }
  };

  /** Wins one step back after `recoverAfterMs` without a refusal. */
  #recover(at: number): void {
    if (this.#refusals === 0 || at - this.#lastCutAt < this.#recoverAfterMs) return;
    this.#refusals--;
    this.#lastCutAt = at;
    this.#apply(
      at,
      "recover",
      `no refusal for ${Math.round(this.#recoverAfterMs / 1000)} s ${this.#under()}: ` +
        `pacing a step closer, at most ${_rate(this.#cap())}`,
    );
  }

  /** Caps the rate at an announced limit, or restores the profile's rate below it. */
  hint(hint: RateHint): void {
    const announced = hint.ratePerSecond;
    if (announced === undefined || !(announced > 0) || announced === this.#announced) return;
    this.#announced = announced;
    this.#refusals = 0;
    const at = this.#clock.now();
    this.#lastCutAt = at;
    const cap = this.#cap();
    const reason = cap < this.#setter.maxRate
      ? `the server announces ${_rate(announced)}: at most ${_rate(cap)}`
      : `the server announces ${_rate(announced)}: the profile's own limit is lower`;
    this.#apply(at, "announced", reason);
  }

  /**
   * The announced rate less the headroom (with none announced, the profile's
   * own rate), and one step per refusal.
   */
  #cap(): number {
    const base = Number.isFinite(this.#announced)
      ? this.#announced * (1 - this.#headroom)
      : this.#setter.maxRate;
    return base * (1 - this.#step) ** this.#refusals;
  }

  /**
   * Whether a refusal says the pacing is at the server's edge: under an
   * announced limit, when the cap binds; with none, when the profile paces at
   * all (a server refusing a profile at its own rate, a strict spacing say,
   * refuses the jitter between client and server: a step lower leaves room).
   */
  #binds(): boolean {
    return Number.isFinite(this.#announced)
      ? this.#cap() < this.#setter.maxRate
      : Number.isFinite(this.#setter.maxRate);
  }

  #under(): string {
    return Number.isFinite(this.#announced)
      ? `under the announced ${_rate(this.#announced)}`
      : `at the profile's own ${_rate(this.#setter.maxRate)}`;
  }

  #apply(at: number, cause: "announced" | "limit" | "recover", reason: string): void {
    this.#setter.set(
      {
        ratePerSecond: Math.min(this.#setter.maxRate, this.#cap()),
        maxInFlight: this.#setter.maxInFlight,
      },
      at,
      cause,
      reason,
    );
  }
}

function _rate(perSecond: number): string {
  return `${perSecond.toFixed(1)}/s`;
}
