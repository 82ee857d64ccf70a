/**
 * The clean JSON of one imported chapter, as written to
 * `<out>/<volume>/<book>/<chapter>.json`.
 *
 * @module
 */

/** One verse: a `p.verse` paragraph. */
export interface Verse {
  /** From `span.verse-number`. */
  readonly number: number;
  /** Plain text: footnote markers and the ¶ mark dropped, whitespace collapsed. */
  readonly text: string;
  /** The verse began with a ¶ mark. */
  readonly paragraphStart: boolean;
}

/** A body paragraph that is not a verse (closing paragraphs, signatures, declarations). */
export interface Paragraph {
  /** The paragraph's `id` attribute (e.g. `p76`). */
  readonly id: string;
  readonly text: string;
}

/** One chapter. */
export interface Chapter {
  readonly uri: string;
  readonly volume: string;
  readonly book: string;
  readonly chapter: number;
  readonly lang: string;
  /** `meta.title`, e.g. "1 Nephi 3". */
  readonly title: string;
  /** `p.title-number`, e.g. "Chapter 3", "Section 76"; null when absent. */
  readonly number: string | null;
  /** `p.intro`; null when absent. */
  readonly intro: string | null;
  /** `p.study-summary`; null when absent. */
  readonly summary: string | null;
  readonly verses: readonly Verse[];
  readonly paragraphs: readonly Paragraph[];
  readonly source: { readonly url: string; readonly fetchedAt: string };
}
