/**
 * What the fake API does to one request: how long it waits and whether it
 * fails. A pure function of the seed, the URI and how many times that URI was
 * requested before, so the same run of requests meets the same faults even
 * when requests arrive in another order.
 *
 * @module
 */

import { seededRandom } from "./random.ts";

/** The fault settings of the fake API. Rates are fractions in [0, 1]. */
export interface FaultOptions {
  /** Mean delay before answering, ms. @default 0 */
  readonly latencyMs?: number;
  /** The delay varies uniformly by up to this much either way, ms. @default 0 */
  readonly jitterMs?: number;
  /** Fraction of requests answered 503. @default 0 */
  readonly errorRate?: number;
  /** Fraction of requests whose connection drops mid-body. @default 0 */
  readonly resetRate?: number;
  /** Fraction of requests delayed by an extra `slowMs`. @default 0 */
  readonly slowRate?: number;
  /** The extra delay of a slow request, ms. @default 5000 */
  readonly slowMs?: number;
}

/** The plan for one request. */
export interface FaultPlan {
  /** How long to wait before answering, ms. */
  readonly delayMs: number;
  /** `"error"`: answer 503; `"reset"`: drop the connection mid-body; `"none"`: answer. */
  readonly fault: "none" | "error" | "reset";
}

/**
 * The plan for the `nth` request (from 1) of `uri`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { planFaults } from "./fault_plan.ts";
 *
 * assert.deepEqual(planFaults(1, "/scriptures/ot/gen/1", 1, {}), { delayMs: 0, fault: "none" });
 * assert.equal(planFaults(1, "/x", 1, { errorRate: 1 }).fault, "error");
 * ```
 */
export function planFaults(
  seed: number,
  uri: string,
  nth: number,
  options: FaultOptions,
): FaultPlan {
  const random = seededRandom(seed, "faults", uri, nth);
  // Always draw in the same order, so a setting does not shift the others' draws.
  const error = random() < (options.errorRate ?? 0);
  const reset = random() < (options.resetRate ?? 0);
  const slow = random() < (options.slowRate ?? 0);
  const jitter = (random() * 2 - 1) * (options.jitterMs ?? 0);
  const base = Math.max(0, (options.latencyMs ?? 0) + jitter);
  const delayMs = Math.round(base + (slow ? options.slowMs ?? 5000 : 0));
  return { delayMs, fault: error ? "error" : reset ? "reset" : "none" };
}
