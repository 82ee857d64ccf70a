/**
 * Bytes the chapter files of a run take on disk, before the run and as it
 * goes, for the summary: what compression saves, measured on the files.
 *
 * @module
 */

import { COMPRESSIONS } from "../manifest/types.ts";
import { chapterPath } from "./paths.ts";

/** A chapter, as its files are found: the chapter node's id and where it is. */
export interface ChapterAt {
  /** `<volume>/<book>/<chapter>`. */
  readonly id: string;
  readonly volume: string;
  readonly book: string;
  readonly chapter: number;
}

/**
 * The bytes of each chapter's files on disk, stored in any compression (both
 * counted, when a killed run left both), by chapter id; chapters with no
 * file are left out.
 *
 * @param concurrency files looked at once. @default 32
 */
export async function chapterBytesOnDisk(
  outDir: string,
  chapters: readonly ChapterAt[],
  concurrency = 32,
): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  let next = 0;
  const worker = async () => {
    while (next < chapters.length) {
      const { id, volume, book, chapter } = chapters[next++];
      let bytes = 0;
      let found = false;
      for (const compression of COMPRESSIONS) {
        try {
          const info = await Deno.stat(chapterPath(outDir, volume, book, chapter, compression));
          if (info.isFile) {
            bytes += info.size;
            found = true;
          }
        } catch {
          // No such file: the usual case for one of the two.
        }
      }
      if (found) sizes.set(id, bytes);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return sizes;
}

/**
 * The bytes a run's chapter files take: what was on disk when it started,
 * and now, as each chapter's file is replaced (its one file then holds
 * `bytes`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const tally = new ChapterDiskTally(new Map([["bofm/enos/1", 9000]]));
 * tally.replaced("bofm/enos/1", 2500);
 * tally.replaced("bofm/enos/2", 2000);
 * assert.deepEqual([tally.beforeBytes, tally.bytes], [9000, 4500]);
 * ```
 */
export class ChapterDiskTally {
  readonly #sizes: Map<string, number>;
  readonly #before: number;
  #now: number;

  /** @param before each chapter's bytes on disk at the start (see {@linkcode chapterBytesOnDisk}). */
  constructor(before: ReadonlyMap<string, number>) {
    this.#sizes = new Map(before);
    this.#before = [...before.values()].reduce((sum, n) => sum + n, 0);
    this.#now = this.#before;
  }

  /** Bytes of the chapter files at the start. */
  get beforeBytes(): number {
    return this.#before;
  }

  /** Bytes of the chapter files now. */
  get bytes(): number {
    return this.#now;
  }

  /** The chapter `id` is now stored in one file of `bytes`. */
  replaced(id: string, bytes: number): void {
    this.#now += bytes - (this.#sizes.get(id) ?? 0);
    this.#sizes.set(id, bytes);
  }
}
