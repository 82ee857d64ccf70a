/**
 * Chapter URIs of the content API: `/scriptures/{volume}/{book}/{chapter}`.
 *
 * @module
 */

/** Where a chapter sits in the canon. */
export interface ChapterRef {
  /** Volume slug, e.g. `bofm`. */
  readonly volume: string;
  /** Book slug, e.g. `1-ne`. */
  readonly book: string;
  /** Chapter number, from 1. */
  readonly chapter: number;
}

const _SLUG = /^[a-z0-9][a-z0-9-]*$/;

/**
 * The URI of a chapter.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chapterUri } from "./chapter_uri.ts";
 *
 * assert.equal(chapterUri({ volume: "bofm", book: "1-ne", chapter: 3 }), "/scriptures/bofm/1-ne/3");
 * ```
 */
export function chapterUri(ref: ChapterRef): string {
  return `/scriptures/${ref.volume}/${ref.book}/${ref.chapter}`;
}

/**
 * The volume, book and chapter of a chapter URI.
 *
 * @throws {TypeError} When `uri` is not `/scriptures/{volume}/{book}/{chapter}`
 * with slugs and a positive integer chapter.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseChapterUri } from "./chapter_uri.ts";
 *
 * assert.deepEqual(parseChapterUri("/scriptures/dc-testament/od/2"), {
 *   volume: "dc-testament",
 *   book: "od",
 *   chapter: 2,
 * });
 * ```
 */
export function parseChapterUri(uri: string): ChapterRef {
  const parts = uri.split("/");
  const [empty, root, volume, book, chapter] = parts;
  const valid = parts.length === 5 && empty === "" && root === "scriptures" &&
    _SLUG.test(volume) && _SLUG.test(book) && /^[1-9]\d*$/.test(chapter);
  if (!valid) {
    throw new TypeError(
      `Cannot parse chapter URI "${uri}": expected /scriptures/{volume}/{book}/{chapter}`,
    );
  }
  return { volume, book, chapter: Number(chapter) };
}
