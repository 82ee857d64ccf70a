import assert from "node:assert/strict";
import { join } from "node:path";
import {
  ChapterJournal,
  chapterJournalPath,
  readChapterJournal,
} from "../../src/output/chapter_journal.ts";
import { listFiles, withTempDir } from "./_fixtures.ts";

const sha = (digit: string) => digit.repeat(64);

async function lines(out: string): Promise<string[]> {
  return (await Deno.readTextFile(chapterJournalPath(out))).split("\n").filter((l) => l !== "");
}

Deno.test("the journal records one whole line per chapter written, and the last line wins", async () => {
  await withTempDir(async (out) => {
    const journal = await ChapterJournal.open(out);
    journal.record("bofm/enos/1", sha("a"));
    journal.record("bofm/jarom/1", sha("b"));
    journal.record("bofm/enos/1", sha("c"));
    journal.record("bofm/enos/1", sha("c")); // the same bytes again add no line
    assert.equal(journal.entries.get("bofm/enos/1"), sha("c"));
    journal.close();
    journal.close();
    assert.deepEqual(await lines(out), [
      `{"id":"bofm/enos/1","sha256":"${sha("a")}"}`,
      `{"id":"bofm/jarom/1","sha256":"${sha("b")}"}`,
      `{"id":"bofm/enos/1","sha256":"${sha("c")}"}`,
    ]);
    const read = await readChapterJournal(chapterJournalPath(out));
    assert.deepEqual(Object.fromEntries(read.entries), {
      "bofm/enos/1": sha("c"),
      "bofm/jarom/1": sha("b"),
    });
    assert.equal(read.superseded, 1);
    assert.equal(read.badLines, 0);
  });
});

Deno.test("each line is on disk as soon as record returns, before the journal is closed", async () => {
  await withTempDir(async (out) => {
    const journal = await ChapterJournal.open(out);
    try {
      journal.record("bofm/enos/1", sha("a"));
      // What a process killed now would leave behind.
      const read = await readChapterJournal(chapterJournalPath(out));
      assert.equal(read.entries.get("bofm/enos/1"), sha("a"));
    } finally {
      journal.close();
    }
  });
});

Deno.test("opening compacts superseded and damaged lines into one line per chapter", async () => {
  await withTempDir(async (out) => {
    await Deno.mkdir(join(out, ".import"));
    await Deno.writeTextFile(
      chapterJournalPath(out),
      [
        `{"id":"bofm/enos/1","sha256":"${sha("a")}"}`,
        `not json`,
        `{"id":"../etc/1","sha256":"${sha("b")}"}`, // not a chapter id
        `{"id":"bofm/enos/2","sha256":"ABC"}`, // not a SHA-256
        `[1,2]`,
        `{"id":"bofm/enos/1","sha256":"${sha("d")}"}`,
        `{"id":"bofm/enos/3","sha25`, // torn by a kill
      ].join("\n"),
    );
    const journal = await ChapterJournal.open(out);
    // A torn last line does not swallow the next record.
    journal.record("bofm/enos/3", sha("e"));
    journal.close();
    assert.deepEqual(await lines(out), [
      `{"id":"bofm/enos/1","sha256":"${sha("d")}"}`,
      `{"id":"bofm/enos/3","sha256":"${sha("e")}"}`,
    ]);
    // Compacted atomically: no temporary file is left.
    assert.deepEqual(await listFiles(join(out, ".import")), ["chapters.ndjson"]);
  });
});

Deno.test("across many runs that rewrite the same chapters the journal stays bounded", async () => {
  await withTempDir(async (out) => {
    const chapters = Array.from({ length: 5 }, (_, i) => `bofm/alma/${i + 1}`);
    for (let run = 0; run < 30; run++) {
      const journal = await ChapterJournal.open(out);
      assert.ok((await lines(out)).length <= chapters.length, `run ${run} opened compacted`);
      const digit = (run % 16).toString(16);
      for (const id of chapters) journal.record(id, sha(digit));
      journal.close();
      assert.ok((await lines(out)).length <= 2 * chapters.length);
    }
    const { entries } = await readChapterJournal(chapterJournalPath(out));
    assert.deepEqual([...entries.values()], chapters.map(() => sha((29 % 16).toString(16))));
  });
});

Deno.test("a missing journal is empty, and opening one makes <out>/.import", async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, "not", "made", "yet");
    const read = await readChapterJournal(chapterJournalPath(out));
    assert.deepEqual(read, { entries: new Map(), badLines: 0, superseded: 0 });
    const journal = await ChapterJournal.open(out);
    journal.close();
    assert.deepEqual(await listFiles(out), [".import/chapters.ndjson"]);
  });
});

Deno.test("recording a malformed id or checksum is a caller's bug and throws", async () => {
  await withTempDir(async (out) => {
    const journal = await ChapterJournal.open(out);
    try {
      assert.throws(() => journal.record("bofm/enos", sha("a")), TypeError);
      assert.throws(() => journal.record("bofm/enos/1", "abc"), /is not a SHA-256/);
    } finally {
      journal.close();
    }
    assert.deepEqual(await lines(out), []);
  });
});
