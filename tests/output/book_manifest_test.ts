import assert from "node:assert/strict";
import type { Outcome } from "../../src/exec/types.ts";
import { writeBookManifest } from "../../src/output/book_manifest.ts";
import { writeChapter } from "../../src/output/chapter_file.ts";
import type { BookManifest } from "../../src/output/manifest_types.ts";
import { bookManifestPath } from "../../src/output/paths.ts";
import {
  BOOK_LABEL,
  fixedNow,
  listFiles,
  makeBook,
  makeChapter,
  makeManifest,
  withTempDir,
} from "./_fixtures.ts";

const manifest = makeManifest([
  { id: "bofm", title: "Book of Mormon", books: [makeBook("alma", 5, 15), makeBook("enos", 1)] },
]);

const done: Outcome = { status: "done", value: null, attempts: 1 };

async function readBookManifestFile(dir: string): Promise<BookManifest> {
  return JSON.parse(await Deno.readTextFile(bookManifestPath(dir, "bofm", "alma")));
}

Deno.test("book manifest of 3 chapters on disk, 1 failed and 1 cancelled", async () => {
  await withTempDir(async (dir) => {
    const one = await writeChapter(dir, makeChapter("bofm", "alma", 1, { verses: 10 }), {
      book: BOOK_LABEL,
    });
    const two = await writeChapter(dir, makeChapter("bofm", "alma", 2, { verses: 7 }), {
      book: BOOK_LABEL,
    });
    const four = await writeChapter(
      dir,
      makeChapter("bofm", "alma", 4, { verses: 5, paragraphs: 1 }),
      { book: BOOK_LABEL },
    );
    const outcomes = new Map<string, Outcome>([
      ["bofm/alma/1", done],
      ["bofm/alma/2", { status: "skipped", value: null }],
      ["bofm/alma/3", { status: "failed", reason: "HTTP 503 Service Unavailable", attempts: 4 }],
      ["bofm/alma/4", done],
      ["bofm/alma/5", { status: "cancelled" }],
    ]);

    const written = await writeBookManifest(dir, manifest, "bofm", "alma", outcomes, {
      now: fixedNow,
    });

    const entry = (chapter: number, result: typeof one, verses: number, paragraphs: number) => ({
      chapter,
      uri: `/scriptures/bofm/alma/${chapter}`,
      file: `${chapter}.json`,
      encoding: "none" as const,
      bytes: result.bytes,
      sha256: result.sha256,
      verses,
      paragraphs,
    });
    const expected: BookManifest = {
      volume: "bofm",
      book: "alma",
      title: "Book alma",
      expectedChapters: 5,
      importedChapters: 3,
      missingChapters: [3, 5],
      failed: [
        {
          chapter: 3,
          uri: "/scriptures/bofm/alma/3",
          reason: "HTTP 503 Service Unavailable",
          attempts: 4,
        },
        {
          chapter: 5,
          uri: "/scriptures/bofm/alma/5",
          reason: "cancelled",
          attempts: 0,
          cancelled: true,
        },
      ],
      invalidFiles: [],
      verses: 22,
      expectedVerses: 15,
      chapters: [entry(1, one, 10, 0), entry(2, two, 7, 0), entry(4, four, 5, 1)],
      complete: false,
      updatedAt: "2025-06-02T08:30:00.000Z",
    };
    assert.deepEqual(written, expected);
    assert.deepEqual(await readBookManifestFile(dir), expected);
    assert.deepEqual(await listFiles(dir), [
      "bofm/alma/1.json",
      "bofm/alma/2.json",
      "bofm/alma/4.json",
      "bofm/alma/manifest.json",
    ]);
  });
});

Deno.test("book manifest counts a valid file from an earlier run as imported even if this run failed it", async () => {
  await withTempDir(async (dir) => {
    await writeChapter(dir, makeChapter("bofm", "enos", 1, { verses: 27 }), { book: BOOK_LABEL });
    const outcomes = new Map<string, Outcome>([
      ["bofm/enos/1", { status: "failed", reason: "HTTP 500", attempts: 4 }],
    ]);
    const written = await writeBookManifest(dir, manifest, "bofm", "enos", outcomes);
    assert.equal(written.importedChapters, 1);
    assert.deepEqual(written.failed, []);
    assert.deepEqual(written.missingChapters, []);
    assert.equal(written.verses, 27);
    assert.equal(written.expectedVerses, null);
    assert.equal(written.complete, true);
  });
});

Deno.test("book manifest is rebuilt from disk: a deleted chapter file drops out of a stale manifest", async () => {
  await withTempDir(async (dir) => {
    for (let chapter = 1; chapter <= 5; chapter++) {
      await writeChapter(dir, makeChapter("bofm", "alma", chapter), { book: BOOK_LABEL });
    }
    const all = new Map<string, Outcome>(
      [1, 2, 3, 4, 5].map((chapter) => [`bofm/alma/${chapter}`, done]),
    );
    const first = await writeBookManifest(dir, manifest, "bofm", "alma", all);
    assert.equal(first.complete, true);
    assert.equal(first.importedChapters, 5);

    await Deno.remove(`${dir}/bofm/alma/2.json`);
    // A later run that touched nothing of this book: no outcomes at all.
    const rebuilt = await writeBookManifest(dir, manifest, "bofm", "alma", new Map());
    assert.equal(rebuilt.importedChapters, 4);
    assert.deepEqual(rebuilt.missingChapters, [2]);
    assert.deepEqual(rebuilt.failed, []);
    assert.deepEqual(rebuilt.chapters.map((chapter) => chapter.chapter), [1, 3, 4, 5]);
    assert.equal(rebuilt.verses, 12);
    assert.equal(rebuilt.complete, false);
    assert.deepEqual(await readBookManifestFile(dir), rebuilt);
  });
});

Deno.test("book manifest counts a chapter file that fails verification as missing and says why", async () => {
  await withTempDir(async (dir) => {
    for (let chapter = 1; chapter <= 5; chapter++) {
      await writeChapter(dir, makeChapter("bofm", "alma", chapter), { book: BOOK_LABEL });
    }
    const text = await Deno.readTextFile(`${dir}/bofm/alma/3.json`);
    await Deno.writeTextFile(`${dir}/bofm/alma/3.json`, text.slice(0, 100));
    // Chapter 5 holds another language than the manifest's.
    await writeChapter(dir, makeChapter("bofm", "alma", 5, { lang: "spa" }), { book: BOOK_LABEL });
    const outcomes = new Map<string, Outcome>([
      ["bofm/alma/3", done],
      ["bofm/alma/5", { status: "failed", reason: "HTTP 404", attempts: 1 }],
    ]);
    const written = await writeBookManifest(dir, manifest, "bofm", "alma", outcomes);
    assert.equal(written.importedChapters, 3);
    assert.deepEqual(written.missingChapters, [3, 5]);
    assert.deepEqual(written.failed.map((failure) => failure.chapter), [5]);
    assert.deepEqual(written.invalidFiles.map((invalid) => invalid.file), ["3.json", "5.json"]);
    assert.match(written.invalidFiles[0].reason, /3\.json": not valid JSON: /);
    assert.match(written.invalidFiles[1].reason, /: lang is "spa", expected "eng"$/);
  });
});

Deno.test("book manifest of a book never imported lists every chapter as missing", async () => {
  await withTempDir(async (dir) => {
    const written = await writeBookManifest(dir, manifest, "bofm", "alma", new Map());
    assert.equal(written.importedChapters, 0);
    assert.deepEqual(written.missingChapters, [1, 2, 3, 4, 5]);
    assert.deepEqual(written.chapters, []);
    assert.equal(written.verses, 0);
    assert.deepEqual(await listFiles(dir), ["bofm/alma/manifest.json"]);
  });
});

Deno.test("book manifest lists the 150 chapters of a long book in order, read 3 at a time", async () => {
  await withTempDir(async (dir) => {
    const psalms = makeManifest([{
      id: "ot",
      title: "Old Testament",
      books: [makeBook("ps", 150)],
    }]);
    for (let chapter = 1; chapter <= 150; chapter++) {
      await writeChapter(dir, makeChapter("ot", "ps", chapter, { verses: 1 + chapter % 7 }), {
        book: BOOK_LABEL,
      });
    }
    const written = await writeBookManifest(dir, psalms, "ot", "ps", new Map(), { concurrency: 3 });
    assert.equal(written.importedChapters, 150);
    assert.deepEqual(
      written.chapters.map((chapter) => chapter.chapter),
      Array.from({ length: 150 }, (_, index) => index + 1),
    );
    let verses = 0;
    for (let chapter = 1; chapter <= 150; chapter++) verses += 1 + chapter % 7;
    assert.equal(written.verses, verses);
    assert.equal(written.complete, true);
  });
});

Deno.test("book manifest refuses a book that import.yaml does not have", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(
      writeBookManifest(dir, manifest, "bofm", "moro", new Map()),
      RangeError,
      `Cannot find book "bofm/moro" in "test/import.yaml": volume "bofm" has no such book`,
    );
    await assert.rejects(
      writeBookManifest(dir, manifest, "nt", "john", new Map()),
      RangeError,
      `Cannot find volume "nt" in "test/import.yaml": no such volume (known: bofm)`,
    );
    assert.deepEqual(await listFiles(dir), []);
  });
});

Deno.test("book manifest stops before writing when the signal is aborted", async () => {
  await withTempDir(async (dir) => {
    await writeChapter(dir, makeChapter("bofm", "enos", 1), { book: BOOK_LABEL });
    const controller = new AbortController();
    controller.abort(new Error("Run cancelled"));
    await assert.rejects(
      writeBookManifest(dir, manifest, "bofm", "enos", new Map(), { signal: controller.signal }),
      /Run cancelled/,
    );
    assert.deepEqual(await listFiles(dir), ["bofm/enos/1.json"]);
  });
});

Deno.test("book manifest is not complete when all chapters are there but the verses do not add up", async () => {
  await withTempDir(async (dir) => {
    const declared = makeManifest([
      { id: "bofm", title: "Book of Mormon", books: [makeBook("alma", 2, 7)] },
    ]);
    await writeChapter(dir, makeChapter("bofm", "alma", 1), { book: BOOK_LABEL });
    await writeChapter(dir, makeChapter("bofm", "alma", 2), { book: BOOK_LABEL });
    const written = await writeBookManifest(dir, declared, "bofm", "alma", new Map());
    assert.equal(written.importedChapters, 2);
    assert.equal(written.verses, 6);
    assert.equal(written.expectedVerses, 7);
    assert.equal(written.complete, false);
  });
});

Deno.test("book manifest lists a chapter this run wrote from what it wrote, without reading the file back", async () => {
  await withTempDir(async (dir) => {
    const results = [];
    for (let chapter = 1; chapter <= 3; chapter++) {
      results.push(
        await writeChapter(dir, makeChapter("bofm", "alma", chapter, { verses: chapter }), {
          book: BOOK_LABEL,
        }),
      );
    }
    // The files are gone: only what each outcome carries can list them.
    for (const result of results) await Deno.remove(result.path);
    const outcomes = new Map<string, Outcome>([
      ["bofm/alma/1", { status: "done", value: { ...results[0], ttfbMs: 50 }, attempts: 1 }],
      ["bofm/alma/2", { status: "skipped", value: results[1] }],
      // A value that names another chapter's file, or lacks a checksum, is not this chapter's.
      ["bofm/alma/3", { status: "done", value: results[0], attempts: 1 }],
      ["bofm/alma/4", { status: "done", value: { ...results[2], sha256: undefined }, attempts: 1 }],
    ]);
    const written = await writeBookManifest(dir, manifest, "bofm", "alma", outcomes);
    assert.deepEqual(
      written.chapters.map((c) => [c.chapter, c.file, c.sha256, c.bytes, c.verses, c.uri]),
      [
        [1, "1.json", results[0].sha256, results[0].bytes, 1, "/scriptures/bofm/alma/1"],
        [2, "2.json", results[1].sha256, results[1].bytes, 2, "/scriptures/bofm/alma/2"],
      ],
    );
    assert.deepEqual(written.missingChapters, [3, 4, 5]);
  });
});
