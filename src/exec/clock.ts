/**
 * The clock every waiting part of the executor takes, so tests can run on
 * virtual time.
 *
 * @module
 */

import { clearImmediate, setImmediate } from "node:timers";

/** A source of time and of sleeps. All times are in milliseconds. */
export interface Clock {
  /** The current time in ms (epoch ms for the system clock, any origin for a virtual one). */
  now(): number;
  /**
   * Resolves after `ms` milliseconds. Rejects with the signal's reason when the
   * signal aborts first, and leaves no timer or listener behind either way.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Resolves at clock time `at`: never before it, and as soon after it as the
   * clock can manage. Rejects like `sleep`. A clock whose `sleep` is already
   * exact (a virtual one) need not have it: callers fall back to
   * `sleep(at - now())`.
   */
  sleepUntil?(at: number, signal?: AbortSignal): Promise<void>;
  /**
   * Resolves once the event loop has turned: I/O that the code running now
   * began (a request's bytes) has been handed on by then. Rejects like
   * `sleep`. A clock without an event loop of its own (a virtual one) need
   * not have it.
   */
  nextTurn?(signal?: AbortSignal): Promise<void>;
}

/** The precise wait never yields through the event loop for longer than this before its target, ms. */
const _MAX_LEAD_MS = 5;
/** The longest delay `setTimeout` takes as given (a longer one fires after 1 ms, with a warning). */
const _MAX_TIMER_MS = 2 ** 31 - 1;
/** The timer aims this far before the target beyond its own expected lateness, ms. */
const _LEAD_MARGIN_MS = 0.5;

/**
 * How late `setTimeout` fires here, learnt from the precise waits' own
 * timers: an exponentially weighted mean of (fired − asked), in ms.
 */
class _TimerLateness {
  #meanMs = 1;

  /** How far before a target the timer should aim, ms. */
  get leadMs(): number {
    return Math.min(_MAX_LEAD_MS, this.#meanMs + _LEAD_MARGIN_MS);
  }

  /**
   * Takes one timer's lateness into account. A sample beyond the longest
   * lead is the event loop held up by work (a parse, a GC), not the timer:
   * counting it would make every later wait yield longer exactly when the
   * process is busiest.
   */
  observe(lateMs: number): void {
    if (!(lateMs <= _MAX_LEAD_MS)) return; // also NaN
    this.#meanMs += (Math.max(0, lateMs) - this.#meanMs) / 8;
  }
}

const _lateness = new _TimerLateness();
const _now = () => performance.timeOrigin + performance.now();

/**
 * The real clock: monotonic time on the epoch scale (`performance.timeOrigin +
 * performance.now()`) and `setTimeout`. Monotonic, so that a wall clock
 * stepped back or forward during a run neither stalls nor bunches up the
 * scheduled starts; on the epoch scale, so that log times read as dates.
 *
 * `sleepUntil` is precise to a few hundredths of a millisecond, where a
 * timer alone fires 1-2 ms late (and rounds its delay to whole
 * milliseconds): it sets a timer to shortly before the target, by the
 * lateness it has seen of its own timers, then yields turn by turn of the
 * event loop (`setImmediate`, so I/O goes on) until the target. A scheduler
 * that spaces starts from each actual start thus does not lose a timer's
 * lateness at every start. The cost is the last stretch of each wait, about
 * 1.5 ms of CPU per wake-up (4 % of a core at 40 wake-ups/s).
 *
 * Both waits take any length: one longer than `setTimeout` allows (about
 * 24.8 days) is made of several timers, and an infinite one ends only with
 * its signal.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { systemClock } from "./clock.ts";
 * const at = systemClock.now() + 5;
 * await systemClock.sleepUntil(at);
 * assert.ok(systemClock.now() >= at);
 * ```
 */
export const systemClock: Clock & Required<Pick<Clock, "sleepUntil" | "nextTurn">> = {
  now: _now,
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (Number.isNaN(ms)) return Promise.reject(new RangeError("Cannot sleep NaN ms"));
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (ms > _MAX_TIMER_MS) return systemClock.sleepUntil(_now() + ms, signal);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, Math.max(0, ms));
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  },
  nextTurn(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    // An immediate runs once the current turn has let the runtime go on with
    // the I/O begun in it: a request on a connection already open has then
    // been written (a 0 ms timer would come a millisecond or two later).
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        clearImmediate(immediate);
        reject(signal!.reason);
      };
      const immediate = setImmediate(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      });
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  },
  sleepUntil(at: number, signal?: AbortSignal): Promise<void> {
    if (Number.isNaN(at)) return Promise.reject(new RangeError("Cannot sleep until NaN"));
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let immediate: ReturnType<typeof setImmediate> | undefined;
      const onAbort = () => {
        clearTimeout(timer);
        if (immediate !== undefined) clearImmediate(immediate);
        reject(signal!.reason);
      };
      const step = () => {
        timer = immediate = undefined;
        const now = _now();
        const left = at - now;
        if (left <= 0) {
          signal?.removeEventListener("abort", onAbort);
          resolve();
          return;
        }
        if (left === Infinity) return; // only the signal ends it
        const lead = _lateness.leadMs;
        if (left <= lead) {
          immediate = setImmediate(step);
          return;
        }
        const ask = Math.min(left - lead, _MAX_TIMER_MS);
        timer = setTimeout(() => {
          if (ask < _MAX_TIMER_MS) _lateness.observe(_now() - now - ask);
          step();
        }, ask);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      step();
    });
  },
};
