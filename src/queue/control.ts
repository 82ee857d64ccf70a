/**
 * The adaptive controller on the queue: the same `AdaptiveController` as in
 * one process, run by the leading worker alone, fed every worker's chapter
 * outcomes (see `signals.ts`), and setting the knobs every worker shares in
 * Redis instead of one executor's: the chapter queue's global rate limit
 * and its global concurrency.
 *
 * @module
 */

import type { Clock } from "../exec/clock.ts";
import { systemClock } from "../exec/clock.ts";
import { createRateGovernor, type RateGovernor } from "../exec/adaptive/governor.ts";
import { limitsRate } from "../exec/adaptive/rate_setter.ts";
import type { ControlChange } from "../exec/control_change.ts";
import { RateLimiter } from "../exec/rate_limiter.ts";
import { type ControlTarget, RunControl } from "../exec/run_control.ts";
import type { ScopeLimits } from "../exec/scope_tree.ts";
import type { RateSetting, RunEvent } from "../exec/types.ts";
import type { Profile } from "../manifest/types.ts";
import { compileLimits } from "../plan/limits.ts";
import type { QueueSignal } from "./signals.ts";

/** BullMQ's limiter: at most `max` job starts in each window of `duration` ms. */
export interface QueueLimiter {
  readonly max: number;
  readonly duration: number;
}

/** What every worker of the chapter queue shares in Redis, as a controller sets it. */
export interface QueueKnobs {
  /** Sets the limiter on job starts; undefined: no rate limit. */
  setLimiter(limiter: QueueLimiter | undefined): Promise<void>;
  /** Sets how many jobs may be active at once across the workers; Infinity: no cap. */
  setMaxInFlight(maxInFlight: number): Promise<void>;
  /** Holds every worker's next job start for `ms`. */
  pause(ms: number): Promise<void>;
}

/**
 * The limiter for a rate: one start per window of `1000 / rate` ms, rounded
 * up, so the rate is never exceeded. BullMQ opens a window at the first start
 * after the last one closed, so with one start per window two starts are
 * always at least a window apart: the spacing the controller asks for.
 * Undefined for no limit (Infinity).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { limiterFor } from "./control.ts";
 * assert.deepEqual(limiterFor(10), { max: 1, duration: 100 });
 * assert.deepEqual(limiterFor(30), { max: 1, duration: 34 });
 * assert.equal(limiterFor(Infinity), undefined);
 * ```
 */
export function limiterFor(ratePerSecond: number): QueueLimiter | undefined {
  if (ratePerSecond === Infinity) return undefined;
  return { max: 1, duration: Math.max(1, Math.ceil(1000 / ratePerSecond)) };
}

/** Options of {@linkcode QueueControlTarget}. */
export interface QueueControlTargetOptions {
  /** The in-flight cap before any change (the profile's). */
  readonly maxInFlight: number;
  /** The profile's scope limits: reported, not kept on the queue. */
  readonly scopeLimits: ScopeLimits;
  /** Receives the `control` event of a change. */
  readonly onRecord?: (event: RunEvent) => void;
  /** A knob could not be set (Redis unreachable); the next change tries again. */
  readonly onError?: (error: Error) => void;
  /** @default systemClock */
  readonly clock?: Clock;
}

/**
 * What a {@linkcode RunControl} steers on the queue. The controller sets the
 * limiter's spacing and the in-flight cap here as on an executor; every
 * wake sends what changed to Redis, one change after the other, the latest
 * winning (changes made while one is being sent are sent together after it).
 * Scope limits and holding starts are not kept on the queue: asking for them
 * is refused.
 */
export class QueueControlTarget implements ControlTarget {
  /** Holds the spacing (and any token bucket) the controller set; it times nothing itself. */
  readonly limiter: RateLimiter;
  readonly #knobs: QueueKnobs;
  readonly #options: QueueControlTargetOptions;
  readonly #clock: Clock;
  #maxInFlight: number;
  /** What Redis holds, as last sent; undefined before the first send. */
  #sent: { readonly limiter: string; readonly maxInFlight: number } | undefined;
  #dirty = false;
  /** Whether the next send forgets what was sent (Redis lost it). */
  #forget = false;
  #sending = false;
  #settled: Promise<void> = Promise.resolve();

  constructor(knobs: QueueKnobs, options: QueueControlTargetOptions) {
    this.#knobs = knobs;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.limiter = new RateLimiter({}, this.#clock);
    this.#maxInFlight = options.maxInFlight;
  }

  get maxInFlight(): number {
    return this.#maxInFlight;
  }

  setMaxInFlight(maxInFlight: number): void {
    this.#maxInFlight = maxInFlight;
  }

  /** Sends what changed to Redis (see the class doc). */
  wake(): void {
    this.#dirty = true;
    if (this.#sending) return;
    this.#sending = true;
    this.#settled = this.#send();
  }

  /** Sends every setting again, as if Redis held none; resolves once they are in (or failed). */
  resend(): Promise<void> {
    this.#forget = true;
    this.wake();
    return this.#settled;
  }

  /** Resolves once every change made so far is in Redis (or failed). */
  settled(): Promise<void> {
    return this.#settled;
  }

  hold(_held: boolean): void {
    throw new TypeError("Cannot hold the starts of a queue from its controller: pause the queue");
  }

  get scopeLimits(): ScopeLimits {
    return this.#options.scopeLimits;
  }

  setScopeLimits(_limits: ScopeLimits): void {
    throw new TypeError("Cannot set scope limits on a queue: its workers do not keep them");
  }

  record(source: string, change: ControlChange): void {
    this.#options.onRecord?.({ type: "control", at: this.#clock.now(), source, change });
  }

  pauseUntil(until: number, _reason: string): boolean {
    if (!this.limiter.pauseUntil(until)) return false;
    const ms = until - this.#clock.now();
    if (ms > 0) this.#knobs.pause(ms).catch((error) => this.#failed(error));
    return true;
  }

  async #send(): Promise<void> {
    // After the changes made in this turn (a rate and a cap set together), not between them.
    await Promise.resolve();
    while (this.#dirty) {
      this.#dirty = false;
      const { delayMs, tokenBucket } = this.limiter;
      const limiter = limiterFor(limitsRate({ delayMs, tokenBucket }));
      const wanted = { limiter: JSON.stringify(limiter ?? null), maxInFlight: this.#maxInFlight };
      const sent = this.#forget ? undefined : this.#sent;
      this.#forget = false;
      try {
        if (sent?.limiter !== wanted.limiter) await this.#knobs.setLimiter(limiter);
        if (sent?.maxInFlight !== wanted.maxInFlight) {
          await this.#knobs.setMaxInFlight(wanted.maxInFlight);
        }
        this.#sent = wanted;
      } catch (error) {
        this.#failed(error);
      }
    }
    // In the same turn as the last look at #dirty: a wake after it sends again.
    this.#sending = false;
  }

  #failed(error: unknown): void {
    this.#options.onError?.(error instanceof Error ? error : new Error(String(error)));
  }
}

/** Options of {@linkcode QueueController}. */
export interface QueueControllerOptions {
  /** The knobs the workers share. */
  readonly knobs: QueueKnobs;
  /** The adaptive profile the workers run: its limits are ceilings, its rates the start and floor. */
  readonly profile: Profile;
  /** Receives every `rate-change` (and `control`) event of the controller. */
  readonly onChange: (event: RunEvent) => void;
  /** A knob could not be set. */
  readonly onError?: (error: Error) => void;
  /** @default systemClock */
  readonly clock?: Clock;
}

/**
 * One adaptive controller for every worker of the queue, run by the leader.
 * It starts as a run does (the profile's start rate, one job in flight
 * until the first answer) and takes every worker's signals with
 * {@linkcode take}. A pause a worker reports (a `Retry-After`) ends for the
 * controller at its end, as the executor's `rate-resume` says.
 *
 * @throws {TypeError} for a profile that is not adaptive.
 */
export class QueueController {
  readonly #governor: RateGovernor;
  readonly #target: QueueControlTarget;
  readonly #detach: () => void;
  readonly #clock: Clock;
  #pausedUntil = -Infinity;
  /** Ends the wait for the end of the pause in force. */
  #resumeWait: AbortController | undefined;
  #stopped = false;

  constructor(options: QueueControllerOptions) {
    const { profile } = options;
    if (profile.adaptive === undefined) {
      throw new TypeError(`Cannot adapt the rate of profile "${profile.name}": it is not adaptive`);
    }
    this.#clock = options.clock ?? systemClock;
    const limits = compileLimits(profile).executor;
    this.#target = new QueueControlTarget(options.knobs, {
      maxInFlight: limits.maxInFlight ?? Infinity,
      scopeLimits: { scopes: limits.scopes, tasksPerScope: limits.tasksPerScope },
      onRecord: options.onChange,
      onError: options.onError,
      clock: this.#clock,
    });
    const control = new RunControl();
    this.#detach = control.attach(this.#target);
    this.#governor = createRateGovernor({
      control,
      clock: this.#clock,
      limits,
      adaptive: profile.adaptive,
      onChange: options.onChange,
    });
    this.#governor.observe({
      type: "run-start",
      at: this.#clock.now(),
      nodes: 0,
      tasks: 0,
      sinks: 0,
    });
  }

  /** The setting in effect. */
  get setting(): RateSetting {
    return this.#governor.setting;
  }

  /** Takes one worker's signal into account. */
  take(signal: QueueSignal): void {
    if (this.#stopped) return;
    if (!("event" in signal)) {
      this.#governor.hint(signal.hint);
      return;
    }
    const { event } = signal;
    this.#governor.observe(event);
    if (event.type === "rate-pause" && event.until > this.#pausedUntil) {
      this.#pausedUntil = event.until;
      this.#resumeWait?.abort();
      const wait = new AbortController();
      this.#resumeWait = wait;
      this.#clock.sleep(Math.max(0, event.until - this.#clock.now()), wait.signal).then(() => {
        this.#resumeWait = undefined;
        this.#pausedUntil = -Infinity;
        this.#governor.observe({ type: "rate-resume", at: this.#clock.now() });
      }, () => {}); // aborted: a longer pause, or stop
    }
  }

  /** Sends the setting in effect to Redis again (after Redis lost it); resolves once it is in. */
  async resend(): Promise<void> {
    if (this.#stopped) return;
    await this.#target.resend();
  }

  /** Stops adapting (the limits in Redis stay as last set); resolves once every change sent is in. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#resumeWait?.abort();
    this.#resumeWait = undefined;
    this.#detach();
    await this.#target.settled();
  }
}
