import assert from "node:assert/strict";
import { writeBookManifest } from "../../src/output/book_manifest.ts";
import { writeChapter } from "../../src/output/chapter_file.ts";
import { sha256Hex } from "../../src/output/digest.ts";
import type { RootManifest } from "../../src/output/manifest_types.ts";
import { rootManifestPath, volumeManifestPath } from "../../src/output/paths.ts";
import { writeRootManifest } from "../../src/output/root_manifest.ts";
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
  { id: "bofm", title: "Book of Mormon", books: [makeBook("enos", 1), makeBook("jarom", 1)] },
  { id: "pgp", title: "Pearl of Great Price", books: [makeBook("moses", 8)] },
]);

/** Imports every chapter of a volume except `skip`, then writes its book and volume manifests. */
async function importVolume(dir: string, volumeId: string, skip: string[] = []): Promise<void> {
  const volume = manifest.volumes.find((candidate) => candidate.id === volumeId)!;
  for (const book of volume.books) {
    for (let chapter = 1; chapter <= book.chapters; chapter++) {
      if (skip.includes(`${book.id}/${chapter}`)) continue;
      await writeChapter(dir, makeChapter(volumeId, book.id, chapter, { verses: 4 }), {
        book: BOOK_LABEL,
      });
    }
    await writeBookManifest(dir, manifest, volumeId, book.id, new Map());
  }
  await writeVolumeManifest(dir, manifest, volumeId);
}

Deno.test("root manifest lists every volume of import.yaml, a volume not imported as 0", async () => {
  await withTempDir(async (dir) => {
    await importVolume(dir, "bofm");
    const written = await writeRootManifest(dir, manifest, {
      now: fixedNow,
      profile: "default",
      selection: ["bofm"],
      tool: { name: "scripture-importer", version: "0.1.0" },
    });
    const expected: RootManifest = {
      tool: { name: "scripture-importer", version: "0.1.0" },
      source: { url: "https://content.example.org/api", lang: "eng" },
      profile: "default",
      selection: ["bofm"],
      generatedAt: "2025-06-02T08:30:00.000Z",
      volumes: [
        {
          volume: "bofm",
          title: "Book of Mormon",
          books: 2,
          expectedChapters: 2,
          importedChapters: 2,
          failedChapters: 0,
          cancelledChapters: 0,
          verses: 8,
          complete: true,
          sha256: await sha256Hex(await Deno.readFile(volumeManifestPath(dir, "bofm"))),
        },
        {
          volume: "pgp",
          title: "Pearl of Great Price",
          books: 1,
          expectedChapters: 8,
          importedChapters: 0,
          failedChapters: 0,
          cancelledChapters: 0,
          verses: 0,
          complete: false,
          sha256: null,
        },
      ],
      totals: {
        volumes: 2,
        books: 3,
        expectedChapters: 10,
        importedChapters: 2,
        failedChapters: 0,
        cancelledChapters: 0,
        verses: 8,
      },
      complete: false,
    };
    assert.deepEqual(written, expected);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(rootManifestPath(dir))), expected);
  });
});

Deno.test("root manifest is complete when every volume is, and omits what the caller did not give", async () => {
  await withTempDir(async (dir) => {
    await importVolume(dir, "bofm");
    await importVolume(dir, "pgp");
    const written = await writeRootManifest(dir, manifest, { now: fixedNow });
    assert.equal(written.complete, true);
    assert.deepEqual(written.totals, {
      volumes: 2,
      books: 3,
      expectedChapters: 10,
      importedChapters: 10,
      failedChapters: 0,
      cancelledChapters: 0,
      verses: 40,
    });
    const onDisk = JSON.parse(await Deno.readTextFile(rootManifestPath(dir)));
    assert.deepEqual(Object.keys(onDisk), [
      "source",
      "generatedAt",
      "volumes",
      "totals",
      "complete",
    ]);
  });
});

Deno.test("root manifest counts the chapters a partial volume import left out", async () => {
  await withTempDir(async (dir) => {
    await importVolume(dir, "bofm");
    await importVolume(dir, "pgp", ["moses/3", "moses/8"]);
    const partial = await writeRootManifest(dir, manifest);
    assert.deepEqual(
      partial.volumes.map((volume) => [volume.volume, volume.importedChapters, volume.complete]),
      [["bofm", 2, true], ["pgp", 6, false]],
    );
    assert.equal(partial.totals.importedChapters, 8);
    assert.equal(partial.complete, false);
  });
});
