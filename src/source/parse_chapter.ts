/**
 * Turns one content-API response into a {@link Chapter}: checks that the
 * server answered with the page asked for, then reads the verses, the other
 * body paragraphs and the header out of `content.body`.
 *
 * @module
 */

import { OTHER_PAGE } from "./not_available.ts";
import type { AnyNode, Document, Element } from "domhandler";
import { hasChildren, isTag } from "domhandler";
import { TaskError } from "../exec/types.ts";
import { findElement, hasClass, normaliseSpace, plainText, rawText } from "./html_text.ts";
import { parseMarkup } from "./parse_markup.ts";
import { decodeUtf8 } from "./read_body.ts";
import type { Chapter, Paragraph, Verse } from "./types.ts";

/** What was asked for: the facts a chapter records besides what the page says. */
export interface RequestedChapter {
  /** `/scriptures/{volume}/{book}/{chapter}`. */
  readonly uri: string;
  /** The volume id, e.g. `bofm`. */
  readonly volume: string;
  /** The book slug, e.g. `1-ne`. */
  readonly book: string;
  /** The chapter number, from 1. */
  readonly chapter: number;
  /** The language code asked for, e.g. `eng`. */
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
 * The second half of `fetchChapter` (request.ts): decodes (strict UTF-8) and parses
 * a chapter's body, with the same failures (not UTF-8: permanent, naming the
 * byte; unparsable JSON: retryable; and those of {@linkcode parseChapter}).
 * `contentType` is the answer's, named when its charset explains a bad byte.
 *
 * @throws {TaskError} When the body is not the chapter asked for.
 */
export function parseChapterBody(
  bytes: Uint8Array,
  requested: RequestedChapter,
  contentType?: string | null,
): Chapter {
  const text = decodeUtf8(bytes, { what: requested.uri, contentType });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TaskError(
      `Cannot parse chapter "${requested.uri}": unparsable JSON: ${
        error instanceof Error ? error.message : String(error)
      }`,
      { retryable: true, cause: error },
    );
  }
  return parseChapter(json, requested);
}

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
      { retryable: false, code: OTHER_PAGE },
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

  const document = parseMarkup(body, { what: uri });
  return chapterFromMarkup(document, requested, _string(meta?.title));
}

/**
 * Reads a chapter out of the parsed markup of its `content.body`, as
 * {@link parseChapter} does once it has checked the page.
 *
 * The work is linear in the size of the markup, whatever its depth: one walk
 * over the document finds the verses, paragraphs and header fields, then each
 * of them is read once. A `p` inside another `p` (which an HTML page cannot
 * hold, but htmlparser2 builds from `<p><span><p>`) is text of the outer one,
 * not a verse or paragraph of its own.
 *
 * @param document The parsed `content.body`.
 * @param requested The chapter asked for.
 * @param pageTitle `meta.title`, if the page has one.
 * @throws {TaskError} Permanent when the markup holds neither verses nor
 * paragraphs, or when a verse has no integer number or verse numbers do not rise.
 */
export function chapterFromMarkup(
  document: Document,
  requested: RequestedChapter,
  pageTitle?: string,
): Chapter {
  const { uri } = requested;
  const found = _scan(document);
  const verses = found.verses.map((p) => _verse(p, uri));
  const paragraphs = _paragraphs(found.blocks > 0 ? found.blockParagraphs : found.idParagraphs);
  if (verses.length === 0 && (paragraphs.length === 0 || !requested.proseOnly)) {
    const what = paragraphs.length === 0 ? "no verses and no paragraphs" : "no verses";
    throw new TaskError(`Cannot import chapter "${uri}": empty chapter (${what})`, {
      retryable: false,
    });
  }
  _assertAscending(verses, uri);

  const header = (field: _HeaderField) => {
    const { outsideBlocks, inHeader } = found.header[field];
    const element = outsideBlocks ?? inHeader;
    return element === null ? null : _nonEmpty(plainText(element));
  };
  const number = header("number");
  return {
    uri,
    volume: requested.volume,
    book: requested.book,
    chapter: requested.chapter,
    lang: requested.lang,
    title: _nonEmpty(pageTitle) ?? header("title") ?? number ?? "",
    number,
    subtitle: header("subtitle"),
    intro: header("intro"),
    studyIntro: header("studyIntro"),
    summary: header("summary"),
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
  const numberElement = findElement(p, (e) => hasClass(e, "verse-number"));
  const rawNumber = numberElement ? normaliseSpace(rawText(numberElement)) : "";
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
  let paragraphStart = findElement(p, (e) => e.name === "span" && hasClass(e, "para-mark")) !==
    null;
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

/** The header fields, each read from the first element its selector matches. */
type _HeaderField = "number" | "title" | "subtitle" | "intro" | "studyIntro" | "summary";

/** Which header fields an element can give (`p.title-number`, `#title1`, `p.subtitle, #subtitle1`, ...). */
function _headerFields(element: Element): _HeaderField[] {
  const fields: _HeaderField[] = [];
  const id = element.attribs.id;
  const p = element.name === "p";
  if (p && hasClass(element, "title-number")) fields.push("number");
  if (id === "title1") fields.push("title");
  if ((p && hasClass(element, "subtitle")) || id === "subtitle1") fields.push("subtitle");
  if (p && hasClass(element, "intro")) fields.push("intro");
  if (p && hasClass(element, "study-intro")) fields.push("studyIntro");
  if (p && hasClass(element, "study-summary")) fields.push("summary");
  return fields;
}

/** What one walk over the document finds, each list in document order. */
interface _Found {
  /** `p.verse` outside notes. */
  readonly verses: Element[];
  /** How many outermost body blocks there are. */
  blocks: number;
  /** Other `p`s in (or being) an outermost body block, outside notes, header, figures and tables. */
  readonly blockParagraphs: Element[];
  /** Other `p[id]`s anywhere, the same places left out, header paragraphs too. */
  readonly idParagraphs: Element[];
  /**
   * Per header field, the first element outside the notes that is not a body
   * block itself: the first outside every body block, and the first in a `<header>`.
   */
  readonly header: Record<
    _HeaderField,
    { outsideBlocks: Element | null; inHeader: Element | null }
  >;
}

// Where an element is, as bits: what its ancestors are.
const _IN_NOTES = 1;
const _IN_HEADER = 2;
const _IN_BLOCK = 4;
const _IN_NON_TEXT = 8;
const _IN_P = 16;

/**
 * One walk over the document, in document order, carrying down where each
 * element is, so that nothing walks back up its ancestors: linear in the
 * number of nodes whatever the depth, and no recursion.
 */
function _scan(document: Document): _Found {
  const empty = () => ({ outsideBlocks: null, inHeader: null });
  const found: _Found = {
    verses: [],
    blocks: 0,
    blockParagraphs: [],
    idParagraphs: [],
    header: {
      number: empty(),
      title: empty(),
      subtitle: empty(),
      intro: empty(),
      studyIntro: empty(),
      summary: empty(),
    },
  };
  const nodes: AnyNode[] = [];
  const places: number[] = [];
  const pushChildren = (node: AnyNode, place: number) => {
    if (!hasChildren(node)) return;
    for (let i = node.children.length - 1; i >= 0; i--) {
      nodes.push(node.children[i]);
      places.push(place);
    }
  };
  pushChildren(document, 0);
  while (nodes.length > 0) {
    const node = nodes.pop()!;
    const place = places.pop()!;
    if (!isTag(node)) {
      pushChildren(node, place); // CDATA
      continue;
    }
    _classify(node, place, found);
    pushChildren(node, place | _placeOfChildren(node));
  }
  return found;
}

/** Records `element`, found at `place`, in every list it belongs to. */
function _classify(element: Element, place: number, found: _Found): void {
  const inNotes = (place & _IN_NOTES) !== 0;
  const inBlock = (place & _IN_BLOCK) !== 0;
  const isBlock = _isBodyBlock(element);
  if (isBlock && !inBlock) found.blocks++;
  if (!inNotes && !isBlock) {
    for (const field of _headerFields(element)) {
      const slot = found.header[field];
      if (!inBlock) slot.outsideBlocks ??= element;
      if ((place & _IN_HEADER) !== 0) slot.inHeader ??= element;
    }
  }
  if (element.name !== "p" || (place & _IN_P) !== 0) return;
  if (hasClass(element, "verse")) {
    if (!inNotes) found.verses.push(element);
    return;
  }
  if (inNotes || (place & (_IN_HEADER | _IN_NON_TEXT)) !== 0) return;
  if (inBlock || isBlock) found.blockParagraphs.push(element);
  // Header classes mark the header's paragraphs; inside a body block a
  // paragraph with such a class is a heading of the text (Psalm 119's letters).
  if (element.attribs.id !== undefined && !_isHeaderParagraph(element)) {
    found.idParagraphs.push(element);
  }
}

/** What `element` adds to the place of its children. */
function _placeOfChildren(element: Element): number {
  let place = 0;
  if (_NOTE_TAGS.has(element.name) || _NOTE_CLASSES.some((name) => hasClass(element, name))) {
    place |= _IN_NOTES;
  }
  if (element.name === "header") place |= _IN_HEADER;
  if (_isBodyBlock(element)) place |= _IN_BLOCK;
  if (_NON_TEXT_TAGS.has(element.name)) place |= _IN_NON_TEXT;
  if (element.name === "p") place |= _IN_P;
  return place;
}

/**
 * The non-verse paragraphs with text: of the outermost body blocks when
 * there are any. The real markup does not give every paragraph an id, so
 * none is required there. A page without a body block gives the paragraphs
 * with an id: with nothing to say where the text is, an id-less `p` may be
 * anything.
 */
function _paragraphs(candidates: readonly Element[]): Paragraph[] {
  const paragraphs: Paragraph[] = [];
  for (const p of candidates) {
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
