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
  /** The content URI requested, e.g. `/scriptures/bofm/1-ne/3`. */
  readonly uri: string;
  /** The volume's slug, e.g. `bofm`. */
  readonly volume: string;
  /** The book's slug, e.g. `1-ne`. */
  readonly book: string;
  /** The chapter's number within its book, from 1. */
  readonly chapter: number;
  /** The language code the chapter was requested in, e.g. `eng`. */
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
  /** The verses, in order; never empty for an imported chapter. */
  readonly verses: readonly Verse[];
  /** The body paragraphs that are not verses, in document order. */
  readonly paragraphs: readonly Paragraph[];
  /** The URL fetched and when (ISO 8601). */
  readonly source: { readonly url: string; readonly fetchedAt: string };
}
