/**
 * Gzip for chapter files, with the runtime's own `CompressionStream` (no
 * dependency), and the bytes a chapter file stores for each
 * {@linkcode Compression}. Free of the file system, so a worker loads it fast.
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
 * `bytes`, gzipped.
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
  return await _pipe(bytes, new CompressionStream("gzip"), Infinity, "write");
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
  return await _pipe(bytes, new DecompressionStream("gzip"), maxBytes, "read");
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

async function _pipe(
  bytes: Uint8Array<ArrayBuffer>,
  transform: {
    readonly writable: WritableStream<BufferSource>;
    readonly readable: ReadableStream<Uint8Array>;
  },
  maxBytes: number,
  action: "read" | "write",
): Promise<Uint8Array<ArrayBuffer>> {
  const writer = transform.writable.getWriter();
  // Written and closed while the output is read: a large input cannot block on back pressure.
  const written = writer.write(bytes).then(() => writer.close());
  written.catch(() => {}); // its failure is the reader's too, and reported there
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = transform.readable.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      length += value.length;
      if (length > maxBytes) {
        throw new RangeError(`Cannot inflate gzip: more than ${maxBytes} bytes`);
      }
      chunks.push(value);
    }
    await written;
  } catch (error) {
    await reader.cancel().catch(() => {});
    if (error instanceof RangeError) throw error;
    throw new TypeError(`Cannot ${action} gzip: ${(error as Error).message}`, { cause: error });
  } finally {
    reader.releaseLock();
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
