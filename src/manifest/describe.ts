/**
 * How diagnostics name the values they found: `"fast"`, `0`, `true`,
 * `a list`, `a mapping`, `an empty value`.
 *
 * @module
 */

/**
 * Describes a parsed YAML value for a message: strings quoted, numbers and
 * booleans as written, collections by kind.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeValue } from "./describe.ts";
 *
 * assert.equal(describeValue("fast"), '"fast"');
 * assert.equal(describeValue(0), "0");
 * assert.equal(describeValue([1, 2]), "a list");
 * assert.equal(describeValue(null), "an empty value");
 * ```
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "an empty value";
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return String(value);
}

/** Lists names for a message: `"full", "none"`. */
export function quoteList(names: readonly string[]): string {
  return names.map((name) => JSON.stringify(name)).join(", ");
}
