/**
 * "Did you mean" suggestions for misspelt keys, enum values and profile names.
 *
 * @module
 */

/**
 * The optimal string alignment distance (restricted Damerau-Levenshtein):
 * insertions, deletions, substitutions and swaps of two adjacent characters
 * needed to turn `a` into `b`, no substring edited twice. A swap counts as
 * one edit, as typists make it: `retyr` is one edit from `retry`, not two.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { editDistance } from "./did_you_mean.ts";
 *
 * assert.equal(editDistance("chapter", "chapters"), 1);
 * assert.equal(editDistance("retyr", "retry"), 1);
 * assert.equal(editDistance("kitten", "sitting"), 3);
 * ```
 */
export function editDistance(a: string, b: string): number {
  // Three rows of the dynamic-programming table: a swap looks two rows back.
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      let best = Math.min(previous[j] + 1, current[j - 1] + 1, substitution);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, beforePrevious[j - 2] + 1);
      }
      current.push(best);
    }
    beforePrevious = previous;
    previous = current;
  }
  return previous[b.length];
}

/**
 * The candidate closest to `word`, if it is close enough to be a likely typo:
 * at most one edit per three characters of `word` (at least one edit),
 * ignoring case, a swap of two neighbours counting as one edit. So any one
 * slip (a letter missing, extra, wrong, or two swapped) is caught in a word
 * of any length, two slips from six letters on, while a short word is not
 * matched to a name that merely shares some letters. Ties go to the
 * candidate listed first.
 *
 * @returns The suggestion, or `undefined` when nothing is close.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { didYouMean } from "./did_you_mean.ts";
 *
 * assert.equal(didYouMean("chapter", ["id", "title", "chapters"]), "chapters");
 * assert.equal(didYouMean("defualt", ["aggressive", "default"]), "default");
 * assert.equal(didYouMean("retyr", ["source", "retry", "volumes"]), "retry");
 * assert.equal(didYouMean("turbo", ["aggressive", "default"]), undefined);
 * ```
 */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance <= limit && (best === undefined || distance < best.distance)) {
      best = { candidate, distance };
    }
  }
  return best?.candidate;
}

/** `; did you mean "chapters"?` when a candidate is close, else "". */
export function suggestionSuffix(word: string, candidates: readonly string[]): string {
  const suggestion = didYouMean(word, candidates);
  return suggestion === undefined ? "" : `; did you mean ${JSON.stringify(suggestion)}?`;
}
