/**
 * Which part of the manifest to import: `--source` volumes and `--only`
 * books or chapter ranges, resolved against the manifest.
 *
 * @module
 */

import { UserError } from "../exec/user_error.ts";
import { suggestionSuffix } from "../manifest/did_you_mean.ts";
import type { Manifest } from "../manifest/types.ts";

/** Thrown for a selection that names nothing in the manifest. Exit code 2. */
export class SelectionError extends UserError {
  /** Creates the error; `message` says what was not found and what is close. */
  constructor(message: string) {
    super(message);
    this.name = "SelectionError";
  }
}

/** Chapters selected in one book, in ascending order. */
export interface SelectedBook {
  /** The volume id, e.g. `bofm`. */
  readonly volume: string;
  /** The book slug, e.g. `1-ne`. */
  readonly book: string;
  /** The chapter numbers. */
  readonly chapters: readonly number[];
}

/** What the flags asked for. */
export interface SelectionInput {
  /** `all`, volume ids or aliases, comma-separated lists allowed. @default ["all"] */
  readonly source?: readonly string[];
  /** `volume/book` or `volume/book/N` or `volume/book/N-M`, comma-separated lists allowed. */
  readonly only?: readonly string[];
}

/** A resolved selection: the books and chapters to import, in manifest order. */
export interface Selection {
  /** The words the user gave, normalised (e.g. `["bofm"]`, `["bofm/1-ne/3-5"]`). */
  readonly labels: readonly string[];
  /** The selected books, in manifest order. */
  readonly books: readonly SelectedBook[];
}

/** Short names accepted by `--source` besides the volume ids. */
export const VOLUME_ALIASES: Readonly<Record<string, string>> = { dc: "dc-testament" };

function _split(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) => v);
}

/**
 * Resolves `--source` and `--only` against the manifest.
 *
 * @throws {SelectionError} for an unknown volume, book or chapter, listing the valid names.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveSelection } from "./selection.ts";
 * const manifest = { volumes: [{ id: "bofm", title: "Book of Mormon", books: [
 *   { id: "1-ne", title: "1 Nephi", chapters: 22 },
 * ] }] } as unknown as import("../manifest/types.ts").Manifest;
 * const selection = resolveSelection(manifest, { only: ["bofm/1-ne/3-5"] });
 * assert.ok(selection.books[0].chapters.join() === "3,4,5");
 * ```
 */
export function resolveSelection(manifest: Manifest, input: SelectionInput): Selection {
  const volumeIds = manifest.volumes.map((v) => v.id);
  // Slugs are lower case: `OT` and `1-Ne` mean `ot` and `1-ne`.
  const resolveVolume = (word: string): string => {
    const lower = word.toLowerCase();
    const id = VOLUME_ALIASES[lower] ?? lower;
    if (!volumeIds.includes(id)) {
      const aliases = Object.keys(VOLUME_ALIASES).filter((a) =>
        volumeIds.includes(VOLUME_ALIASES[a])
      );
      const valid = [...volumeIds, ...aliases];
      throw new SelectionError(
        `Cannot select source "${word}": no such volume (valid: all, ${valid.join(", ")})${
          suggestionSuffix(word, valid)
        }`,
      );
    }
    return id;
  };

  const sourceWords = _split(input.source);
  const all = sourceWords.length === 0 || sourceWords.some((w) => w.toLowerCase() === "all");
  const sources = all ? volumeIds : [...new Set(sourceWords.map(resolveVolume))];
  const onlyWords = _split(input.only);

  if (onlyWords.length === 0) {
    const books = manifest.volumes
      .filter((v) => sources.includes(v.id))
      .flatMap((v) =>
        v.books.map((b) => ({
          volume: v.id,
          book: b.id,
          chapters: Array.from({ length: b.chapters }, (_, i) => i + 1),
        }))
      );
    return { labels: all ? ["all"] : sources, books };
  }

  // --only: collect chapters per book, then emit in manifest order.
  const wanted = new Map<string, Set<number>>();
  for (const word of onlyWords) {
    const parts = word.split("/");
    if (parts.length < 2 || parts.length > 3) {
      throw new SelectionError(
        `Cannot select "${word}": expected volume/book or volume/book/chapters (e.g. bofm/1-ne, bofm/1-ne/3-5, dc-testament/dc/76)`,
      );
    }
    const volumeId = resolveVolume(parts[0]);
    if (!sources.includes(volumeId)) {
      throw new SelectionError(
        `Cannot select "${word}": volume "${volumeId}" is outside --source ${sources.join(",")}`,
      );
    }
    const volume = manifest.volumes.find((v) => v.id === volumeId)!;
    const book = volume.books.find((b) => b.id === parts[1].toLowerCase());
    if (!book) {
      const valid = volume.books.map((b) => b.id);
      throw new SelectionError(
        `Cannot select "${word}": no book "${parts[1]}" in ${volumeId} (valid: ${
          valid.join(", ")
        })${suggestionSuffix(parts[1], valid)}`,
      );
    }
    const key = `${volumeId}/${book.id}`;
    const set = wanted.get(key) ?? new Set<number>();
    wanted.set(key, set);
    if (parts.length === 2) {
      for (let c = 1; c <= book.chapters; c++) set.add(c);
      continue;
    }
    const range = /^(\d+)(?:-(\d+))?$/.exec(parts[2]);
    const from = range ? Number(range[1]) : NaN;
    const to = range?.[2] !== undefined ? Number(range[2]) : from;
    if (range && to < from) {
      throw new SelectionError(
        `Cannot select "${word}": the range "${parts[2]}" is reversed (write ${to}-${from})`,
      );
    }
    if (!range || from < 1 || to > book.chapters) {
      throw new SelectionError(
        `Cannot select "${word}": chapters "${
          parts[2]
        }" are not within ${key} (1-${book.chapters})`,
      );
    }
    for (let c = from; c <= to; c++) set.add(c);
  }
  const books: SelectedBook[] = [];
  for (const volume of manifest.volumes) {
    for (const book of volume.books) {
      const set = wanted.get(`${volume.id}/${book.id}`);
      if (set) {
        books.push({ volume: volume.id, book: book.id, chapters: [...set].sort((a, b) => a - b) });
      }
    }
  }
  return {
    labels: onlyWords.map((w) => {
      const [v, ...rest] = w.toLowerCase().split("/");
      return [VOLUME_ALIASES[v] ?? v, ...rest].join("/");
    }),
    books,
  };
}
