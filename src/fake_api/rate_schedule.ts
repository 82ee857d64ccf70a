/**
 * A rate limit that changes while the fake API runs: `"0s:40,20s:10,40s:40"`
 * allows 40 requests/s for 20 s, then 10 for 20 s, then 40 again.
 *
 * @module
 */

import { parseDuration } from "../manifest/duration.ts";

/** From `atMs` after the first request on, `ratePerSecond` requests/s are allowed. */
export interface RateStep {
  /** Ms after the first request. */
  readonly atMs: number;
  /** Requests per second allowed from then on. */
  readonly ratePerSecond: number;
}

/**
 * Parses a schedule: comma-separated `<time>:<rate>` steps in rising time
 * order, the first at `0s`. Times are durations (`0s`, `1.5s`, `500ms`,
 * `2m`); rates are requests/s above 0.
 *
 * @throws {RangeError} with the step at fault.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRateSchedule, rateAt } from "./rate_schedule.ts";
 * const schedule = parseRateSchedule("0s:40,20s:10,40s:40");
 * assert.deepEqual(schedule[1], { atMs: 20_000, ratePerSecond: 10 });
 * assert.equal(rateAt(schedule, 25_000), 10);
 * assert.throws(() => parseRateSchedule("5s:10"), RangeError);
 * ```
 */
export function parseRateSchedule(text: string): RateStep[] {
  const steps: RateStep[] = [];
  for (const part of text.split(",")) {
    const match = /^\s*([^:\s]+)\s*:\s*([^:\s]+)\s*$/.exec(part);
    if (match === null) {
      throw new RangeError(
        `Cannot parse rate schedule step "${part.trim()}": expected <time>:<rate>, like 20s:10`,
      );
    }
    let atMs: number;
    try {
      atMs = /^\d+(\.\d+)?$/.test(match[1]) ? Number(match[1]) : parseDuration(match[1]);
    } catch (error) {
      throw new RangeError(
        `Cannot parse rate schedule step "${part.trim()}": ${(error as Error).message}`,
        { cause: error },
      );
    }
    const ratePerSecond = Number(match[2]);
    if (!(ratePerSecond > 0) || ratePerSecond === Infinity) {
      throw new RangeError(
        `Cannot parse rate schedule step "${part.trim()}": the rate must be a number above 0`,
      );
    }
    const previous = steps[steps.length - 1];
    if (previous === undefined ? atMs !== 0 : atMs <= previous.atMs) {
      const expected = previous === undefined ? "the first step at 0s" : "times in rising order";
      throw new RangeError(
        `Cannot parse rate schedule step "${part.trim()}": expected ${expected}`,
      );
    }
    steps.push({ atMs, ratePerSecond });
  }
  return steps;
}

/** The rate of `schedule` at `elapsedMs` after its start. */
export function rateAt(schedule: readonly RateStep[], elapsedMs: number): number {
  let rate = schedule[0].ratePerSecond;
  for (const step of schedule) {
    if (step.atMs > elapsedMs) break;
    rate = step.ratePerSecond;
  }
  return rate;
}
