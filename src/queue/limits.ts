/**
 * A profile's global limits in BullMQ's terms: the chapter queue's rate
 * limiter (`max` jobs per `duration` ms, one window for every worker, kept in
 * Redis) and its global concurrency (jobs active at once across all workers).
 *
 * @module
 */

import type { RunLimits } from "../plan/limits.ts";

/** The chapter queue's limits. */
export interface QueueLimits {
  /** The profile they come from. */
  readonly profile: string;
  /** BullMQ's limiter: at most `max` job starts in each window of `duration` ms; none when unlimited. */
  readonly limiter?: { readonly max: number; readonly duration: number };
  /** Chapter jobs active at once across every worker; Infinity when the profile sets no cap. */
  readonly maxInFlight: number;
}

/** Jobs a worker runs at once when the profile sets no in-flight cap. */
export const DEFAULT_WORKER_CONCURRENCY = 10;

/**
 * The queue's limits from a profile's. BullMQ's limiter is a fixed window:
 * a window's jobs may all start at its end and the next window's at its
 * start, so up to `2 × max` start close together. `max` is half the
 * profile's burst (at least 1) and the window `max / rate` long: over any
 * window the rate is the profile's, and what starts at once stays near its burst.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compileLimits } from "../plan/limits.ts";
 * import { queueLimits } from "./limits.ts";
 * const limits = compileLimits({ volumes: 5, booksPerVolume: 4, chaptersPerBook: 4,
 *   maxInFlight: 16, delayMs: 0, requestsPerSecond: 100, burst: 20 });
 * assert.deepEqual(queueLimits("p", limits), {
 *   profile: "p", limiter: { max: 10, duration: 100 }, maxInFlight: 16,
 * });
 * ```
 */
export function queueLimits(profile: string, limits: RunLimits): QueueLimits {
  const { rate, burst, maxInFlight } = limits;
  if (!Number.isFinite(rate)) return { profile, maxInFlight };
  const max = Math.max(1, Math.floor(burst / 2));
  return {
    profile,
    limiter: { max, duration: Math.max(1, Math.round((max / rate) * 1000)) },
    maxInFlight,
  };
}

/** The limiter's window for a rate a server announced, with `max` of `limits`. */
export function announcedLimiter(
  limits: QueueLimits,
  ratePerSecond: number,
): { readonly max: number; readonly duration: number } {
  const max = limits.limiter?.max ?? 1;
  return { max, duration: Math.max(1, Math.ceil((max / ratePerSecond) * 1000)) };
}
