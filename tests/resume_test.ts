import assert from "node:assert/strict";
import { join } from "node:path";
import type { RunEvent } from "../src/exec/types.ts";
import { writeBookManifest } from "../src/output/book_manifest.ts";
import { serializeChapter, writeChapter } from "../src/output/chapter_file.ts";
import { ChapterJournal, readChapterJournal } from "../src/output/chapter_journal.ts";
import { chapterJournalPath } from "../src/output/chapter_journal.ts";
import { chapterPath } from "../src/output/paths.ts";
import type { ChapterNode } from "../src/plan/types.ts";
import { ProgressLog } from "../src/progress/log.ts";
import { journalSink, trustedChapters } from "../src/resume.ts";
import {
  BOOK_LABEL,
  makeBook,
  makeChapter,
  makeManifest,
  withTempDir,
} from "./output/_fixtures.ts";

function node(volume: string, book: string, chapter: number): ChapterNode {
  return {
    id: `${volume}/${book}/${chapter}`,
    kind: "chapter",
    role: "task",
    deps: [],
    scope: [volume, `${volume}/${book}`],
    lang: "eng",
    volume,
    book,
    chapter,
    uri: `/scriptures/${volume}/${book}/${chapter}`,
  };
}

const ENOS_1 = node("bofm", "enos", 1);
const OTHER_SHA = "0".repeat(64);

/** The ids `trustedChapters` keeps among `nodes`, with a fresh journal of `outDir`. */
async function trusted(
  outDir: string,
  nodes: readonly ChapterNode[],
  extraLogs: readonly string[] = [],
): Promise<string[]> {
  const journal = await ChapterJournal.open(outDir);
  try {
    const kept = await trustedChapters(nodes, { outDir, lang: "eng", journal, extraLogs });
    return [...kept.keys()].sort();
  } finally {
    journal.close();
  }
}

/** Appends a journal line, as a run that wrote the file would have. */
async function recordInJournal(outDir: string, id: string, sha256: string): Promise<void> {
  const journal = await ChapterJournal.open(outDir);
  journal.record(id, sha256);
  journal.close();
}

Deno.test("a valid chapter file that nothing recorded is not trusted", async () => {
  await withTempDir(async (out) => {
    await writeChapter(out, makeChapter("bofm", "enos", 1), { book: BOOK_LABEL });
    assert.deepEqual(await trusted(out, [ENOS_1]), []);
  });
});

Deno.test("a chapter file the journal records is trusted, with no log and no book manifest", async () => {
  await withTempDir(async (out) => {
    const written = await writeChapter(out, makeChapter("bofm", "enos", 1), { book: BOOK_LABEL });
    await recordInJournal(out, ENOS_1.id, written.sha256);
    const journal = await ChapterJournal.open(out);
    try {
      const kept = await trustedChapters([ENOS_1], { outDir: out, lang: "eng", journal });
      assert.deepEqual(kept.get(ENOS_1.id), written);
    } finally {
      journal.close();
    }
  });
});

Deno.test("a chapter file whose recorded checksum disagrees is not trusted", async () => {
  await withTempDir(async (out) => {
    await writeChapter(out, makeChapter("bofm", "enos", 1), { book: BOOK_LABEL });
    await recordInJournal(out, ENOS_1.id, OTHER_SHA);
    assert.deepEqual(await trusted(out, [ENOS_1]), []);
  });
});

Deno.test("a file edited by hand after its book manifest was written is not trusted", async () => {
  await withTempDir(async (out) => {
    const manifest = makeManifest([{ id: "bofm", title: "BofM", books: [makeBook("enos", 1)] }]);
    await writeChapter(out, makeChapter("bofm", "enos", 1), { book: BOOK_LABEL });
    await writeBookManifest(out, manifest, "bofm", "enos", new Map());
    // Still a valid chapter, with one word changed.
    const edited = { ...makeChapter("bofm", "enos", 1), title: "Enos, edited" };
    await Deno.writeTextFile(
      chapterPath(out, "bofm", "enos", 1),
      serializeChapter(edited, BOOK_LABEL),
    );
    assert.deepEqual(await trusted(out, [ENOS_1]), []);
  });
});

Deno.test("a recorded file of another chapter or another language is not trusted", async () => {
  await withTempDir(async (out) => {
    // 2.json holds chapter 1's text; 1.json is in Spanish. Both are recorded as they are.
    const path2 = chapterPath(out, "bofm", "enos", 2);
    const one = await writeChapter(out, makeChapter("bofm", "enos", 1), { book: BOOK_LABEL });
    await Deno.mkdir(join(out, "bofm", "enos"), { recursive: true });
    await Deno.copyFile(one.path, path2);
    const spanish = await writeChapter(out, makeChapter("bofm", "enos", 1, { lang: "spa" }), {
      book: BOOK_LABEL,
    });
    await recordInJournal(out, "bofm/enos/1", spanish.sha256);
    await recordInJournal(out, "bofm/enos/2", one.sha256);
    assert.deepEqual(await trusted(out, [ENOS_1, node("bofm", "enos", 2)]), []);
  });
});

Deno.test("a torn or invalid chapter file is not trusted, even when its checksum is recorded", async () => {
  await withTempDir(async (out) => {
    const text = serializeChapter(makeChapter("bofm", "enos", 1), BOOK_LABEL);
    const rows: [number, string][] = [
      [1, text.slice(0, text.length / 2)], // torn
      [2, "not json at all\n"],
      [3, JSON.stringify({ uri: "/scriptures/bofm/enos/3", volume: "bofm" }) + "\n"], // not a chapter
      [4, ""], // empty
    ];
    await Deno.mkdir(join(out, "bofm", "enos"), { recursive: true });
    for (const [chapter, content] of rows) {
      const bytes = new TextEncoder().encode(content);
      await Deno.writeFile(chapterPath(out, "bofm", "enos", chapter), bytes);
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
      const sha = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
      await recordInJournal(out, `bofm/enos/${chapter}`, sha);
    }
    assert.deepEqual(await trusted(out, rows.map(([c]) => node("bofm", "enos", c))), []);
  });
});

Deno.test("a recorded file written before subtitle and studyIntro existed is still trusted", async () => {
  await withTempDir(async (out) => {
    const { subtitle: _s, studyIntro: _i, ...oldShape } = makeChapter("bofm", "enos", 1);
    const bytes = new TextEncoder().encode(JSON.stringify(oldShape, null, 2) + "\n");
    await Deno.mkdir(join(out, "bofm", "enos"), { recursive: true });
    await Deno.writeFile(chapterPath(out, "bofm", "enos", 1), bytes);
    const manifest = makeManifest([{ id: "bofm", title: "BofM", books: [makeBook("enos", 1)] }]);
    // An old output folder: the book manifest is the only record.
    await writeBookManifest(out, manifest, "bofm", "enos", new Map());
    assert.deepEqual(await trusted(out, [ENOS_1]), [ENOS_1.id]);
  });
});

Deno.test("the journal's record wins over an older book manifest's (a --force run killed midway)", async () => {
  await withTempDir(async (out) => {
    const manifest = makeManifest([{ id: "bofm", title: "BofM", books: [makeBook("enos", 1)] }]);
    await writeChapter(out, makeChapter("bofm", "enos", 1), { book: BOOK_LABEL });
    await writeBookManifest(out, manifest, "bofm", "enos", new Map());
    // The forced run rewrites the chapter (another fetchedAt), records it, and dies
    // before it rewrites the book manifest.
    const refetched = makeChapter("bofm", "enos", 1);
    const again = await writeChapter(out, {
      ...refetched,
      source: { ...refetched.source, fetchedAt: "2026-01-01T00:00:00.000Z" },
    }, { book: BOOK_LABEL });
    await recordInJournal(out, ENOS_1.id, again.sha256);
    assert.deepEqual(await trusted(out, [ENOS_1]), [ENOS_1.id]);
  });
});

Deno.test("an output folder from before the journal keeps working, and its records move into the journal", async () => {
  await withTempDir(async (out) => {
    const manifest = makeManifest([{
      id: "bofm",
      title: "BofM",
      books: [makeBook("enos", 1), makeBook("jarom", 1), makeBook("omni", 1)],
    }]);
    // Enos: vouched for by its book manifest; Jarom: by a log in <out>/.import/runs;
    // Omni: by a --log kept elsewhere. No journal.
    const enos = await writeChapter(out, makeChapter("bofm", "enos", 1), { book: BOOK_LABEL });
    await writeBookManifest(out, manifest, "bofm", "enos", new Map());
    const jarom = await writeChapter(out, makeChapter("bofm", "jarom", 1), { book: BOOK_LABEL });
    const omni = await writeChapter(out, makeChapter("bofm", "omni", 1), { book: BOOK_LABEL });
    const done = (id: string, sha256: string) => ({
      type: "task-done" as const,
      time: "2026-01-01T00:00:00.000Z",
      at: 0,
      id,
      kind: "chapter",
      attempts: 1,
      durationMs: 1,
      sha256,
    });
    const inside = await ProgressLog.open(join(out, ".import", "runs", "2026-01-01.ndjson"));
    inside.write(done("bofm/jarom/1", jarom.sha256));
    inside.close();
    const elsewhere = join(out, "..", `${crypto.randomUUID()}.ndjson`);
    const outside = await ProgressLog.open(elsewhere);
    try {
      outside.write(done("bofm/omni/1", omni.sha256));
      outside.close();
      const nodes = [ENOS_1, node("bofm", "jarom", 1), node("bofm", "omni", 1)];
      assert.deepEqual(await trusted(out, nodes, [elsewhere]), [
        "bofm/enos/1",
        "bofm/jarom/1",
        "bofm/omni/1",
      ]);
      const { entries } = await readChapterJournal(chapterJournalPath(out));
      assert.deepEqual(
        Object.fromEntries(entries),
        { "bofm/enos/1": enos.sha256, "bofm/jarom/1": jarom.sha256, "bofm/omni/1": omni.sha256 },
      );
      // The next run needs neither the logs nor the manifest.
      await Deno.remove(join(out, ".import", "runs"), { recursive: true });
      await Deno.remove(join(out, "bofm", "enos", "manifest.json"));
      assert.equal((await trusted(out, nodes)).length, 3);
    } finally {
      await Deno.remove(elsewhere);
    }
  });
});

Deno.test("the journal sink records each chapter written, and nothing else", async () => {
  await withTempDir(async (out) => {
    const journal = await ChapterJournal.open(out);
    const sink = journalSink(journal);
    const sha = "a".repeat(64);
    const events: RunEvent[] = [
      {
        type: "task-done",
        at: 0,
        id: "bofm/enos/1",
        kind: "chapter",
        attempts: 1,
        durationMs: 1,
        value: { sha256: sha },
      },
      {
        type: "task-done",
        at: 0,
        id: "bofm/enos/manifest",
        kind: "book-manifest",
        attempts: 1,
        durationMs: 1,
        value: { sha256: sha },
      },
      { type: "task-skipped", at: 0, id: "bofm/jarom/1", kind: "chapter", value: { sha256: sha } },
      {
        type: "task-failed",
        at: 0,
        id: "bofm/omni/1",
        kind: "chapter",
        reason: "x",
        attempts: 1,
        permanent: true,
      },
      {
        type: "task-done",
        at: 0,
        id: "bofm/omni/1",
        kind: "chapter",
        attempts: 1,
        durationMs: 1,
        value: undefined,
      },
    ];
    for (const event of events) sink(event);
    journal.close();
    const { entries } = await readChapterJournal(chapterJournalPath(out));
    assert.deepEqual(Object.fromEntries(entries), { "bofm/enos/1": sha });
  });
});

Deno.test("a recorded chapter file of the previous format (no references) is trusted, not fetched again", async () => {
  await withTempDir(async (out) => {
    // What the previous version wrote: the chapter itself, no format key, no references.
    const text = JSON.stringify(makeChapter("bofm", "enos", 1), null, 2) + "\n";
    await Deno.mkdir(join(out, "bofm", "enos"), { recursive: true });
    await Deno.writeTextFile(chapterPath(out, "bofm", "enos", 1), text);
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
    const sha256 = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
    await recordInJournal(out, "bofm/enos/1", sha256);
    assert.deepEqual(await trusted(out, [ENOS_1]), ["bofm/enos/1"]);
  });
});
