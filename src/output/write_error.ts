/**
 * Write errors of the output: which file could not be written, and whether
 * the file system takes no more writes at all (disk full, quota, read-only,
 * I/O error), so that every other file would fail too.
 *
 * @module
 */

import { TaskError } from "../exec/types.ts";

/** A file of the output that could not be written; the I/O error is the `cause`. */
export class WriteFileError extends Error {
  /** The file that was being written. */
  readonly path: string;

  constructor(path: string, detail: string, options?: ErrorOptions) {
    super(`Cannot write file "${path}": ${detail}`, options);
    this.name = "WriteFileError";
    this.path = path;
  }
}

/** The errno codes after which no file can be written, with what they mean for people. */
const _UNWRITABLE: Readonly<Record<string, string>> = {
  ENOSPC: "no space left on device (ENOSPC: the disk is full)",
  EDQUOT: "disk quota exceeded (EDQUOT)",
  EROFS: "read-only file system (EROFS)",
  EIO: "input/output error (EIO: the disk or its connection failed)",
};

/** What {@linkcode unwritableOutput} found. */
export interface UnwritableOutput {
  /** The errno code, e.g. `"ENOSPC"`. */
  readonly code: string;
  /** The file being written, when the error says. */
  readonly path?: string;
  /** What the code means, e.g. `"no space left on device (ENOSPC: the disk is full)"`. */
  readonly problem: string;
}

/**
 * Whether `error` (or an error in its `cause` chain) says the file system
 * takes no more writes: ENOSPC, EDQUOT, EROFS or EIO. Any other error (a
 * path in the way, a permission on one directory) concerns one file only.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unwritableOutput, WriteFileError } from "./write_error.ts";
 * const full = Object.assign(new Error("No space left on device (os error 28)"), { code: "ENOSPC" });
 * const found = unwritableOutput(new WriteFileError("data/1.json", full.message, { cause: full }));
 * assert.equal(found?.code, "ENOSPC");
 * assert.equal(found?.path, "data/1.json");
 * assert.equal(unwritableOutput(new Error("Not a directory")), undefined);
 * ```
 */
export function unwritableOutput(error: unknown): UnwritableOutput | undefined {
  let path: string | undefined;
  // Bounded, in case of a cause chain that loops.
  for (let e = error, depth = 0; e instanceof Error && depth < 16; e = e.cause, depth++) {
    if (e instanceof WriteFileError) path ??= e.path;
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && Object.hasOwn(_UNWRITABLE, code)) {
      return { code, problem: _UNWRITABLE[code], ...(path === undefined ? {} : { path }) };
    }
  }
  return undefined;
}

/**
 * Runs `write`; when the output takes no more writes ({@linkcode unwritableOutput}),
 * rejects with a `TaskError` fatal to the run, `Cannot write "<path>": <problem>`:
 * every other file would fail too, so the run must stop starting work. Any
 * other error is passed on as it is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TaskError } from "../exec/types.ts";
 * import { writingOutput } from "./write_error.ts";
 * const full = Object.assign(new Error("No space left on device (os error 28)"), { code: "ENOSPC" });
 * await assert.rejects(
 *   writingOutput(() => Promise.reject(full)),
 *   (error) => error instanceof TaskError && error.fatal && !error.retryable,
 * );
 * ```
 */
export async function writingOutput<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const unwritable = unwritableOutput(error);
    if (unwritable === undefined) throw error;
    const where = unwritable.path === undefined ? "the output" : `"${unwritable.path}"`;
    throw new TaskError(`Cannot write ${where}: ${unwritable.problem}`, {
      retryable: false,
      fatal: true,
      cause: error,
    });
  }
}
