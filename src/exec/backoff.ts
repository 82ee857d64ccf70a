/**
 * Retry delays: capped exponential backoff with optional full jitter, as a
 * pure function of the attempt, the policy and a random source.
 *
 * @module
 */

import type { RetryPolicy } from "./types.ts";

/**
 * The delay before retrying after failed attempt number `attempt` (1 for the
 * first attempt), in ms: `min(maxDelayMs, baseDelayMs × multiplier^(attempt-1))`,
 * and with `jitter: "full"` a uniform random share of that (`random() × capped`).
 *
 * @param attempt the attempt that failed, from 1.
 * @param policy the retry policy.
 * @param random a source of numbers in [0, 1). @default Math.random
 * @returns the delay in ms, never negative.
 * @throws {RangeError} when `attempt` is not a whole number of at least 1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { backoffDelay } from "./backoff.ts";
 * const policy = { maxRetries: 5, baseDelayMs: 500, maxDelayMs: 3000, multiplier: 2, jitter: "none" } as const;
 * assert.equal(backoffDelay(1, policy), 500);
 * assert.equal(backoffDelay(3, policy), 2000);
 * assert.equal(backoffDelay(4, policy), 3000);
 * ```
 */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(
      `Cannot compute backoff for attempt "${attempt}": must be a whole number of at least 1`,
    );
  }
  const computed = policy.baseDelayMs * policy.multiplier ** (attempt - 1);
  const capped = Math.max(0, Math.min(policy.maxDelayMs, computed));
  switch (policy.jitter) {
    case "none":
      return capped;
    case "full":
      return random() * capped;
    default: {
      const never: never = policy.jitter;
      throw new RangeError(
        `Cannot compute backoff with jitter "${never}": must be "full" or "none"`,
      );
    }
  }
}

/**
 * The delay before retrying a task whose server asked for `retryAfterMs`
 * (`Retry-After`): never less than the server asked, and never less than the
 * computed `backoffMs`, so that a `Retry-After: 0` or a date already past
 * (clock skew) cannot turn retries into a tight loop. A value that is not a
 * finite positive number is ignored.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { retryAfterDelay } from "./backoff.ts";
 * assert.equal(retryAfterDelay(7000, 350), 7000);
 * assert.equal(retryAfterDelay(0, 350), 350);
 * assert.equal(retryAfterDelay(600_000, 350), 600_000);
 * ```
 */
export function retryAfterDelay(retryAfterMs: number, backoffMs: number): number {
  if (!(retryAfterMs > 0) || !Number.isFinite(retryAfterMs)) return backoffMs;
  return Math.max(retryAfterMs, backoffMs);
}
