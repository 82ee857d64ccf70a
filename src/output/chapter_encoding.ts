/**
 * The bytes of a chapter file, made from a chapter and its book's label:
 * its JSON text and checksum. Free of the file system and of heavy
 * dependencies, so a worker can load it quickly.
 *
 * @module
 */

import type { Book, Compression } from "../manifest/types.ts";
import type { Chapter, Verse } from "../source/types.ts";
import { sha256Hex } from "./digest.ts";
import { jsonBytes, storedBytes } from "./gzip.ts";

/**
 * The version of the chapter file format, its `format` key. Version 1 is a
 * file without that key (written before references existed); version 2
 * adds `bookTitle`, `reference` and each verse's `reference` and `key`.
 */
export const CHAPTER_FORMAT = 2;

/** What a chapter file says of its book besides the page: its title and abbreviation, from import.yaml. */
export type BookLabel = Pick<Book, "title" | "abbrev">;

/** A verse as a chapter file holds it: the page's verse with its reference and key. */
export interface ChapterFileVerse extends Verse {
  /** Human reference, e.g. `1 Ne. 3:7`, `D&C 76:22`. */
  readonly reference: string;
  /** Stable key, `<volume>/<book>/<chapter>/<verse>`, e.g. `bofm/1-ne/3/7`. */
  readonly key: string;
}

/** The JSON of a chapter file, format {@linkcode CHAPTER_FORMAT}. */
export interface ChapterFile extends Omit<Chapter, "verses"> {
  /** The chapter file format's version; readers refuse one they do not know. */
  readonly format: typeof CHAPTER_FORMAT;
  /** The book's title from import.yaml, e.g. `1 Nephi`. */
  readonly bookTitle: string;
  /** The chapter's reference, e.g. `1 Ne. 3`, `D&C 76`, `OD 1`. */
  readonly reference: string;
  /** The verses, in order, each with its reference and key. */
  readonly verses: readonly ChapterFileVerse[];
}

/**
 * A chapter's reference: the book's abbreviation (its title where it has
 * none) and the chapter number, as the Church writes them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(chapterReference({ title: "1 Nephi", abbrev: "1 Ne." }, 3), "1 Ne. 3");
 * assert.equal(chapterReference({ title: "Sections", abbrev: "D&C" }, 76), "D&C 76");
 * assert.equal(chapterReference({ title: "Enos" }, 1), "Enos 1");
 * ```
 */
export function chapterReference(book: BookLabel, chapter: number): string {
  return `${book.abbrev ?? book.title} ${chapter}`;
}

/**
 * The stable key of a verse: `<volume>/<book>/<chapter>/<verse>`, the
 * chapter's id (as `--only` takes it) and the verse number.
 */
export function verseKey(chapter: Pick<Chapter, "volume" | "book" | "chapter">, verse: number) {
  return `${chapter.volume}/${chapter.book}/${chapter.chapter}/${verse}`;
}

/**
 * The JSON text of a chapter file: keys in the order of {@linkcode ChapterFile}
 * (whatever order the chapter was built in), two-space indent, final
 * newline. Every key is always written: absent header fields and paragraph
 * ids as null.
 */
export function serializeChapter(chapter: Chapter, book: BookLabel): string {
  const reference = chapterReference(book, chapter.chapter);
  const ordered: ChapterFile = {
    format: CHAPTER_FORMAT,
    uri: chapter.uri,
    volume: chapter.volume,
    book: chapter.book,
    chapter: chapter.chapter,
    lang: chapter.lang,
    bookTitle: book.title,
    reference,
    title: chapter.title,
    number: chapter.number,
    subtitle: chapter.subtitle,
    intro: chapter.intro,
    studyIntro: chapter.studyIntro,
    summary: chapter.summary,
    verses: chapter.verses.map((verse) => ({
      number: verse.number,
      reference: `${reference}:${verse.number}`,
      key: verseKey(chapter, verse.number),
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
  /** How `bytes` are stored: the file is `<chapter>.json`, or `<chapter>.json.gz` for gzip. */
  readonly compression: Compression;
  /** The file's bytes: {@linkcode serializeChapter}'s text as UTF-8, gzipped for `gzip`. */
  readonly bytes: Uint8Array<ArrayBuffer>;
  /** SHA-256 of `bytes` (the bytes stored, compressed or not), lowercase hex. */
  readonly sha256: string;
  readonly verses: number;
  readonly paragraphs: number;
}

/**
 * Serializes, compresses (for `gzip`) and hashes a chapter for
 * `writeEncodedChapter` (chapter_file.ts); the checksum is over the stored bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const encoded = await encodeChapter({
 *   uri: "/scriptures/bofm/enos/1", volume: "bofm", book: "enos", chapter: 1, lang: "eng",
 *   title: "Enos 1", number: null, subtitle: null, intro: null, studyIntro: null, summary: null,
 *   verses: [{ number: 1, text: "Behold, it came to pass…", paragraphStart: false }],
 *   paragraphs: [], source: { url: "https://example.org", fetchedAt: "2025-01-01T00:00:00.000Z" },
 * }, { title: "Enos", abbrev: "Enos" });
 * assert.equal(encoded.verses, 1);
 * assert.equal(encoded.sha256.length, 64);
 * assert.match(new TextDecoder().decode(encoded.bytes), /"reference": "Enos 1:1"/);
 * ```
 */
export async function encodeChapter(
  chapter: Chapter,
  book: BookLabel,
  compression: Compression = "none",
): Promise<EncodedChapter> {
  const json = new TextEncoder().encode(serializeChapter(chapter, book));
  const bytes = await storedBytes(json, compression);
  return {
    volume: chapter.volume,
    book: chapter.book,
    chapter: chapter.chapter,
    compression,
    bytes,
    sha256: await sha256Hex(bytes),
    verses: chapter.verses.length,
    paragraphs: chapter.paragraphs.length,
  };
}

/** A stored chapter file's bytes, to be stored another way: a re-encoding's job. */
export interface RecodeJob {
  /** The file's bytes as stored now. */
  readonly bytes: Uint8Array<ArrayBuffer>;
  /** How they are stored now. */
  readonly from: Compression;
  /** How they are to be stored. */
  readonly to: Compression;
}

/**
 * The bytes and checksum of a chapter file stored another way, with the same
 * JSON text: gzipped, or inflated. Nothing else of the file changes.
 *
 * @throws {TypeError} when `from` is gzip and the bytes are not valid gzip.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const json = new TextEncoder().encode('{"verses":[]}\n');
 * const packed = await recodeChapterBytes({ bytes: json, from: "none", to: "gzip" });
 * const back = await recodeChapterBytes({ bytes: packed.bytes, from: "gzip", to: "none" });
 * assert.deepEqual(back.bytes, json);
 * ```
 */
export async function recodeChapterBytes(
  job: RecodeJob,
): Promise<{ readonly bytes: Uint8Array<ArrayBuffer>; readonly sha256: string }> {
  const bytes = job.from === job.to
    ? job.bytes
    : await storedBytes(await jsonBytes(job.bytes, job.from), job.to);
  return { bytes, sha256: await sha256Hex(bytes) };
}
