/**
 * The adaptive controller: watches a run's events (and any limit the server
 * announces) and sets the run's request rate and in-flight limit through its
 * `RunControl`, inside the profile's limits.
 *
 * @module
 */

import type { Clock } from "../clock.ts";
import type { RunControl } from "../run_control.ts";
import type { Limits, RateChangeCause, RateHint, RateSetting, RunEvent } from "../types.ts";
import { AimdRate, type RateDecision } from "./aimd_rate.ts";
import { LatencyGradient } from "./latency_gradient.ts";
import { type AdaptiveParams, adaptiveParams } from "./params.ts";
import { RateSetter } from "./rate_setter.ts";

/** Statuses read as "too many requests" by default. */
export const DEFAULT_LIMIT_STATUSES: readonly number[] = [429];
/** Statuses read as an overloaded server by default. */
export const DEFAULT_OVERLOAD_STATUSES: readonly number[] = [500, 502, 503, 504];

/** The reason the executor gives a timed-out attempt (`timeoutFailure` in failure.ts). */
const _TIMEOUT = /^timeout after \d+(\.\d+)? ms$/;
/** Starts over which the achieved rate is measured. */
const _SPACING_STARTS = 5;
/**
 * A refusal this soon after a pause, in pauses, reads as a bucket emptied
 * again (see `#acceptedRate`); a later one may be the edge of a strict limit.
 */
const _SHORT_CYCLE_PAUSES = 3;
/** Two measures of what the server took agree within this share of the larger. */
const _ACCEPTED_AGREEMENT = 0.25;
/** ... and come at most this far apart, ms. */
const _ACCEPTED_AGREE_WITHIN_MS = 15_000;

/** Options of {@linkcode AdaptiveController}. */
export interface AdaptiveControllerOptions {
  /** The run's control, passed to `runDag` as `control`. */
  readonly control: RunControl;
  /** The run's clock. */
  readonly clock: Clock;
  /** The profile's limits: its rate and in-flight limits are ceilings, never exceeded. */
  readonly limits: Limits;
  /** @default DEFAULT_ADAPTIVE_PARAMS */
  readonly params?: Partial<AdaptiveParams>;
  /** Failure statuses that mean "too many requests". @default [429] */
  readonly limitStatuses?: readonly number[];
  /** Failure statuses that mean an overloaded server (timeouts count too). @default [500, 502, 503, 504] */
  readonly overloadStatuses?: readonly number[];
  /** Receives every `rate-change` event, synchronously. */
  readonly onChange?: (event: RunEvent) => void;
}

/**
 * Sets a run's rate and in-flight limit from what the run sees. Feed it every
 * run event with {@linkcode observe} (after the other sinks, so its
 * `rate-change` follows the event that caused it), and every server hint with
 * {@linkcode hint}.
 *
 * The rate follows {@linkcode AimdRate}. The in-flight limit is one request
 * until the first answer (which may announce a limit), then Little's law:
 * `ceil(rate × baseline latency × inFlightHeadroom) + 1`. Latency is read
 * from successful attempts: recent over baseline above `latencyEase`
 * decreases the rate, above `latencyHold` stops its growth. The rate does not
 * grow during a server's pause, nor while the run starts at less than half
 * of it (the limit is elsewhere: scopes, in-flight or the DAG).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AdaptiveController } from "./controller.ts";
 * import { RunControl } from "../run_control.ts";
 * import { VirtualClock } from "../virtual_clock.ts";
 * const control = new RunControl();
 * const changes: string[] = [];
 * const controller = new AdaptiveController({
 *   control,
 *   clock: new VirtualClock(),
 *   limits: { scopes: [1], tasksPerScope: 10, maxInFlight: 10 },
 *   onChange: (event) => changes.push(event.type),
 * });
 * assert.equal(controller.setting.maxInFlight, 10);
 * // runDag(dag, { ..., control, onEvent: (event) => controller.observe(event) });
 * ```
 */
export class AdaptiveController {
  readonly #clock: Clock;
  readonly #params: AdaptiveParams;
  readonly #limitStatuses: ReadonlySet<number>;
  readonly #overloadStatuses: ReadonlySet<number>;
  readonly #setter: RateSetter;
  readonly #aimd: AimdRate;
  readonly #latency: LatencyGradient;
  /** Each running attempt's start time and the rate it was sent at. */
  readonly #starts = new Map<string, { readonly at: number; readonly rate: number }>();
  /** The last start times, oldest first. */
  #recentStarts: number[] = [];
  /** When the rate was last raised. */
  #raisedAt = -Infinity;
  #answered = false;
  #pausedUntil = -Infinity;
  #holdGrowth = false;
  /** Whether each of the last `overloadWindow` answers was a 5xx or a timeout, oldest first. */
  readonly #overloads: boolean[] = [];
  /**
   * The last pause ([from, until]; extensions of it merged in), the starts
   * since it ended and the rate of the first of them; and the same of the
   * pause before (a refusal's own pause comes before the refusal's event).
   */
  #cycle: _Cycle | undefined;
  #previousCycle: _Cycle | undefined;
  /** The last measure of what the server took over a cycle, and when. */
  #lastTaken: { readonly rate: number; readonly at: number } | undefined;
  #announced = Infinity;

  /** @throws {RangeError} on invalid parameters. */
  constructor(options: AdaptiveControllerOptions) {
    this.#clock = options.clock;
    this.#params = adaptiveParams(options.params);
    this.#limitStatuses = new Set(options.limitStatuses ?? DEFAULT_LIMIT_STATUSES);
    this.#overloadStatuses = new Set(options.overloadStatuses ?? DEFAULT_OVERLOAD_STATUSES);
    this.#setter = new RateSetter(options);
    this.#aimd = new AimdRate(this.#params, {
      maxRate: this.#setter.maxRate,
      at: options.clock.now(),
    });
    this.#latency = new LatencyGradient({ window: this.#params.latencyWindow });
  }

  /** The setting in effect (before the run starts, the profile's). */
  get setting(): RateSetting {
    return this.#setter.setting;
  }

  /** Takes one run event into account. A sink of the run's events. */
  readonly observe = (event: RunEvent): void => {
    switch (event.type) {
      case "run-start": {
        const rate = this.#aimd.rate;
        this.#set(
          { ratePerSecond: rate, maxInFlight: 1 },
          event.at,
          "start",
          `start at ${rate.toFixed(1)}/s, one request until the first answer`,
        );
        break;
      }
      case "task-start":
        if (event.role === "task") this.#started(event.id, event.at);
        break;
      case "task-done": {
        const start = this.#take(event.id);
        if (start === undefined) break;
        this.#noteAnswer(false);
        this.#latency.add(event.durationMs);
        this.#answer(event.at);
        this.#checkLatency(event.at, start);
        this.#tick(event.at);
        break;
      }
      case "task-retry":
      case "task-failed": {
        const start = this.#take(event.id);
        if (start === undefined) break;
        this.#answer(event.at);
        this.#failed(event.at, start, event.status, event.reason);
        this.#tick(event.at);
        break;
      }
      case "task-cancelled":
        this.#starts.delete(event.id);
        break;
      case "rate-pause":
        this.#tick(event.at);
        this.#pausedUntil = Math.max(this.#pausedUntil, event.until);
        if (this.#cycle !== undefined && event.at <= this.#cycle.until) {
          this.#cycle.until = Math.max(this.#cycle.until, event.until);
        } else {
          this.#previousCycle = this.#cycle;
          this.#cycle = { from: event.at, until: event.until, starts: [], firstRate: 0 };
        }
        // The gap a pause leaves says nothing of the rate the run sends at.
        this.#recentStarts = [];
        break;
      case "rate-resume":
        // The paused time is not made up for: advance without growth.
        this.#aimd.advance(event.at, { grow: false });
        this.#pausedUntil = -Infinity;
        break;
      case "scope-open":
      case "scope-close":
      case "task-skipped":
      case "rate-change":
      case "run-end":
        break;
      default: {
        const unhandled: never = event;
        throw new TypeError(`Cannot adapt to event: unknown type "${String(unhandled)}"`);
      }
    }
  };

  /**
   * Takes what the server announced into account: an announced rate caps the
   * run at `ratePerSecond × (1 - announcedHeadroom)` and sets the rate there
   * at once. A repeated announcement of the same rate changes nothing.
   */
  hint(hint: RateHint): void {
    const announced = hint.ratePerSecond;
    if (announced === undefined || !(announced > 0)) return;
    const known = this.#announced;
    if (known < Infinity && Math.abs(announced - known) <= 0.01 * known) return;
    this.#announced = announced;
    const cap = announced * (1 - this.#params.announcedHeadroom);
    const at = this.#clock.now();
    const decision = this.#aimd.announce(
      Math.min(this.#setter.maxRate, cap),
      at,
      `the server announces ${announced.toFixed(1)}/s: at most ${cap.toFixed(1)}/s`,
    );
    this.#apply(decision, at);
  }

  #started(id: string, at: number): void {
    const recent = this.#recentStarts;
    recent.push(at);
    if (recent.length > _SPACING_STARTS) recent.shift();
    // The rate a request was sent at is the limiter's, unless the run starts far
    // fewer (held back elsewhere); an average of the last starts would lag a rising rate.
    // Only starts since the rate was last raised count: spacing for a lower rate would lag.
    const applied = this.#setter.setting.ratePerSecond;
    const since = recent.filter((start) => start >= this.#raisedAt);
    const achieved = since.length < 2 ? undefined : _startsPerSecond(since);
    const rate = achieved !== undefined && achieved < 0.7 * applied ? achieved : applied;
    this.#starts.set(id, { at, rate });
    const cycle = this.#cycle;
    // Only the stretch a refusal can be measured over is kept (see `#acceptedRate`).
    if (
      cycle !== undefined && at >= cycle.until &&
      at - cycle.until <= _SHORT_CYCLE_PAUSES * (cycle.until - cycle.from)
    ) {
      if (cycle.starts.length === 0) cycle.firstRate = rate;
      cycle.starts.push(at);
    }
    this.#tick(at);
  }

  /**
   * What the server took, requests/s, over the cycle before a refused
   * request: the last pause and the sending after it. A server whose bucket
   * holds a burst lets a client run above its limit until the bucket is
   * empty, so the rate a request is refused at can be far above the limit;
   * the bucket refills during the pause, and over pause and sending
   * together it took no more than its limit. Measured only when the refusal
   * came soon after the pause (a bucket emptied again; a late one may be
   * the edge of a strictly spaced limit, which the pause did not refill),
   * but not at once (nothing banked: a strict spacing), and the run sent at
   * about the refused rate all along; and trusted only when the cycle before
   * measured about the same.
   */
  #acceptedRate(start: { readonly at: number; readonly rate: number }): number | undefined {
    // Once per episode: later refusals of requests sent before its decrease are the same.
    if (start.at < this.#aimd.lastDecreaseAt) return undefined;
    const cycle = [this.#cycle, this.#previousCycle]
      .find((c) => c !== undefined && c.until <= start.at);
    if (cycle === undefined) return undefined;
    const { from, until } = cycle;
    const sending = start.at - until;
    const pause = until - from;
    // Refused right after the pause: nothing was banked, a strict spacing.
    if (sending < pause / 4 || sending > _SHORT_CYCLE_PAUSES * pause) return undefined;
    if (cycle.firstRate < 0.9 * start.rate) return undefined;
    // Every request sent before the refused one went through: the refusal is the first of its episode.
    const taken = cycle.starts.reduce((n, at) => at < start.at ? n + 1 : n, 0);
    if (taken === 0) return undefined;
    const rate = (taken * 1000) / (start.at - from);
    // Trusted when two cycles in a row agree: behind a bucket what it takes
    // is its limit, cycle after cycle; after a strict limit's jitter refusal
    // it is a chance figure.
    const last = this.#lastTaken;
    this.#lastTaken = { rate, at: start.at };
    if (last === undefined || start.at - last.at > _ACCEPTED_AGREE_WITHIN_MS) return undefined;
    return Math.abs(rate - last.rate) <= _ACCEPTED_AGREEMENT * Math.max(rate, last.rate)
      ? rate
      : undefined;
  }

  /** Starts per second over the last few starts; undefined before two. */
  #achievedRate(): number | undefined {
    const recent = this.#recentStarts;
    return recent.length < 2 ? undefined : _startsPerSecond(recent);
  }

  #take(id: string): { readonly at: number; readonly rate: number } | undefined {
    const start = this.#starts.get(id);
    this.#starts.delete(id);
    return start;
  }

  /** The first answer lifts the one-request limit. */
  #answer(at: number): void {
    if (this.#answered) return;
    this.#answered = true;
    const baseline = this.#latency.baselineMs;
    const first = baseline === undefined ? "" : ` in ${Math.round(baseline)} ms`;
    this.#set(this.#wanted(this.#aimd.rate), at, "start", `first answer${first}`);
  }

  #failed(
    at: number,
    start: { readonly at: number; readonly rate: number },
    status: number | undefined,
    reason: string,
  ): void {
    const signal = { startedAt: start.at, startRate: start.rate };
    if (status !== undefined && this.#limitStatuses.has(status)) {
      const acceptedRate = this.#acceptedRate(start);
      this.#apply(
        this.#aimd.onLimit(at, { ...signal, what: `HTTP ${status}`, acceptedRate }),
        at,
      );
    } else if (
      (status !== undefined && this.#overloadStatuses.has(status)) ||
      (status === undefined && _TIMEOUT.test(reason))
    ) {
      const count = this.#noteAnswer(true);
      if (count < this.#params.overloadCount) return; // one alone is noise
      const what = `${
        status === undefined ? reason : `HTTP ${status}`
      } (${count} of the last ${this.#overloads.length} answers)`;
      this.#apply(this.#aimd.onOverload(at, { ...signal, what, kind: "overload" }), at);
      return;
    }
    this.#noteAnswer(false);
  }

  /** Records whether an answer was a 5xx or a timeout; returns how many of the last ones were. */
  #noteAnswer(overload: boolean): number {
    const answers = this.#overloads;
    answers.push(overload);
    if (answers.length > this.#params.overloadWindow) answers.shift();
    return answers.reduce((n, was) => was ? n + 1 : n, 0);
  }

  #checkLatency(at: number, start: { readonly at: number; readonly rate: number }): void {
    const gradient = this.#latency.gradient;
    if (gradient === undefined) {
      this.#holdGrowth = false;
      return;
    }
    if (gradient > this.#params.latencyEase) {
      const recent = Math.round(this.#latency.recentMs!);
      const baseline = Math.round(this.#latency.baselineMs!);
      const decision = this.#aimd.onOverload(at, {
        startedAt: start.at,
        startRate: start.rate,
        what: `latency ${recent} ms, ${gradient.toFixed(1)}x the baseline ${baseline} ms,`,
        kind: "latency",
      });
      if (decision !== undefined) {
        this.#latency.restartRecent();
        this.#apply(decision, at);
      }
    }
    this.#holdGrowth = gradient > this.#params.latencyHold;
  }

  /** Lets the rate grow for the time passed, when nothing holds it back. */
  #tick(at: number): void {
    const achieved = this.#achievedRate();
    const grow = this.#answered && at >= this.#pausedUntil && !this.#holdGrowth &&
      (achieved === undefined || this.#recentStarts.length < _SPACING_STARTS ||
        this.#aimd.rate <= 2 * achieved);
    const decision = this.#aimd.advance(at, { grow, baselineMs: this.#latency.baselineMs });
    if (decision === undefined) return;
    const applied = this.#setter.setting.ratePerSecond;
    const small = Math.abs(decision.rate - applied) < this.#params.stepRatio * applied;
    if (small && !decision.force) return;
    this.#apply(decision, at);
  }

  #apply(decision: RateDecision | undefined, at: number): void {
    if (decision === undefined) return;
    this.#set(this.#wanted(decision.rate), at, decision.cause, decision.reason);
  }

  #set(wanted: RateSetting, at: number, cause: RateChangeCause, reason: string): void {
    const before = this.#setter.setting.ratePerSecond;
    if (!this.#setter.set(wanted, at, cause, reason)) return;
    if (this.#setter.setting.ratePerSecond > before) this.#raisedAt = at;
  }

  /** The setting for `rate`: one in flight until the first answer, then Little's law. */
  #wanted(rate: number): RateSetting {
    if (!this.#answered) return { ratePerSecond: rate, maxInFlight: 1 };
    const baseline = this.#latency.baselineMs;
    if (baseline === undefined || rate === Infinity) {
      return { ratePerSecond: rate, maxInFlight: Infinity };
    }
    const inFlight = Math.ceil((rate * baseline * this.#params.inFlightHeadroom) / 1000) + 1;
    return { ratePerSecond: rate, maxInFlight: inFlight };
  }
}

/** A pause of the server and the sending after it. */
interface _Cycle {
  readonly from: number;
  until: number;
  readonly starts: number[];
  firstRate: number;
}

/** Starts per second over `starts` (two or more, in order). */
function _startsPerSecond(starts: readonly number[]): number {
  const span = starts[starts.length - 1] - starts[0];
  return span > 0 ? ((starts.length - 1) * 1000) / span : Infinity;
}
