/**
 * Reading an import's output folder for an export: which chapters the
 * manifests vouch for, in the manifests' order, and every chapter they do not.
 *
 * Trust runs down a chain of checksums, each written by the import from the
 * files beside it: the root manifest records each volume manifest's SHA-256,
 * a volume manifest each book manifest's, a book manifest each chapter
 * file's. A link that does not match (a file edited, replaced or half
 * rewritten since) drops what hangs from it, and says so: an export never
 * holds a chapter the manifests do not vouch for, nor skips one silently.
 *
 * @module
 */

import { join } from "node:path";
import { UserError } from "../exec/user_error.ts";
import { type ChapterFileContent, verifyChapterFile } from "../output/chapter_file.ts";
import type { RootManifest } from "../output/manifest_types.ts";
import {
  bookManifestPath,
  chapterPath,
  parseChapterFileName,
  volumeManifestPath,
} from "../output/paths.ts";
import {
  readBookManifest,
  readLanguagesManifest,
  readRootManifest,
  readVolumeManifest,
} from "../output/read_manifest.ts";
import { chapterPassages, type Passage } from "./passage.ts";

/** The folder cannot be exported at all (not an output folder, a language it lacks): exit 2. */
export class ExportInputError extends UserError {}

/** A book as the manifests describe it, with the chapters they vouch for. */
export interface ExportBook {
  readonly volume: string;
  readonly book: string;
  readonly title: string;
  /** 1-based place in its volume, as the volume manifest lists it. */
  readonly position: number;
  readonly expectedChapters: number;
  /**
   * The chapters the book manifest lists as imported, ascending, with their
   * file's name (`3.json`, or `3.json.gz` gzipped) and recorded checksum.
   */
  readonly chapters: readonly {
    readonly chapter: number;
    readonly file: string;
    readonly sha256: string;
  }[];
}

/** A volume as the root manifest lists it, with the books its manifest lists. */
export interface ExportVolume {
  readonly volume: string;
  readonly title: string;
  /** 1-based place in the root manifest. */
  readonly position: number;
  /** Empty when the volume's manifest is missing or not vouched for. */
  readonly books: readonly ExportBook[];
}

/** Chapters left out of an export, and why. */
export interface ExportProblem {
  /** What is left out: a volume (`ot`), a book (`bofm/1-ne`) or a chapter (`bofm/1-ne/3`). */
  readonly scope: string;
  /** How many chapters that is. */
  readonly chapters: number;
  readonly reason: string;
}

/** An output folder, opened for export by {@linkcode openOutputFolder}. */
export interface OutputFolder {
  readonly dir: string;
  /** The languages exported: today the folder's one language (see {@linkcode OpenOutputFolderOptions.langs}). */
  readonly langs: readonly string[];
  readonly root: RootManifest;
  readonly volumes: readonly ExportVolume[];
  /** What the manifests already leave out; the chapter files can add to it (see {@linkcode readChapters}). */
  readonly problems: readonly ExportProblem[];
  /** Verses and paragraphs the vouched chapters hold, per their book manifests. */
  readonly expected: {
    readonly chapters: number;
    readonly verses: number;
    readonly paragraphs: number;
  };
}

/** Options of {@linkcode openOutputFolder}. */
export interface OpenOutputFolderOptions {
  /**
   * The languages to export. A folder holds one language today (its root
   * manifest's `source.lang`), so this selects it or, naming a language the
   * folder lacks, is refused; a folder of several languages will be
   * filtered by it. @default every language of the folder
   */
  readonly langs?: readonly string[];
  /**
   * The volumes to export, by id: the others are neither exported nor
   * reported. @default every volume of the root manifest
   */
  readonly volumes?: readonly string[];
  /** The language `dir` must hold (a language's folder in a folder of several). @default any */
  readonly language?: string;
}

/**
 * The output folders of `dir` to export: `dir` itself when it holds one
 * language (as {@linkcode openOutputFolder}), or, when it holds several
 * (`<dir>/manifest.json` is a languages' manifest), each language's folder
 * `<dir>/<lang>` asked for (`langs`, default all), in the manifest's order.
 * A language's root manifest must match the SHA-256 the languages' manifest
 * recorded for it, as every link of the chain must.
 *
 * @throws {ExportInputError} As {@linkcode openOutputFolder}, and when `langs`
 *   names a language the folder does not hold or a language's root manifest changed.
 */
export async function openOutputFolders(
  dir: string,
  options: OpenOutputFolderOptions = {},
): Promise<OutputFolder[]> {
  const top = await readLanguagesManifest(join(dir, "manifest.json"));
  if (!top.ok) return [await openOutputFolder(dir, options)];
  const held = top.manifest.languages.map((entry) => entry.lang);
  const wanted = options.langs ?? held;
  const absent = wanted.filter((lang) => !held.includes(lang));
  if (absent.length > 0) {
    throw new ExportInputError(
      `Cannot export --lang ${absent.join(",")}: "${dir}" holds ${held.join(", ")} only`,
    );
  }
  const folders: OutputFolder[] = [];
  for (const entry of top.manifest.languages) {
    if (!wanted.includes(entry.lang)) continue;
    const languageDir = join(dir, entry.dir);
    const path = join(languageDir, "manifest.json");
    const read = await readRootManifest(path);
    if (read.ok && entry.sha256 !== null && read.sha256 !== entry.sha256) {
      throw new ExportInputError(_changed(path, "languages' manifest"));
    }
    folders.push(
      await openOutputFolder(languageDir, {
        volumes: options.volumes,
        language: entry.lang,
      }),
    );
  }
  return folders;
}

/**
 * Reads the root, volume and book manifests of `dir` and checks the chain of
 * checksums between them (see the module doc).
 *
 * @throws {ExportInputError} When `dir` has no readable root manifest, or
 *   `langs` names a language it does not hold, or `volumes` a volume it does not list.
 */
export async function openOutputFolder(
  dir: string,
  options: OpenOutputFolderOptions = {},
): Promise<OutputFolder> {
  const rootRead = await readRootManifest(join(dir, "manifest.json"));
  if (!rootRead.ok) {
    throw new ExportInputError(
      `Cannot export "${dir}": it is not an import's output folder (${rootRead.reason})`,
    );
  }
  const root = rootRead.manifest;
  const held = [root.source.lang];
  // A language's folder of a folder of several is named by it.
  if (options.language !== undefined && root.source.lang !== options.language) {
    throw new ExportInputError(
      `Cannot export "${dir}": it holds "${root.source.lang}", expected "${options.language}"`,
    );
  }
  const wanted = options.langs ?? held;
  const absent = wanted.filter((lang) => !held.includes(lang));
  if (absent.length > 0) {
    throw new ExportInputError(
      `Cannot export --lang ${absent.join(",")}: "${dir}" holds ${held.join(", ")} only`,
    );
  }

  const known = root.volumes.map((entry) => entry.volume);
  const unknown = (options.volumes ?? []).filter((volume) => !known.includes(volume));
  if (unknown.length > 0) {
    throw new ExportInputError(
      `Cannot export --source ${unknown.join(",")}: no such volume in "${dir}" ` +
        `(valid: ${known.join(", ")})`,
    );
  }

  const problems: ExportProblem[] = [];
  const volumes: ExportVolume[] = [];
  const expected = { chapters: 0, verses: 0, paragraphs: 0 };
  // What the API does not serve in the language is no problem of the export.
  const notAvailable = new Set((root.notAvailable ?? []).map((entry) => entry.scope));
  for (const [index, entry] of root.volumes.entries()) {
    if (options.volumes !== undefined && !options.volumes.includes(entry.volume)) continue;
    if (notAvailable.has(entry.volume)) continue;
    const volume = { volume: entry.volume, title: entry.title, position: index + 1 };
    const leaveOut = (reason: string) => {
      problems.push({ scope: entry.volume, chapters: entry.expectedChapters, reason });
      volumes.push({ ...volume, books: [] });
    };
    if (entry.sha256 === null) {
      leaveOut("not imported (the root manifest has no manifest of this volume)");
      continue;
    }
    const read = await readVolumeManifest(volumeManifestPath(dir, entry.volume), entry.volume);
    if (!read.ok) {
      leaveOut(read.reason);
      continue;
    }
    if (read.sha256 !== entry.sha256) {
      leaveOut(_changed(volumeManifestPath(dir, entry.volume), "root manifest"));
      continue;
    }
    const books: ExportBook[] = [];
    for (const [bookIndex, bookEntry] of read.manifest.books.entries()) {
      const scope = `${entry.volume}/${bookEntry.book}`;
      if (notAvailable.has(scope)) continue;
      const path = bookManifestPath(dir, entry.volume, bookEntry.book);
      const skipBook = (reason: string) =>
        problems.push({ scope, chapters: bookEntry.expectedChapters, reason });
      if (bookEntry.sha256 === null) {
        skipBook("not imported (the volume manifest has no manifest of this book)");
        continue;
      }
      const bookRead = await readBookManifest(path, entry.volume, bookEntry.book);
      if (!bookRead.ok) {
        skipBook(bookRead.reason);
        continue;
      }
      if (bookRead.sha256 !== bookEntry.sha256) {
        skipBook(_changed(path, "volume manifest"));
        continue;
      }
      const manifest = bookRead.manifest;
      for (const chapter of manifest.missingChapters) {
        const reason = manifest.invalidFiles.find((file) => file.chapter === chapter)?.reason ??
          manifest.failed.find((failure) => failure.chapter === chapter)?.reason ??
          "not imported";
        problems.push({ scope: `${scope}/${chapter}`, chapters: 1, reason });
      }
      for (const chapter of manifest.chapters) {
        expected.chapters += 1;
        expected.verses += chapter.verses;
        expected.paragraphs += chapter.paragraphs;
      }
      books.push({
        volume: entry.volume,
        book: bookEntry.book,
        title: manifest.title,
        position: bookIndex + 1,
        expectedChapters: manifest.expectedChapters,
        chapters: manifest.chapters.map(({ chapter, file, sha256 }) => ({ chapter, file, sha256 })),
      });
    }
    volumes.push({ ...volume, books });
  }
  return { dir, langs: wanted, root, volumes, problems, expected };
}

/** A vouched-for chapter, verified and turned into rows. */
export interface ExportChapter {
  readonly volume: ExportVolume;
  readonly book: ExportBook;
  /** The file's content, verified against its book manifest's checksum. */
  readonly file: ChapterFileContent;
  readonly sha256: string;
  readonly passages: readonly Passage[];
}

/** What {@linkcode readChapters} yields for each vouched-for chapter, in order. */
export type ChapterRead =
  | { readonly ok: true; readonly chapter: ExportChapter }
  | { readonly ok: false; readonly problem: ExportProblem };

/** Options of {@linkcode readChapters}. */
export interface ReadChaptersOptions {
  /** Chapter files read and hashed ahead of the one yielded. @default 16 */
  readonly concurrency?: number;
  /** Checked before each file is read. */
  readonly signal?: AbortSignal;
}

/**
 * Each chapter the manifests vouch for, in the manifests' order (volumes,
 * books, chapters ascending), verified against its recorded SHA-256 and the
 * folder's language: its rows, or the problem that leaves it out. Files are
 * read a few ahead, so the order costs no waiting.
 */
export async function* readChapters(
  folder: OutputFolder,
  options: ReadChaptersOptions = {},
): AsyncGenerator<ChapterRead> {
  const { concurrency = 16, signal } = options;
  const lang = folder.root.source.lang;
  const jobs = folder.volumes.flatMap((volume) =>
    volume.books.flatMap((book) => book.chapters.map((entry) => ({ volume, book, entry })))
  );
  // Never rejects (verifyChapterFile does not throw), so a file read ahead and
  // never awaited, when the caller stops early, leaves no unhandled rejection.
  const read = async (job: (typeof jobs)[number]): Promise<ChapterRead> => {
    const { volume, book, entry } = job;
    const scope = `${book.volume}/${book.book}/${entry.chapter}`;
    // The file the manifest names, if it is this chapter's: .json or .json.gz.
    const named = parseChapterFileName(entry.file);
    if (named?.chapter !== entry.chapter) {
      const reason = `Cannot trust chapter file name ${JSON.stringify(entry.file)} of ${scope}: ` +
        `expected ${entry.chapter}.json or ${entry.chapter}.json.gz`;
      return { ok: false, problem: { scope, chapters: 1, reason } };
    }
    const path = chapterPath(folder.dir, book.volume, book.book, entry.chapter, named.compression);
    const check = await verifyChapterFile(path, entry.sha256, {
      expected: { volume: book.volume, book: book.book, chapter: entry.chapter, lang },
    });
    if (!check.ok) {
      return { ok: false, problem: { scope, chapters: 1, reason: check.reason } };
    }
    const passages = chapterPassages(check.chapter, { title: book.title });
    return {
      ok: true,
      chapter: { volume, book, file: check.chapter, sha256: check.sha256, passages },
    };
  };
  const ahead: Promise<ChapterRead>[] = [];
  let next = 0;
  while (next < jobs.length || ahead.length > 0) {
    signal?.throwIfAborted();
    while (next < jobs.length && ahead.length < Math.max(1, concurrency)) {
      ahead.push(read(jobs[next++]));
    }
    yield await ahead.shift()!;
  }
}

function _changed(path: string, by: string): string {
  return `Cannot trust "${path}": it changed since the ${by} recorded its SHA-256`;
}
