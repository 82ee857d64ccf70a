/**
 * One import at a time per output directory: an exclusive OS lock (`flock`)
 * on `<out>/.import/lock`, which also records the holder's pid. The kernel
 * releases the lock when its process ends, however it ends (`kill -9`
 * included), so a killed run never leaves a stale lock behind.
 *
 * @module
 */

import { dirname, join } from "node:path";

/** Thrown when another running import holds the output directory. */
export class OutDirLockedError extends Error {
  constructor(outDir: string, holder: string) {
    super(
      `Cannot import into "${outDir}": another import${
        holder ? ` (pid ${holder})` : ""
      } is running there`,
    );
    this.name = "OutDirLockedError";
  }
}

/** A held lock. */
export interface OutDirLock {
  readonly path: string;
  /** Releases the lock (idempotent). */
  release(): void;
}

/** The lock file of an output directory. */
export function lockPath(outDir: string): string {
  return join(outDir, ".import", "lock");
}

/**
 * Takes the output directory's lock without waiting.
 *
 * @throws {OutDirLockedError} when another process (or another run in this
 *   process) holds it.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lockOutDir, OutDirLockedError } from "./lock.ts";
 * const dir = await Deno.makeTempDir();
 * const lock = await lockOutDir(dir);
 * await assert.rejects(lockOutDir(dir), OutDirLockedError);
 * lock.release();
 * (await lockOutDir(dir)).release();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function lockOutDir(outDir: string): Promise<OutDirLock> {
  const path = lockPath(outDir);
  await Deno.mkdir(dirname(path), { recursive: true });
  const file = await Deno.open(path, { read: true, write: true, create: true });
  let locked = false;
  try {
    locked = await file.tryLock(true);
    if (!locked) {
      const holder = (await Deno.readTextFile(path).catch(() => "")).trim();
      throw new OutDirLockedError(outDir, holder);
    }
    await file.truncate(0);
    await file.write(new TextEncoder().encode(`${Deno.pid}\n`));
  } catch (error) {
    if (locked) await file.unlock().catch(() => {});
    file.close();
    throw error;
  }
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      file.unlockSync();
      file.close();
    },
  };
}
