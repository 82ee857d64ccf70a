/**
 * A clock whose time moves only when a test says so, so waits of seconds or
 * minutes run in microseconds and timing assertions are exact.
 *
 * @module
 */

import { setImmediate } from "node:timers";
import type { Clock } from "./clock.ts";
import { MinHeap } from "./heap.ts";

interface _Sleeper {
  readonly at: number;
  /** Breaks ties between sleepers due at the same time: first registered fires first. */
  readonly seq: number;
  readonly wake: () => void;
  cancelled: boolean;
}

const _earlier = (a: _Sleeper, b: _Sleeper): boolean =>
  a.at < b.at || (a.at === b.at && a.seq < b.seq);

/**
 * A virtual clock. `sleep` registers a sleeper; `advance`, `advanceToNextTimer`
 * and `runUntilIdle` move time forward and wake sleepers in time order,
 * letting pending promise callbacks run between two wake-ups.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { VirtualClock } from "./virtual_clock.ts";
 * const clock = new VirtualClock();
 * let woke = false;
 * clock.sleep(30_000).then(() => woke = true);
 * await clock.advance(29_999);
 * assert.ok(!woke);
 * await clock.advance(1);
 * assert.ok(woke && clock.now() === 30_000);
 * ```
 */
export class VirtualClock implements Clock {
  #now: number;
  #seq = 0;
  #pending = 0;
  readonly #sleepers = new MinHeap<_Sleeper>(_earlier);

  /** Creates a clock at `start` that moves only when told. @param start the initial time, ms. @default 0 */
  constructor(start = 0) {
    this.#now = start;
  }

  /** The current virtual time, ms. */
  now(): number {
    return this.#now;
  }

  /** Number of sleepers not yet woken nor aborted. */
  get pendingTimers(): number {
    return this.#pending;
  }

  /**
   * Resolves when virtual time reaches now + `ms` (at once for `ms` <= 0).
   * An abort rejects with the signal's reason and removes the sleeper.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (!(ms > 0)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        sleeper.cancelled = true;
        this.#pending--;
        reject(signal!.reason);
      };
      const sleeper: _Sleeper = {
        at: this.#now + ms,
        seq: this.#seq++,
        wake: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        cancelled: false,
      };
      this.#sleepers.push(sleeper);
      this.#pending++;
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Lets every pending promise callback run (one macrotask turn). */
  settle(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve));
  }

  /**
   * Moves time forward by `ms`, waking each sleeper due by then at its own
   * time, in order, and settling promise callbacks after each.
   *
   * @throws {RangeError} when `ms` is negative.
   */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) {
      throw new RangeError(`Cannot advance the clock by "${ms}" ms: must be 0 or more`);
    }
    const target = this.#now + ms;
    await this.settle();
    for (;;) {
      const next = this.#nextSleeper();
      if (next === undefined || next.at > target) break;
      this.#wake(next);
      await this.settle();
    }
    this.#now = target;
    await this.settle();
  }

  /** Moves time to the earliest sleeper and wakes it. @returns false when no sleeper was pending. */
  async advanceToNextTimer(): Promise<boolean> {
    await this.settle();
    const next = this.#nextSleeper();
    if (next === undefined) return false;
    this.#wake(next);
    await this.settle();
    return true;
  }

  /**
   * Wakes sleepers in time order until none is pending.
   *
   * @param maxTimers a guard against work that keeps scheduling timers. @default 1_000_000
   * @returns the number of sleepers woken.
   * @throws {Error} when more than `maxTimers` sleepers were woken.
   */
  async runUntilIdle(maxTimers = 1_000_000): Promise<number> {
    let woken = 0;
    while (await this.advanceToNextTimer()) {
      if (++woken > maxTimers) {
        throw new Error(`Cannot run the clock until idle: more than ${maxTimers} timers fired`);
      }
    }
    return woken;
  }

  #nextSleeper(): _Sleeper | undefined {
    while (this.#sleepers.peek()?.cancelled) this.#sleepers.pop();
    return this.#sleepers.peek();
  }

  #wake(sleeper: _Sleeper): void {
    this.#sleepers.pop();
    this.#pending--;
    if (sleeper.at > this.#now) this.#now = sleeper.at;
    sleeper.wake();
  }
}
