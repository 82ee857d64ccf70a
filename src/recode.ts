/**
 * Re-encoding chapter files on disk: when a run stores chapters otherwise
 * than the files already there (`--compress gzip` over `.json` files, or
 * back), a trusted file is converted in place of being fetched again, which
 * costs the API nothing and gives the same JSON text.
 *
 * Each file is converted on the chapter workers (gzip or inflate, SHA-256),
 * the new file written atomically beside the old one, recorded in the chapter
 * journal, and only then is the old file removed. A process killed at any
 * point leaves the old file recorded (the new one, unrecorded, is converted
 * again next time) or the new one recorded (the old one, left over, is removed
 * next time): never a chapter without a trusted file, and, once a run ends,
 * never a `.json` and a `.json.gz` of one chapter.
 *
 * @module
 */

import type { Compression } from "./manifest/types.ts";
import { type WriteFile, writeFileAtomic } from "./output/atomic_write.ts";
import { basename, dirname } from "node:path";
import {
  type ChapterWriteResult,
  otherEncodingPaths,
  removeOtherEncodings,
} from "./output/chapter_file.ts";
import { fileNamesIn } from "./output/disk_usage.ts";
import { sha256Hex } from "./output/digest.ts";
import type { ChapterJournal } from "./output/chapter_journal.ts";
import { CHAPTER_FILE_SUFFIX, chapterPath } from "./output/paths.ts";
import type { ChapterEncoder } from "./offload/chapter_encoder.ts";

/** Chapters on disk stored one way that a run stores another way. */
export interface RecodeGroup {
  /** How they are stored now. */
  readonly from: Compression;
  /** How the run stores them. */
  readonly to: Compression;
  /** How many. */
  readonly chapters: number;
}

/**
 * The trusted chapters of a run stored otherwise than `to`, by how they are
 * stored now.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const file = { path: "1.json", compression: "none", bytes: 1, sha256: "", verses: 1, paragraphs: 0 } as const;
 * assert.deepEqual(recodeGroups(new Map([["bofm/enos/1", file]]), "gzip"), [
 *   { from: "none", to: "gzip", chapters: 1 },
 * ]);
 * ```
 */
export function recodeGroups(
  trusted: ReadonlyMap<string, ChapterWriteResult>,
  to: Compression,
): RecodeGroup[] {
  const counts = new Map<Compression, number>();
  for (const written of trusted.values()) {
    if (written.compression !== to) {
      counts.set(written.compression, (counts.get(written.compression) ?? 0) + 1);
    }
  }
  return [...counts].map(([from, chapters]) => ({ from, to, chapters }));
}

/**
 * The sentence that says what a run does with chapters stored the other way,
 * before it does it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(
 *   describeRecode({ from: "none", to: "gzip", chapters: 12 }),
 *   "12 chapters stored as .json will be re-encoded as .json.gz without fetching",
 * );
 * ```
 */
export function describeRecode(group: RecodeGroup): string {
  const what = group.chapters === 1
    ? "1 chapter"
    : `${group.chapters.toLocaleString("en-US")} chapters`;
  return `${what} stored as ${CHAPTER_FILE_SUFFIX[group.from]} will be re-encoded as ` +
    `${CHAPTER_FILE_SUFFIX[group.to]} without fetching`;
}

/** Options of {@linkcode recodeChapters}. */
export interface RecodeChaptersOptions {
  /** The output directory. */
  readonly outDir: string;
  /** How the files are to be stored. */
  readonly to: Compression;
  /** Converts the bytes (off the main thread when it has workers). */
  readonly encoder: ChapterEncoder;
  /** Where each new file is recorded before the old one is removed. */
  readonly journal: ChapterJournal;
  /** How the new files are written. @default writeFileAtomic */
  readonly writeFile?: WriteFile;
  /** Files converted at once. @default 8 */
  readonly concurrency?: number;
  /** Aborting it stops starting conversions; those under way finish. */
  readonly signal?: AbortSignal;
  /**
   * Called for each chapter whose files changed: once its new file is in
   * place and the old one removed, or once a left-over file stored the other
   * way is removed. `written` is its one file now.
   */
  readonly onStored?: (id: string, written: ChapterWriteResult) => void;
}

/** What {@linkcode recodeChapters} did. */
export interface RecodeResult {
  /** The chapters converted, by id, as they are now on disk. */
  readonly recoded: ReadonlyMap<string, ChapterWriteResult>;
  /** Chapters that could not be converted, with why: their old file stays, trusted as it was. */
  readonly failures: readonly { readonly id: string; readonly reason: string }[];
}

/**
 * Converts each of `chapters` (trusted files, by chapter id) stored otherwise
 * than `options.to` (see the module doc for the order of the steps); the
 * others are left as they are, and any file of theirs stored the other way,
 * left by a killed run, is removed. Never throws for one chapter: its
 * failure is reported and its old file kept.
 */
export async function recodeChapters(
  chapters: ReadonlyMap<string, ChapterWriteResult>,
  options: RecodeChaptersOptions,
): Promise<RecodeResult> {
  const { outDir, to, encoder, journal, signal, writeFile = writeFileAtomic } = options;
  const recoded = new Map<string, ChapterWriteResult>();
  const failures: { id: string; reason: string }[] = [];
  const work: [string, ChapterWriteResult][] = [];
  // Each book's folder listed once: a left-over file is rare, a failed removal per chapter is not cheap.
  const listings = new Map<string, Promise<Set<string>>>();
  for (const [id, written] of chapters) {
    if (written.compression !== to) {
      work.push([id, written]);
      continue;
    }
    const dir = dirname(written.path);
    let listing = listings.get(dir);
    if (listing === undefined) listings.set(dir, listing = fileNamesIn(dir));
    const names = await listing;
    const left = otherEncodingPaths(written.path).some((path) => names.has(basename(path)));
    if (left && removeOtherEncodings(written.path).length > 0) options.onStored?.(id, written);
  }
  let next = 0;
  const worker = async () => {
    while (next < work.length && !signal?.aborted) {
      const [id, written] = work[next++];
      try {
        const stored = await Deno.readFile(written.path);
        // The bytes that were verified, not a file changed since: only those are vouched for.
        const now256 = await sha256Hex(stored);
        if (now256 !== written.sha256) {
          throw new Error(
            `Cannot re-encode "${written.path}": it changed since it was verified ` +
              `(SHA-256 ${now256}, expected ${written.sha256})`,
          );
        }
        const { bytes, sha256 } = await encoder.recode({
          bytes: stored,
          from: written.compression,
          to,
        });
        const [volume, book, chapter] = id.split("/");
        const path = chapterPath(outDir, volume, book, Number(chapter), to);
        await writeFile(path, bytes);
        journal.record(id, sha256);
        removeOtherEncodings(path);
        const now: ChapterWriteResult = {
          path,
          compression: to,
          bytes: bytes.length,
          sha256,
          verses: written.verses,
          paragraphs: written.paragraphs,
        };
        recoded.set(id, now);
        options.onStored?.(id, now);
      } catch (error) {
        failures.push({ id, reason: error instanceof Error ? error.message : String(error) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 8) }, worker));
  return { recoded, failures };
}
