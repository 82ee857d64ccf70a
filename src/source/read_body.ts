/**
 * Reads a response body with a size cap, classifying every way it can fail.
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
 * reading). The body is always either read to the end or cancelled.
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

  const reader = response.body.getReader();
  // fetch aborts its own body on the signal, but an injected fetch may not:
  // cancelling the reader ends a pending read either way.
  const onAbort = () => void reader.cancel(signal?.reason).catch(() => {});
  signal?.addEventListener("abort", onAbort, { once: true });
  const chunks: Uint8Array[] = [];
  let size = 0;
  let done = false;
  try {
    signal?.throwIfAborted();
    while (true) {
      const result = await reader.read();
      if (result.done) break;
      size += result.value.byteLength;
      if (size > maxBytes) throw tooLarge();
      chunks.push(result.value);
    }
    signal?.throwIfAborted();
    done = true;
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
