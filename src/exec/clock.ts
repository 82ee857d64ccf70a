/**
 * The clock every waiting part of the executor takes, so tests can run on
 * virtual time.
 *
 * @module
 */

/** A source of time and of sleeps. All times are in milliseconds. */
export interface Clock {
  /** The current time in ms (epoch ms for the system clock, any origin for a virtual one). */
  now(): number;
  /**
   * Resolves after `ms` milliseconds. Rejects with the signal's reason when the
   * signal aborts first, and leaves no timer or listener behind either way.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock: `Date.now()` and `setTimeout`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
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
};
