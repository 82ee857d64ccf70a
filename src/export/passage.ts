/**
 * The rows of an export: one passage (a verse, or a paragraph that is not a
 * verse) per row, with a stable key and a human reference, made from a
 * verified chapter file.
 *
 * Keys are language-free, so the same text in two languages shares one:
 *
 *     bofm/1-ne/3/7                 a verse: <volume>/<book>/<chapter>/<verse>
 *     dc-testament/od/1/p2          a paragraph: ... /<block id>
 *     dc-testament/od/1/paragraph-4 a paragraph the markup gives no id: ... /paragraph-<position>
 *
 * A verse key ends in a number and a paragraph key in a block id (which starts
 * with a letter), so the two never collide.
 *
 * @module
 */

import type { ChapterFileContent } from "../output/chapter_file.ts";

/** Whether a row is a verse or another body paragraph (Official Declarations, closing paragraphs). */
export type PassageKind = "verse" | "paragraph";

/** One row of an export. */
export interface Passage {
  /** Stable and language-free: `bofm/1-ne/3/7`, `dc-testament/od/1/p2` (see the module doc). */
  readonly key: string;
  /** For a reader: `1 Ne. 3:7`, or a paragraph's `Official Declarations 1 ¶2`. */
  readonly reference: string;
  /** The chapter file's language, e.g. `eng`. */
  readonly lang: string;
  /** Volume slug, e.g. `bofm`. */
  readonly volume: string;
  /** Book slug, e.g. `1-ne`. */
  readonly book: string;
  /** The book's title in the chapter's language when its file says, else `import.yaml`'s. */
  readonly bookTitle: string;
  readonly chapter: number;
  readonly kind: PassageKind;
  /** The verse number; null for a paragraph. */
  readonly verse: number | null;
  /** 1-based place in the chapter: its verses first, then its paragraphs, each in document order. */
  readonly position: number;
  /** The verse began with a ¶ mark; always true for a paragraph. */
  readonly paragraphStart: boolean;
  readonly text: string;
}

/** What a chapter's rows need beyond its file: the book's names from the manifests. */
export interface PassageBook {
  /** The book's title from its manifest. */
  readonly title: string;
  /**
   * The abbreviation references use (`1 Ne.`), when the manifests give one;
   * the chapter file's own (in its language) wins over it, and the book's
   * title stands in when neither has one (`1 Nephi 3:7`). @default none
   */
  readonly abbreviation?: string;
}

/**
 * The rows of one verified chapter: its verses, then its paragraphs.
 * The book title, the abbreviation and each verse's reference are read from
 * the chapter file when it has them and built here when it does not.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const rows = chapterPassages({
 *   uri: "/scriptures/bofm/1-ne/3", volume: "bofm", book: "1-ne", chapter: 3, lang: "eng",
 *   title: "1 Nephi 3", number: "Chapter 3", intro: null, summary: null,
 *   verses: [{ number: 7, text: "I will go and do…", paragraphStart: true }],
 *   paragraphs: [], source: { url: "https://example.org", fetchedAt: "2026-01-01T00:00:00Z" },
 * }, { title: "1 Nephi", abbreviation: "1 Ne." });
 * assert.equal(rows[0].key, "bofm/1-ne/3/7");
 * assert.equal(rows[0].reference, "1 Ne. 3:7");
 * ```
 */
export function chapterPassages(chapter: ChapterFileContent, book: PassageBook): Passage[] {
  const extra = _chapterFileNames(chapter);
  const bookTitle = extra.bookTitle ?? book.title;
  const abbreviation = book.abbreviation ?? bookTitle;
  const chapterReference = extra.chapterReference ?? `${abbreviation} ${chapter.chapter}`;
  const base = `${chapter.volume}/${chapter.book}/${chapter.chapter}`;
  const common = {
    lang: chapter.lang,
    volume: chapter.volume,
    book: chapter.book,
    bookTitle,
    chapter: chapter.chapter,
  };
  const rows: Passage[] = chapter.verses.map((verse, index) => ({
    key: `${base}/${verse.number}`,
    reference: extra.verseReferences[index] ?? `${chapterReference}:${verse.number}`,
    ...common,
    kind: "verse",
    verse: verse.number,
    position: index + 1,
    paragraphStart: verse.paragraphStart,
    text: verse.text,
  }));
  chapter.paragraphs.forEach((paragraph, index) => {
    const position = chapter.verses.length + index + 1;
    rows.push({
      key: `${base}/${paragraph.id ?? `paragraph-${position}`}`,
      reference: `${chapterReference} ¶${index + 1}`,
      ...common,
      kind: "paragraph",
      verse: null,
      position,
      paragraphStart: true,
      text: paragraph.text,
    });
  });
  return rows;
}

/**
 * The names a chapter file (format 2, see docs/output.md) carries beside its
 * text: the book's title, the chapter's reference (`1 Ne. 3`) and a reference
 * per verse (`1 Ne. 3:7`). Files of format 1 give undefined, and the caller
 * builds them from the manifests.
 */
function _chapterFileNames(chapter: ChapterFileContent): {
  bookTitle?: string;
  chapterReference?: string;
  verseReferences: readonly (string | undefined)[];
} {
  const file = chapter as unknown as {
    readonly bookTitle?: unknown;
    readonly reference?: unknown;
    readonly verses: readonly { readonly reference?: unknown }[];
  };
  const text = (value: unknown) => typeof value === "string" && value !== "" ? value : undefined;
  return {
    bookTitle: text(file.bookTitle),
    chapterReference: text(file.reference),
    verseReferences: file.verses.map((verse) => text(verse.reference)),
  };
}
