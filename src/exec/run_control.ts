/**
 * A handle to change a run's in-flight limit and start rate while it runs,
 * for an adaptive controller that watches the run's events, and to steer it
 * on a person's behalf ({@linkcode RunControl.steer}: pause, resume, cancel,
 * limits), each such change recorded as a `control` event.
 *
 * @module
 */

import type { RateLimiter, TokenBucket } from "./rate_limiter.ts";
import type { ScopeLimits } from "./scope_tree.ts";
import type { ControlChange } from "./control_change.ts";

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
  /** Holds every new start (`true`) until released (`false`); running tasks go on. */
  hold(held: boolean): void;
  /** The scope limits in force. */
  readonly scopeLimits: ScopeLimits;
  /** Changes the scope limits. */
  setScopeLimits(limits: ScopeLimits): void;
  /** Emits the `control` event of a change now in force. */
  record(source: string, change: ControlChange): void;
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
  #held = false;
  readonly #cancel = new AbortController();

  /**
   * Aborts when {@linkcode steer} cancels the run. The executor does not
   * read it: whoever runs the DAG passes it on as (part of) the run's signal.
   */
  get signal(): AbortSignal {
    return this.#cancel.signal;
  }

  /** Whether a person paused new starts ({@linkcode steer}). */
  get held(): boolean {
    return this.#held;
  }

  /** The scope limits in force. */
  get scopeLimits(): ScopeLimits {
    return this.#require("read scopeLimits").scopeLimits;
  }

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
    _checkCount("maxInFlight", maxInFlight);
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
   * Makes a change a person asked for and records it as a `control` event
   * with its `source`: `pause` holds every new start until `resume` (the
   * running tasks go on), `cancel` aborts {@linkcode signal}, `limits` sets
   * those it names (`Infinity`: none; a rate replaces the token bucket and
   * the minimum delay). Checking a change against a profile's rules is the
   * caller's business; this checks only what the executor cannot run.
   *
   * @throws {RangeError} for a limit the executor cannot run (see the setters).
   * @throws {Error} when no run is attached.
   */
  steer(change: ControlChange, source: string): void {
    const target = this.#require(change.action);
    switch (change.action) {
      case "pause":
      case "resume":
        this.#held = change.action === "pause";
        target.hold(this.#held);
        break;
      case "cancel":
        this.#cancel.abort(new DOMException(`Cancelled (${source})`, "AbortError"));
        break;
      case "limits": {
        const { ratePerSecond, maxInFlight, scopes, tasksPerScope } = change.limits;
        if (ratePerSecond !== undefined && !(ratePerSecond > 0)) {
          throw new RangeError(
            `Cannot set the rate "${ratePerSecond}": must be above 0 requests per second`,
          );
        }
        if (maxInFlight !== undefined) _checkCount("maxInFlight", maxInFlight);
        scopes?.forEach((limit, level) => _checkCount(`scopes[${level}]`, limit));
        if (tasksPerScope !== undefined) _checkCount("tasksPerScope", tasksPerScope);
        if (ratePerSecond !== undefined) {
          const bucket = target.limiter.tokenBucket;
          target.limiter.setDelayMs(0);
          target.limiter.setTokenBucket(
            ratePerSecond === Infinity ? undefined : { ratePerSecond, burst: bucket?.burst ?? 1 },
          );
        }
        if (maxInFlight !== undefined) target.setMaxInFlight(maxInFlight);
        if (scopes !== undefined || tasksPerScope !== undefined) {
          const now = target.scopeLimits;
          target.setScopeLimits({
            scopes: scopes ?? now.scopes,
            tasksPerScope: tasksPerScope ?? now.tasksPerScope,
          });
        }
        break;
      }
      default: {
        const unhandled: never = change;
        throw new TypeError(`Cannot steer the run: unknown change ${JSON.stringify(unhandled)}`);
      }
    }
    target.record(source, change);
    target.wake();
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
    if (this.#held) target.hold(true);
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

// A count limit: a whole number of at least 1, or Infinity (none).
function _checkCount(name: string, value: number): void {
  if (!(value >= 1) || (value !== Infinity && !Number.isInteger(value))) {
    throw new RangeError(`Cannot set ${name} "${value}": must be a whole number of at least 1`);
  }
}
