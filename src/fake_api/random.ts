/**
 * Seeded pseudo-random numbers, so that everything the fake API invents (texts,
 * verse counts, faults) is the same on every run with the same seed.
 *
 * @module
 */

/** A source of numbers in [0, 1). */
export type Random = () => number;

/**
 * A 32-bit FNV-1a hash of the parts, joined by a separator that no part uses.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hashParts } from "./random.ts";
 *
 * assert.equal(hashParts(1, "/scriptures/ot/ps/23"), hashParts(1, "/scriptures/ot/ps/23"));
 * assert.notEqual(hashParts(1, "a"), hashParts(2, "a"));
 * ```
 */
export function hashParts(...parts: readonly (string | number)[]): number {
  let hash = 0x811c9dc5;
  for (const char of parts.join("\u0000")) {
    hash ^= char.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * A mulberry32 generator seeded from the hash of `parts`: the same parts give
 * the same sequence.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seededRandom } from "./random.ts";
 *
 * const a = seededRandom(7, "x");
 * const b = seededRandom(7, "x");
 * assert.equal(a(), b());
 * ```
 */
export function seededRandom(...parts: readonly (string | number)[]): Random {
  let state = hashParts(...parts);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [min, max], both included. */
export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** One element of a non-empty list. */
export function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}
