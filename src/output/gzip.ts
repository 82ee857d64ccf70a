/**
 * Gzip for chapter files, with the runtime's `node:zlib` (no dependency;
 * synchronous, which on the chapter workers costs the main thread nothing and
 * is two to seven times faster than a `CompressionStream` per chapter here), and the bytes
 * a chapter file stores for each {@linkcode Compression}. Free of the file
 * system, and `node:zlib` is loaded only when a chapter is compressed or
 * inflated (about 6 MB and 15-25 ms per chapter worker otherwise), so a worker
 * loads it fast.
 *
 * @module
 */

import type { Compression } from "../manifest/types.ts";

/**
 * The most bytes a stored chapter file may inflate to: far above any chapter
 * (10-200 KB of JSON), so a damaged or hostile `.json.gz` cannot fill the
 * memory. Bytes.
 */
export const MAX_CHAPTER_JSON_BYTES = 100_000_000;

/**
 * `bytes`, gzipped (level 6, no file name, no time: the same input gives the same bytes).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const text = new TextEncoder().encode("And it came to pass ".repeat(50));
 * const packed = await gzip(text);
 * assert.ok(packed.length < text.length);
 * assert.deepEqual(await gunzip(packed), text);
 * ```
 */
export async function gzip(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const { gzipSync } = await _zlib();
  try {
    return _own(gzipSync(bytes));
  } catch (error) {
    throw new TypeError(`Cannot write gzip: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * `bytes` inflated from gzip.
 *
 * @param maxBytes the most bytes accepted. @default MAX_CHAPTER_JSON_BYTES
 * @throws {RangeError} when the content is larger than `maxBytes`.
 * @throws {TypeError} when `bytes` is not whole, valid gzip.
 */
export async function gunzip(
  bytes: Uint8Array<ArrayBuffer>,
  maxBytes: number = MAX_CHAPTER_JSON_BYTES,
): Promise<Uint8Array<ArrayBuffer>> {
  const { gunzipSync } = await _zlib();
  try {
    return _own(gunzipSync(bytes, { maxOutputLength: maxBytes }));
  } catch (error) {
    if (error instanceof RangeError) {
      throw new RangeError(`Cannot inflate gzip: more than ${maxBytes} bytes`);
    }
    throw new TypeError(`Cannot read gzip: ${(error as Error).message}`, { cause: error });
  }
}

let _zlibModule: Promise<typeof import("node:zlib")> | undefined;

/** `node:zlib`, imported on first use and kept. */
function _zlib(): Promise<typeof import("node:zlib")> {
  return _zlibModule ??= import("node:zlib");
}

/** The bytes of a (pooled) Buffer in an array of their own, which can be transferred. */
function _own(buffer: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(buffer);
}

/**
 * The bytes a chapter file stores for its JSON text `json`: the text itself
 * for `none`, gzipped for `gzip`.
 */
export function storedBytes(
  json: Uint8Array<ArrayBuffer>,
  compression: Compression,
): Promise<Uint8Array<ArrayBuffer>> {
  switch (compression) {
    case "none":
      return Promise.resolve(json);
    case "gzip":
      return gzip(json);
    default: {
      const unknown: never = compression;
      throw new TypeError(`Cannot store a chapter with compression "${unknown}": unknown`);
    }
  }
}

/**
 * The JSON text that a chapter file stored with `compression` holds.
 *
 * @throws as {@linkcode gunzip} for `gzip`.
 */
export function jsonBytes(
  stored: Uint8Array<ArrayBuffer>,
  compression: Compression,
): Promise<Uint8Array<ArrayBuffer>> {
  switch (compression) {
    case "none":
      return Promise.resolve(stored);
    case "gzip":
      return gunzip(stored);
    default: {
      const unknown: never = compression;
      throw new TypeError(`Cannot read a chapter with compression "${unknown}": unknown`);
    }
  }
}
