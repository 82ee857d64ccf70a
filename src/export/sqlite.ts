/**
 * The SQLite form of an export (Deno's `node:sqlite`): tables of volumes,
 * books, chapters and verses joined by foreign keys, an FTS5 index over the
 * verses' text, and two views, `passages` (every row with its names, in
 * reading order) and `find_verse` (full-text search). docs/export.md shows
 * the queries.
 *
 * @module
 */

import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { ExportChapter, OutputFolder } from "./output_folder.ts";

/** The schema of a SQLite export; `rowid` order is reading order in every table. */
export const SQLITE_SCHEMA = `
CREATE TABLE volumes (
  id INTEGER PRIMARY KEY,
  volume TEXT NOT NULL UNIQUE,
  title TEXT NOT NULL,
  position INTEGER NOT NULL
);
CREATE TABLE books (
  id INTEGER PRIMARY KEY,
  volume_id INTEGER NOT NULL REFERENCES volumes(id),
  book TEXT NOT NULL,
  title TEXT NOT NULL,
  position INTEGER NOT NULL,
  chapters INTEGER NOT NULL,
  UNIQUE (volume_id, book)
);
CREATE TABLE chapters (
  id INTEGER PRIMARY KEY,
  book_id INTEGER NOT NULL REFERENCES books(id),
  chapter INTEGER NOT NULL,
  lang TEXT NOT NULL,
  uri TEXT NOT NULL,
  title TEXT NOT NULL,
  number TEXT,
  summary TEXT,
  sha256 TEXT NOT NULL,
  UNIQUE (book_id, chapter, lang)
);
CREATE TABLE verses (
  id INTEGER PRIMARY KEY,
  chapter_id INTEGER NOT NULL REFERENCES chapters(id),
  key TEXT NOT NULL,
  reference TEXT NOT NULL,
  lang TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('verse', 'paragraph')),
  verse INTEGER,
  position INTEGER NOT NULL,
  paragraph_start INTEGER NOT NULL CHECK (paragraph_start IN (0, 1)),
  text TEXT NOT NULL,
  UNIQUE (key, lang),
  UNIQUE (chapter_id, position)
);
CREATE INDEX books_by_volume ON books (volume_id, position);
CREATE INDEX verses_by_reference ON verses (reference);
CREATE VIRTUAL TABLE verses_fts USING fts5 (
  text, content = 'verses', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE VIEW passages AS
  SELECT verses.id, verses.key, verses.reference, verses.lang,
         volumes.volume, books.book, books.title AS book_title, chapters.chapter,
         verses.kind, verses.verse, verses.position, verses.paragraph_start, verses.text
  FROM verses
  JOIN chapters ON chapters.id = verses.chapter_id
  JOIN books ON books.id = chapters.book_id
  JOIN volumes ON volumes.id = books.volume_id;
CREATE VIEW find_verse AS
  SELECT passages.key, passages.reference, passages.lang, passages.volume, passages.book,
         passages.chapter, passages.verse, passages.kind, passages.text,
         verses_fts.text AS search, verses_fts.rank AS rank
  FROM verses_fts JOIN passages ON passages.id = verses_fts.rowid;
`;

/**
 * Writes one export into a new SQLite file: the volumes and books first,
 * then each chapter's rows as they come, the full-text index last. Rows go in
 * one transaction; the file is a temporary one the caller renames, so no
 * journal is kept while it is built.
 */
export class SqliteExportWriter {
  readonly #db: DatabaseSync;
  readonly #bookIds = new Map<string, number | bigint>();
  readonly #insertChapter: StatementSync;
  readonly #insertVerse: StatementSync;

  /**
   * Creates the schema in a new file at `path` and writes the volumes and
   * books of the folders (one per language), each once, as the first folder
   * that has it names it.
   */
  constructor(path: string, folderOrFolders: OutputFolder | readonly OutputFolder[]) {
    const folders: readonly OutputFolder[] = Array.isArray(folderOrFolders)
      ? folderOrFolders
      : [folderOrFolders as OutputFolder];
    this.#db = new DatabaseSync(path);
    this.#db.exec("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA foreign_keys = ON;");
    this.#db.exec(SQLITE_SCHEMA);
    this.#db.exec("BEGIN");
    const insertVolume = this.#db.prepare(
      "INSERT INTO volumes (volume, title, position) VALUES (?, ?, ?)",
    );
    const insertBook = this.#db.prepare(
      "INSERT INTO books (volume_id, book, title, position, chapters) VALUES (?, ?, ?, ?, ?)",
    );
    const volumeIds = new Map<string, number | bigint>();
    for (const volume of folders.flatMap((folder) => folder.volumes)) {
      let volumeId = volumeIds.get(volume.volume);
      if (volumeId === undefined) {
        volumeId = insertVolume.run(volume.volume, volume.title, volume.position).lastInsertRowid;
        volumeIds.set(volume.volume, volumeId);
      }
      for (const book of volume.books) {
        if (this.#bookIds.has(`${book.volume}/${book.book}`)) continue;
        const bookId = insertBook.run(
          volumeId,
          book.book,
          book.title,
          book.position,
          book.expectedChapters,
        ).lastInsertRowid;
        this.#bookIds.set(`${book.volume}/${book.book}`, bookId);
      }
    }
    this.#insertChapter = this.#db.prepare(
      "INSERT INTO chapters (book_id, chapter, lang, uri, title, number, summary, sha256) " +
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    );
    this.#insertVerse = this.#db.prepare(
      "INSERT INTO verses (chapter_id, key, reference, lang, kind, verse, position, " +
        "paragraph_start, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    );
  }

  /** Adds a chapter and its rows. */
  add(chapter: ExportChapter): void {
    const { file, book } = chapter;
    const bookId = this.#bookIds.get(`${book.volume}/${book.book}`);
    if (bookId === undefined) {
      throw new RangeError(`Cannot add chapter ${file.uri}: book ${book.book} was not written`);
    }
    const chapterId = this.#insertChapter.run(
      bookId,
      file.chapter,
      file.lang,
      file.uri,
      file.title,
      file.number,
      file.summary,
      chapter.sha256,
    ).lastInsertRowid;
    for (const passage of chapter.passages) {
      this.#insertVerse.run(
        chapterId,
        passage.key,
        passage.reference,
        passage.lang,
        passage.kind,
        passage.verse,
        passage.position,
        passage.paragraphStart ? 1 : 0,
        passage.text,
      );
    }
  }

  /** Commits the rows, builds the full-text index and closes the file. */
  finish(): void {
    this.#db.exec("COMMIT");
    this.#db.exec("INSERT INTO verses_fts (verses_fts) VALUES ('rebuild')");
    this.#db.exec("INSERT INTO verses_fts (verses_fts) VALUES ('optimize')");
    this.#db.exec("ANALYZE");
    this.#db.close();
  }

  /** Closes the file without committing (the caller removes it). */
  abandon(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}
