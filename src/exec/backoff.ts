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

/** The longest a server's `Retry-After` may hold a task, unless the policy's `maxDelayMs` is longer: 5 min. */
export const MAX_RETRY_AFTER_MS = 300_000;

/**
 * The delay to honour for a server's `Retry-After` of `retryAfterMs`: the
 * asked value, at least 0, capped at `max(policy.maxDelayMs, MAX_RETRY_AFTER_MS)`
 * so a hostile or broken header cannot stall a run for hours. No jitter.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { retryAfterDelay } from "./backoff.ts";
 * const policy = { maxRetries: 3, baseDelayMs: 500, maxDelayMs: 30_000, multiplier: 2, jitter: "full" } as const;
 * assert.equal(retryAfterDelay(7000, policy), 7000);
 * assert.equal(retryAfterDelay(86_400_000, policy), 300_000);
 * ```
 */
export function retryAfterDelay(retryAfterMs: number, policy: RetryPolicy): number {
  const cap = Math.max(policy.maxDelayMs, MAX_RETRY_AFTER_MS);
  if (Number.isNaN(retryAfterMs) || retryAfterMs <= 0) return 0;
  return Math.min(retryAfterMs, cap);
}
