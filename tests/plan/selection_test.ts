import assert from "node:assert/strict";
import { resolveSelection, SelectionError } from "../../src/plan/selection.ts";
import { smallManifest } from "./_fixtures.ts";

const manifest = smallManifest();

Deno.test("selection defaults to every chapter of every volume", () => {
  const selection = resolveSelection(manifest, {});
  assert.deepEqual(selection.labels, ["all"]);
  assert.deepEqual(selection.books.map((b) => `${b.book}:${b.chapters.length}`), [
    "1-ne:22",
    "enos:1",
    "dc:138",
    "od:2",
  ]);
});

Deno.test("--source dc is the dc-testament volume, and comma lists work", () => {
  assert.deepEqual(resolveSelection(manifest, { source: ["dc"] }).labels, ["dc-testament"]);
  const both = resolveSelection(manifest, { source: ["dc,bofm"] });
  assert.deepEqual(both.books.map((b) => b.book), ["1-ne", "enos", "dc", "od"]);
});

Deno.test("--only selects books and chapter ranges in manifest order", () => {
  const selection = resolveSelection(manifest, {
    only: ["dc-testament/dc/76", "bofm/1-ne/3-5,bofm/enos"],
  });
  assert.deepEqual(selection.books, [
    { volume: "bofm", book: "1-ne", chapters: [3, 4, 5] },
    { volume: "bofm", book: "enos", chapters: [1] },
    { volume: "dc-testament", book: "dc", chapters: [76] },
  ]);
});

Deno.test("overlapping --only ranges select each chapter once", () => {
  const selection = resolveSelection(manifest, { only: ["bofm/1-ne/3-5", "bofm/1-ne/4-6"] });
  assert.deepEqual(selection.books[0].chapters, [3, 4, 5, 6]);
});

Deno.test("--source and --only slugs are accepted in any case", () => {
  const selection = resolveSelection(manifest, { source: ["BofM"], only: ["BOFM/1-Ne/3"] });
  assert.deepEqual(selection.labels, ["bofm/1-ne/3"]);
  assert.deepEqual(selection.books, [{ volume: "bofm", book: "1-ne", chapters: [3] }]);
  assert.deepEqual(resolveSelection(manifest, { source: ["DC", "ALL"] }).labels, ["all"]);
});

const bad: [input: { source?: string[]; only?: string[] }, message: string][] = [
  [
    { source: ["bom"] },
    'Cannot select source "bom": no such volume (valid: all, bofm, dc-testament, dc); did you mean "bofm"?',
  ],
  [
    { source: ["bofn"] },
    'Cannot select source "bofn": no such volume (valid: all, bofm, dc-testament, dc); did you mean "bofm"?',
  ],
  [
    { only: ["bofm/1-nee"] },
    'Cannot select "bofm/1-nee": no book "1-nee" in bofm (valid: 1-ne, enos); did you mean "1-ne"?',
  ],
  [
    { only: ["bofm/1-ne/5-3"] },
    'Cannot select "bofm/1-ne/5-3": the range "5-3" is reversed (write 3-5)',
  ],
  [
    { only: ["bofm/2-ne"] },
    'Cannot select "bofm/2-ne": no book "2-ne" in bofm (valid: 1-ne, enos); did you mean "1-ne"?',
  ],
  [
    { only: ["bofm/1-ne/23"] },
    'Cannot select "bofm/1-ne/23": chapters "23" are not within bofm/1-ne (1-22)',
  ],
  [
    { only: ["bofm"] },
    'Cannot select "bofm": expected volume/book or volume/book/chapters (e.g. bofm/1-ne, bofm/1-ne/3-5, dc-testament/dc/76)',
  ],
  [
    { source: ["bofm"], only: ["dc/dc/1"] },
    'Cannot select "dc/dc/1": volume "dc-testament" is outside --source bofm',
  ],
];

for (const [input, message] of bad) {
  Deno.test(`selection ${JSON.stringify(input)} is refused with a message listing valid names`, () => {
    assert.throws(() => resolveSelection(manifest, input), (error: unknown) => {
      assert.ok(error instanceof SelectionError);
      assert.equal(error.message, message);
      return true;
    });
  });
}
