/**
 * Turns one content-API response into a {@link Chapter}: checks that the
 * server answered with the page asked for, then reads the verses, the other
 * body paragraphs and the header out of `content.body`.
 *
 * @module
 */

import { selectAll, selectOne } from "css-select";
import type { AnyNode, Document, Element } from "domhandler";
import { isTag } from "domhandler";
import { textContent } from "domutils";
import { parseDocument } from "htmlparser2";
import { TaskError } from "../exec/types.ts";
import { hasClass, normaliseSpace, plainText } from "./html_text.ts";
import type { Chapter, Paragraph, Verse } from "./types.ts";

/** What was asked for: the facts a chapter records besides what the page says. */
export interface RequestedChapter {
  /** `/scriptures/{volume}/{book}/{chapter}`. */
  readonly uri: string;
  readonly volume: string;
  readonly book: string;
  readonly chapter: number;
  readonly lang: string;
  /** The full request URL. */
  readonly url: string;
  /** ISO 8601 time of the request. */
  readonly fetchedAt: string;
  /**
   * Whether a page of prose paragraphs without any verse is a valid chapter
   * (the Official Declarations). Otherwise a page without verses is refused
   * as an empty chapter. @default false
   */
  readonly proseOnly?: boolean;
}

/** Header paragraphs: never verses, never body paragraphs. */
const _HEADER_CLASSES = [
  "title",
  "subtitle",
  "intro",
  "study-intro",
  "title-number",
  "study-summary",
];
const _HEADER_IDS = /^(title|subtitle|intro|study_intro|title_number|study_summary)\d*$/;
/** Containers of footnotes and study helps, whose paragraphs are not chapter text. */
const _NOTE_CLASSES = ["study-notes", "study-note", "footnotes", "footnote"];
const _NOTE_TAGS = new Set(["footer", "aside", "nav"]);
/** Containers whose paragraphs are not text of the chapter: captions of images, tables. */
const _NON_TEXT_TAGS = new Set(["figure", "figcaption", "table"]);

/**
 * Parses a content-API response body (already JSON-decoded).
 *
 * Verses are the `p.verse` elements in document order; every other non-empty
 * `p` inside the body block becomes a paragraph (closing paragraphs,
 * signatures, declarations), with or without an `id`. Header, footnote and
 * study-note paragraphs are left out. The header gives the number, subtitle,
 * intro, study intro and summary, each null when absent.
 *
 * @param json The decoded response.
 * @param requested The chapter asked for.
 * @returns The chapter.
 * @throws {TaskError} Retryable when `content.body` is missing; permanent when
 * the page is another page than the one requested, when it holds neither
 * verses nor paragraphs, or when a verse has no integer number.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseChapter } from "./parse_chapter.ts";
 *
 * const uri = "/scriptures/dc-testament/dc/116";
 * const chapter = parseChapter({
 *   meta: { title: "Doctrine and Covenants 116", pageAttributes: { "data-uri": uri } },
 *   content: {
 *     body: '<div class="body-block"><p class="verse" id="p1">' +
 *       '<span class="verse-number">1 </span>Spring Hill is named by the ' +
 *       '<a class="study-note-ref" href="#note1_a"><sup class="marker" data-value="a"></sup>Lord</a> ' +
 *       "Adam-ondi-Ahman.</p></div>",
 *   },
 * }, {
 *   uri, volume: "dc-testament", book: "dc", chapter: 116, lang: "eng",
 *   url: "https://example.org/api?uri=" + uri, fetchedAt: "2025-01-01T00:00:00.000Z",
 * });
 * assert.deepEqual(chapter.verses, [
 *   { number: 1, text: "Spring Hill is named by the Lord Adam-ondi-Ahman.", paragraphStart: false },
 * ]);
 * assert.equal(chapter.summary, null);
 * assert.equal(chapter.studyIntro, null);
 * ```
 */
export function parseChapter(json: unknown, requested: RequestedChapter): Chapter {
  const { uri } = requested;
  const meta = _record(_record(json)?.meta);
  const body = _record(_record(json)?.content)?.body;
  if (typeof body !== "string") {
    throw new TaskError(`Cannot parse chapter "${uri}": missing content.body`, {
      retryable: true,
    });
  }
  const pageUri = _string(_record(meta?.pageAttributes)?.["data-uri"]) ??
    _string(_record(json)?.uri);
  if (pageUri === undefined || _sameUri(pageUri, uri) === false) {
    throw new TaskError(
      `Cannot import chapter "${uri}": the server answered with another page: ` +
        `${pageUri ?? "(no URI)"} instead of ${uri}`,
      { retryable: false },
    );
  }

  const pageLang = _string(_record(meta?.pageAttributes)?.lang);
  if (pageLang !== undefined && pageLang !== "" && pageLang !== requested.lang) {
    throw new TaskError(
      `Cannot import chapter "${uri}": the server answered in another language: ` +
        `${pageLang} instead of ${requested.lang}`,
      { retryable: false },
    );
  }

  const document = parseDocument(body);
  const verses = _selectAll("p.verse", document)
    .filter((p) => !_inNotes(p))
    .map((p) => _verse(p, uri));
  // Only outermost blocks: a block nested in another must not give its paragraphs twice.
  const blocks = _selectAll(".body-block", document)
    .filter((block) => !_hasAncestor(block, _isBodyBlock));
  const paragraphs = _paragraphs(document, blocks);
  if (verses.length === 0 && (paragraphs.length === 0 || !requested.proseOnly)) {
    const found = paragraphs.length === 0 ? "no verses and no paragraphs" : "no verses";
    throw new TaskError(`Cannot import chapter "${uri}": empty chapter (${found})`, {
      retryable: false,
    });
  }
  _assertAscending(verses, uri);

  const header = (selector: string) => _headerText(document, selector);
  const number = header("p.title-number");
  return {
    uri,
    volume: requested.volume,
    book: requested.book,
    chapter: requested.chapter,
    lang: requested.lang,
    title: _nonEmpty(_string(meta?.title)) ?? header("#title1") ?? number ?? "",
    number,
    subtitle: header("p.subtitle, #subtitle1"),
    intro: header("p.intro"),
    studyIntro: header("p.study-intro"),
    summary: header("p.study-summary"),
    verses,
    paragraphs,
    source: { url: requested.url, fetchedAt: requested.fetchedAt },
  };
}

/**
 * Whether a page's URI names the chapter asked for. Case, percent-encoding, a
 * trailing slash and a query or fragment do not make another page.
 */
function _sameUri(pageUri: string, requested: string): boolean {
  const canonical = (value: string) => {
    let text = value.split(/[?#]/)[0];
    try {
      text = decodeURIComponent(text);
    } catch {
      // Not percent-encoded after all: compare as written.
    }
    return text.replace(/\/+$/, "").toLowerCase();
  };
  return canonical(pageUri) === canonical(requested);
}

function _verse(p: Element, uri: string): Verse {
  const numberElement = _selectOne(".verse-number", p);
  const rawNumber = numberElement ? normaliseSpace(textContent(numberElement)) : "";
  const number = verseNumber(rawNumber);
  if (number === undefined) {
    const where = p.attribs.id ? `verse "${p.attribs.id}"` : "a verse";
    throw new TaskError(
      `Cannot parse chapter "${uri}": ${where} has no integer verse number (found "${rawNumber}")`,
      { retryable: false },
    );
  }
  let text = plainText(p);
  // Some markups write the ¶ as plain text rather than in span.para-mark.
  let paragraphStart = _selectOne("span.para-mark", p) !== null;
  if (text.startsWith("¶")) {
    text = text.slice(1).trimStart();
    paragraphStart = true;
  }
  return { number, text, paragraphStart };
}

/**
 * The number of a verse as written in `span.verse-number`: decimal digits of
 * any script (Arabic-Indic, Devanagari, fullwidth, ...), or the first number
 * of a merged range such as `3–4`; `undefined` when there is none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { verseNumber } from "./parse_chapter.ts";
 * assert.equal(verseNumber("12"), 12);
 * assert.equal(verseNumber("١٢"), 12);
 * assert.equal(verseNumber("3–4"), 3);
 * assert.equal(verseNumber("a"), undefined);
 * ```
 */
export function verseNumber(written: string): number | undefined {
  const ascii = written.replace(/\p{Nd}/gu, (digit) => String(_digitValue(digit)));
  const match = /^(\d+)(?:\s*[-\u2010-\u2015]\s*\d+)?\.?$/.exec(ascii.trim());
  return match ? Number(match[1]) : undefined;
}

// Unicode decimal digits come in runs of consecutive code points from 0 to 9:
// a digit's value is its distance from the start of its run, modulo 10.
function _digitValue(digit: string): number {
  let code = digit.codePointAt(0)!;
  let steps = 0;
  while (/\p{Nd}/u.test(String.fromCodePoint(code - 1))) {
    code--;
    steps++;
  }
  return steps % 10;
}

/** Verse numbers must rise: a repeat or a step back means markup this parser misreads. */
function _assertAscending(verses: readonly Verse[], uri: string): void {
  for (let i = 1; i < verses.length; i++) {
    if (verses[i].number <= verses[i - 1].number) {
      throw new TaskError(
        `Cannot parse chapter "${uri}": verse numbers do not rise: ` +
          `${verses[i - 1].number} then ${verses[i].number}`,
        { retryable: false },
      );
    }
  }
}

/**
 * The non-verse paragraphs of the outermost body blocks, in document order.
 * The real markup does not give every paragraph an id, so none is required
 * there. A page without a body block gives the paragraphs with an id: with
 * nothing to say where the text is, an id-less `p` may be anything.
 * Paragraphs of notes, the header, figures and tables are never text.
 */
function _paragraphs(document: Document, blocks: readonly Element[]): Paragraph[] {
  // css-select finds nothing under a document given inside an array: pass it alone.
  const roots: AnyNode | AnyNode[] = blocks.length > 0 ? [...blocks] : document;
  const paragraphs: Paragraph[] = [];
  for (const p of _selectAll(blocks.length > 0 ? "p" : "p[id]", roots)) {
    if (hasClass(p, "verse") || _inNotes(p) || _inHeader(p)) continue;
    if (_hasAncestor(p, (a) => _NON_TEXT_TAGS.has(a.name))) continue;
    // Header classes mark the header's paragraphs; inside a body block a
    // paragraph with such a class is a heading of the text (Psalm 119's letters).
    if (_isHeaderParagraph(p) && blocks.length === 0) continue;
    const text = plainText(p);
    const id = p.attribs.id;
    if (text !== "") paragraphs.push({ id: id === undefined || id === "" ? null : id, text });
  }
  return paragraphs;
}

function _isHeaderParagraph(p: Element): boolean {
  return _HEADER_CLASSES.some((name) => hasClass(p, name)) || _HEADER_IDS.test(p.attribs.id ?? "");
}

function _isBodyBlock(element: Element): boolean {
  return hasClass(element, "body-block");
}

function _inNotes(element: Element): boolean {
  return _hasAncestor(
    element,
    (a) => _NOTE_TAGS.has(a.name) || _NOTE_CLASSES.some((name) => hasClass(a, name)),
  );
}

function _inHeader(element: Element): boolean {
  return _hasAncestor(element, (a) => a.name === "header");
}

function _hasAncestor(element: Element, test: (ancestor: Element) => boolean): boolean {
  for (let node = element.parent; node !== null; node = node.parent) {
    if (isTag(node) && test(node)) return true;
  }
  return false;
}

/**
 * The text of the first element matching `selector` outside the notes and
 * the body blocks, else the first in a `<header>` inside a body block (a
 * page that wraps its header in the block). Elsewhere in a body block, a
 * header class marks a heading of the text, kept as a paragraph and not read
 * a second time as a header field.
 */
function _headerText(document: Document, selector: string): string | null {
  const found = _selectAll(selector, document).filter((e) => !_inNotes(e) && !_isBodyBlock(e));
  const element = found.find((e) => !_hasAncestor(e, _isBodyBlock)) ?? found.find(_inHeader);
  return element === undefined ? null : _nonEmpty(plainText(element));
}

function _selectAll(selector: string, root: AnyNode | AnyNode[]): Element[] {
  return selectAll<AnyNode, Element>(selector, root);
}

function _selectOne(selector: string, root: AnyNode | AnyNode[]): Element | null {
  return selectOne<AnyNode, Element>(selector, root);
}

function _record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? value as Record<string, unknown>
    : undefined;
}

function _string(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function _nonEmpty(value: string | undefined): string | null {
  const trimmed = value === undefined ? "" : normaliseSpace(value);
  return trimmed === "" ? null : trimmed;
}
