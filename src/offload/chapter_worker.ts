/**
 * The chapter worker: turns a chapter's response body into the bytes of its
 * file (decode, JSON parse, HTML parse, serialize, SHA-256), off the main
 * thread. Started by {@linkcode ChapterEncoder}; answers through `serveJobs`.
 *
 * @module
 */

import { encodeChapter, type EncodedChapter } from "../output/chapter_encoding.ts";
import { parseChapterBody } from "../source/parse_chapter.ts";
import type { ChapterJob } from "./chapter_encoder.ts";
import { serveJobs } from "./worker_pool.ts";

serveJobs<ChapterJob, EncodedChapter>(async ({ bytes, requested, book, contentType }) => {
  const encoded = await encodeChapter(parseChapterBody(bytes, requested, contentType), book);
  return { value: encoded, transfer: [encoded.bytes.buffer] };
});
