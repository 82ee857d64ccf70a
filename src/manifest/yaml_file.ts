/**
 * Reading a manifest or profile file before it is parsed: never more than
 * its size bound, and only as strict UTF-8 text. A file too large, binary, or
 * in another encoding is refused with a message that says so, instead of
 * running the YAML parser out of memory or importing titles full of U+FFFD.
 *
 * @module
 */

import { type Diagnostic, ManifestError } from "./diagnostic.ts";

/** What a bounded read found: the bytes, or that the file is larger than allowed. */
export type BoundedRead =
  | { readonly kind: "bytes"; readonly bytes: Uint8Array }
  | {
    readonly kind: "too-large";
    /** The size the file system reported, bytes; absent when it did not know (a pipe, a device). */
    readonly size?: number;
  };

/**
 * Reads a file, but never more than `maxBytes` + 1 bytes of it. Throws what
 * `Deno.open` throws (`Deno.errors.NotFound` for a missing file).
 */
export type ReadFile = (path: string, maxBytes: number) => Promise<BoundedRead>;

/**
 * Reads a file of at most `maxBytes`: asks the file system for its size
 * first and reads nothing when it is larger, then reads at most `maxBytes` +
 * 1 bytes, so that a file that grew meanwhile, a pipe or a device
 * (`/dev/zero`) is refused too.
 *
 * @throws {Deno.errors.NotFound} When there is no such file.
 * @throws {Deno.errors.IsADirectory} When the path is a directory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readBounded } from "./yaml_file.ts";
 *
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "volumes: 1\n");
 * assert.equal((await readBounded(path, 64)).kind, "bytes");
 * assert.deepEqual(await readBounded(path, 4), { kind: "too-large", size: 11 });
 * await Deno.remove(path);
 * ```
 */
export async function readBounded(path: string, maxBytes: number): Promise<BoundedRead> {
  const file = await Deno.open(path, { read: true });
  try {
    const info = await file.stat();
    if (info.isDirectory) throw new Deno.errors.IsADirectory(`"${path}" is a directory`);
    // A regular file says its size; anything else (size 0) is read up to the bound.
    if (info.isFile && info.size > maxBytes) return { kind: "too-large", size: info.size };
    const buffer = new Uint8Array(maxBytes + 1);
    let length = 0;
    while (length < buffer.length) {
      const read = await file.read(buffer.subarray(length));
      if (read === null) break;
      length += read;
    }
    if (length > maxBytes) return { kind: "too-large" };
    return { kind: "bytes", bytes: buffer.slice(0, length) };
  } finally {
    file.close();
  }
}

/** Options of {@linkcode readYamlText}. */
export interface ReadYamlTextOptions {
  /** The file's size bound, bytes. */
  readonly maxBytes: number;
  /** What the file is, for the message: `a manifest`. */
  readonly what: string;
  /** @default readBounded */
  readonly readFile?: ReadFile;
}

/**
 * Reads a YAML file within its size bound and decodes it as strict UTF-8
 * ({@linkcode decodeYamlText}).
 *
 * @param path The file to read.
 * @param file The name diagnostics carry.
 * @returns The text, or, for a file over the bound, the reason to put in the
 *   caller's message: `the file is 52,428,800 bytes (50 MiB), more than the
 *   1,048,576 bytes (1 MiB) a manifest may have`.
 * @throws What `readFile` throws, for the caller to word.
 * @throws {ManifestError} When the file is not UTF-8 YAML text.
 */
export async function readYamlText(
  path: string,
  file: string,
  options: ReadYamlTextOptions,
): Promise<
  { readonly kind: "text"; readonly text: string } | {
    readonly kind: "too-large";
    readonly reason: string;
  }
> {
  const { maxBytes, what, readFile = readBounded } = options;
  const read = await readFile(path, maxBytes);
  // An injected reader may return more than asked for: the bound holds all the same.
  if (read.kind === "bytes" && read.bytes.length <= maxBytes) {
    return { kind: "text", text: decodeYamlText(read.bytes, file) };
  }
  const size = read.kind === "bytes" ? read.bytes.length : read.size;
  const found = size === undefined ? "holds" : `is ${_bytes(size)},`;
  const reason = `the file ${found} more than the ${_bytes(maxBytes)} ${what} may have`;
  return { kind: "too-large", reason };
}

/** Why a file could not be read, for a message: `no such file`, `a directory`, or the error's own words. */
export function readFailure(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "no such file";
  if (error instanceof Deno.errors.IsADirectory) return "a directory, not a file";
  return error instanceof Error ? error.message : String(error);
}

/**
 * Decodes a YAML file as strict UTF-8. Refuses, with the line and column of
 * the first offending byte: binary data (a NUL byte), a byte sequence that
 * is not UTF-8 (a file saved as Latin-1 or Windows-1252), UTF-16 and
 * control characters YAML does not allow. A UTF-8 byte order mark is
 * dropped.
 *
 * @param bytes The file's bytes.
 * @param file The file name the diagnostic carries.
 * @returns The text.
 * @throws {ManifestError} With one located diagnostic.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeYamlText } from "./yaml_file.ts";
 *
 * assert.equal(decodeYamlText(new TextEncoder().encode("title: Génesis\n"), "m.yaml"), "title: Génesis\n");
 * assert.throws(
 *   () => decodeYamlText(new Uint8Array([0x61, 0x3a, 0x20, 0xe9, 0x0a]), "m.yaml"),
 *   { message: "m.yaml:1:4: expected UTF-8 text, got the byte 0xE9, which is not UTF-8 here (save the file as UTF-8)" },
 * );
 * ```
 */
export function decodeYamlText(bytes: Uint8Array, file: string): string {
  const problem = _textProblem(bytes);
  if (problem !== undefined) {
    const { line, column } = _position(bytes, problem.offset);
    const diagnostic: Diagnostic = { file, path: "", line, column, message: problem.message };
    throw new ManifestError([diagnostic]);
  }
  return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
}

/** The first reason the bytes are not YAML text, and where. */
function _textProblem(bytes: Uint8Array): { offset: number; message: string } | undefined {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    const bom = bytes[0] === 0xff ? "FF FE" : "FE FF";
    const message =
      `expected UTF-8 text, got UTF-16 (the file starts with the byte order mark ${bom}): ` +
      "save it as UTF-8";
    return { offset: 0, message };
  }
  // Binary first: a binary file is rarely valid UTF-8 either, and "binary" is the better word.
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    return { offset: nul, message: "expected YAML text, got binary data (a NUL byte)" };
  }
  const invalid = _firstInvalidUtf8(bytes);
  if (invalid !== -1) {
    const byte = bytes[invalid].toString(16).toUpperCase().padStart(2, "0");
    const message =
      `expected UTF-8 text, got the byte 0x${byte}, which is not UTF-8 here (save the file as UTF-8)`;
    return { offset: invalid, message };
  }
  // ASCII control bytes never occur inside a UTF-8 sequence, so a byte scan finds them.
  const control = bytes.findIndex(_isForbiddenControl);
  if (control !== -1) {
    const code = bytes[control].toString(16).toUpperCase().padStart(4, "0");
    const message =
      `expected YAML text, got the control character U+${code}, which YAML does not allow`;
    return { offset: control, message };
  }
  return undefined;
}

/** C0 controls other than tab, line feed and carriage return, and DEL: outside YAML's character set. */
function _isForbiddenControl(byte: number): boolean {
  return (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) || byte === 0x7f;
}

/**
 * The offset of the first byte that starts an ill-formed UTF-8 sequence
 * (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), or -1.
 */
function _firstInvalidUtf8(bytes: Uint8Array): number {
  // The decoder is much faster than the loop below; the loop only locates.
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return -1;
  } catch {
    // fall through to find where
  }
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i];
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead < 0x80) length = 1;
    else if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead === 0xe0) low = 0xa0; // overlong
      if (lead === 0xed) high = 0x9f; // surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead === 0xf0) low = 0x90; // overlong
      if (lead === 0xf4) high = 0x8f; // above U+10FFFF
    } else return i;
    for (let k = 1; k < length; k++) {
      const next = bytes[i + k];
      const [min, max] = k === 1 ? [low, high] : [0x80, 0xbf];
      if (next === undefined || next < min || next > max) return i;
    }
    i += length;
  }
  return -1;
}

/** 1-based line and column of a byte offset, the column in UTF-16 units as the YAML parser counts. */
function _position(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  // The bytes before the offset on its line are valid UTF-8 (the offset is the first bad one).
  const before = new TextDecoder("utf-8").decode(bytes.subarray(lineStart, offset));
  return { line, column: before.length + 1 };
}

function _bytes(n: number): string {
  const count = `${n.toLocaleString("en-US")} bytes`;
  if (n >= 1_048_576 && n % 1_048_576 === 0) return `${count} (${n / 1_048_576} MiB)`;
  if (n >= 1024 && n % 1024 === 0) return `${count} (${n / 1024} KiB)`;
  return count;
}
