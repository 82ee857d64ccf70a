/**
 * Resume: which chapters of a plan are already on disk, intact, with the
 * checksum a previous run recorded for them (in a book manifest or a progress
 * log), so that the run can skip them.
 *
 * @module
 */

import { join } from "node:path";
import type { ChapterWriteResult } from "./output/chapter_file.ts";
import { verifyChapterFile } from "./output/chapter_file.ts";
import { bookManifestPath, chapterPath } from "./output/paths.ts";
import { readBookManifest } from "./output/read_manifest.ts";
import { readProgressLog } from "./progress/log.ts";
import type { ChapterNode } from "./plan/types.ts";

/** Checksums recorded by earlier runs, by chapter node id. */
export type RecordedChecksums = Map<string, string>;

/**
 * Collects the SHA-256 recorded for each chapter: first from every progress
 * log under `<out>/.import/runs` (oldest first, so later runs win) and from
 * `extraLogs` (a `--log` kept elsewhere), then from the book manifests of
 * `books`, which win over the logs.
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

/**
 * The chapters of `nodes` whose file exists, parses as that chapter in `lang`,
 * and matches its recorded checksum. A file with no recorded checksum is not
 * trusted: it may be from a run killed before it could record it.
 */
export async function completedChapters(
  outDir: string,
  nodes: readonly ChapterNode[],
  sums: RecordedChecksums,
  lang: string,
  concurrency = 16,
): Promise<Map<string, ChapterWriteResult>> {
  const done = new Map<string, ChapterWriteResult>();
  const candidates = nodes.filter((node) => sums.has(node.id));
  let next = 0;
  const worker = async () => {
    while (next < candidates.length) {
      const node = candidates[next++];
      const path = chapterPath(outDir, node.volume, node.book, node.chapter);
      const check = await verifyChapterFile(path, sums.get(node.id), {
        expected: { volume: node.volume, book: node.book, chapter: node.chapter, lang },
      });
      if (check.ok) {
        done.set(node.id, {
          path,
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
