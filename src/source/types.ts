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

/**
 * A body paragraph that is not a verse (closing paragraphs, signatures,
 * declarations, headings inside the text), in document order.
 *
 * Every paragraph has both keys: a paragraph whose markup gives it no `id`
 * is written as `{ "id": null, "text": "..." }`, never without the key.
 */
export interface Paragraph {
  /** The paragraph's `id` attribute (e.g. `p76`, `signature1`); null when it has none. */
  readonly id: string | null;
  /** Plain text, whitespace collapsed; never empty. */
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
  /**
   * The book's subtitle, `p.subtitle` or `#subtitle1`, e.g. "His Reign and
   * Ministry"; null when absent. Chapter files written before this field
   * existed lack it: there a missing key means unknown, not absent.
   */
  readonly subtitle: string | null;
  /** `p.intro`, the original intro (e.g. a psalm's superscription); null when absent. */
  readonly intro: string | null;
  /**
   * `p.study-intro`, a study help that is not part of the text (e.g. a D&C
   * section's headnote); null when absent. Chapter files written before this
   * field existed lack it: there a missing key means unknown, not absent.
   */
  readonly studyIntro: string | null;
  /** `p.study-summary`; null when absent. */
  readonly summary: string | null;
  readonly verses: readonly Verse[];
  readonly paragraphs: readonly Paragraph[];
  readonly source: { readonly url: string; readonly fetchedAt: string };
}
