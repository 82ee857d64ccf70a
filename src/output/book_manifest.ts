/**
 * The book manifest, `<out>/<volume>/<book>/manifest.json`, rebuilt from the
 * chapter files on disk and the outcomes of this run.
 *
 * @module
 */

import pLimit from "p-limit";
import type { Outcome } from "../exec/types.ts";
import { type Compression, COMPRESSIONS, type Manifest } from "../manifest/types.ts";
import { type WriteFile, writeFileAtomic } from "./atomic_write.ts";
import {
  type ChapterVerification,
  type ChapterWriteResult,
  findChapterFile,
} from "./chapter_file.ts";
import type {
  BookManifest,
  BookManifestChapter,
  BookManifestFailure,
  BookManifestInvalidFile,
} from "./manifest_types.ts";
import { chapterUri } from "../source/chapter_uri.ts";
import { bookManifestPath, chapterFileName } from "./paths.ts";
import { basename } from "node:path";
import { _findBook } from "./_lookup.ts";
import { readBookManifest } from "./read_manifest.ts";

/** Options of {@linkcode writeBookManifest}. */
export interface BookManifestOptions {
  /** The clock for `updatedAt`. @default () => new Date() */
  readonly now?: () => Date;
  /** Chapter files read and hashed at once. @default 16 */
  readonly concurrency?: number;
  /** Checked before each chapter file is read and before the write. */
  readonly signal?: AbortSignal;
  /** How the file is written. @default writeFileAtomic */
  readonly writeFile?: WriteFile;
  /**
   * The compression whose file is looked at first for each chapter (the
   * run's); a chapter stored only the other way is listed as it is stored.
   * @default "none"
   */
  readonly compression?: Compression;
}

/**
 * Rebuilds and writes `<out>/<volume>/<book>/manifest.json`.
 *
 * Chapters 1..expected are each read, verified and hashed from disk, as
 * `<chapter>.json` or `<chapter>.json.gz` (each entry says its `encoding`);
 * an older manifest is read only for the server's validators, so a chapter
 * whose file was deleted drops out. A chapter whose outcome is what this run
 * wrote or verified of it (a `done` or `skipped` outcome whose value is its
 * {@linkcode ChapterWriteResult}) is listed from that, not read again: the
 * file was renamed into place whole after an fsync, or read and hashed at the
 * run's start, and reading it back would hash the same bytes once more on
 * the thread that starts the requests.
 *
 * - A chapter with a valid file is imported, whatever this run's outcome for
 *   it: when this run failed it but a valid file from an earlier run is on
 *   disk, the data is there, so it is imported and not listed in `failed`.
 * - A chapter without a valid file is missing. A file that fails
 *   verification counts as missing and is listed in `invalidFiles`.
 * - A missing chapter whose outcome (key `"<volume>/<book>/<chapter>"`, the
 *   chapter node's id) is `failed` is listed in `failed` with its reason and
 *   attempts; `cancelled` is listed with reason `"cancelled"` and 0 attempts.
 *   A missing chapter with no outcome (not run) is only in `missingChapters`.
 *
 * @param outcomes The book manifest node's dependency outcomes, by node id.
 * @returns The manifest written.
 * @throws {RangeError} When the manifest has no such volume or book.
 * @throws {TypeError} When an id is not a slug.
 * @throws {Error} When the write fails.
 */
export async function writeBookManifest(
  outDir: string,
  manifest: Manifest,
  volumeId: string,
  bookId: string,
  outcomes: ReadonlyMap<string, Outcome>,
  options: BookManifestOptions = {},
): Promise<BookManifest> {
  const { now = () => new Date(), concurrency = 16, signal, writeFile = writeFileAtomic } = options;
  const prefer = options.compression ?? "none";
  const { book } = _findBook(manifest, volumeId, bookId);
  const numbers = Array.from({ length: book.chapters }, (_, index) => index + 1);

  const limit = pLimit(concurrency);
  const verifications: _Found[] = await Promise.all(
    numbers.map((chapter) =>
      _writtenBy(
        outcomes.get(`${volumeId}/${bookId}/${chapter}`),
        chapter,
        chapterUri({ volume: volumeId, book: bookId, chapter }),
      ) ??
        limit(() => {
          signal?.throwIfAborted();
          return findChapterFile(outDir, {
            prefer,
            expected: {
              volume: volumeId,
              book: bookId,
              chapter,
              uri: chapterUri({ volume: volumeId, book: bookId, chapter }),
              lang: manifest.source.lang,
            },
          });
        })
    ),
  );

  // The server's validators of each file's page: this run's answer for a
  // chapter it fetched, else the last manifest's, while the file is the same.
  const previous = await readBookManifest(
    bookManifestPath(outDir, volumeId, bookId),
    volumeId,
    bookId,
  );
  const before = new Map(previous.ok ? previous.manifest.chapters.map((c) => [c.chapter, c]) : []);
  const chapters: BookManifestChapter[] = [];
  const missingChapters: number[] = [];
  const failed: BookManifestFailure[] = [];
  const invalidFiles: BookManifestInvalidFile[] = [];
  for (const chapter of numbers) {
    const verification = verifications[chapter - 1];
    // A missing chapter is named as this run would write it.
    const file = !verification.ok && verification.problem === "missing"
      ? chapterFileName(chapter, prefer)
      : basename(verification.path);
    if (verification.ok) {
      const { uri, compression, bytes, sha256, verses, paragraphs } = verification;
      const outcome = outcomes.get(`${volumeId}/${bookId}/${chapter}`);
      const old = before.get(chapter);
      const validators = _validatorsOf(outcome) ??
        (old?.sha256 === sha256 ? { etag: old.etag, lastModified: old.lastModified } : {});
      chapters.push({
        chapter,
        uri,
        file,
        encoding: compression,
        bytes,
        sha256,
        verses,
        paragraphs,
        ...(validators.etag === undefined ? {} : { etag: validators.etag }),
        ...(validators.lastModified === undefined ? {} : { lastModified: validators.lastModified }),
      });
      continue;
    }
    missingChapters.push(chapter);
    if (verification.problem !== "missing") {
      invalidFiles.push({ chapter, file, reason: verification.reason });
    }
    const outcome = outcomes.get(`${volumeId}/${bookId}/${chapter}`);
    const failure = outcome === undefined ? undefined : _failureOf(outcome);
    if (failure !== undefined) {
      failed.push({
        chapter,
        uri: chapterUri({ volume: volumeId, book: bookId, chapter }),
        ...failure,
      });
    }
  }

  const verses = chapters.reduce((sum, chapter) => sum + chapter.verses, 0);
  const bookManifest: BookManifest = {
    volume: volumeId,
    book: bookId,
    title: book.title,
    expectedChapters: book.chapters,
    importedChapters: chapters.length,
    missingChapters,
    failed,
    invalidFiles,
    verses,
    expectedVerses: book.verses ?? null,
    chapters,
    // A declared verse total must add up too: all chapters present but verses
    // missing means markup the parser misread.
    complete: chapters.length === book.chapters &&
      (book.verses === undefined || verses === book.verses),
    updatedAt: now().toISOString(),
  };
  await writeFile(
    bookManifestPath(outDir, volumeId, bookId),
    JSON.stringify(bookManifest, null, 2) + "\n",
    { signal },
  );
  return bookManifest;
}

/** A chapter's file as the manifest lists it: what {@linkcode findChapterFile} says of it, or this run's. */
type _Listed = Omit<Extract<ChapterVerification, { ok: true }>, "chapter"> & {
  readonly path: string;
};
type _Found = _Listed | (Extract<ChapterVerification, { ok: false }> & { readonly path: string });

/**
 * What this run wrote or verified of chapter `chapter`, as a verification of
 * its file: its outcome's value when that is the chapter's
 * {@linkcode ChapterWriteResult} (a file of that chapter's name, a SHA-256,
 * sizes); undefined for anything else (a failure, a value of another shape),
 * whose file is then read from disk.
 */
function _writtenBy(
  outcome: Outcome | undefined,
  chapter: number,
  uri: string,
): _Listed | undefined {
  if (outcome?.status !== "done" && outcome?.status !== "skipped") return undefined;
  const value = outcome.value as Partial<ChapterWriteResult> | null | undefined;
  if (typeof value !== "object" || value === null) return undefined;
  const { path, compression, bytes, sha256, verses, paragraphs } = value;
  if (
    typeof path !== "string" || !COMPRESSIONS.includes(compression!) ||
    basename(path) !== chapterFileName(chapter, compression) ||
    typeof sha256 !== "string" || !/^[0-9a-f]{64}$/.test(sha256) ||
    !Number.isSafeInteger(bytes) || !Number.isSafeInteger(verses) ||
    !Number.isSafeInteger(paragraphs)
  ) {
    return undefined;
  }
  return {
    ok: true,
    path,
    uri,
    compression: compression!,
    bytes: bytes!,
    sha256,
    verses: verses!,
    paragraphs: paragraphs!,
  };
}

/** The validators a chapter's outcome carries (its value's `validators`), if this run fetched or checked it. */
function _validatorsOf(
  outcome: Outcome | undefined,
): { etag?: string; lastModified?: string } | undefined {
  // A skipped chapter's value carries them too when its file was re-encoded.
  if (outcome?.status !== "done" && outcome?.status !== "skipped") return undefined;
  const value = outcome.value as { validators?: unknown } | null | undefined;
  const validators = value?.validators;
  if (typeof validators !== "object" || validators === null) return undefined;
  const { etag, lastModified } = validators as Record<string, unknown>;
  return {
    ...(typeof etag === "string" ? { etag } : {}),
    ...(typeof lastModified === "string" ? { lastModified } : {}),
  };
}

/** The failure an outcome records, or undefined when the chapter ended well. */
function _failureOf(
  outcome: Outcome,
): { reason: string; attempts: number; cancelled?: true } | undefined {
  switch (outcome.status) {
    case "done":
    case "skipped":
      return undefined;
    case "failed":
      return { reason: outcome.reason, attempts: outcome.attempts };
    case "cancelled":
      return { reason: "cancelled", attempts: 0, cancelled: true };
    default: {
      const unknown: never = outcome;
      throw new TypeError(`Cannot read outcome ${JSON.stringify(unknown)}: unknown status`);
    }
  }
}
