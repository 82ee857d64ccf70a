/**
 * Where outputs go, in a run of one language:
 *
 *     <out>/manifest.json                      the root manifest
 *     <out>/<volume>/manifest.json             one volume manifest per volume
 *     <out>/<volume>/<book>/manifest.json      one book manifest per book
 *     <out>/<volume>/<book>/<chapter>.json     one file per chapter (or .json.gz, gzipped)
 *
 * In a run of several languages, each language's folder `<out>/<lang>/`
 * (see {@linkcode languageDir}) is laid out as above, and `<out>/manifest.json`
 * is the languages' manifest over them all. Every function below takes the
 * language's folder as its `outDir`.
 *
 * Every volume and book segment must be a slug, so no id can climb out of the
 * output directory, whatever the manifest's validation let through.
 *
 * @module
 */

import { join } from "node:path";
import type { Compression } from "../manifest/types.ts";

const SLUG = /^[a-z0-9][a-z0-9-]*$/;

/**
 * Checks that `value` is a slug (`^[a-z0-9][a-z0-9-]*$`).
 *
 * @param what Names the value in the error, e.g. `"volume"`.
 * @throws {TypeError} When it is not.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assertSlug("1-ne", "book");
 * assert.throws(() => assertSlug("..", "book"), TypeError);
 * ```
 */
export function assertSlug(value: string, what: string): void {
  if (typeof value !== "string" || !SLUG.test(value)) {
    throw new TypeError(
      `Cannot build an output path from ${what} ${
        JSON.stringify(value)
      }: not a slug (^[a-z0-9][a-z0-9-]*$)`,
    );
  }
}

/**
 * The folder a language's files go in: `<out>` in a run of one language (the
 * layout of every earlier run), `<out>/<lang>` in a run of several. The one
 * place that maps a language to a path.
 *
 * @throws {TypeError} When `lang` is not a slug.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(languageDir("data", "spa", { multilingual: true }), "data/spa");
 * assert.equal(languageDir("data", "spa", { multilingual: false }), "data");
 * assert.equal(chapterPath(languageDir("data", "spa", { multilingual: true }), "bofm", "1-ne", 3), "data/spa/bofm/1-ne/3.json");
 * ```
 */
export function languageDir(
  outDir: string,
  lang: string,
  layout: { readonly multilingual: boolean },
): string {
  assertSlug(lang, "language");
  return layout.multilingual ? join(outDir, lang) : outDir;
}

/**
 * Checks that `chapter` is a positive safe integer.
 *
 * @throws {RangeError} When it is not.
 */
export function assertChapterNumber(chapter: number): void {
  if (!Number.isSafeInteger(chapter) || chapter < 1) {
    throw new RangeError(
      `Cannot build an output path from chapter ${JSON.stringify(chapter)}: not a positive integer`,
    );
  }
}

/** The file name's ending of a chapter file stored with each {@linkcode Compression}. */
export const CHAPTER_FILE_SUFFIX: Readonly<Record<Compression, string>> = {
  none: ".json",
  gzip: ".json.gz",
};

/**
 * The file name of a chapter inside its book directory: `<chapter>.json`, or
 * `<chapter>.json.gz` gzipped.
 *
 * @throws {RangeError} When `chapter` is not a positive integer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(chapterFileName(3), "3.json");
 * assert.equal(chapterFileName(3, "gzip"), "3.json.gz");
 * ```
 */
export function chapterFileName(chapter: number, compression: Compression = "none"): string {
  assertChapterNumber(chapter);
  return `${chapter}${CHAPTER_FILE_SUFFIX[compression]}`;
}

/**
 * The chapter number and compression a chapter file's name says, or
 * undefined for a name that is no chapter file's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseChapterFileName("3.json.gz"), { chapter: 3, compression: "gzip" });
 * assert.equal(parseChapterFileName("manifest.json"), undefined);
 * ```
 */
export function parseChapterFileName(
  name: string,
): { readonly chapter: number; readonly compression: Compression } | undefined {
  const match = /^([1-9][0-9]*)\.json(\.gz)?$/.exec(name);
  if (match === null) return undefined;
  return { chapter: Number(match[1]), compression: match[2] === undefined ? "none" : "gzip" };
}

/**
 * `<out>/<volume>/<book>/<chapter>.json` (`.json.gz` for `gzip`).
 *
 * @throws {TypeError} When `volume` or `book` is not a slug.
 * @throws {RangeError} When `chapter` is not a positive integer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(chapterPath("data", "bofm", "1-ne", 3), "data/bofm/1-ne/3.json");
 * assert.throws(() => chapterPath("data", "bofm", "../etc", 3), TypeError);
 * ```
 */
export function chapterPath(
  outDir: string,
  volume: string,
  book: string,
  chapter: number,
  compression: Compression = "none",
): string {
  return join(bookDir(outDir, volume, book), chapterFileName(chapter, compression));
}

/**
 * `<out>/<volume>/<book>`.
 *
 * @throws {TypeError} When `volume` or `book` is not a slug.
 */
export function bookDir(outDir: string, volume: string, book: string): string {
  assertSlug(book, "book");
  return join(volumeDir(outDir, volume), book);
}

/**
 * `<out>/<volume>`.
 *
 * @throws {TypeError} When `volume` is not a slug.
 */
export function volumeDir(outDir: string, volume: string): string {
  assertSlug(volume, "volume");
  return join(outDir, volume);
}

/**
 * `<out>/<volume>/<book>/manifest.json`.
 *
 * @throws {TypeError} When `volume` or `book` is not a slug.
 */
export function bookManifestPath(outDir: string, volume: string, book: string): string {
  return join(bookDir(outDir, volume, book), "manifest.json");
}

/**
 * `<out>/<volume>/manifest.json`.
 *
 * @throws {TypeError} When `volume` is not a slug.
 */
export function volumeManifestPath(outDir: string, volume: string): string {
  return join(volumeDir(outDir, volume), "manifest.json");
}

/** `<out>/manifest.json`. */
export function rootManifestPath(outDir: string): string {
  return join(outDir, "manifest.json");
}
