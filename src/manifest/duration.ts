/**
 * Durations as users write them in YAML (`50ms`, `1.5s`, `2m`, or a plain
 * number of milliseconds) and back.
 *
 * @module
 */

import { describeValue } from "./describe.ts";

/** Milliseconds per unit, largest first (the formatter relies on the order). */
const _UNITS = [["h", 3_600_000], ["m", 60_000], ["s", 1_000], ["ms", 1]] as const;

/**
 * A duration string: a non-negative decimal and a unit (`ms`, `s`, `m`, `h`).
 * Also used by the JSON Schema, so it avoids features editors lack.
 */
export const DURATION_PATTERN = /^(?:\d+(?:\.\d+)?|\.\d+)(?:ms|s|m|h)$/;

/** The text every duration diagnostic starts with. */
export const DURATION_EXPECTED = "expected a duration like 50ms, 1.5s or 2m";

/**
 * Converts a duration to milliseconds.
 *
 * @param value A non-negative number of milliseconds, or a string such as
 *   `"50ms"`, `"1.5s"`, `"2m"` or `"1h"`.
 * @returns The duration in milliseconds.
 * @throws {RangeError} When the value is not such a duration, with the
 *   message `expected a duration like 50ms, 1.5s or 2m, got "fast"`.
 *
 * @example Parse the durations of a profile
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDuration } from "./duration.ts";
 *
 * assert.equal(parseDuration("50ms"), 50);
 * assert.equal(parseDuration("1.5s"), 1_500);
 * assert.equal(parseDuration("2m"), 120_000);
 * assert.equal(parseDuration(250), 250);
 * assert.throws(() => parseDuration("fast"), RangeError);
 * ```
 */
export function parseDuration(value: unknown): number {
  const ms = _toMs(value);
  // Lower case and without a subject: callers embed it, e.g. `Invalid --delay "x": <message>`.
  if (ms === undefined) throw new RangeError(`${DURATION_EXPECTED}, got ${describeValue(value)}`);
  return ms;
}

/**
 * Explains why a value is not a duration.
 *
 * @returns The diagnostic text (`expected a duration like 50ms, 1.5s or 2m,
 *   got "fast"`), or `undefined` for a valid duration.
 */
export function durationProblem(value: unknown): string | undefined {
  return _toMs(value) === undefined
    ? `${DURATION_EXPECTED}, got ${describeValue(value)}`
    : undefined;
}

/**
 * Writes milliseconds in the largest unit that shows them exactly (up to three
 * decimals), so that `parseDuration(formatDurationLiteral(ms)) === ms` for whole ms.
 *
 * @param ms A non-negative, finite number of milliseconds.
 * @returns A duration string such as `"50ms"`, `"1.5s"` or `"2m"`.
 * @throws {RangeError} When `ms` is negative or not finite.
 *
 * @example Show durations to a user
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatDurationLiteral } from "./duration.ts";
 *
 * assert.equal(formatDurationLiteral(50), "50ms");
 * assert.equal(formatDurationLiteral(1_500), "1.5s");
 * assert.equal(formatDurationLiteral(120_000), "2m");
 * assert.equal(formatDurationLiteral(100_000), "100s");
 * ```
 */
export function formatDurationLiteral(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new RangeError(`Cannot format duration ${ms}: expected a non-negative number of ms`);
  }
  for (const [unit, size] of _UNITS) {
    const amount = ms / size;
    // A unit is used only when it loses nothing beyond three decimals.
    if (amount >= 1 && Math.round(amount * 1000) / 1000 === amount) return `${amount}${unit}`;
  }
  return `${Math.round(ms * 1000) / 1000}ms`;
}

function _toMs(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== "string" || !DURATION_PATTERN.test(value)) return undefined;
  const unit = _UNITS.find(([name]) =>
    value.endsWith(name) && /\d$/.test(value.slice(0, -name.length))
  );
  if (unit === undefined) return undefined;
  const amount = Number(value.slice(0, -unit[0].length));
  // Rounded to a microsecond so that "0.07s" is 70, not 70.00000000000001.
  return Math.round(amount * unit[1] * 1000) / 1000;
}
