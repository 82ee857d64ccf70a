import assert from "node:assert/strict";
import { join } from "node:path";
import { ChapterEncoder } from "../src/offload/chapter_encoder.ts";
import { writeChapter } from "../src/output/chapter_file.ts";
import { ChapterJournal } from "../src/output/chapter_journal.ts";
import { gunzip } from "../src/output/gzip.ts";
import { describeRecode, recodeChapters, recodeGroups } from "../src/recode.ts";
import { BOOK_LABEL, listFiles, makeChapter, withTempDir } from "./output/_fixtures.ts";

Deno.test("recodeChapters converts, records the new file, then removes the old; a file changed since it was verified is left as it is", async () => {
  await withTempDir(async (dir) => {
    const one = await writeChapter(dir, makeChapter("pgp", "js-h", 1), { book: BOOK_LABEL });
    const two = await writeChapter(dir, makeChapter("pgp", "moses", 2), { book: BOOK_LABEL });
    const chapters = new Map([["pgp/js-h/1", one], ["pgp/moses/2", two]]);
    assert.deepEqual(recodeGroups(chapters, "gzip"), [{ from: "none", to: "gzip", chapters: 2 }]);
    assert.deepEqual(recodeGroups(chapters, "none"), []);
    assert.equal(
      describeRecode({ from: "gzip", to: "none", chapters: 1 }),
      "1 chapter stored as .json.gz will be re-encoded as .json without fetching",
    );
    const plainText = await Deno.readFile(one.path);
    await Deno.writeTextFile(two.path, "edited by hand\n");

    const journal = await ChapterJournal.open(dir);
    const encoder = new ChapterEncoder({ workers: 0 });
    try {
      const stored: string[] = [];
      const result = await recodeChapters(chapters, {
        outDir: dir,
        to: "gzip",
        encoder,
        journal,
        onStored: (id) => stored.push(id),
      });
      assert.deepEqual([...result.recoded.keys()], ["pgp/js-h/1"]);
      assert.deepEqual(stored, ["pgp/js-h/1"]);
      const now = result.recoded.get("pgp/js-h/1")!;
      assert.equal(now.path, join(dir, "pgp/js-h/1.json.gz"));
      assert.equal(journal.entries.get("pgp/js-h/1"), now.sha256);
      assert.deepEqual(await gunzip(await Deno.readFile(now.path)), plainText);
      assert.equal(result.failures.length, 1);
      assert.equal(result.failures[0].id, "pgp/moses/2");
      assert.match(result.failures[0].reason, /changed since it was verified/);
      assert.deepEqual(await listFiles(dir), [
        ".import/chapters.ndjson",
        "pgp/js-h/1.json.gz",
        "pgp/moses/2.json",
      ]);
    } finally {
      encoder.close();
      journal.close();
    }
  });
});
