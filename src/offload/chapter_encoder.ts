/**
 * Where chapters are parsed, serialized, compressed and hashed: on a pool of
 * workers, so the main thread's event loop stays free to send the next
 * request on time and to read the next response, or here, when no worker is
 * wanted. Files re-encoded from one compression to another go the same way.
 *
 * @module
 */

import {
  type BookLabel,
  encodeChapter,
  type EncodedChapter,
  recodeChapterBytes,
  type RecodeJob,
} from "../output/chapter_encoding.ts";
import type { Compression } from "../manifest/types.ts";
import type { RequestedChapter } from "../source/parse_chapter.ts";
import { WorkerPool } from "./worker_pool.ts";

/** A buffer this much longer than the body it starts is still handed over whole, bytes. */
const _SPARE_BYTES = 64 * 1024;

/** One chapter's body and what was asked for: a chapter worker's job. */
export interface ChapterJob {
  readonly bytes: Uint8Array;
  readonly requested: RequestedChapter;
  /** The chapter's book, for the file's title and references. */
  readonly book: BookLabel;
  /** The answer's `Content-Type`, named when a bad byte is found. */
  readonly contentType?: string | null;
  /** How the file is to be stored. */
  readonly compression: Compression;
}

/** What a chapter worker is asked: to encode a fetched chapter, or to re-encode a stored file. */
export type ChapterWorkerJob =
  | ({ readonly kind: "encode" } & ChapterJob)
  | ({ readonly kind: "recode" } & RecodeJob);

/** What a chapter worker answers, by job. */
export type ChapterWorkerResult = EncodedChapter | RecodedChapter;

/** A stored chapter file's bytes and checksum in another compression. */
export interface RecodedChapter {
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly sha256: string;
}

/** Options of {@linkcode ChapterEncoder}. */
export interface ChapterEncoderOptions {
  /**
   * Workers that parse; 0 parses on the calling thread.
   * @default {@linkcode defaultChapterWorkers}
   */
  readonly workers?: number;
}

/**
 * The workers a run parses on by default: one per core beyond the one the
 * main thread uses, at least 1 and at most 4 (one worker keeps up with
 * about 500 chapters/s; each costs memory).
 */
export function defaultChapterWorkers(cores: number = navigator.hardwareConcurrency): number {
  return Math.max(1, Math.min(4, (cores || 1) - 1));
}

/**
 * Turns a chapter's body into its file's bytes, checksum and counts, with
 * the failures of `parseChapterBody` (same classes, same messages). Close it
 * when done: its workers keep the process alive.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ChapterEncoder } from "./chapter_encoder.ts";
 * const body = JSON.stringify({
 *   meta: { title: "Enos 1", pageAttributes: { "data-uri": "/scriptures/bofm/enos/1" } },
 *   content: { body: '<div class="body-block"><p class="verse"><span class="verse-number">1 </span>Behold.</p></div>' },
 * });
 * const encoder = new ChapterEncoder({ workers: 1 });
 * try {
 *   const encoded = await encoder.encode(new TextEncoder().encode(body), {
 *     uri: "/scriptures/bofm/enos/1", volume: "bofm", book: "enos", chapter: 1, lang: "eng",
 *     url: "https://example.org", fetchedAt: "2025-01-01T00:00:00.000Z",
 *   }, { book: { title: "Enos", abbrev: "Enos" } });
 *   assert.equal(encoded.verses, 1);
 * } finally {
 *   encoder.close();
 * }
 * ```
 */
export class ChapterEncoder {
  readonly #pool: WorkerPool<ChapterWorkerJob, ChapterWorkerResult> | undefined;

  constructor(options: ChapterEncoderOptions = {}) {
    const workers = options.workers ?? defaultChapterWorkers();
    if (!Number.isInteger(workers) || workers < 0) {
      throw new RangeError(`Cannot parse on "${workers}" workers: must be 0 or more`);
    }
    this.#pool = workers === 0 ? undefined : new WorkerPool(
      new URL("./chapter_worker.ts", import.meta.url),
      { size: workers, name: "chapter worker" },
    );
  }

  /** Workers parsing; 0 when parsing on the calling thread. */
  get workers(): number {
    return this.#pool?.size ?? 0;
  }

  /**
   * Parses, serializes, compresses (`options.compression`, default none)
   * and hashes one chapter, with the title and
   * references of `options.book`. `bytes`, and the buffer it
   * views when it starts that buffer, are handed over to the worker: use
   * neither afterwards.
   *
   * @throws {TaskError} as `parseChapterBody` does.
   * @throws the signal's reason when it aborts first.
   */
  async encode(
    bytes: Uint8Array,
    requested: RequestedChapter,
    options: {
      readonly book: BookLabel;
      readonly signal?: AbortSignal;
      readonly contentType?: string | null;
      /** @default "none" */
      readonly compression?: Compression;
    },
  ): Promise<EncodedChapter> {
    const { contentType, compression = "none" } = options;
    // Plain data only crosses to the worker: a manifest's Book carries more keys.
    const book: BookLabel = options.book.abbrev === undefined
      ? { title: options.book.title }
      : { title: options.book.title, abbrev: options.book.abbrev };
    if (this.#pool === undefined) {
      // Loaded only here: with workers, the calling thread never loads the parser.
      const { parseChapterBody } = await import("../source/parse_chapter.ts");
      options.signal?.throwIfAborted();
      return await encodeChapter(
        parseChapterBody(bytes, requested, contentType),
        book,
        compression,
      );
    }
    // A view from the start of its buffer (what readBody returns) hands the
    // buffer over; a view into the middle of one may share it: copied.
    const own: Uint8Array<ArrayBuffer> = bytes.buffer instanceof ArrayBuffer &&
        bytes.byteOffset === 0 && bytes.buffer.byteLength - bytes.byteLength <= _SPARE_BYTES
      ? bytes as Uint8Array<ArrayBuffer>
      : new Uint8Array(bytes);
    const job = { kind: "encode", bytes: own, requested, book, contentType, compression } as const;
    return await this.#pool.run(job, {
      transfer: [own.buffer],
      signal: options.signal,
    }) as EncodedChapter;
  }

  /**
   * A stored chapter file's bytes in another compression, and their
   * checksum (gzipped or inflated off the main thread). `job.bytes` and its
   * buffer are handed over to the worker: use neither afterwards.
   *
   * @throws {TypeError} when the bytes are not valid gzip (from gzip).
   */
  async recode(
    job: RecodeJob,
    options: { readonly signal?: AbortSignal } = {},
  ): Promise<RecodedChapter> {
    if (this.#pool === undefined) return await recodeChapterBytes(job);
    return await this.#pool.run({ kind: "recode", ...job }, {
      transfer: [job.bytes.buffer],
      signal: options.signal,
    }) as RecodedChapter;
  }

  /** Terminates the workers; encodings in progress reject. */
  close(): void {
    this.#pool?.close();
  }
}
