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
  if (typeof value === "string") return quote(value);
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return String(value);
}

/** Characters of a quoted text shown in a message; the rest is counted, not echoed. */
const _QUOTED_CHARACTERS = 60;

/**
 * Quotes a text from the file for a message, as JSON does, but never more
 * than its first 60 characters: a file that is not YAML at all (a password
 * file, a binary) must not be echoed whole.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { quote } from "./describe.ts";
 *
 * assert.equal(quote("fast"), '"fast"');
 * assert.equal(quote("x".repeat(1000)), `"${"x".repeat(60)}"… (1,000 characters)`);
 * ```
 */
export function quote(text: string): string {
  if (text.length <= _QUOTED_CHARACTERS) return JSON.stringify(text);
  let head = text.slice(0, _QUOTED_CHARACTERS);
  // Never cut a character in two (a surrogate pair).
  if (/[\uD800-\uDBFF]$/.test(head)) head = head.slice(0, -1);
  return `${JSON.stringify(head)}… (${text.length.toLocaleString("en-US")} characters)`;
}

/** Lists names for a message: `"full", "none"`. */
export function quoteList(names: readonly string[]): string {
  return names.map(quote).join(", ");
}
