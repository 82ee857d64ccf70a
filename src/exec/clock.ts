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

/**
 * The real clock: monotonic time on the epoch scale (`performance.timeOrigin +
 * performance.now()`) and `setTimeout`. Monotonic, so that a wall clock
 * stepped back or forward during a run neither stalls nor bunches up the
 * scheduled starts; on the epoch scale, so that log times read as dates.
 */
export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
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
