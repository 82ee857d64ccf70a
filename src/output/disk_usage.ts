/**
 * Bytes the chapter files of a run take on disk, before the run and as it
 * goes, for the summary: what compression saves, measured on the files.
 *
 * @module
 */

import { COMPRESSIONS } from "../manifest/types.ts";
import { bookDir, chapterFileName, chapterPath } from "./paths.ts";

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
 * file are left out. Each book's folder is listed once, and only the chapter
 * files in it are looked at: a new folder costs one look per book.
 *
 * @param concurrency books looked at once. @default 8
 */
export async function chapterBytesOnDisk(
  outDir: string,
  chapters: readonly ChapterAt[],
  concurrency = 8,
): Promise<Map<string, number>> {
  const books = new Map<string, ChapterAt[]>();
  for (const chapter of chapters) {
    const key = `${chapter.volume}/${chapter.book}`;
    const list = books.get(key);
    if (list === undefined) books.set(key, [chapter]);
    else list.push(chapter);
  }
  const sizes = new Map<string, number>();
  const work = [...books.values()];
  let next = 0;
  const worker = async () => {
    while (next < work.length) {
      const list = work[next++];
      const names = await fileNamesIn(bookDir(outDir, list[0].volume, list[0].book));
      if (names.size === 0) continue;
      for (const { id, volume, book, chapter } of list) {
        let bytes = 0;
        let found = false;
        for (const compression of COMPRESSIONS) {
          if (!names.has(chapterFileName(chapter, compression))) continue;
          try {
            const info = await Deno.stat(chapterPath(outDir, volume, book, chapter, compression));
            if (info.isFile) {
              bytes += info.size;
              found = true;
            }
          } catch {
            // Removed meanwhile: not there.
          }
        }
        if (found) sizes.set(id, bytes);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return sizes;
}

/**
 * The names of the files in a folder; none when it is missing or unreadable.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal((await fileNamesIn("/no/such/folder")).size, 0);
 * ```
 */
export async function fileNamesIn(dir: string): Promise<Set<string>> {
  const names = new Set<string>();
  try {
    for await (const entry of Deno.readDir(dir)) if (entry.isFile) names.add(entry.name);
  } catch {
    // No such book folder yet: no file.
  }
  return names;
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
