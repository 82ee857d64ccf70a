import assert from "node:assert/strict";
import { chapterPassages } from "../../src/export/passage.ts";
import type { ChapterFileContent } from "../../src/output/chapter_file.ts";

function chapter(overrides: Record<string, unknown> = {}) {
  return {
    uri: "/scriptures/pgp/js-h/1",
    volume: "pgp",
    book: "js-h",
    chapter: 1,
    lang: "eng",
    title: "Joseph Smith—History 1",
    number: null,
    intro: null,
    summary: null,
    verses: [
      { number: 1, text: "Owing to the many reports…", paragraphStart: true },
      { number: 2, text: "In this history…", paragraphStart: false },
    ],
    paragraphs: [{ id: "p76", text: "Closing, one." }, { id: null, text: "Closing, two." }],
    source: { url: "https://example.org", fetchedAt: "2026-01-01T00:00:00.000Z" },
    ...overrides,
  } as ChapterFileContent;
}

Deno.test("verses are keyed volume/book/chapter/verse, then paragraphs by block id or position", () => {
  const rows = chapterPassages(chapter(), { title: "Joseph Smith—History" });
  assert.deepEqual(rows.map((row) => [row.key, row.kind, row.verse, row.position]), [
    ["pgp/js-h/1/1", "verse", 1, 1],
    ["pgp/js-h/1/2", "verse", 2, 2],
    ["pgp/js-h/1/p76", "paragraph", null, 3],
    ["pgp/js-h/1/paragraph-4", "paragraph", null, 4],
  ]);
  assert.deepEqual(rows.map((row) => row.paragraphStart), [true, false, true, true]);
});

Deno.test("without an abbreviation, references use the book's title from its manifest", () => {
  const rows = chapterPassages(chapter(), { title: "Joseph Smith—History" });
  assert.deepEqual(rows.map((row) => row.reference), [
    "Joseph Smith—History 1:1",
    "Joseph Smith—History 1:2",
    "Joseph Smith—History 1 ¶1",
    "Joseph Smith—History 1 ¶2",
  ]);
  assert.equal(rows[0].bookTitle, "Joseph Smith—History");
});

Deno.test("an abbreviation from the manifests makes the reference", () => {
  const rows = chapterPassages(chapter(), { title: "Joseph Smith—History", abbreviation: "JS—H" });
  assert.deepEqual(rows.map((row) => row.reference).slice(1, 3), ["JS—H 1:2", "JS—H 1 ¶1"]);
});

Deno.test("a chapter file's own book title, chapter and verse references win", () => {
  const file = chapter({
    bookTitle: "José Smith—Historia",
    reference: "JS—H 1",
    verses: [
      { number: 1, text: "Debido a…", paragraphStart: true, reference: "José Smith—Historia 1:1" },
      { number: 2, text: "En esta…", paragraphStart: false },
    ],
  });
  const rows = chapterPassages(file, { title: "Joseph Smith—History", abbreviation: "JS-H" });
  assert.deepEqual(rows.map((row) => row.reference), [
    "José Smith—Historia 1:1",
    "JS—H 1:2",
    "JS—H 1 ¶1",
    "JS—H 1 ¶2",
  ]);
  assert.equal(rows[0].bookTitle, "José Smith—Historia");
});
