/**
 * The canon as the fake API serves it: which URIs are chapters, and how many
 * verses each chapter has.
 *
 * @module
 */

import type { Book, Volume } from "../manifest/types.ts";
import { randomInt, seededRandom } from "./random.ts";

/** The seed used when none is given. */
export const DEFAULT_SEED = 1;

/**
 * What the fake serves in one language: every volume (`"all"`), or some
 * volumes, less some books. A volume not served answers 404; a book left out
 * of a served volume answers the volume's table of contents with status 200,
 * as the real API does for a chapter it does not have.
 */
export type FakeLanguage =
  | "all"
  | { readonly volumes: readonly string[]; readonly missingBooks?: readonly string[] };

/**
 * The languages the fake serves unless told otherwise. The availability is
 * invented, shaped like the real API's (a few languages with every volume,
 * most without the Bible, some with part of a volume): `eng`, `spa` and `por`
 * have everything; `ceb` the Book of Mormon, the Doctrine and Covenants and
 * the Pearl of Great Price, without Joseph Smith—History (`pgp/js-h`); `tpi`
 * the Book of Mormon alone. Any other language code answers 404.
 */
export const FAKE_LANGUAGES: Readonly<Record<string, FakeLanguage>> = {
  eng: "all",
  spa: "all",
  por: "all",
  ceb: { volumes: ["bofm", "dc-testament", "pgp"], missingBooks: ["pgp/js-h"] },
  tpi: { volumes: ["bofm"] },
};

/** What a language has of a URI: the chapter, no such volume (404), or no such book (contents). */
export type FakeAvailability = "served" | "no-volume" | "no-book";

/** Books with a fixed verse count when the manifest gives none (one chapter each). */
const _KNOWN_VERSES: Readonly<Record<string, number>> = { "js-h": 75, "a-of-f": 13 };
/** Books served as prose paragraphs without verses. */
const _PROSE_BOOKS = new Set(["od"]);

/** A chapter of the canon, located. */
export interface FakeChapterRef {
  /** The chapter's volume, as the manifest has it. */
  readonly volume: Volume;
  /** The chapter's book, as the manifest has it. */
  readonly book: Book;
  /** The chapter's number, from 1. */
  readonly chapter: number;
}

/**
 * The volumes of a manifest with the deterministic verse counts the fake API
 * serves for a seed.
 *
 * Verse counts: the Official Declarations (`od`) have none; a book with
 * `verses` has them spread over its chapters by seeded weights, each chapter
 * getting at least one; other books get a seeded 10-40 per chapter, except
 * `js-h` (75) and `a-of-f` (13).
 */
export class FakeCanon {
  /** The seed every invented value derives from. */
  readonly seed: number;
  /** The volumes served, as the manifest lists them. */
  readonly volumes: readonly Volume[];
  /** The languages served, by code. */
  readonly languages: Readonly<Record<string, FakeLanguage>>;
  readonly #counts = new Map<string, readonly number[]>();

  /** The canon of `volumes`, its invented counts drawn from the seed. @param options.seed @default DEFAULT_SEED (1) */
  constructor(
    volumes: readonly Volume[],
    options: {
      readonly seed?: number;
      readonly languages?: Readonly<Record<string, FakeLanguage>>;
    } = {},
  ) {
    this.volumes = volumes;
    this.seed = options.seed ?? DEFAULT_SEED;
    this.languages = options.languages ?? FAKE_LANGUAGES;
  }

  /**
   * What language `lang` has of `uri` (`/scriptures/{volume}/...`): `served`
   * (a chapter, or a contents page, as in English), `no-volume` (404), or
   * `no-book` (the volume's contents instead). An unknown language has no
   * volume at all.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { FakeCanon } from "./fake_canon.ts";
   * const canon = new FakeCanon([]);
   * assert.equal(canon.availability("eng", "/scriptures/ot/gen/1"), "served");
   * assert.equal(canon.availability("ceb", "/scriptures/ot/gen/1"), "no-volume");
   * assert.equal(canon.availability("ceb", "/scriptures/pgp/js-h/1"), "no-book");
   * assert.equal(canon.availability("xyz", "/scriptures/bofm/1-ne/1"), "no-volume");
   * ```
   */
  availability(lang: string, uri: string): FakeAvailability {
    const language = Object.hasOwn(this.languages, lang) ? this.languages[lang] : undefined;
    if (language === undefined) return "no-volume";
    if (language === "all") return "served";
    const [, , volume, book] = uri.split("/");
    if (volume === undefined || volume === "") return "served";
    if (!language.volumes.includes(volume)) return "no-volume";
    if (book !== undefined && language.missingBooks?.includes(`${volume}/${book}`)) {
      return "no-book";
    }
    return "served";
  }

  /** The volume with this slug. */
  volume(volume: string): Volume | undefined {
    return this.volumes.find((v) => v.id === volume);
  }

  /**
   * The chapter a URI names, or undefined when the URI is not
   * `/scriptures/{volume}/{book}/{chapter}` of a chapter in the canon.
   */
  find(uri: string): FakeChapterRef | undefined {
    const [empty, root, volumeId, bookId, chapterText, ...rest] = uri.split("/");
    if (empty !== "" || root !== "scriptures" || rest.length > 0) return undefined;
    if (chapterText === undefined || !/^[1-9]\d*$/.test(chapterText)) return undefined;
    const volume = this.volume(volumeId);
    const book = volume?.books.find((b) => b.id === bookId);
    const chapter = Number(chapterText);
    if (volume === undefined || book === undefined || chapter > book.chapters) return undefined;
    return { volume, book, chapter };
  }

  /**
   * The number of verses served for a chapter.
   *
   * @throws {RangeError} When the chapter is not in the canon.
   */
  verseCount(volume: string, book: string, chapter: number): number {
    const found = this.find(`/scriptures/${volume}/${book}/${chapter}`);
    if (found === undefined) {
      throw new RangeError(
        `Cannot count verses of "/scriptures/${volume}/${book}/${chapter}": not a chapter of the canon`,
      );
    }
    return this.#bookCounts(found.volume, found.book)[chapter - 1];
  }

  #bookCounts(volume: Volume, book: Book): readonly number[] {
    const key = `${volume.id}/${book.id}`;
    let counts = this.#counts.get(key);
    if (counts === undefined) {
      counts = _bookVerseCounts(book, this.seed, key);
      this.#counts.set(key, counts);
    }
    return counts;
  }
}

/**
 * The number of verses the fake API serves for a chapter, with the seed the
 * fake API was started with.
 *
 * @throws {RangeError} When the chapter is not in `volumes`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fakeChapterVerseCount } from "./fake_canon.ts";
 *
 * const volumes = [{ id: "pgp", title: "Pearl of Great Price", books: [
 *   { id: "js-h", title: "Joseph Smith—History", chapters: 1, verses: 75 },
 * ] }];
 * assert.equal(fakeChapterVerseCount(volumes, "/scriptures/pgp/js-h/1"), 75);
 * ```
 */
export function fakeChapterVerseCount(
  volumes: readonly Volume[],
  uri: string,
  options: { readonly seed?: number } = {},
): number {
  const canon = new FakeCanon(volumes, options);
  const found = canon.find(uri);
  if (found === undefined) {
    throw new RangeError(`Cannot count verses of "${uri}": not a chapter of the canon`);
  }
  return canon.verseCount(found.volume.id, found.book.id, found.chapter);
}

function _bookVerseCounts(book: Book, seed: number, key: string): number[] {
  const random = seededRandom(seed, "verses", key);
  if (_PROSE_BOOKS.has(book.id)) return new Array(book.chapters).fill(0);
  const total = book.verses ?? (book.chapters === 1 ? _KNOWN_VERSES[book.id] : undefined);
  if (total === undefined) {
    return Array.from({ length: book.chapters }, () => randomInt(random, 10, 40));
  }
  // Largest-remainder apportionment of the verses beyond one per chapter.
  const extra = Math.max(0, total - book.chapters);
  const weights = Array.from({ length: book.chapters }, () => 0.5 + random());
  const sum = weights.reduce((a, b) => a + b, 0);
  const shares = weights.map((w) => (extra * w) / sum);
  const counts = shares.map((share) => 1 + Math.floor(share));
  let left = extra - shares.reduce((a, share) => a + Math.floor(share), 0);
  const byRemainder = shares
    .map((share, index) => ({ index, remainder: share - Math.floor(share) }))
    .sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  for (const { index } of byRemainder) {
    if (left-- <= 0) break;
    counts[index]++;
  }
  return counts;
}
