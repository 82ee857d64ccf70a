/**
 * A handle to change a run's in-flight limit and start rate while it runs,
 * for an adaptive controller that watches the run's events.
 *
 * @module
 */

import type { RateLimiter, TokenBucket } from "./rate_limiter.ts";

/** What a running DAG lends to its {@linkcode RunControl}. */
export interface ControlTarget {
  /** The run's limiter on task starts. */
  readonly limiter: RateLimiter;
  /** The current cap on running tasks. */
  readonly maxInFlight: number;
  /** Changes the cap on running tasks. */
  setMaxInFlight(maxInFlight: number): void;
  /** Asks the scheduler to re-check what it may start. */
  wake(): void;
  /**
   * Holds every start until clock time `until` and records the pause
   * (`rate-pause`, then `rate-resume`), as a `Retry-After` does.
   *
   * @returns whether it extended the pause in force.
   */
  pauseUntil(until: number, reason: string): boolean;
}

/**
 * Pass one as `RunOptions.control` and call its setters while the run is
 * going. Raising a limit starts waiting work at once; lowering one lets the
 * running tasks finish and holds new starts until they fit.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RunControl } from "./run_control.ts";
 * const control = new RunControl();
 * assert.ok(!control.attached);
 * // runDag(dag, { ..., control }); then, from an event handler:
 * // control.setMaxInFlight(4); control.setDelayMs(200);
 * ```
 */
export class RunControl {
  #target: ControlTarget | undefined;

  /** Whether a run is attached. */
  get attached(): boolean {
    return this.#target !== undefined;
  }

  /** The current cap on running tasks. */
  get maxInFlight(): number {
    return this.#require("read maxInFlight").maxInFlight;
  }

  /** The current minimum ms between task starts. */
  get delayMs(): number {
    return this.#require("read delayMs").limiter.delayMs;
  }

  /** The current token bucket on task starts, if any. */
  get tokenBucket(): TokenBucket | undefined {
    return this.#require("read tokenBucket").limiter.tokenBucket;
  }

  /**
   * Changes the cap on running tasks.
   *
   * @throws {RangeError} when `maxInFlight` is not a whole number of at least 1 (or Infinity).
   * @throws {Error} when no run is attached.
   */
  setMaxInFlight(maxInFlight: number): void {
    const target = this.#require("set maxInFlight");
    if (!(maxInFlight >= 1) || (maxInFlight !== Infinity && !Number.isInteger(maxInFlight))) {
      throw new RangeError(
        `Cannot set maxInFlight "${maxInFlight}": must be a whole number of at least 1`,
      );
    }
    target.setMaxInFlight(maxInFlight);
    target.wake();
  }

  /** Changes the minimum ms between task starts. @throws {RangeError} when negative. */
  setDelayMs(delayMs: number): void {
    const target = this.#require("set delayMs");
    target.limiter.setDelayMs(delayMs);
    target.wake();
  }

  /** Changes or (with `undefined`) removes the token bucket on task starts. */
  setTokenBucket(bucket: TokenBucket | undefined): void {
    const target = this.#require("set tokenBucket");
    target.limiter.setTokenBucket(bucket);
    target.wake();
  }

  /**
   * Holds every task start until clock time `until`, as a server's
   * `Retry-After` does: running tasks go on, nothing starts before then, and
   * the run emits `rate-pause` with `reason` (and `rate-resume` after). A
   * pause never shortens a longer one in force.
   *
   * @returns whether it extended the pause in force.
   * @throws {RangeError} when `until` is not a finite clock time: a pause
   * without end would only stall the run.
   */
  pauseUntil(until: number, reason: string): boolean {
    const target = this.#require("pause");
    if (!Number.isFinite(until)) {
      throw new RangeError(`Cannot pause until "${until}": must be a finite clock time`);
    }
    return target.pauseUntil(until, reason);
  }

  /**
   * Attaches a run; called by the executor. Returns the function that detaches it.
   *
   * @throws {TypeError} when another run is attached.
   */
  attach(target: ControlTarget): () => void {
    if (this.#target !== undefined) {
      throw new TypeError("Cannot attach a run to this RunControl: another run is attached");
    }
    this.#target = target;
    return () => {
      if (this.#target === target) this.#target = undefined;
    };
  }

  #require(action: string): ControlTarget {
    if (this.#target === undefined) {
      throw new Error(`Cannot ${action}: no run is attached to this RunControl`);
    }
    return this.#target;
  }
}
