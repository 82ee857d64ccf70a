/**
 * The bytes of a chapter file, made from a chapter: its JSON text and
 * checksum. Free of the file system and of heavy dependencies, so a worker
 * can load it quickly.
 *
 * @module
 */

import type { Chapter } from "../source/types.ts";
import { sha256Hex } from "./digest.ts";

/**
 * The JSON text of a chapter: keys in the order of the `Chapter` type
 * (whatever order the object was built in), two-space indent, final newline.
 * Every key is always written: absent header fields and paragraph ids as null.
 */
export function serializeChapter(chapter: Chapter): string {
  const ordered: Chapter = {
    uri: chapter.uri,
    volume: chapter.volume,
    book: chapter.book,
    chapter: chapter.chapter,
    lang: chapter.lang,
    title: chapter.title,
    number: chapter.number,
    subtitle: chapter.subtitle,
    intro: chapter.intro,
    studyIntro: chapter.studyIntro,
    summary: chapter.summary,
    verses: chapter.verses.map((verse) => ({
      number: verse.number,
      text: verse.text,
      paragraphStart: verse.paragraphStart,
    })),
    paragraphs: chapter.paragraphs.map((paragraph) => ({
      id: paragraph.id,
      text: paragraph.text,
    })),
    source: { url: chapter.source.url, fetchedAt: chapter.source.fetchedAt },
  };
  return JSON.stringify(ordered, null, 2) + "\n";
}

/**
 * A chapter file's content, ready to be written by
 * `writeEncodedChapter` (chapter_file.ts): what {@linkcode encodeChapter} makes of a
 * chapter. Plain data, so it can be made in a worker and posted back.
 */
export interface EncodedChapter {
  readonly volume: string;
  readonly book: string;
  readonly chapter: number;
  /** The file's bytes: {@linkcode serializeChapter}'s text as UTF-8. */
  readonly bytes: Uint8Array<ArrayBuffer>;
  /** SHA-256 of `bytes`, lowercase hex. */
  readonly sha256: string;
  readonly verses: number;
  readonly paragraphs: number;
}

/**
 * Serializes and hashes a chapter for `writeEncodedChapter` (chapter_file.ts).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const encoded = await encodeChapter({
 *   uri: "/scriptures/bofm/enos/1", volume: "bofm", book: "enos", chapter: 1, lang: "eng",
 *   title: "Enos 1", number: null, subtitle: null, intro: null, studyIntro: null, summary: null,
 *   verses: [{ number: 1, text: "Behold, it came to pass…", paragraphStart: false }],
 *   paragraphs: [], source: { url: "https://example.org", fetchedAt: "2025-01-01T00:00:00.000Z" },
 * });
 * assert.equal(encoded.verses, 1);
 * assert.equal(encoded.sha256.length, 64);
 * ```
 */
export async function encodeChapter(chapter: Chapter): Promise<EncodedChapter> {
  const bytes = new TextEncoder().encode(serializeChapter(chapter));
  return {
    volume: chapter.volume,
    book: chapter.book,
    chapter: chapter.chapter,
    bytes,
    sha256: await sha256Hex(bytes),
    verses: chapter.verses.length,
    paragraphs: chapter.paragraphs.length,
  };
}
