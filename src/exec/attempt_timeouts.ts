/**
 * The signal each task attempt gets when attempts have a time limit: it
 * aborts when the run's signal does, or when the attempt's time is up.
 *
 * @module
 */

import type { Clock } from "./clock.ts";

interface _Armed {
  /** Aborts the attempt's signal. */
  readonly attempt: AbortController;
  /** Cancels the timeout's sleep. */
  readonly sleep: AbortController;
  readonly onRunAbort: () => void;
}

const _ignore = () => {};

/**
 * The reason a timeout's sleep is aborted with when its attempt ends: one
 * shared value, where `abort()` with no reason would build (and capture the
 * stack of) a new `DOMException` for every attempt. The sleep's rejection is
 * ignored, so its reason is never seen.
 */
const _DISARMED = Symbol("attempt ended");

/**
 * Per-attempt signals, keyed by node (one attempt of a node runs at a time).
 * Listeners and sleeps are removed as soon as the attempt ends, so nothing is
 * left behind.
 */
export class AttemptTimeouts {
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #runSignal: AbortSignal;
  readonly #onTimeout: (index: number, attempt: number) => void;
  readonly #armed = new Map<number, _Armed>();

  /**
   * @param clock the run's clock.
   * @param timeoutMs the time limit of one attempt, ms.
   * @param runSignal the run's signal.
   * @param onTimeout called when an attempt's time is up (its signal is not aborted yet).
   */
  constructor(
    clock: Clock,
    timeoutMs: number,
    runSignal: AbortSignal,
    onTimeout: (index: number, attempt: number) => void,
  ) {
    this.#clock = clock;
    this.#timeoutMs = timeoutMs;
    this.#runSignal = runSignal;
    this.#onTimeout = onTimeout;
  }

  /** Starts the clock on attempt `attempt` of node `index` and returns its signal. */
  arm(index: number, attempt: number): AbortSignal {
    const runSignal = this.#runSignal;
    const armed: _Armed = {
      attempt: new AbortController(),
      sleep: new AbortController(),
      onRunAbort: () => armed.attempt.abort(runSignal.reason),
    };
    runSignal.addEventListener("abort", armed.onRunAbort, { once: true });
    this.#armed.set(index, armed);
    this.#clock.sleep(this.#timeoutMs, armed.sleep.signal).then(
      () => this.#onTimeout(index, attempt),
      _ignore,
    );
    return armed.attempt.signal;
  }

  /** The attempt of node `index` ended: removes its sleep and listener. */
  clear(index: number): void {
    this.#disarm(index);
  }

  /** Aborts the signal of node `index`'s attempt with a TimeoutError, and clears it. */
  expire(index: number): void {
    this.#disarm(index)?.attempt.abort(
      new DOMException(`Attempt timed out after ${this.#timeoutMs} ms`, "TimeoutError"),
    );
  }

  #disarm(index: number): _Armed | undefined {
    const armed = this.#armed.get(index);
    if (armed === undefined) return undefined;
    this.#armed.delete(index);
    armed.sleep.abort(_DISARMED);
    this.#runSignal.removeEventListener("abort", armed.onRunAbort);
    return armed;
  }
}
