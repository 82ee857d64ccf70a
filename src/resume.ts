/**
 * Resume: which chapters of a plan are already on disk, intact, and vouched
 * for, so that the run can skip them.
 *
 * A chapter file is trusted when it parses as exactly that chapter in the
 * run's language and its bytes match the SHA-256 last recorded for it. The
 * record comes from the output directory's chapter journal
 * (`<out>/.import/chapters.ndjson`, see `ChapterJournal`), which every run
 * appends to as each file is renamed into place, wherever its progress log
 * goes. For a chapter the journal does not know (an output directory written
 * before the journal existed), the record comes from the book manifest or
 * from a progress log, as it always did, and is then copied into the journal.
 *
 * A file with no record is not trusted: the tool did not write it, or not
 * whole (a hand-made or copied file, or one whose write was never recorded).
 * A record that disagrees with the file makes it untrusted too (edited by
 * hand, or written by something else since).
 *
 * @module
 */

import { join } from "node:path";
import type { RunEvent } from "./exec/types.ts";
import type { ChapterJournal } from "./output/chapter_journal.ts";
import type { ChapterWriteResult } from "./output/chapter_file.ts";
import { findChapterFile, OtherEncodingSweeper } from "./output/chapter_file.ts";
import type { Compression } from "./manifest/types.ts";
import { bookManifestPath, rootManifestPath, volumeManifestPath } from "./output/paths.ts";
import { readBookManifest, readRootManifest, readVolumeManifest } from "./output/read_manifest.ts";
import { readProgressLog } from "./progress/log.ts";
import type { ChapterNode, PlanNode } from "./plan/types.ts";

/** Checksums recorded by earlier runs, by chapter node id. */
export type RecordedChecksums = Map<string, string>;

/** Options of {@linkcode trustedChapters}. */
export interface TrustedChaptersOptions {
  /** The output directory. */
  readonly outDir: string;
  /** The language every trusted file must hold. */
  readonly lang: string;
  /** The output directory's journal, open: what vouches for files, and where older records are copied. */
  readonly journal: ChapterJournal;
  /** Progress logs outside `<out>/.import/runs` to read older records from (the run's `--log`). @default [] */
  readonly extraLogs?: readonly string[];
  /** Files read and hashed at once. @default 16 */
  readonly concurrency?: number;
  /**
   * The compression whose file of a chapter is looked at first (the run's);
   * a file stored the other way is trusted all the same when its record
   * vouches for it (the run then re-encodes it). @default "none"
   */
  readonly prefer?: Compression;
}

/**
 * The chapters of `nodes` whose file on disk can be kept: it parses as that
 * chapter in `lang` and matches the checksum last recorded for it (see the
 * module's doc). Chapters trusted on an older record are recorded in the
 * journal, so the next run finds them there.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ChapterJournal } from "./output/chapter_journal.ts";
 * import { writeChapter } from "./output/chapter_file.ts";
 * const outDir = await Deno.makeTempDir();
 * const written = await writeChapter(outDir, {
 *   uri: "/scriptures/bofm/enos/1", volume: "bofm", book: "enos", chapter: 1, lang: "eng",
 *   title: "Enos 1", number: null, subtitle: null, intro: null, studyIntro: null, summary: null,
 *   verses: [{ number: 1, text: "Behold…", paragraphStart: false }], paragraphs: [],
 *   source: { url: "https://example.org", fetchedAt: "2026-01-01T00:00:00.000Z" },
 * }, { book: { title: "Enos", abbrev: "Enos" } });
 * const journal = await ChapterJournal.open(outDir);
 * const node = {
 *   id: "bofm/enos/1", kind: "chapter", role: "task", deps: [], scope: ["bofm", "bofm/enos"],
 *   lang: "eng", volume: "bofm", book: "enos", chapter: 1, uri: "/scriptures/bofm/enos/1",
 * } as const;
 * // Never recorded: not trusted. Recorded: trusted.
 * assert.equal((await trustedChapters([node], { outDir, lang: "eng", journal })).size, 0);
 * journal.record(node.id, written.sha256);
 * assert.equal((await trustedChapters([node], { outDir, lang: "eng", journal })).size, 1);
 * journal.close();
 * await Deno.remove(outDir, { recursive: true });
 * ```
 */
export async function trustedChapters(
  nodes: readonly ChapterNode[],
  options: TrustedChaptersOptions,
): Promise<Map<string, ChapterWriteResult>> {
  const { outDir, lang, journal } = options;
  const sums: RecordedChecksums = new Map();
  const unknown: ChapterNode[] = [];
  for (const node of nodes) {
    const sha256 = journal.entries.get(node.id);
    if (sha256 === undefined) unknown.push(node);
    else sums.set(node.id, sha256);
  }
  if (unknown.length > 0) {
    const books = new Map(unknown.map((n) => [`${n.volume}/${n.book}`, n] as const));
    const older = await recordedChecksums(outDir, [...books.values()], options.extraLogs);
    for (const node of unknown) {
      const sha256 = older.get(node.id);
      if (sha256 !== undefined) sums.set(node.id, sha256);
    }
  }
  const done = await completedChapters(outDir, nodes, sums, lang, {
    concurrency: options.concurrency,
    prefer: options.prefer,
  });
  for (const [id, { sha256 }] of done) journal.record(id, sha256);
  return done;
}

/**
 * A sink of the run's events that records in `journal` each chapter file
 * written (a chapter's `task-done`, whose value is its `ChapterWriteResult`),
 * then removes the chapter's file stored the other way, if any (`3.json`
 * once `3.json.gz` is in place and recorded), so one file per chapter is left.
 * Events are delivered synchronously before the executor starts its next
 * task, so a chapter's line is written before its slot is given to another
 * request: a kill loses at most the records of the tasks still running.
 */
export function journalSink(journal: ChapterJournal): (event: RunEvent) => void {
  const sweeper = new OtherEncodingSweeper();
  return (event) => {
    if (event.type !== "task-done" || event.kind !== "chapter") return;
    const written = event.value as Partial<ChapterWriteResult> | null;
    if (typeof written?.sha256 !== "string") return;
    journal.record(event.id, written.sha256);
    if (typeof written.path === "string") sweeper.remove(written.path);
  };
}

/**
 * Collects the SHA-256 recorded for each chapter before the chapter journal
 * existed: first from every progress log under `<out>/.import/runs` (oldest
 * first, so later runs win) and from `extraLogs` (a `--log` kept elsewhere),
 * then from the book manifests of `books`, which win over the logs.
 */
export async function recordedChecksums(
  outDir: string,
  books: readonly { volume: string; book: string }[],
  extraLogs: readonly string[] = [],
): Promise<RecordedChecksums> {
  const sums: RecordedChecksums = new Map();
  const runsDir = join(outDir, ".import", "runs");
  const logs: string[] = [];
  try {
    for await (const entry of Deno.readDir(runsDir)) {
      if (entry.isFile && entry.name.endsWith(".ndjson")) logs.push(entry.name);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const paths = [...logs.sort().map((name) => join(runsDir, name)), ...extraLogs];
  for (const path of new Set(paths)) {
    let records;
    try {
      ({ records } = await readProgressLog(path));
    } catch {
      continue; // A missing or damaged log only costs refetching what it recorded.
    }
    for (const record of records) {
      if ((record.type === "task-done" || record.type === "task-skipped") && record.sha256) {
        sums.set(record.id, record.sha256);
      }
    }
  }
  for (const { volume, book } of books) {
    const read = await readBookManifest(bookManifestPath(outDir, volume, book), volume, book);
    if (!read.ok) continue;
    for (const chapter of read.manifest.chapters) {
      sums.set(`${volume}/${book}/${chapter.chapter}`, chapter.sha256);
    }
  }
  return sums;
}

/** Options of {@linkcode completedChapters}. */
export interface CompletedChaptersOptions {
  /** Files read and hashed at once. @default 16 */
  readonly concurrency?: number;
  /** The compression whose file is looked at first. @default "none" */
  readonly prefer?: Compression;
}

/**
 * The chapters of `nodes` whose file exists, stored in any compression,
 * parses as that chapter in `lang`, and matches its recorded checksum (of
 * the stored bytes). A file with no recorded checksum is not trusted.
 */
export async function completedChapters(
  outDir: string,
  nodes: readonly ChapterNode[],
  sums: RecordedChecksums,
  lang: string,
  options: CompletedChaptersOptions = {},
): Promise<Map<string, ChapterWriteResult>> {
  const { concurrency = 16, prefer = "none" } = options;
  const done = new Map<string, ChapterWriteResult>();
  const candidates = nodes.filter((node) => sums.has(node.id));
  let next = 0;
  const worker = async () => {
    while (next < candidates.length) {
      const node = candidates[next++];
      const check = await findChapterFile(outDir, {
        prefer,
        expectedSha256: sums.get(node.id),
        expected: { volume: node.volume, book: node.book, chapter: node.chapter, lang },
      });
      if (check.ok) {
        done.set(node.id, {
          path: check.path,
          compression: check.compression,
          bytes: check.bytes,
          sha256: check.sha256,
          verses: check.verses,
          paragraphs: check.paragraphs,
        });
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return done;
}

/**
 * The manifest sinks of a plan that nothing of this run can change, so the
 * run leaves their files alone: a book's when every chapter it waits for is
 * already trusted on disk and its manifest there is readable and complete; a
 * volume's when all its books' are left alone and its manifest is readable;
 * the root's when all the volumes' are and it is readable. A run with nothing
 * to fetch then rewrites nothing (not the root manifest's profile, URL or
 * date either). The value of each is the manifest file's SHA-256.
 *
 * @param nodes the plan's nodes, sinks after what they wait for (plan order)
 * @param trusted the chapters this run skips (see {@linkcode trustedChapters})
 */
export async function unchangedManifests(
  nodes: readonly PlanNode[],
  trusted: ReadonlySet<string>,
  outDir: string,
): Promise<Map<string, { readonly sha256: string }>> {
  const unchanged = new Map<string, { readonly sha256: string }>();
  for (const node of nodes) {
    if (node.role !== "sink" || !node.deps.every((d) => trusted.has(d) || unchanged.has(d))) {
      continue;
    }
    const read = node.kind === "book-manifest"
      ? await readBookManifest(
        bookManifestPath(outDir, node.volume, node.book),
        node.volume,
        node.book,
      )
      : node.kind === "volume-manifest"
      ? await readVolumeManifest(volumeManifestPath(outDir, node.volume), node.volume)
      : await readRootManifest(rootManifestPath(outDir));
    // A book's manifest must say complete (it lists every chapter as on disk);
    // above it, a readable manifest over unchanged ones is already right.
    const current = read.ok && (node.kind !== "book-manifest" || read.manifest.complete);
    if (current) unchanged.set(node.id, { sha256: read.sha256 });
  }
  return unchanged;
}
