/**
 * Invented text in the real inline markup of the content API, built together
 * with the plain text a correct parser must read from it. Each sentence may
 * carry the traps of the real markup: footnote links with empty markers,
 * divine names in small caps, clarity words, non-breaking spaces, newlines
 * and empty page breaks between words, curly quotes, apostrophes written as
 * entities, em dashes.
 *
 * @module
 */

import { pick, type Random, randomInt } from "./random.ts";

/** A piece of markup and the text it reads as. */
export interface Rendered {
  readonly html: string;
  /** Whitespace normalised, footnote markers dropped: what the parser must produce. */
  readonly text: string;
}

/** One entry of `content.footnotes`. */
export interface FakeFootnote {
  readonly marker: string;
  readonly context: string;
  readonly text: string;
  readonly referenceUris: readonly { readonly href: string; readonly type: string }[];
}

/** Where the footnotes of a run of text go. */
export interface FootnoteSink {
  /** Verse or paragraph number: note ids are `note<anchor>_<letter>`. */
  readonly anchor: string;
  /** Collects `content.footnotes`, keyed by note id. */
  readonly notes: Record<string, FakeFootnote>;
}

const _WORDS = [
  "and",
  "the",
  "of",
  "unto",
  "land",
  "people",
  "went",
  "came",
  "city",
  "river",
  "field",
  "house",
  "bread",
  "stone",
  "word",
  "voice",
  "hand",
  "day",
  "night",
  "light",
  "path",
  "mountain",
  "valley",
  "water",
  "fire",
  "wind",
  "seed",
  "tree",
  "fruit",
  "gate",
  "wall",
  "journey",
  "tent",
  "flock",
  "harvest",
  "covenant",
  "record",
  "plates",
  "brethren",
  "children",
  "elders",
  "kingdom",
  "shepherd",
  "spake",
  "saying",
  "behold",
  "therefore",
  "wherefore",
  "also",
  "even",
  "great",
  "many",
  "small",
  "holy",
  "their",
  "his",
  "her",
  "our",
  "they",
  "we",
  "did",
  "had",
  "were",
  "was",
  "shall",
  "would",
  "could",
  "began",
  "returned",
  "gathered",
  "built",
  "kept",
  "wrote",
  "taught",
  "heard",
  "remembered",
  "departed",
  "before",
  "after",
  "upon",
  "among",
  "against",
  "into",
  "toward",
  "beyond",
];
const _NAMES = ["Orin", "Tesha", "Belem", "Corum", "Avra", "Nidah", "Semel", "Halon", "Ezrom"];
const _LORD = '<span class="deity-name"><span class="small-caps">Lord</span></span>';

/** A separator between two words: any of these must read as one space. */
function _separator(random: Random, poetry: boolean): string {
  const r = random();
  if (r < 0.72) return " ";
  if (r < 0.80) return "\n";
  if (r < 0.84) return "&nbsp;";
  if (r < 0.88) return "\u00a0";
  if (r < 0.92) return " \n  ";
  if (r < 0.96) return ` <span class="page-break" data-page="${randomInt(random, 2, 900)}"></span>`;
  return poetry ? "<br/>" : "&#160;";
}

/** Builds markup and text side by side. */
class _Builder {
  html = "";
  text = "";
  #empty = true;

  constructor(readonly random: Random, readonly poetry: boolean) {}

  /** A word after a separator. */
  word(html: string, text: string): void {
    if (!this.#empty) {
      this.html += _separator(this.random, this.poetry);
      this.text += " ";
    }
    this.glue(html, text);
  }

  /** Markup glued to what came before, with no space. */
  glue(html: string, text: string): void {
    this.html += html;
    this.text += text;
    this.#empty = false;
  }
}

function _capitalise(word: string): string {
  return word[0].toUpperCase() + word.slice(1);
}

/**
 * A run of words: a clause of `words` words ending in `end` (e.g. ".", ";").
 * Footnote links are added to `sink` (at most three per anchor).
 */
export function fakeClause(
  random: Random,
  sink: FootnoteSink,
  options: { readonly words: number; readonly end: string; readonly poetry?: boolean },
): Rendered {
  const builder = new _Builder(random, options.poetry ?? false);
  let quoteOpen = false;
  let dash = false;
  for (let i = 0; i < options.words; i++) {
    const first = i === 0;
    const r = random();
    let word = first ? _capitalise(pick(random, _WORDS)) : pick(random, _WORDS);
    let html = word;
    if (r < 0.06) {
      word = "Lord";
      html = _LORD;
    } else if (r < 0.11) {
      html = `<span class="clarity-word">${word}</span>`;
    } else if (r < 0.14) {
      word = `${pick(random, _NAMES)}’s`;
      html = word.replace("’", "&#8217;");
    } else if (r < 0.15) {
      word = pick(random, _NAMES);
      html = `<span class="translit">${word}</span>`;
    } else if (r < 0.16 && !first) {
      word = "&c.";
      html = "&amp;c.";
    } else if (r < 0.31) {
      const letter = _nextLetter(sink);
      if (letter !== undefined) html = _footnote(sink, letter, word);
    }
    if (!quoteOpen && !first && random() < 0.04) {
      quoteOpen = true;
      word = `“${word}`;
      html = `“${html}`;
    }
    if (dash) builder.glue(html, word);
    else builder.word(html, word);
    dash = false;

    const last = i === options.words - 1;
    if (last) break;
    const p = random();
    if (p < 0.1) builder.glue(",", ",");
    else if (p < 0.13) builder.glue(";", ";");
    else if (p < 0.15) {
      builder.glue("—", "—");
      dash = true;
    } else if (quoteOpen && p < 0.25) {
      builder.glue(",”", ",”");
      quoteOpen = false;
    }
  }
  builder.glue(options.end, options.end);
  if (quoteOpen) builder.glue("”", "”");
  return { html: builder.html, text: builder.text };
}

/** A sentence of 1-3 clauses. */
export function fakeSentence(random: Random, sink: FootnoteSink): Rendered {
  const clauses = randomInt(random, 1, 3);
  const parts: Rendered[] = [];
  for (let i = 0; i < clauses; i++) {
    const end = i === clauses - 1
      ? pick(random, [".", ".", ".", "!", "?"])
      : pick(random, [",", ";", ":"]);
    parts.push(fakeClause(random, sink, { words: randomInt(random, 4, 12), end }));
  }
  return joinRendered(parts, random);
}

/** Sentences joined by one space in the text, by any separator in the markup. */
export function joinRendered(parts: readonly Rendered[], random: Random): Rendered {
  return {
    html: parts.map((p) => p.html).reduce((a, b) => a + _separator(random, false) + b),
    text: parts.map((p) => p.text).join(" "),
  };
}

/** An invented name, e.g. for a signature. */
export function fakeName(random: Random): string {
  return `${pick(random, _NAMES)} ${pick(random, _NAMES)}`;
}

function _nextLetter(sink: FootnoteSink): string | undefined {
  const used = Object.keys(sink.notes).filter((id) => id.startsWith(`note${sink.anchor}_`)).length;
  return used < 3 ? "abc"[used] : undefined;
}

function _footnote(sink: FootnoteSink, letter: string, word: string): string {
  const id = `note${sink.anchor}_${letter}`;
  sink.notes[id] = {
    marker: `${sink.anchor}${letter}`,
    context: word,
    text: `<p data-aid="${id}" id="${id}_p1">See also the record of the ${word}.</p>`,
    referenceUris: [],
  };
  return `<a class="study-note-ref" data-scroll-id="${id}" href="#${id}">` +
    `<sup class="marker" data-value="${letter}"></sup>${word}</a>`;
}
