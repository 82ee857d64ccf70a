/**
 * Chapter files: `<out>/<volume>/<book>/<chapter>.json`, or `.json.gz`
 * gzipped, written atomically, and verified when a run resumes or a book
 * manifest is rebuilt. A file's name says how it is stored.
 *
 * @module
 */

import { z } from "zod";
import { basename, dirname } from "node:path";
import type { Chapter } from "../source/types.ts";
import { type WriteFile, writeFileAtomic } from "./atomic_write.ts";
import { sha256Hex } from "./digest.ts";
import {
  type BookLabel,
  CHAPTER_FORMAT,
  encodeChapter,
  type EncodedChapter,
  verseKey,
} from "./chapter_encoding.ts";
import { chapterUri } from "../source/chapter_uri.ts";
import { type Compression, COMPRESSIONS } from "../manifest/types.ts";
import { jsonBytes } from "./gzip.ts";
import { CHAPTER_FILE_SUFFIX, chapterPath, parseChapterFileName } from "./paths.ts";

export {
  type BookLabel,
  CHAPTER_FORMAT,
  type ChapterFile,
  chapterReference,
  encodeChapter,
  type EncodedChapter,
  serializeChapter,
} from "./chapter_encoding.ts";

/** What {@linkcode writeChapter} wrote (or what a verified file on disk is). */
export interface ChapterWriteResult {
  /** The file written, `<out>/<volume>/<book>/<chapter>.json` (`.json.gz` gzipped). */
  readonly path: string;
  /** How the file is stored. */
  readonly compression: Compression;
  /** Size of the file, bytes (as stored). */
  readonly bytes: number;
  /** SHA-256 of the file's bytes as stored, lowercase hex. */
  readonly sha256: string;
  readonly verses: number;
  readonly paragraphs: number;
}

/** Which chapter a file must hold. */
export interface ChapterIdentity {
  readonly volume: string;
  readonly book: string;
  readonly chapter: number;
  /** @default `/scriptures/<volume>/<book>/<chapter>` */
  readonly uri?: string;
  /** Checked only when given. */
  readonly lang?: string;
}

/** Options of {@linkcode verifyChapterFile}. */
export interface VerifyChapterOptions {
  /** The chapter the file must hold. @default derived from the path `<volume>/<book>/<chapter>.json` */
  readonly expected?: ChapterIdentity;
}

/** Why a chapter file failed verification. */
export type ChapterFileProblem = "missing" | "unreadable" | "checksum" | "invalid";

/** The result of {@linkcode verifyChapterFile}. */
export type ChapterVerification =
  | {
    readonly ok: true;
    readonly uri: string;
    /** How the file is stored, from its name. */
    readonly compression: Compression;
    /** Size of the file as stored, bytes. */
    readonly bytes: number;
    readonly sha256: string;
    readonly verses: number;
    readonly paragraphs: number;
    /** The file's JSON as verified; keys the schema does not know are kept. */
    readonly chapter: ChapterFileContent;
  }
  | { readonly ok: false; readonly problem: ChapterFileProblem; readonly reason: string };

/** Options of {@linkcode writeEncodedChapter}, and with `book` of {@linkcode writeChapter}. */
export interface WriteChapterOptions {
  /** Checked before the write and before the rename. */
  readonly signal?: AbortSignal;
  /** How the file is written. @default writeFileAtomic */
  readonly writeFile?: WriteFile;
}

/**
 * Writes a chapter atomically to `<out>/<volume>/<book>/<chapter>.json`
 * (`.json.gz`, gzipped, with `compression: "gzip"`), with the references that
 * `book` (its title and abbreviation) makes.
 *
 * @throws {TypeError} When the chapter's volume or book is not a slug.
 * @throws {RangeError} When its chapter number is not a positive integer.
 * @throws {Error} When the write fails (see `writeFileAtomic`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const result = await writeChapter(dir, {
 *   uri: "/scriptures/bofm/enos/1", volume: "bofm", book: "enos", chapter: 1, lang: "eng",
 *   title: "Enos 1", number: null, subtitle: null, intro: null, studyIntro: null, summary: null,
 *   verses: [{ number: 1, text: "Behold, it came to pass…", paragraphStart: false }],
 *   paragraphs: [], source: { url: "https://example.org", fetchedAt: "2025-01-01T00:00:00.000Z" },
 * }, { book: { title: "Enos", abbrev: "Enos" } });
 * assert.equal(result.path, `${dir}/bofm/enos/1.json`);
 * assert.equal((await verifyChapterFile(result.path, result.sha256)).ok, true);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeChapter(
  outDir: string,
  chapter: Chapter,
  options: WriteChapterOptions & {
    readonly book: BookLabel;
    /** @default "none" */
    readonly compression?: Compression;
  },
): Promise<ChapterWriteResult> {
  // The path first: a chapter whose volume is no slug is refused before any work.
  chapterPath(outDir, chapter.volume, chapter.book, chapter.chapter);
  const encoded = await encodeChapter(chapter, options.book, options.compression);
  return writeEncodedChapter(outDir, encoded, options);
}

/**
 * Writes an {@linkcode encodeChapter}ed chapter atomically to
 * `<out>/<volume>/<book>/<chapter>.json` (`.json.gz` for gzip); throws as
 * {@linkcode writeChapter}. A file of the same chapter stored the other way
 * is left alone: see {@linkcode removeOtherEncodings}.
 * With `signal`, an attempt aborted before the rename never puts its file
 * into place.
 */
export async function writeEncodedChapter(
  outDir: string,
  encoded: EncodedChapter,
  options: WriteChapterOptions = {},
): Promise<ChapterWriteResult> {
  const { signal, writeFile = writeFileAtomic } = options;
  const { compression, sha256, verses, paragraphs } = encoded;
  const path = chapterPath(outDir, encoded.volume, encoded.book, encoded.chapter, compression);
  await writeFile(path, encoded.bytes, { signal });
  return { path, compression, bytes: encoded.bytes.length, sha256, verses, paragraphs };
}

/**
 * The paths of the same chapter's file stored every other way than the
 * chapter file at `path`: `3.json.gz` for `3.json`, and back.
 *
 * @throws {TypeError} for a path whose name is no chapter file's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(otherEncodingPaths("data/bofm/enos/1.json"), ["data/bofm/enos/1.json.gz"]);
 * ```
 */
export function otherEncodingPaths(path: string): string[] {
  const parsed = parseChapterFileName(basename(path));
  if (parsed === undefined) {
    throw new TypeError(`Cannot name the other files of "${path}": not a chapter file`);
  }
  const stem = path.slice(0, path.length - CHAPTER_FILE_SUFFIX[parsed.compression].length);
  return COMPRESSIONS.filter((c) => c !== parsed.compression)
    .map((c) => `${stem}${CHAPTER_FILE_SUFFIX[c]}`);
}

/**
 * Removes the files of the same chapter stored otherwise than the one at
 * `path`, so that one file per chapter is left. Call it only once the file
 * at `path` is in place and recorded. Never throws: a file that cannot be
 * removed stays (a run's resume removes it then).
 *
 * @returns the paths removed.
 */
export function removeOtherEncodings(path: string): string[] {
  const removed: string[] = [];
  for (const other of otherEncodingPaths(path)) {
    try {
      Deno.removeSync(other);
      removed.push(other);
    } catch {
      // Not there (the usual case), or not removable now.
    }
  }
  return removed;
}

/**
 * {@linkcode removeOtherEncodings} for the files a run writes one after
 * another: each folder is listed once, at its first file, and a file's other
 * encodings are removed only when that listing had them. A run writes every
 * chapter one way, so a folder gains no file stored the other way while it
 * runs; asking the file system for each chapter's absent other file (an
 * error built and thrown for nearly every chapter, on the thread that starts
 * the requests) is then spared.
 */
export class OtherEncodingSweeper {
  /**
   * Chapter file names in each folder listed, less those removed since;
   * null for a folder that could not be listed (each file's other encodings
   * are then asked for).
   */
  readonly #names = new Map<string, Set<string> | null>();

  /** As {@linkcode removeOtherEncodings}; never throws. @returns the paths removed. */
  remove(path: string): string[] {
    const dir = dirname(path);
    let names = this.#names.get(dir);
    if (names === undefined) {
      names = _chapterFileNames(dir);
      this.#names.set(dir, names);
    }
    if (names !== null && !otherEncodingPaths(path).some((o) => names.has(basename(o)))) return [];
    const removed = removeOtherEncodings(path);
    for (const other of removed) names?.delete(basename(other));
    return removed;
  }
}

/** The chapter file names in `dir`, or null when it cannot be listed. */
function _chapterFileNames(dir: string): Set<string> | null {
  try {
    const names = new Set<string>();
    for (const entry of Deno.readDirSync(dir)) {
      if (parseChapterFileName(entry.name) !== undefined) names.add(entry.name);
    }
    return names;
  } catch {
    return null;
  }
}

// Both formats are read. Format 1 (no `format` key) is what was written
// before references existed; files written before `subtitle` and
// `studyIntro` existed lack those too: all still valid, so resuming does not
// refetch them. Format 2 files always have every key.
const _verse = z.object({
  number: z.number().int(),
  reference: z.string().optional(),
  key: z.string().optional(),
  text: z.string(),
  paragraphStart: z.boolean(),
});
const chapterSchema = z.object({
  format: z.literal(CHAPTER_FORMAT, {
    error: (issue) =>
      `format ${
        JSON.stringify(issue.input)
      } is not one this importer reads (1, or ${CHAPTER_FORMAT})`,
  }).optional(),
  uri: z.string(),
  volume: z.string(),
  book: z.string(),
  chapter: z.number().int().positive(),
  lang: z.string(),
  bookTitle: z.string().optional(),
  reference: z.string().optional(),
  title: z.string(),
  number: z.string().nullable(),
  subtitle: z.string().nullable().optional(),
  intro: z.string().nullable(),
  studyIntro: z.string().nullable().optional(),
  summary: z.string().nullable(),
  verses: z.array(_verse),
  paragraphs: z.array(z.object({ id: z.string().nullable(), text: z.string() })),
  source: z.object({ url: z.string(), fetchedAt: z.string() }),
});

/** A chapter file's content as {@linkcode verifyChapterFile} checked it. */
export type ChapterFileContent = z.infer<typeof chapterSchema>;

/**
 * Why a format-2 chapter lacks a key of its format or holds a reference or
 * key that does not name its own verse; undefined when it is sound (and for
 * format 1, which has none of them).
 */
function _formatProblem(chapter: z.output<typeof chapterSchema>): string | undefined {
  if (chapter.format === undefined) return undefined;
  const { bookTitle, reference } = chapter;
  if (bookTitle === undefined) return `format ${chapter.format} lacks "bookTitle"`;
  if (reference === undefined) return `format ${chapter.format} lacks "reference"`;
  if (chapter.subtitle === undefined) return `format ${chapter.format} lacks "subtitle"`;
  if (chapter.studyIntro === undefined) return `format ${chapter.format} lacks "studyIntro"`;
  for (const [index, verse] of chapter.verses.entries()) {
    const wanted = {
      reference: `${reference}:${verse.number}`,
      key: verseKey(chapter, verse.number),
    };
    for (const field of ["reference", "key"] as const) {
      if (verse[field] !== wanted[field]) {
        return `verses.${index}.${field} is ${JSON.stringify(verse[field])}, expected ${
          JSON.stringify(wanted[field])
        }`;
      }
    }
  }
  return undefined;
}

/**
 * Checks a chapter file: it exists, matches `expectedSha256` when given,
 * parses as a chapter file of format 1 or {@linkcode CHAPTER_FORMAT} of the
 * expected uri/volume/book/chapter (and lang, when given), each verse's
 * reference and key name that verse (format 2), and it holds at least one
 * verse or paragraph. The references are not checked against import.yaml's
 * abbreviations: a file stays valid when they change. Never throws for a
 * bad file: the failure names its problem and reason.
 *
 * @param expectedSha256 Lowercase hex; skipped when undefined.
 */
export async function verifyChapterFile(
  path: string,
  expectedSha256?: string,
  options: VerifyChapterOptions = {},
): Promise<ChapterVerification> {
  const fail = (problem: ChapterFileProblem, detail: string): ChapterVerification => ({
    ok: false,
    problem,
    reason: `Cannot verify chapter file "${path}": ${detail}`,
  });
  const expected = options.expected ?? _identityFromPath(path);
  const compression = parseChapterFileName(basename(path))?.compression;
  if (expected === undefined || compression === undefined) {
    return fail("invalid", "its path is not <volume>/<book>/<chapter>.json or .json.gz");
  }

  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return fail("missing", "no such file");
    return fail("unreadable", (error as Error).message);
  }
  const sha256 = await sha256Hex(bytes);
  if (expectedSha256 !== undefined && sha256 !== expectedSha256.toLowerCase()) {
    return fail("checksum", `SHA-256 ${sha256} does not match the expected ${expectedSha256}`);
  }

  let text: Uint8Array<ArrayBuffer>;
  try {
    text = await jsonBytes(bytes, compression);
  } catch (error) {
    return fail("invalid", `not a whole gzip file: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(text));
  } catch (error) {
    return fail("invalid", `not valid JSON: ${(error as Error).message}`);
  }
  const parsed = chapterSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail("invalid", `not a chapter: at "${issue.path.join(".")}": ${issue.message}`);
  }
  const chapter = parsed.data;
  const wanted: Record<string, string | number> = {
    uri: expected.uri ?? chapterUri(expected),
    volume: expected.volume,
    book: expected.book,
    chapter: expected.chapter,
    ...(expected.lang === undefined ? {} : { lang: expected.lang }),
  };
  for (const [field, value] of Object.entries(wanted)) {
    const actual = chapter[field as keyof typeof chapter];
    if (actual !== value) {
      return fail(
        "invalid",
        `${field} is ${JSON.stringify(actual)}, expected ${JSON.stringify(value)}`,
      );
    }
  }
  const formatProblem = _formatProblem(chapter);
  if (formatProblem !== undefined) return fail("invalid", formatProblem);
  if (chapter.verses.length === 0 && chapter.paragraphs.length === 0) {
    return fail("invalid", "it holds no verse and no paragraph");
  }
  return {
    ok: true,
    uri: chapter.uri,
    compression,
    bytes: bytes.length,
    sha256,
    verses: chapter.verses.length,
    paragraphs: chapter.paragraphs.length,
    // The JSON itself, not zod's copy: a reader may use fields newer than the schema.
    chapter: json as ChapterFileContent,
  };
}

/** Options of {@linkcode findChapterFile}. */
export interface FindChapterFileOptions {
  /** The chapter the file must hold (its uri, volume, book, chapter; lang when given). */
  readonly expected: ChapterIdentity;
  /** The compression looked at first. @default "none" */
  readonly prefer?: Compression;
  /** The SHA-256 the stored bytes must have; any when undefined. */
  readonly expectedSha256?: string;
}

/**
 * Finds and verifies a chapter's file stored in any compression: the
 * preferred one's file first, then the others'. The first that verifies wins;
 * when none does, the failure of the first file that exists (or `missing`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await writeChapter(dir, {
 *   uri: "/scriptures/bofm/enos/1", volume: "bofm", book: "enos", chapter: 1, lang: "eng",
 *   title: "Enos 1", number: null, subtitle: null, intro: null, studyIntro: null, summary: null,
 *   verses: [{ number: 1, text: "Behold…", paragraphStart: false }], paragraphs: [],
 *   source: { url: "https://example.org", fetchedAt: "2025-01-01T00:00:00.000Z" },
 * }, { book: { title: "Enos" }, compression: "gzip" });
 * const found = await findChapterFile(dir, {
 *   expected: { volume: "bofm", book: "enos", chapter: 1 },
 * });
 * assert.ok(found.ok && found.compression === "gzip" && found.path.endsWith("1.json.gz"));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function findChapterFile(
  outDir: string,
  options: FindChapterFileOptions,
): Promise<ChapterVerification & { readonly path: string }> {
  const { expected, prefer = "none", expectedSha256 } = options;
  const order = [prefer, ...COMPRESSIONS.filter((c) => c !== prefer)];
  type Failure = Extract<ChapterVerification, { ok: false }> & { readonly path: string };
  let failure: Failure | undefined;
  for (const compression of order) {
    const path = chapterPath(outDir, expected.volume, expected.book, expected.chapter, compression);
    const check = await verifyChapterFile(path, expectedSha256, { expected });
    if (check.ok) return { ...check, path };
    if (failure === undefined || (failure.problem === "missing" && check.problem !== "missing")) {
      failure = { ...check, path };
    }
  }
  return failure!;
}

function _identityFromPath(path: string): ChapterIdentity | undefined {
  const parsed = parseChapterFileName(basename(path));
  if (parsed === undefined) return undefined;
  const bookDir = dirname(path);
  const book = basename(bookDir);
  const volume = basename(dirname(bookDir));
  if (book === "" || volume === "") return undefined;
  return { volume, book, chapter: parsed.chapter };
}
