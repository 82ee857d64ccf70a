/**
 * A child process for the crash test: writes ever newer versions of one file
 * with `writeFileAtomic`, announcing each write on stdout, until it is killed.
 * Version n is `SIZE` bytes of the letter `String.fromCharCode(97 + n % 26)`.
 *
 * Usage: deno run --allow-read --allow-write _atomic_writer_child.ts <file>
 *
 * @module
 */

import { writeFileAtomic } from "../../src/output/atomic_write.ts";

/** Bytes per version: large enough that a write takes many syscalls. */
export const SIZE = 4 * 1024 * 1024;

if (import.meta.main) {
  const [path] = Deno.args;
  const encoder = new TextEncoder();
  for (let version = 0;; version++) {
    await Deno.stdout.write(encoder.encode(`writing ${version}\n`));
    const letter = 97 + version % 26;
    await writeFileAtomic(path, new Uint8Array(SIZE).fill(letter));
  }
}
