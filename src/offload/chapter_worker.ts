/**
 * The chapter worker: turns a chapter's response body into the bytes of its
 * file (decode, JSON parse, HTML parse, serialize, gzip when asked, SHA-256),
 * or a stored file's bytes into another compression, off the main thread.
 * Started by {@linkcode ChapterEncoder}; answers through `serveJobs`.
 *
 * @module
 */

import { encodeChapter, recodeChapterBytes } from "../output/chapter_encoding.ts";
import { parseChapterBody } from "../source/parse_chapter.ts";
import type { ChapterWorkerJob, ChapterWorkerResult } from "./chapter_encoder.ts";
import { serveJobs } from "./worker_pool.ts";

serveJobs<ChapterWorkerJob, ChapterWorkerResult>(async (job) => {
  switch (job.kind) {
    case "encode": {
      const { bytes, requested, book, contentType, compression } = job;
      const chapter = parseChapterBody(bytes, requested, contentType);
      const encoded = await encodeChapter(chapter, book, compression);
      return { value: encoded, transfer: [encoded.bytes.buffer] };
    }
    case "recode": {
      const recoded = await recodeChapterBytes(job);
      return { value: recoded, transfer: [recoded.bytes.buffer] };
    }
    default: {
      const unknown: never = job;
      throw new TypeError(`Cannot run chapter job ${JSON.stringify(unknown)}: unknown kind`);
    }
  }
});
