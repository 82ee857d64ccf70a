/**
 * What an answer says about the quota left: none left means no request
 * until the quota resets.
 *
 * @module
 */

import type { RateHint } from "../types.ts";

/**
 * The longest quota pause taken on the answer's word, ms. Resets are read
 * from headers whose meaning varies between servers (seconds or a Unix time,
 * against the server's own clock) and may be a day away for a daily quota;
 * beyond a minute the run goes on, and the server's refusal, with its
 * `Retry-After`, decides how long to wait.
 */
export const MAX_QUOTA_PAUSE_MS = 60_000;

/** A pause a server's answer asks for. */
export interface QuotaPause {
  /** Clock time to hold every start until. */
  readonly until: number;
  /** Why, for the `rate-pause` event. */
  readonly reason: string;
}

/**
 * The pause an answer's rate-limit fields ask for: when the quota is used up
 * (`remaining` 0) and resets after a while (`resetMs` > 0), no request
 * should start before the reset, whatever rate the run is paced at: the
 * quota may be shared with other clients, or its window may not line up
 * with the run's pacing. The next request would be refused anyway, and a
 * refusal costs a `Retry-After` pause and a retry. Undefined when the quota
 * is not used up, the answer does not say, or the reset is more than
 * {@linkcode MAX_QUOTA_PAUSE_MS} away.
 *
 * @param hint what the answer said.
 * @param now the clock time the answer came.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { quotaPause } from "./quota.ts";
 * assert.deepEqual(quotaPause({ remaining: 0, resetMs: 2000 }, 500), {
 *   until: 2500,
 *   reason: "the server's quota is used up: it resets in 2000 ms",
 * });
 * assert.equal(quotaPause({ remaining: 3, resetMs: 2000 }, 500), undefined);
 * assert.equal(quotaPause({ ratePerSecond: 40 }, 500), undefined);
 * assert.equal(quotaPause({ remaining: 0, resetMs: 86_400_000 }, 500), undefined);
 * ```
 */
export function quotaPause(hint: RateHint, now: number): QuotaPause | undefined {
  const { remaining, resetMs } = hint;
  if (remaining === undefined || remaining > 0 || resetMs === undefined) return undefined;
  if (!(resetMs > 0 && resetMs <= MAX_QUOTA_PAUSE_MS)) return undefined;
  return {
    until: now + resetMs,
    reason: `the server's quota is used up: it resets in ${Math.round(resetMs)} ms`,
  };
}
