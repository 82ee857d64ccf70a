/**
 * The chapter journal, `<out>/.import/chapters.ndjson`: what vouches for the
 * chapter files when a run resumes, kept with the files whatever `--log` says.
 *
 * Each time a chapter file has been renamed into place, one line
 * `{"id":"<volume>/<book>/<chapter>","sha256":"<hex>"}` is appended by one
 * synchronous `write`, so the kernel has it before the run starts its next
 * request: a process killed at any moment (`kill -9` included) leaves every
 * renamed file recorded except those whose task was still running. The line
 * is written after the rename, so a line never vouches for bytes that are not
 * at their path. The file is not fsynced line by line: a power loss may lose
 * the last lines, which only costs fetching those chapters again.
 *
 * The last line for a chapter wins. Opening the journal compacts it (one line
 * per chapter, atomically rewritten) when it holds superseded or damaged
 * lines, so it never grows beyond one line per chapter ever written plus the
 * lines of one run.
 *
 * @module
 */

import { join } from "node:path";
import { writeFileAtomic } from "./atomic_write.ts";

/** `<volume>/<book>/<chapter>`, the chapter node's id: slugs and a positive integer. */
const CHAPTER_ID = /^[a-z0-9][a-z0-9-]*\/[a-z0-9][a-z0-9-]*\/[1-9][0-9]*$/;
const SHA256 = /^[0-9a-f]{64}$/;

/**
 * Where an output directory's chapter journal is: `<out>/.import/chapters.ndjson`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(chapterJournalPath("data"), "data/.import/chapters.ndjson");
 * ```
 */
export function chapterJournalPath(outDir: string): string {
  return join(outDir, ".import", "chapters.ndjson");
}

/** A chapter journal read back. */
export interface ChapterJournalContents {
  /** The SHA-256 last recorded for each chapter id, in the order first recorded. */
  readonly entries: Map<string, string>;
  /** Lines that are not an entry (a torn last line, a damaged or foreign one), left out. */
  readonly badLines: number;
  /** Entries a later line for the same chapter replaced. */
  readonly superseded: number;
}

/**
 * Reads a chapter journal. A missing file is an empty journal; a line that is
 * not a whole entry is counted and left out, never an error: a damaged
 * journal only costs fetching again the chapters it no longer vouches for.
 *
 * @throws {Error} when the file exists but cannot be read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const sha = "a".repeat(64);
 * await Deno.writeTextFile(`${dir}/j.ndjson`, `{"id":"bofm/enos/1","sha256":"${sha}"}\n{"id":`);
 * const read = await readChapterJournal(`${dir}/j.ndjson`);
 * assert.equal(read.entries.get("bofm/enos/1"), sha);
 * assert.equal(read.badLines, 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readChapterJournal(path: string): Promise<ChapterJournalContents> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return { entries: new Map(), badLines: 0, superseded: 0 };
    }
    throw new Error(`Cannot read chapter journal "${path}": ${(error as Error).message}`, {
      cause: error,
    });
  }
  const entries = new Map<string, string>();
  let badLines = 0;
  let superseded = 0;
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const entry = _parseLine(line);
    if (entry === undefined) {
      badLines++;
      continue;
    }
    if (entries.has(entry.id)) superseded++;
    entries.set(entry.id, entry.sha256);
  }
  return { entries, badLines, superseded };
}

/**
 * An output directory's chapter journal, open for appending. Open it only
 * while holding the directory's lock (`lockOutDir`): one writer at a time.
 *
 * Recording never throws for an I/O error: a journal that cannot be written
 * stops recording, which makes the next run fetch again what it failed to
 * record, and never makes it trust a file it should not.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const journal = await ChapterJournal.open(dir);
 * journal.record("bofm/enos/1", "a".repeat(64));
 * journal.close();
 * const again = await ChapterJournal.open(dir);
 * assert.equal(again.entries.get("bofm/enos/1"), "a".repeat(64));
 * again.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class ChapterJournal {
  /** The journal file. */
  readonly path: string;
  readonly #entries: Map<string, string>;
  #file: Deno.FsFile | undefined;
  readonly #encoder = new TextEncoder();

  private constructor(path: string, entries: Map<string, string>, file: Deno.FsFile) {
    this.path = path;
    this.#entries = entries;
    this.#file = file;
  }

  /**
   * Reads `<outDir>/.import/chapters.ndjson` (creating it and its directory),
   * compacts it when it holds superseded or damaged lines, and opens it for
   * appending.
   *
   * @throws {Error} when the journal cannot be read, compacted or opened.
   */
  static async open(outDir: string): Promise<ChapterJournal> {
    const path = chapterJournalPath(outDir);
    const contents = await readChapterJournal(path);
    if (contents.badLines > 0 || contents.superseded > 0) {
      // Atomic, so a run killed while compacting leaves the old journal or the new one.
      await writeFileAtomic(path, _lines(contents.entries));
    }
    await Deno.mkdir(join(outDir, ".import"), { recursive: true });
    const file = await Deno.open(path, { append: true, create: true }).catch((error) => {
      throw new Error(`Cannot open chapter journal "${path}": ${error.message}`, { cause: error });
    });
    return new ChapterJournal(path, contents.entries, file);
  }

  /** The SHA-256 last recorded for each chapter id, this run's records included. */
  get entries(): ReadonlyMap<string, string> {
    return this.#entries;
  }

  /**
   * Records that the file of chapter `id` now holds bytes of SHA-256
   * `sha256`: one line, written whole before this returns. Call it only
   * once the file has been renamed into place.
   *
   * @throws {TypeError} for an id that is not `<volume>/<book>/<chapter>` or a
   *   checksum that is not 64 lowercase hex digits (a caller's bug).
   */
  record(id: string, sha256: string): void {
    if (!CHAPTER_ID.test(id)) {
      throw new TypeError(`Cannot record chapter "${id}": not <volume>/<book>/<chapter>`);
    }
    if (!SHA256.test(sha256)) {
      throw new TypeError(`Cannot record chapter "${id}": "${sha256}" is not a SHA-256`);
    }
    if (this.#file === undefined || this.#entries.get(id) === sha256) return;
    this.#entries.set(id, sha256);
    const line = this.#encoder.encode(_line(id, sha256));
    try {
      // One call writes the whole line; the loop only runs again on a short write.
      let written = 0;
      while (written < line.length) written += this.#file.writeSync(line.subarray(written));
    } catch {
      // Disk full, most likely, and the next chapter write fails too. Stop
      // recording: a torn line is left out (and compacted away) by the next
      // open, and every chapter not recorded is fetched again.
      this.#closeFile();
    }
  }

  /** Flushes the journal to disk and closes it. Closing twice is harmless. */
  close(): void {
    this.#closeFile();
  }

  #closeFile(): void {
    const file = this.#file;
    if (file === undefined) return;
    this.#file = undefined;
    try {
      file.syncSync();
    } catch {
      // Losing the journal's tail to a power loss only costs refetching.
    } finally {
      file.close();
    }
  }
}

function _line(id: string, sha256: string): string {
  return JSON.stringify({ id, sha256 }) + "\n";
}

function _lines(entries: ReadonlyMap<string, string>): string {
  return Array.from(entries, ([id, sha256]) => _line(id, sha256)).join("");
}

function _parseLine(line: string): { id: string; sha256: string } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { id, sha256 } = value as Record<string, unknown>;
  if (typeof id !== "string" || !CHAPTER_ID.test(id)) return undefined;
  if (typeof sha256 !== "string" || !SHA256.test(sha256)) return undefined;
  return { id, sha256 };
}
