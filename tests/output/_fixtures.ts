/**
 * Test fixtures for the output stage: a literal `Manifest`, chapters, and a
 * temporary directory removed at the end.
 *
 * @module
 */

import type { Book, Manifest, Volume } from "../../src/manifest/types.ts";
import type { Chapter } from "../../src/source/types.ts";
import type { BookLabel } from "../../src/output/chapter_encoding.ts";

/** A manifest with the given volumes and otherwise fixed settings. */
export function makeManifest(volumes: readonly Volume[]): Manifest {
  return {
    file: "test/import.yaml",
    source: {
      url: "https://content.example.org/api",
      lang: "eng",
      userAgent: "scripture-importer-test",
      timeoutMs: 30_000,
      maxBodyBytes: 5_000_000,
    },
    output: { dir: "unused" },
    retry: {
      maxRetries: 3,
      baseDelayMs: 500,
      maxDelayMs: 30_000,
      multiplier: 2,
      jitter: "full",
      maxRetryAfterMs: 300_000,
      retryOn: [429, 500, 502, 503, 504],
    },
    profile: "default",
    volumes,
  };
}

/** A book fixture. */
export function makeBook(id: string, chapters: number, verses?: number): Book {
  return { id, title: `Book ${id}`, chapters, ...(verses === undefined ? {} : { verses }) };
}

/** The book label the fixtures' chapters are written with: `Bk. 3:1`. */
export const BOOK_LABEL: BookLabel = { title: "A Book", abbrev: "Bk." };

/** A chapter with `verses` verses and `paragraphs` paragraphs. */
export function makeChapter(
  volume: string,
  book: string,
  chapter: number,
  counts: { verses?: number; paragraphs?: number; lang?: string } = {},
): Chapter {
  const { verses = 3, paragraphs = 0, lang = "eng" } = counts;
  return {
    uri: `/scriptures/${volume}/${book}/${chapter}`,
    volume,
    book,
    chapter,
    lang,
    title: `${book} ${chapter}`,
    number: `Chapter ${chapter}`,
    subtitle: null,
    intro: null,
    studyIntro: null,
    summary: `Summary of ${book} ${chapter}.`,
    verses: Array.from({ length: verses }, (_, index) => ({
      number: index + 1,
      text: `Verse ${index + 1} of ${book} ${chapter} — “quoted”.`,
      paragraphStart: index === 0,
    })),
    paragraphs: Array.from({ length: paragraphs }, (_, index) => ({
      id: `p${verses + index + 1}`,
      text: `Closing paragraph ${index + 1}.`,
    })),
    source: {
      url: `https://content.example.org/api?uri=/scriptures/${volume}/${book}/${chapter}`,
      fetchedAt: "2025-06-01T12:00:00.000Z",
    },
  };
}

/** Runs `body` with a fresh temporary directory, removed afterwards. */
export async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "output_test_" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Every file name under `dir`, recursively, relative to it, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isDirectory) {
      for (const name of await listFiles(`${dir}/${entry.name}`)) {
        names.push(`${entry.name}/${name}`);
      }
    } else {
      names.push(entry.name);
    }
  }
  return names.sort();
}

/** A fixed clock. */
export const fixedNow = (): Date => new Date("2025-06-02T08:30:00.000Z");
