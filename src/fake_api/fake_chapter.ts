/**
 * One chapter as the fake API invents it: header, verses and other body
 * paragraphs, each as markup plus the text a correct parser reads from it.
 * The special chapters of the real canon keep their special shapes:
 * Joseph Smith—History 1 ends with closing paragraphs, Articles of Faith 1
 * with a signature, the Official Declarations have prose paragraphs and no
 * verses and close with a signature and an office paragraph that has no id,
 * and D&C 116, D&C 120 and Articles of Faith 1 have no summary. D&C sections
 * and the Official Declarations carry a study intro (a headnote); some books
 * (1 Nephi, Jacob, 4 Nephi, Abraham, Joseph Smith—History, Articles of Faith)
 * a subtitle on every chapter.
 *
 * @module
 */

import type { Chapter, Paragraph, Verse } from "../source/types.ts";
import type { FakeCanon } from "./fake_canon.ts";
import {
  fakeClause,
  type FakeFootnote,
  fakeName,
  fakeSentence,
  type FootnoteSink,
  joinRendered,
  type Rendered,
} from "./fake_text.ts";
import { pick, type Random, randomInt, seededRandom } from "./random.ts";

/** A verse: its markup inside `p.verse`, after the verse number. */
export interface FakeVerse {
  readonly number: number;
  readonly paragraphStart: boolean;
  /** Poetry verses hold `span.line` parts and carry the `contains-line` class. */
  readonly poetry: boolean;
  readonly content: Rendered;
}

/** A body paragraph that is not a verse. */
export interface FakeParagraph {
  /** Null: the paragraph is rendered without an `id` attribute, as real markup may. */
  readonly id: string | null;
  readonly className?: string;
  /** Rendered inside a `div.closing-block` with the closing paragraphs next to it. */
  readonly closing?: boolean;
  readonly content: Rendered;
}

/** A chapter, ready to render. */
export interface FakeChapter {
  readonly uri: string;
  readonly volume: string;
  readonly book: string;
  readonly chapter: number;
  /** `meta.title`. */
  readonly title: string;
  /** `h1#title1`. */
  readonly bookTitle: string;
  /** `p.title-number`. */
  readonly number: string | null;
  /** `p.subtitle#subtitle1`: the book's subtitle, on each of its chapters. */
  readonly subtitle: Rendered | null;
  /** `p.intro`: a psalm's superscription. */
  readonly intro: Rendered | null;
  /** `p.study-intro`: a study help (a D&C headnote), not part of the chapter's text. */
  readonly studyIntro: Rendered | null;
  /** `p.study-summary`. */
  readonly summary: Rendered | null;
  readonly verses: readonly FakeVerse[];
  /** Body paragraphs after the verses (closing paragraphs, signatures, declarations). */
  readonly paragraphs: readonly FakeParagraph[];
  /** Verses wrapped in a `section` inside the body block, as some real pages do. */
  readonly sectioned: boolean;
  readonly footnotes: Readonly<Record<string, FakeFootnote>>;
}

/** Chapters without a `p.study-summary` in the real canon. */
const _NO_SUMMARY = new Set(["dc/116", "dc/120", "a-of-f/1"]);

/** Books whose chapters carry a `p.subtitle` under the book title, as in the real canon. */
const _SUBTITLES: Readonly<Record<string, Rendered>> = {
  "1-ne": { html: "His Reign and Ministry", text: "His Reign and Ministry" },
  "jacob": { html: "The Brother of Nephi", text: "The Brother of Nephi" },
  "4-ne": {
    html: "Which Is the Son of Nephi&#160;—&#160;One of the Disciples of Jesus Christ",
    text: "Which Is the Son of Nephi — One of the Disciples of Jesus Christ",
  },
  "abr": {
    html: "Translated from the Papyrus, by Joseph\nSmith",
    text: "Translated from the Papyrus, by Joseph Smith",
  },
  "js-h": {
    html: "Extracts from the History of Joseph Smith, the Prophet",
    text: "Extracts from the History of Joseph Smith, the Prophet",
  },
  "a-of-f": {
    html: "of The Church of Jesus Christ of Latter-day Saints",
    text: "of The Church of Jesus Christ of Latter-day Saints",
  },
};

const _MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/**
 * Invents the chapter a URI names, or undefined when the URI is not a chapter
 * of the canon. The same canon seed, URI and language always give the same
 * chapter. Another language has other words but English's verse counts,
 * block ids and titles (the manifest's), so a paragraph lines up across
 * languages by its id, as in the real API.
 */
export function fakeChapter(
  canon: FakeCanon,
  uri: string,
  lang = "eng",
  revision = 0,
): FakeChapter | undefined {
  const found = canon.find(uri);
  if (found === undefined) return undefined;
  const { volume, book, chapter } = found;
  // English's first revision keeps the stream it always had: the same seed
  // gives the same text; a revision (the page changed) gives other words.
  const parts: (string | number)[] = [canon.seed, "chapter", uri];
  if (lang !== "eng") parts.push(lang);
  if (revision !== 0) parts.push("revision", revision);
  const random = seededRandom(...parts);
  const notes: Record<string, FakeFootnote> = {};
  const count = canon.verseCount(volume.id, book.id, chapter);
  const poetry = book.id === "ps";

  const verses: FakeVerse[] = [];
  for (let number = 1; number <= count; number++) {
    const sink = { anchor: String(number), notes };
    verses.push({
      number,
      paragraphStart: number === 1 || random() < 0.15,
      poetry,
      content: poetry ? _poetry(random, sink) : _prose(random, sink, 1, 3),
    });
  }

  const key = `${book.id}/${chapter}`;
  const paragraphs: FakeParagraph[] = [];
  if (key === "js-h/1") {
    for (let i = count + 1; i <= count + 7; i++) {
      paragraphs.push({ id: `p${i}`, content: _prose(random, { anchor: String(i), notes }, 2, 5) });
    }
  } else if (key === "a-of-f/1") {
    paragraphs.push(_signature(random));
  } else if (book.id === "od") {
    const prose = randomInt(random, 4, 9);
    for (let i = 1; i <= prose; i++) {
      paragraphs.push({ id: `p${i}`, content: _prose(random, { anchor: String(i), notes }, 1, 4) });
    }
    paragraphs.push({ ..._signature(random), closing: true }, _OFFICE);
  }

  const scratch: FootnoteSink = { anchor: "header", notes: {} }; // header text carries no notes
  const number = _titleNumber(book.id, chapter, key);
  return {
    uri,
    volume: volume.id,
    book: book.id,
    chapter,
    title: book.id === "od"
      ? `Official Declaration ${chapter}`
      : poetry
      ? `Psalm ${chapter}`
      : `${book.title} ${chapter}`,
    bookTitle: book.id === "od" ? `Official Declaration ${chapter}` : book.title,
    number,
    subtitle: _SUBTITLES[book.id] ?? null,
    intro: poetry && random() < 0.7 ? fakeClause(random, scratch, { words: 6, end: "." }) : null,
    studyIntro: volume.id !== "dc-testament"
      ? null
      : book.id === "od"
      ? _declarationIntro(random)
      : _revelationIntro(random),
    summary: _NO_SUMMARY.has(key) ? null : _prose(random, scratch, 1, 2),
    verses,
    paragraphs,
    sectioned: random() < 0.2,
    footnotes: notes,
  };
}

/**
 * The chapter fields a correct parser reads from the served page.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FakeCanon } from "./fake_canon.ts";
 * import { expectedChapter, fakeChapter } from "./fake_chapter.ts";
 *
 * const canon = new FakeCanon([{ id: "pgp", title: "Pearl of Great Price", books: [
 *   { id: "a-of-f", title: "Articles of Faith", chapters: 1, verses: 13 },
 * ] }]);
 * const expected = expectedChapter(fakeChapter(canon, "/scriptures/pgp/a-of-f/1")!);
 * assert.equal(expected.verses.length, 13);
 * assert.equal(expected.summary, null);
 * assert.equal(expected.studyIntro, null);
 * assert.equal(expected.subtitle, "of The Church of Jesus Christ of Latter-day Saints");
 * assert.equal(expected.paragraphs[0].id, "signature1");
 * ```
 */
export function expectedChapter(
  fake: FakeChapter,
): Pick<
  Chapter,
  "title" | "number" | "subtitle" | "intro" | "studyIntro" | "summary" | "verses" | "paragraphs"
> {
  const verses: Verse[] = fake.verses.map((v) => ({
    number: v.number,
    text: v.content.text,
    paragraphStart: v.paragraphStart,
  }));
  const paragraphs: Paragraph[] = fake.paragraphs.map((p) => ({ id: p.id, text: p.content.text }));
  return {
    title: fake.title,
    number: fake.number,
    subtitle: fake.subtitle?.text ?? null,
    intro: fake.intro?.text ?? null,
    studyIntro: fake.studyIntro?.text ?? null,
    summary: fake.summary?.text ?? null,
    verses,
    paragraphs,
  };
}

function _titleNumber(book: string, chapter: number, key: string): string | null {
  if (key === "a-of-f/1") return null;
  if (book === "od") return `Official Declaration ${chapter}`;
  if (book === "ps") return `Psalm ${chapter}`;
  if (book === "dc") return `Section ${chapter}`;
  return `Chapter ${chapter}`;
}

function _prose(random: Random, sink: FootnoteSink, min: number, max: number): Rendered {
  const sentences = Array.from(
    { length: randomInt(random, min, max) },
    () => fakeSentence(random, sink),
  );
  return joinRendered(sentences, random);
}

/** 2-4 poetry lines, the last sometimes ending with Selah. */
function _poetry(random: Random, sink: FootnoteSink): Rendered {
  const count = randomInt(random, 2, 4);
  const lines: Rendered[] = [];
  for (let i = 0; i < count; i++) {
    const last = i === count - 1;
    const end = last ? "." : pick(random, [",", ";", ":"]);
    lines.push(fakeClause(random, sink, { words: randomInt(random, 3, 8), end, poetry: true }));
  }
  if (random() < 0.2) {
    const last = lines[count - 1];
    lines[count - 1] = {
      html: `${last.html} <span class="selah">Selah</span>.`,
      text: `${last.text} Selah.`,
    };
  }
  return {
    html: lines.map((line) => `<span class="line">${line.html}</span>`)
      .reduce((a, b) => a + pick(random, ["", "\n", " "]) + b),
    text: lines.map((line) => line.text).join(" "),
  };
}

/** A D&C headnote: place and date, the place's apostrophe written as an entity. */
function _revelationIntro(random: Random): Rendered {
  const place = `${fakeName(random)}’s Ferry`;
  const date = `${pick(random, _MONTHS)} ${randomInt(random, 1, 28)}, ${
    randomInt(random, 1828, 1847)
  }`;
  const text = `Revelation given through Joseph Smith the Prophet, at ${place}, ${date}.`;
  return {
    html: text.replace("’", "&#8217;").replaceAll(" the Prophet", "&#160;the Prophet"),
    text,
  };
}

function _declarationIntro(random: Random): Rendered {
  const text = `A declaration issued by President ${fakeName(random)} in ${
    randomInt(random, 1890, 1978)
  }.`;
  return { html: text, text };
}

/** The office under an Official Declaration's signature: a paragraph without an id. */
const _OFFICE: FakeParagraph = {
  id: null,
  className: "office",
  closing: true,
  content: {
    html: "<em>President of The Church of Jesus Christ of Latter-day Saints.</em>",
    text: "President of The Church of Jesus Christ of Latter-day Saints.",
  },
};

function _signature(random: Random): FakeParagraph {
  const name = `${fakeName(random)}.`;
  return { id: "signature1", className: "signature", content: { html: name, text: name } };
}
