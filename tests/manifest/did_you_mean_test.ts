import assert from "node:assert/strict";
import { didYouMean, editDistance, suggestionSuffix } from "../../src/manifest/did_you_mean.ts";

Deno.test("editDistance counts insertions, deletions, substitutions and swaps of neighbours", () => {
  const table: [string, string, number][] = [
    ["", "", 0],
    ["", "abc", 3],
    ["abc", "", 3],
    ["chapters", "chapters", 0],
    ["chapter", "chapters", 1],
    ["chapterss", "chapters", 1],
    ["chaptrs", "chapters", 1],
    ["kitten", "sitting", 3],
    ["flaw", "lawn", 2],
    // A swap of two neighbours is one edit, as a typist makes it.
    ["ab", "ba", 1],
    ["retyr", "retry", 1],
    ["defualt", "default", 1],
    ["maxRetires", "maxRetries", 1],
    ["abcd", "badc", 2],
    ["timout", "timeout", 1],
    // Optimal string alignment: a swapped pair is not edited again ("ca" -> "ac" -> "abc").
    ["ca", "abc", 3],
  ];
  for (const [a, b, distance] of table) {
    assert.equal(editDistance(a, b), distance, `${a} -> ${b}`);
    assert.equal(editDistance(b, a), distance, `${b} -> ${a}`);
  }
});

const MANIFEST_KEYS = ["output", "profile", "retry", "source", "volumes"];
const SOURCE_KEYS = ["lang", "maxBodyBytes", "timeout", "url", "userAgent"];
const RETRY_KEYS = ["baseDelay", "jitter", "maxDelay", "maxRetries", "maxRetryAfter"];
const PROFILES = ["aggressive", "conservative", "default", "sequential"];

Deno.test("didYouMean suggests one slip of any kind, and nothing for a distant word", () => {
  const table: [word: string, candidates: readonly string[], expected: string | undefined][] = [
    ["retyr", MANIFEST_KEYS, "retry"],
    ["rerty", MANIFEST_KEYS, "retry"],
    ["timout", SOURCE_KEYS, "timeout"],
    ["tiemout", SOURCE_KEYS, "timeout"],
    ["maxRetires", RETRY_KEYS, "maxRetries"],
    ["basedelay", RETRY_KEYS, "baseDelay"],
    ["voluems", MANIFEST_KEYS, "volumes"],
    ["chapter", ["id", "title", "chapters", "verses"], "chapters"],
    ["agressive", PROFILES, "aggressive"],
    ["sequental", PROFILES, "sequential"],
    ["defualt", PROFILES, "default"],
    ["Default", PROFILES, "default"],
    // Two slips need six letters or more.
    ["dfalt", PROFILES, undefined],
    ["dfualt", PROFILES, "default"],
    ["sequentail", PROFILES, "sequential"],
    ["fastt", PROFILES, undefined],
    ["turbo", PROFILES, undefined],
    ["x", [], undefined],
    // One edit is always allowed, even for a two-letter word; two are not.
    ["ix", ["id"], "id"],
    ["di", ["id"], "id"],
    ["xy", ["id"], undefined],
  ];
  for (const [word, candidates, expected] of table) {
    assert.equal(didYouMean(word, candidates), expected, word);
  }
});

Deno.test("didYouMean prefers the closest candidate, then the first listed", () => {
  assert.equal(didYouMean("delays", ["delay", "days"]), "delay");
  assert.equal(didYouMean("cat", ["bat", "cab"]), "bat");
  assert.equal(didYouMean("cat", ["cab", "bat"]), "cab");
});

Deno.test("suggestionSuffix words the hint for a message", () => {
  assert.equal(suggestionSuffix("urll", ["url", "lang"]), '; did you mean "url"?');
  assert.equal(suggestionSuffix("zzz", ["url", "lang"]), "");
});
