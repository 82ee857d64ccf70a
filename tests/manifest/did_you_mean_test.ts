import assert from "node:assert/strict";
import { didYouMean, editDistance, suggestionSuffix } from "../../src/manifest/did_you_mean.ts";

Deno.test("editDistance counts insertions, deletions and substitutions", () => {
  const table: [string, string, number][] = [
    ["", "", 0],
    ["", "abc", 3],
    ["abc", "", 3],
    ["chapters", "chapters", 0],
    ["chapter", "chapters", 1],
    ["chapterss", "chapters", 1],
    ["chaptrs", "chapters", 1],
    ["defualt", "default", 2],
    ["kitten", "sitting", 3],
    ["flaw", "lawn", 2],
  ];
  for (const [a, b, distance] of table) {
    assert.equal(editDistance(a, b), distance, `${a} -> ${b}`);
    assert.equal(editDistance(b, a), distance, `${b} -> ${a}`);
  }
});

Deno.test("didYouMean suggests a near miss and nothing for a distant word", () => {
  const profiles = ["aggressive", "conservative", "default", "sequential"];
  assert.equal(didYouMean("chapter", ["id", "title", "chapters", "verses"]), "chapters");
  assert.equal(didYouMean("agressive", profiles), "aggressive");
  assert.equal(didYouMean("sequental", profiles), "sequential");
  assert.equal(didYouMean("Default", profiles), "default");
  assert.equal(didYouMean("fastt", profiles), undefined);
  assert.equal(didYouMean("turbo", profiles), undefined);
  assert.equal(didYouMean("x", []), undefined);
  // One edit is always allowed, even for a two-letter word; two are not.
  assert.equal(didYouMean("ix", ["id"]), "id");
  assert.equal(didYouMean("xy", ["id"]), undefined);
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
