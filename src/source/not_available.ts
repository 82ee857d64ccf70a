/**
 * What the content API does not serve in a language: a volume it answers 404
 * for, or a book it answers with a table of contents (status 200, another
 * page than the chapter asked for). Told apart from failures for every
 * language but English, whose chapter and verse counts import.yaml declares:
 * for English, either answer is a failure (a wrong manifest, or a server
 * fault).
 *
 * @module
 */

import { TaskError } from "../exec/types.ts";

/**
 * The `code` of the `TaskError` for an answer that is another page than the
 * chapter asked for: for another language than English, the table of
 * contents the API answers for a book it does not have in that language.
 */
export const OTHER_PAGE = "other-page";

/** The language whose counts import.yaml declares: never "not available". */
export const REFERENCE_LANG = "eng";

/** A part of the canon not served in a language: `ot` (a volume) or `pgp/js-h` (a book). */
export interface NotAvailable {
  /** `volume` or `volume/book`. */
  readonly scope: string;
  /** Why, in a few words: `HTTP 404 Not Found`, `table of contents /scriptures/pgp`. */
  readonly reason: string;
}

/**
 * Whether the failure of chapter `volume/book/...` in `lang` says the
 * language lacks its volume (404) or its book (another page), and which.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TaskError } from "../exec/types.ts";
 * import { notAvailableFrom, OTHER_PAGE } from "./not_available.ts";
 * const http404 = new TaskError('Cannot fetch chapter "/scriptures/ot/gen/1": HTTP 404 Not Found', {
 *   retryable: false, status: 404,
 * });
 * assert.deepEqual(notAvailableFrom(http404, { lang: "ceb", volume: "ot", book: "gen" }), {
 *   scope: "ot", reason: "HTTP 404",
 * });
 * assert.equal(notAvailableFrom(http404, { lang: "eng", volume: "ot", book: "gen" }), undefined);
 * const toc = new TaskError("another page", { retryable: false, code: OTHER_PAGE });
 * assert.equal(notAvailableFrom(toc, { lang: "ceb", volume: "pgp", book: "js-h" })?.scope, "pgp/js-h");
 * ```
 */
export function notAvailableFrom(
  error: unknown,
  chapter: { readonly lang: string; readonly volume: string; readonly book: string },
): NotAvailable | undefined {
  if (!(error instanceof TaskError) || error.retryable || chapter.lang === REFERENCE_LANG) {
    return undefined;
  }
  if (error.status === 404) return { scope: chapter.volume, reason: "HTTP 404" };
  if (error.code === OTHER_PAGE) {
    return { scope: `${chapter.volume}/${chapter.book}`, reason: "table of contents" };
  }
  return undefined;
}

/**
 * The scope of `known` that holds chapter `volume/book`, if any: its book's,
 * else its volume's.
 */
export function notAvailableScope(
  known: ReadonlyMap<string, string>,
  volume: string,
  book: string,
): NotAvailable | undefined {
  const bookScope = `${volume}/${book}`;
  const reason = known.get(bookScope);
  if (reason !== undefined) return { scope: bookScope, reason };
  const volumeReason = known.get(volume);
  return volumeReason === undefined ? undefined : { scope: volume, reason: volumeReason };
}
