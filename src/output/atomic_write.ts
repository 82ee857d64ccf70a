/**
 * Atomic file writes: write a temporary file next to the target, fsync it,
 * rename it over the target. A reader (or a crash) sees the old file or the
 * new one, never a partial one.
 *
 * @module
 */

import { basename, dirname, join } from "node:path";
import { WriteFileError } from "./write_error.ts";

/** Options of {@linkcode writeFileAtomic}. */
export interface WriteFileAtomicOptions {
  /** Permission bits of a newly created file (subject to the umask). @default 0o666 */
  readonly mode?: number;
  /** Fsync the directory after the rename, so the rename itself survives a power loss. @default true */
  readonly syncDirectory?: boolean;
  /** Checked before the write and before the rename. */
  readonly signal?: AbortSignal;
}

/** How a file of the output is written: {@linkcode writeFileAtomic}, or a test's stand-in. */
export type WriteFile = (
  path: string,
  data: string | Uint8Array,
  options?: WriteFileAtomicOptions,
) => Promise<void>;

/** Temporary files look like `.<name>.<pid>.<random>.tmp`. */
const TEMP_FILE_PATTERN = /^\..+\.\d+\.[0-9a-f]+\.tmp$/;

/**
 * Whether a file name is one of the temporary files {@linkcode writeFileAtomic}
 * creates (and a killed run may leave behind).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(isTempFileName(".3.json.4242.0a1b2c3d.tmp"), true);
 * assert.equal(isTempFileName("3.json"), false);
 * ```
 */
export function isTempFileName(name: string): boolean {
  return TEMP_FILE_PATTERN.test(name);
}

/**
 * Writes `data` to `path` atomically, creating parent directories.
 *
 * The data goes to a temporary file in the same directory (same filesystem,
 * so the rename is atomic), which is fsynced, then renamed over `path`; the
 * directory is then fsynced, best effort. On any error the temporary file is
 * removed. A process killed at any moment leaves the old file or the new one;
 * at worst a stray temporary file, which {@linkcode cleanTempFiles} removes.
 * Needs read and write permission on the directory (Deno's rename asks for both).
 *
 * @param path The target file.
 * @param data A string (written as UTF-8) or bytes.
 * @throws {WriteFileError} `Cannot write file "<path>": <detail>`, with the I/O error as `cause`.
 * @throws The signal's reason when the signal is aborted.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/a/b.txt`, "hello\n");
 * assert.equal(await Deno.readTextFile(`${dir}/a/b.txt`), "hello\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: WriteFileAtomicOptions = {},
): Promise<void> {
  const { signal, syncDirectory = true } = options;
  signal?.throwIfAborted();
  const dir = dirname(path);
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  let tempPath: string | undefined;
  try {
    tempPath = join(dir, _tempFileName(basename(path)));
    // The folder is made only when it is missing: one operation less for
    // every file but the first of a folder.
    try {
      await _writeAndSync(tempPath, bytes, options.mode);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      await Deno.mkdir(dir, { recursive: true });
      await _writeAndSync(tempPath, bytes, options.mode);
    }
    signal?.throwIfAborted();
    await Deno.rename(tempPath, path);
    tempPath = undefined;
  } catch (error) {
    if (tempPath !== undefined) await Deno.remove(tempPath).catch(() => {});
    if (signal?.aborted && error === signal.reason) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new WriteFileError(path, detail, { cause: error });
  }
  if (syncDirectory) await _directorySyncs.sync(dir);
}

/**
 * Fsyncs of directories shared by the renames that wait for them: a caller
 * is answered by a sync that starts after it asked (so it covers a rename
 * done before), and every caller that asks while a directory's sync runs is
 * answered by the one next sync. Chapters of a book finish close together;
 * each of them opening and syncing their folder in turn costs the thread
 * that starts requests two operations each, for what one sync does for all.
 */
export class DirectorySyncs {
  readonly #syncOnce: (dir: string) => Promise<void>;
  /** For each directory: the sync running, and the one that follows it if asked for. */
  readonly #state = new Map<string, { running: Promise<void>; next?: Promise<void> }>();

  /** @param syncOnce fsyncs a directory, best effort (never rejects). */
  constructor(syncOnce: (dir: string) => Promise<void>) {
    this.#syncOnce = syncOnce;
  }

  /** Resolves once a sync of `dir` that started after this call has ended. */
  sync(dir: string): Promise<void> {
    const state = this.#state.get(dir);
    if (state === undefined) return this.#start(dir);
    return state.next ??= state.running.then(() => this.#start(dir));
  }

  #start(dir: string): Promise<void> {
    const running = this.#syncOnce(dir).finally(() => {
      const state = this.#state.get(dir);
      if (state?.running === running && state.next === undefined) this.#state.delete(dir);
    });
    // Whatever was waiting to follow is this sync now.
    this.#state.set(dir, { running });
    return running;
  }
}

const _directorySyncs = new DirectorySyncs(_syncDirectory);

/**
 * Removes, recursively under `dir`, the temporary files a killed
 * {@linkcode writeFileAtomic} left behind. Does not follow symbolic links.
 * A missing `dir` is not an error.
 *
 * @returns The paths removed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/.1.json.99.abcd.tmp`, "{");
 * assert.deepEqual(await cleanTempFiles(dir), [`${dir}/.1.json.99.abcd.tmp`]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function cleanTempFiles(dir: string): Promise<string[]> {
  const removed: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return removed;
    throw new Error(`Cannot clean temporary files in "${dir}": ${(error as Error).message}`, {
      cause: error,
    });
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) {
      removed.push(...await cleanTempFiles(path));
    } else if (entry.isFile && isTempFileName(entry.name)) {
      // Another cleaner may have removed it already.
      await Deno.remove(path).catch((error) => {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      });
      removed.push(path);
    }
  }
  return removed;
}

function _tempFileName(name: string): string {
  const random = crypto.getRandomValues(new Uint8Array(4));
  const hex = Array.from(random, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `.${name}.${Deno.pid}.${hex}.tmp`;
}

async function _writeAndSync(path: string, bytes: Uint8Array, mode?: number): Promise<void> {
  using file = await Deno.open(path, { write: true, createNew: true, mode });
  let written = 0;
  while (written < bytes.length) {
    written += await file.write(bytes.subarray(written));
  }
  // The data must be on disk before the rename makes it visible under the
  // target name; otherwise a power loss could leave an empty target.
  await file.sync();
}

async function _syncDirectory(dir: string): Promise<void> {
  try {
    using handle = await Deno.open(dir, { read: true });
    await handle.sync();
  } catch {
    // Best effort: some platforms (Windows) cannot open or fsync a directory.
  }
}
