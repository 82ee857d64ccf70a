/**
 * Reads a response body with a size cap and decodes it as strict UTF-8,
 * classifying every way either can fail.
 *
 * @module
 */

import { TaskError } from "../exec/types.ts";

/** Options of {@link readBody}. */
export interface ReadBodyOptions {
  /** Largest body accepted, bytes. */
  readonly maxBytes: number;
  /** Named in error messages, e.g. the chapter URI. */
  readonly what: string;
  /** Stops reading; its reason is rethrown unchanged. */
  readonly signal?: AbortSignal;
}

/**
 * The whole body of `response`, read as a stream that stops as soon as it
 * passes `maxBytes` (a `Content-Length` over the cap is refused before
 * reading). The body is always either read to the end or cancelled. A byte
 * stream (a fetch body) is read straight into one buffer; the result is then
 * a view from offset 0 of a buffer no one else holds.
 *
 * @throws {TaskError} Permanent when the body is over `maxBytes`; retryable
 * when the stream fails mid-way (a truncated body).
 * @throws The signal's reason, unchanged, when the signal aborts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readBody } from "./read_body.ts";
 *
 * const bytes = await readBody(new Response("{}"), { maxBytes: 10, what: "/x" });
 * assert.equal(new TextDecoder().decode(bytes), "{}");
 * ```
 */
export async function readBody(response: Response, options: ReadBodyOptions): Promise<Uint8Array> {
  const { maxBytes, what, signal } = options;
  const tooLarge = () =>
    new TaskError(`Cannot read response for "${what}": response body over ${maxBytes} bytes`, {
      retryable: false,
    });
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  if (response.body === null) return new Uint8Array(0);

  const body = response.body;
  const byob = _byobReader(body);
  const reader = byob ?? body.getReader();
  // fetch aborts its own body on the signal, but an injected fetch may not:
  // cancelling the reader ends a pending read either way.
  const onAbort = () => void reader.cancel(signal?.reason).catch(() => {});
  signal?.addEventListener("abort", onAbort, { once: true });
  let done = false;
  try {
    signal?.throwIfAborted();
    const bytes = byob === undefined
      ? await _readChunks(reader as ReadableStreamDefaultReader<Uint8Array>, maxBytes)
      : await _readInto(byob, declared >= 0 ? declared : _FIRST_BUFFER_BYTES, maxBytes);
    if (bytes === undefined) throw tooLarge();
    signal?.throwIfAborted();
    done = true;
    return bytes;
  } catch (error) {
    signal?.throwIfAborted();
    if (error instanceof TaskError) throw error;
    throw new TaskError(
      `Cannot read response for "${what}": response body truncated: ${_describe(error)}`,
      { retryable: true, cause: error },
    );
  } finally {
    signal?.removeEventListener("abort", onAbort);
    if (!done) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/** The first buffer of a body without a declared length, bytes. */
const _FIRST_BUFFER_BYTES = 64 * 1024;

/** A reader that reads into our own buffer, when the body is a byte stream. */
function _byobReader(body: ReadableStream<Uint8Array>): ReadableStreamBYOBReader | undefined {
  try {
    return body.getReader({ mode: "byob" });
  } catch {
    return undefined; // Not a byte stream: read its chunks.
  }
}

/**
 * Reads a byte stream into one buffer, sized to the declared length (plus the
 * byte that tells whether more follows) and grown when the body is longer:
 * a body costs one buffer, not its chunks and then a copy. The result is a
 * view from offset 0 of a buffer of its own.
 *
 * @returns undefined when the body is over `maxBytes`.
 */
async function _readInto(
  reader: ReadableStreamBYOBReader,
  expected: number,
  maxBytes: number,
): Promise<Uint8Array | undefined> {
  let buffer = new ArrayBuffer(Math.min(maxBytes, expected) + 1);
  let size = 0;
  while (true) {
    if (size === buffer.byteLength) {
      if (size > maxBytes) return undefined;
      // Each read hands the buffer over and back: grow the one returned.
      const larger = new ArrayBuffer(Math.min(maxBytes + 1, buffer.byteLength * 2));
      new Uint8Array(larger).set(new Uint8Array(buffer));
      buffer = larger;
    }
    const { value, done } = await reader.read(new Uint8Array(buffer, size));
    if (value !== undefined) buffer = value.buffer as ArrayBuffer;
    if (done) break;
    size += value.byteLength;
  }
  if (size > maxBytes) return undefined;
  return new Uint8Array(buffer, 0, size);
}

async function _readChunks(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  maxBytes: number,
): Promise<Uint8Array | undefined> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (true) {
    const result = await reader.read();
    if (result.done) break;
    size += result.value.byteLength;
    if (size > maxBytes) return undefined;
    chunks.push(result.value);
  }
  return _concat(chunks, size);
}

function _concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function _describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Options of {@link decodeUtf8}. */
export interface DecodeUtf8Options {
  /** Named in error messages, e.g. the chapter URI. */
  readonly what: string;
  /** The response's `Content-Type`, named in the message when it declares another charset. */
  readonly contentType?: string | null;
}

/**
 * Decodes a response body as strict UTF-8, the only encoding JSON may be
 * exchanged in (RFC 8259): a byte sequence that is not UTF-8 is refused, not
 * replaced with U+FFFD, so text is never imported damaged. A leading BOM is
 * dropped.
 *
 * @throws {TaskError} Permanent, naming the byte offset of the first invalid
 * sequence (the same bytes would come again).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeUtf8 } from "./read_body.ts";
 *
 * assert.equal(decodeUtf8(new Uint8Array([0x22, 0xc3, 0xa9, 0x22]), { what: "/x" }), '"é"');
 * assert.throws(
 *   () => decodeUtf8(new Uint8Array([0x22, 0xe9, 0x22]), { what: "/x" }),
 *   /not valid UTF-8: invalid byte sequence at byte 1 \(0xe9\)/,
 * );
 * ```
 */
export function decodeUtf8(bytes: Uint8Array, options: DecodeUtf8Options): string {
  try {
    return _strictUtf8.decode(bytes);
  } catch (error) {
    const offset = firstInvalidUtf8(bytes);
    // The scan follows the same standard as the decoder; should they ever
    // disagree, say only that the decoder refused.
    const found = offset < 0
      ? ""
      : `: invalid byte sequence at byte ${offset} (0x${bytes[offset].toString(16)})`;
    const charset = /charset\s*=\s*"?([^";\s]+)/i.exec(options.contentType ?? "")?.[1];
    const declared = charset !== undefined && !/^utf-?8$/i.test(charset)
      ? `; the response declares charset=${charset}`
      : "";
    throw new TaskError(
      `Cannot read response for "${options.what}": body is not valid UTF-8${found}${declared}`,
      { retryable: false, cause: error },
    );
  }
}

const _strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The byte offset where the first sequence that is not well-formed UTF-8
 * starts (overlong forms, surrogates and code points over U+10FFFF included,
 * as the Encoding standard decides), or -1 when all of `bytes` is UTF-8.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { firstInvalidUtf8 } from "./read_body.ts";
 *
 * assert.equal(firstInvalidUtf8(new TextEncoder().encode("ok ✓")), -1);
 * assert.equal(firstInvalidUtf8(new Uint8Array([0x61, 0xc0, 0xaf])), 1); // an overlong "/"
 * ```
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.byteLength) {
    const lead = bytes[i];
    if (lead < 0x80) {
      i++;
      continue;
    }
    const expected = _sequence(lead);
    if (expected === undefined) return i;
    // The second byte's range excludes overlong forms, surrogates and > U+10FFFF.
    let [lower, upper] = expected.second;
    for (let k = 1; k <= expected.continuations; k++) {
      const byte = bytes[i + k];
      if (byte === undefined || byte < lower || byte > upper) return i;
      [lower, upper] = [0x80, 0xbf];
    }
    i += expected.continuations + 1;
  }
  return -1;
}

/** The shape of a sequence by its lead byte; undefined for a byte no sequence starts with. */
function _sequence(
  lead: number,
): { continuations: number; second: readonly [number, number] } | undefined {
  if (lead >= 0xc2 && lead <= 0xdf) return { continuations: 1, second: [0x80, 0xbf] };
  if (lead === 0xe0) return { continuations: 2, second: [0xa0, 0xbf] };
  if (lead === 0xed) return { continuations: 2, second: [0x80, 0x9f] };
  if (lead >= 0xe1 && lead <= 0xef) return { continuations: 2, second: [0x80, 0xbf] };
  if (lead === 0xf0) return { continuations: 3, second: [0x90, 0xbf] };
  if (lead === 0xf4) return { continuations: 3, second: [0x80, 0x8f] };
  if (lead >= 0xf1 && lead <= 0xf3) return { continuations: 3, second: [0x80, 0xbf] };
  return undefined;
}
