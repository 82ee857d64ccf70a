import assert from "node:assert/strict";
import type { Outcome } from "../../src/exec/types.ts";
import { writeBookManifest } from "../../src/output/book_manifest.ts";
import { writeChapter } from "../../src/output/chapter_file.ts";
import { sha256Hex } from "../../src/output/digest.ts";
import type { VolumeManifest } from "../../src/output/manifest_types.ts";
import { bookManifestPath, volumeManifestPath } from "../../src/output/paths.ts";
import { writeVolumeManifest } from "../../src/output/volume_manifest.ts";
import {
  BOOK_LABEL,
  fixedNow,
  makeBook,
  makeChapter,
  makeManifest,
  withTempDir,
} from "./_fixtures.ts";

const manifest = makeManifest([
  {
    id: "pgp",
    title: "Pearl of Great Price",
    books: [makeBook("moses", 2), makeBook("abr", 3), makeBook("a-of-f", 1)],
  },
]);

/** Writes the given chapters of a book, then its book manifest. */
async function importBook(
  dir: string,
  book: string,
  chapters: readonly number[],
  outcomes: ReadonlyMap<string, Outcome> = new Map(),
): Promise<void> {
  for (const chapter of chapters) {
    await writeChapter(dir, makeChapter("pgp", book, chapter, { verses: 10 * chapter }), {
      book: BOOK_LABEL,
    });
  }
  await writeBookManifest(dir, manifest, "pgp", book, outcomes, { now: fixedNow });
}

async function fileSha256(path: string): Promise<string> {
  return sha256Hex(await Deno.readFile(path));
}

Deno.test("volume manifest aggregates the book manifests on disk, a missing one as 0 imported", async () => {
  await withTempDir(async (dir) => {
    await importBook(dir, "moses", [1, 2]);
    await importBook(
      dir,
      "abr",
      [1],
      new Map<string, Outcome>([
        ["pgp/abr/2", { status: "failed", reason: "HTTP 503", attempts: 4 }],
        ["pgp/abr/3", { status: "cancelled" }],
      ]),
    );
    // a-of-f has no book manifest at all.

    const written = await writeVolumeManifest(dir, manifest, "pgp", { now: fixedNow });
    const expected: VolumeManifest = {
      volume: "pgp",
      title: "Pearl of Great Price",
      books: [
        {
          book: "moses",
          title: "Book moses",
          expectedChapters: 2,
          importedChapters: 2,
          failed: 0,
          cancelled: 0,
          verses: 30,
          complete: true,
          sha256: await fileSha256(bookManifestPath(dir, "pgp", "moses")),
        },
        {
          book: "abr",
          title: "Book abr",
          expectedChapters: 3,
          importedChapters: 1,
          failed: 1,
          cancelled: 1,
          verses: 10,
          complete: false,
          sha256: await fileSha256(bookManifestPath(dir, "pgp", "abr")),
        },
        {
          book: "a-of-f",
          title: "Book a-of-f",
          expectedChapters: 1,
          importedChapters: 0,
          failed: 0,
          cancelled: 0,
          verses: 0,
          complete: false,
          sha256: null,
        },
      ],
      totals: {
        books: 3,
        expectedChapters: 6,
        importedChapters: 3,
        failedChapters: 1,
        cancelledChapters: 1,
        verses: 40,
      },
      complete: false,
      updatedAt: "2025-06-02T08:30:00.000Z",
    };
    assert.deepEqual(written, expected);
    const onDisk = JSON.parse(await Deno.readTextFile(volumeManifestPath(dir, "pgp")));
    assert.deepEqual(onDisk, expected);
  });
});

Deno.test("volume manifest is complete when every book is", async () => {
  await withTempDir(async (dir) => {
    await importBook(dir, "moses", [1, 2]);
    await importBook(dir, "abr", [1, 2, 3]);
    await importBook(dir, "a-of-f", [1]);
    const written = await writeVolumeManifest(dir, manifest, "pgp");
    assert.equal(written.complete, true);
    assert.deepEqual(written.totals, {
      books: 3,
      expectedChapters: 6,
      importedChapters: 6,
      failedChapters: 0,
      cancelledChapters: 0,
      verses: 30 + 60 + 10,
    });
  });
});

Deno.test("volume manifest ignores a corrupt book manifest and one written for another chapter count", async () => {
  await withTempDir(async (dir) => {
    await importBook(dir, "moses", [1, 2]);
    await importBook(dir, "abr", [1, 2, 3]);
    await importBook(dir, "a-of-f", [1]);
    await Deno.writeTextFile(bookManifestPath(dir, "pgp", "moses"), '{"volume": "pgp"');
    // import.yaml now says Abraham has 4 chapters: its complete manifest is stale.
    const grown = makeManifest([{
      ...manifest.volumes[0],
      books: [makeBook("moses", 2), makeBook("abr", 4), makeBook("a-of-f", 1)],
    }]);
    const written = await writeVolumeManifest(dir, grown, "pgp");
    const [moses, abr, articles] = written.books;
    assert.deepEqual(
      [moses.importedChapters, moses.sha256, moses.complete],
      [0, null, false],
    );
    assert.deepEqual([abr.expectedChapters, abr.importedChapters, abr.complete], [4, 3, false]);
    assert.equal(articles.complete, true);
    assert.equal(written.complete, false);
    assert.equal(written.totals.expectedChapters, 7);
  });
});

Deno.test("volume manifest refuses a volume that import.yaml does not have", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(writeVolumeManifest(dir, manifest, "ot"), RangeError, `volume "ot"`);
  });
});

Deno.test("a book manifest written before cancelled chapters were flagged still counts them apart", async () => {
  await withTempDir(async (dir) => {
    await importBook(dir, "moses", [1, 2]);
    await importBook(
      dir,
      "abr",
      [1],
      new Map<string, Outcome>([
        ["pgp/abr/2", { status: "cancelled" }],
        ["pgp/abr/3", { status: "failed", reason: "HTTP 404", attempts: 1 }],
      ]),
    );
    // As an older version wrote it: a cancelled entry without the flag.
    const path = bookManifestPath(dir, "pgp", "abr");
    const old = JSON.parse(await Deno.readTextFile(path));
    old.failed = old.failed.map(({ cancelled: _, ...rest }: Record<string, unknown>) => rest);
    await Deno.writeTextFile(path, JSON.stringify(old));
    const written = await writeVolumeManifest(dir, manifest, "pgp");
    const abr = written.books.find((b) => b.book === "abr");
    assert.deepEqual([abr?.failed, abr?.cancelled], [1, 1]);
    assert.deepEqual([written.totals.failedChapters, written.totals.cancelledChapters], [1, 1]);
  });
});
