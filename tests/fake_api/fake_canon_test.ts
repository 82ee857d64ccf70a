import assert from "node:assert/strict";
import { FakeCanon, fakeChapterVerseCount } from "../../src/fake_api/fake_canon.ts";
import type { Volume } from "../../src/manifest/types.ts";
import { SMALL_CANON } from "./_canon.ts";

function counts(canon: FakeCanon, volume: string, book: string, chapters: number): number[] {
  return Array.from({ length: chapters }, (_, i) => canon.verseCount(volume, book, i + 1));
}

Deno.test("FakeCanon spreads a book's verses over its chapters, at least one each", () => {
  const canon = new FakeCanon(SMALL_CANON, { seed: 3 });
  for (
    const [volume, book, chapters, verses] of [["ot", "gen", 50, 1533], ["ot", "ps", 150, 2461], [
      "dc-testament",
      "dc",
      138,
      3654,
    ]] as const
  ) {
    const perChapter = counts(canon, volume, book, chapters);
    assert.equal(perChapter.reduce((a, b) => a + b, 0), verses, `${book} sums to ${verses}`);
    assert.ok(perChapter.every((n) => n >= 1), `${book}: every chapter has a verse`);
    assert.ok(new Set(perChapter).size > 5, `${book}: counts vary between chapters`);
  }
});

Deno.test("FakeCanon gives the Official Declarations no verses and the one-chapter books their real counts", () => {
  const canon = new FakeCanon(SMALL_CANON);
  assert.deepEqual(counts(canon, "dc-testament", "od", 2), [0, 0]);
  assert.equal(canon.verseCount("pgp", "js-h", 1), 75);
  assert.equal(canon.verseCount("pgp", "a-of-f", 1), 13);
});

Deno.test("FakeCanon knows js-h and a-of-f counts even when the manifest gives no verses", () => {
  const volumes: Volume[] = [{
    id: "pgp",
    title: "Pearl of Great Price",
    books: [
      { id: "js-h", title: "Joseph Smith—History", chapters: 1 },
      { id: "a-of-f", title: "Articles of Faith", chapters: 1 },
      { id: "od", title: "Official Declarations", chapters: 2 },
    ],
  }];
  const canon = new FakeCanon(volumes);
  assert.equal(canon.verseCount("pgp", "js-h", 1), 75);
  assert.equal(canon.verseCount("pgp", "a-of-f", 1), 13);
  assert.equal(canon.verseCount("pgp", "od", 2), 0);
});

Deno.test("FakeCanon gives books without a verse total 10-40 verses a chapter", () => {
  const perChapter = counts(new FakeCanon(SMALL_CANON), "pgp", "moses", 8);
  assert.ok(perChapter.every((n) => n >= 10 && n <= 40), `${perChapter}`);
});

Deno.test("FakeCanon verse counts depend on the seed only", () => {
  const a = counts(new FakeCanon(SMALL_CANON, { seed: 5 }), "ot", "gen", 50);
  const b = counts(new FakeCanon(SMALL_CANON, { seed: 5 }), "ot", "gen", 50);
  const c = counts(new FakeCanon(SMALL_CANON, { seed: 6 }), "ot", "gen", 50);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

Deno.test("FakeCanon.find locates chapters and rejects everything else", () => {
  const canon = new FakeCanon(SMALL_CANON);
  const found = canon.find("/scriptures/ot/ps/150");
  assert.equal(found?.volume.id, "ot");
  assert.equal(found?.book.id, "ps");
  assert.equal(found?.chapter, 150);
  for (
    const uri of [
      "/scriptures/ot/ps/151",
      "/scriptures/ot/ps/0",
      "/scriptures/ot/ps",
      "/scriptures/ot",
      "/scriptures/nt/matt/1",
      "/scriptures/ot/ps/1/2",
      "/scriptures/ot/ps/01",
      "",
    ]
  ) {
    assert.equal(canon.find(uri), undefined, uri);
  }
});

Deno.test("verseCount and fakeChapterVerseCount refuse a chapter outside the canon", () => {
  assert.throws(() => new FakeCanon(SMALL_CANON).verseCount("ot", "gen", 51), RangeError);
  assert.throws(() => fakeChapterVerseCount(SMALL_CANON, "/scriptures/ot/gen/51"), RangeError);
});

Deno.test("fakeChapterVerseCount agrees with the canon of the same seed", () => {
  const canon = new FakeCanon(SMALL_CANON, { seed: 9 });
  assert.equal(
    fakeChapterVerseCount(SMALL_CANON, "/scriptures/ot/gen/7", { seed: 9 }),
    canon.verseCount("ot", "gen", 7),
  );
});
