import assert from "node:assert/strict";
import { chapterUri, parseChapterUri } from "../../src/source/chapter_uri.ts";

Deno.test("chapterUri and parseChapterUri are inverse", () => {
  for (
    const ref of [
      { volume: "ot", book: "ps", chapter: 119 },
      { volume: "dc-testament", book: "od", chapter: 1 },
      { volume: "pgp", book: "js-h", chapter: 1 },
    ]
  ) {
    assert.deepEqual(parseChapterUri(chapterUri(ref)), ref);
  }
});

for (
  const uri of [
    "/scriptures/bofm/1-ne",
    "/scriptures/bofm/1-ne/0",
    "/scriptures/bofm/1-ne/03",
    "/scriptures/pgp/abr/fac-1",
    "scriptures/bofm/1-ne/3",
    "/scriptures/bofm/1-ne/3/",
    "/manual/bofm/1-ne/3",
    "/scriptures/BofM/1-ne/3",
  ]
) {
  Deno.test(`parseChapterUri refuses "${uri}"`, () => {
    assert.throws(() => parseChapterUri(uri), TypeError);
  });
}
