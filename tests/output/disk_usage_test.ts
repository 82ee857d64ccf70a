import assert from "node:assert/strict";
import { join } from "node:path";
import { chapterBytesOnDisk, ChapterDiskTally } from "../../src/output/disk_usage.ts";
import { withTempDir } from "./_fixtures.ts";

Deno.test("chapterBytesOnDisk sums each chapter's files in every compression and skips the rest", async () => {
  await withTempDir(async (dir) => {
    const book = join(dir, "bofm", "enos");
    await Deno.mkdir(book, { recursive: true });
    await Deno.writeFile(join(book, "1.json"), new Uint8Array(900));
    await Deno.writeFile(join(book, "1.json.gz"), new Uint8Array(250)); // a killed run's pair
    await Deno.writeFile(join(book, "2.json.gz"), new Uint8Array(300));
    await Deno.writeFile(join(book, "manifest.json"), new Uint8Array(5000));
    await Deno.writeFile(join(book, ".3.json.1.ab.tmp"), new Uint8Array(700));
    const at = (volume: string, bookId: string, chapter: number) => ({
      id: `${volume}/${bookId}/${chapter}`,
      volume,
      book: bookId,
      chapter,
    });
    const sizes = await chapterBytesOnDisk(dir, [
      at("bofm", "enos", 1),
      at("bofm", "enos", 2),
      at("bofm", "enos", 3),
      at("bofm", "jarom", 1),
    ]);
    assert.deepEqual(Object.fromEntries(sizes), { "bofm/enos/1": 1150, "bofm/enos/2": 300 });

    const tally = new ChapterDiskTally(sizes);
    assert.equal(tally.beforeBytes, 1450);
    tally.replaced("bofm/enos/1", 250);
    tally.replaced("bofm/jarom/1", 100);
    assert.deepEqual([tally.beforeBytes, tally.bytes], [1450, 650]);
  });
});
