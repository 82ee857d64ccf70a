/**
 * An export: the chapters an output folder's manifests vouch for, written as
 * one NDJSON, CSV or SQLite file, atomically (a temporary file beside the
 * target, fsynced, then renamed over it).
 *
 * @module
 */

import { basename, dirname, join } from "node:path";
import { CSV_COLUMNS, csvRecord, passageCsvRecord } from "./csv.ts";
import {
  type ExportChapter,
  ExportInputError,
  type ExportProblem,
  type OutputFolder,
  readChapters,
} from "./output_folder.ts";
import type { Passage } from "./passage.ts";

/** The forms an export is written in. */
export const EXPORT_FORMATS = ["ndjson", "csv", "sqlite"] as const;

/** One of {@linkcode EXPORT_FORMATS}. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Options of {@linkcode exportFolder}. */
export interface ExportOptions {
  readonly format: ExportFormat;
  /** The file written. */
  readonly out: string;
  /** Replace `out` when it exists. @default false */
  readonly force?: boolean;
  /** Chapter files read ahead. @default 16 */
  readonly concurrency?: number;
  /** Checked before each chapter; an aborted export leaves `out` as it was. */
  readonly signal?: AbortSignal;
}

/** What {@linkcode exportFolder} wrote. */
export interface ExportResult {
  readonly out: string;
  readonly format: ExportFormat;
  readonly chapters: number;
  /** Rows of kind `verse`. */
  readonly verses: number;
  /** Rows of kind `paragraph`. */
  readonly paragraphs: number;
  /** Everything left out, the manifests' findings first, then the chapter files'. */
  readonly problems: readonly ExportProblem[];
  /** Chapters left out, summed over `problems`. */
  readonly chaptersLeftOut: number;
}

/**
 * Writes the export of `folder` to `options.out`. Chapters left out (missing,
 * failed, or not matching their checksum) are in the result's `problems`; the
 * file holds every other one.
 *
 * @throws {ExportInputError} When `out` exists and `force` is not set, or is a directory.
 * @throws {Error} When the file cannot be written; `out` is then left as it was.
 */
export async function exportFolder(
  folderOrFolders: OutputFolder | readonly OutputFolder[],
  options: ExportOptions,
): Promise<ExportResult> {
  // Several: the languages of a folder of several, one after the other.
  const folders: readonly OutputFolder[] = Array.isArray(folderOrFolders)
    ? folderOrFolders
    : [folderOrFolders as OutputFolder];
  const { format, out, force = false, signal } = options;
  await checkExportTarget(out, force);
  const dir = dirname(out);
  await Deno.mkdir(dir, { recursive: true });
  const temp = join(dir, _tempName(basename(out)));
  const problems = folders.flatMap((folder) =>
    folders.length === 1
      ? folder.problems
      : folder.problems.map((p) => ({ ...p, scope: `${folder.root.source.lang} ${p.scope}` }))
  );
  const counts = { chapters: 0, verses: 0, paragraphs: 0 };
  let writer: _Writer | undefined;
  try {
    writer = await _openWriter(format, temp, folders);
    for (const folder of folders) {
      for await (const read of readChapters(folder, { concurrency: options.concurrency, signal })) {
        if (!read.ok) {
          const { problem } = read;
          const lang = folder.root.source.lang;
          problems.push(
            folders.length === 1 ? problem : { ...problem, scope: `${lang} ${problem.scope}` },
          );
          continue;
        }
        await writer.add(read.chapter);
        counts.chapters += 1;
        for (const passage of read.chapter.passages) {
          if (passage.kind === "verse") counts.verses += 1;
          else counts.paragraphs += 1;
        }
      }
    }
    await writer.finish();
    writer = undefined;
    await _sync(temp);
    signal?.throwIfAborted();
    await Deno.rename(temp, out);
  } catch (error) {
    writer?.abandon();
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
  await _sync(dir).catch(() => {}); // best effort: not every platform can fsync a directory
  const chaptersLeftOut = problems.reduce((sum, problem) => sum + problem.chapters, 0);
  return { out, format, ...counts, problems, chaptersLeftOut };
}

/**
 * Refuses a target that exists (unless `force`) or is a directory, before
 * anything is read or written.
 *
 * @throws {ExportInputError}
 */
export async function checkExportTarget(out: string, force: boolean): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(out);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  if (info.isDirectory) {
    throw new ExportInputError(`Cannot export to "${out}": it is a directory, expected a file`);
  }
  if (!force) {
    throw new ExportInputError(
      `Cannot export to "${out}": the file exists (pass --force to replace it)`,
    );
  }
}

/** Receives an export's chapters in order; `abandon` closes without finishing. */
interface _Writer {
  add(chapter: ExportChapter): void | Promise<void>;
  finish(): void | Promise<void>;
  abandon(): void;
}

async function _openWriter(
  format: ExportFormat,
  path: string,
  folders: readonly OutputFolder[],
): Promise<_Writer> {
  switch (format) {
    case "sqlite": {
      // Loaded here: the CLI lists the formats for every command, and node:sqlite is for this one.
      const { SqliteExportWriter } = await import("./sqlite.ts");
      const sqlite = new SqliteExportWriter(path, folders);
      return {
        add: (chapter) => sqlite.add(chapter),
        finish: () => sqlite.finish(),
        abandon: () => sqlite.abandon(),
      };
    }
    case "csv":
      return await _textWriter(path, csvRecord(CSV_COLUMNS), passageCsvRecord);
    case "ndjson":
      return await _textWriter(
        path,
        "",
        (passage) => JSON.stringify(_ndjsonObject(passage)) + "\n",
      );
    default: {
      const unknown: never = format;
      throw new TypeError(`Cannot export as ${JSON.stringify(unknown)}: unknown format`);
    }
  }
}

/** A passage's NDJSON object, keys in the documented order whatever order it was built in. */
function _ndjsonObject(passage: Passage): Passage {
  return {
    key: passage.key,
    reference: passage.reference,
    lang: passage.lang,
    volume: passage.volume,
    book: passage.book,
    bookTitle: passage.bookTitle,
    chapter: passage.chapter,
    kind: passage.kind,
    verse: passage.verse,
    position: passage.position,
    paragraphStart: passage.paragraphStart,
    text: passage.text,
  };
}

/** Writes `header` then one line per passage, in chunks of about 64 KiB. */
async function _textWriter(
  path: string,
  header: string,
  line: (passage: Passage) => string,
): Promise<_Writer> {
  const file = await Deno.open(path, { write: true, createNew: true });
  const encoder = new TextEncoder();
  let pending = header;
  const flush = async () => {
    const bytes = encoder.encode(pending);
    pending = "";
    for (let written = 0; written < bytes.length;) {
      written += await file.write(bytes.subarray(written));
    }
  };
  return {
    async add(chapter) {
      for (const passage of chapter.passages) pending += line(passage);
      if (pending.length >= 65_536) await flush();
    },
    async finish() {
      await flush();
      file.close();
    },
    abandon: () => {
      try {
        file.close();
      } catch {
        // Already closed.
      }
    },
  };
}

async function _sync(path: string): Promise<void> {
  using handle = await Deno.open(path, { read: true });
  await handle.sync();
}

function _tempName(name: string): string {
  const random = crypto.getRandomValues(new Uint8Array(4));
  const hex = Array.from(random, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `.${name}.${Deno.pid}.${hex}.tmp`;
}
