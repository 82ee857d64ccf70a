/**
 * The scheduler's only timer: one wake-up, moved earlier when needed.
 *
 * @module
 */

import type { Clock } from "./clock.ts";

const _ignore = () => {};

/**
 * One re-armable wake-up on a clock, as precise as the clock can make it
 * (`Clock.sleepUntil` where it has one). Asking for a later time than the armed
 * one keeps the armed one: the woken scheduler re-checks and asks again.
 */
export class WakeTimer {
  readonly #clock: Clock;
  readonly #onWake: () => void;
  #controller: AbortController | undefined;
  #at = Infinity;

  /**
   * @param clock the clock to sleep on.
   * @param onWake called when the timer fires.
   */
  constructor(clock: Clock, onWake: () => void) {
    this.#clock = clock;
    this.#onWake = onWake;
  }

  /** Whether a wake-up is pending. */
  get armed(): boolean {
    return this.#controller !== undefined;
  }

  /** Makes sure `onWake` runs no later than clock time `at` (a no-op for `Infinity`). */
  wakeBy(at: number, now: number): void {
    if (at >= this.#at) return;
    this.#controller?.abort();
    const controller = new AbortController();
    this.#controller = controller;
    this.#at = at;
    const clock = this.#clock;
    const wait = clock.sleepUntil
      ? clock.sleepUntil(at, controller.signal)
      : clock.sleep(at - now, controller.signal);
    wait.then(() => {
      if (this.#controller !== controller) return;
      this.#controller = undefined;
      this.#at = Infinity;
      this.#onWake();
    }, _ignore);
  }

  /** Cancels the pending wake-up, if any, leaving no timer behind. */
  cancel(): void {
    this.#controller?.abort();
    this.#controller = undefined;
    this.#at = Infinity;
  }
}
