/**
 * The volume manifest, `<out>/<volume>/manifest.json`, rebuilt from the book
 * manifests on disk.
 *
 * @module
 */

import pLimit from "p-limit";
import type { Manifest } from "../manifest/types.ts";
import { type WriteFile, writeFileAtomic } from "./atomic_write.ts";
import type { VolumeManifest, VolumeManifestBook } from "./manifest_types.ts";
import { bookManifestPath, volumeManifestPath } from "./paths.ts";
import { readBookManifest } from "./read_manifest.ts";
import { _findVolume } from "./_lookup.ts";

/** Options of {@linkcode writeVolumeManifest}. */
export interface VolumeManifestOptions {
  /** The clock for `updatedAt`. @default () => new Date() */
  readonly now?: () => Date;
  /** Book manifests read at once. @default 16 */
  readonly concurrency?: number;
  /** Checked before each book manifest is read and before the write. */
  readonly signal?: AbortSignal;
  /** How the file is written. @default writeFileAtomic */
  readonly writeFile?: WriteFile;
}

/**
 * Rebuilds and writes `<out>/<volume>/manifest.json` from the book manifests
 * on disk. Every book of the volume in `import.yaml` is listed; a book whose
 * manifest is missing or unreadable counts as 0 imported, 0 failed, not
 * complete, with a null `sha256`. Chapter counts expected come from
 * `import.yaml`; a book manifest written for another chapter count is not
 * complete.
 *
 * @returns The manifest written.
 * @throws {RangeError} When the manifest has no such volume.
 * @throws {TypeError} When an id is not a slug.
 * @throws {Error} When the write fails.
 */
export async function writeVolumeManifest(
  outDir: string,
  manifest: Manifest,
  volumeId: string,
  options: VolumeManifestOptions = {},
): Promise<VolumeManifest> {
  const { now = () => new Date(), concurrency = 16, signal, writeFile = writeFileAtomic } = options;
  const volume = _findVolume(manifest, volumeId);

  const limit = pLimit(concurrency);
  const books: VolumeManifestBook[] = await Promise.all(
    volume.books.map((book) =>
      limit(async (): Promise<VolumeManifestBook> => {
        signal?.throwIfAborted();
        const read = await readBookManifest(
          bookManifestPath(outDir, volumeId, book.id),
          volumeId,
          book.id,
        );
        const summary = { book: book.id, title: book.title, expectedChapters: book.chapters };
        if (!read.ok) {
          return {
            ...summary,
            importedChapters: 0,
            failed: 0,
            cancelled: 0,
            verses: 0,
            complete: false,
            sha256: null,
          };
        }
        const found = read.manifest;
        return {
          ...summary,
          importedChapters: found.importedChapters,
          failed: found.failed.filter((f) => !isCancelledFailure(f)).length,
          cancelled: found.failed.filter(isCancelledFailure).length,
          verses: found.verses,
          complete: found.complete && found.expectedChapters === book.chapters,
          sha256: read.sha256,
        };
      })
    ),
  );

  const volumeManifest: VolumeManifest = {
    volume: volume.id,
    title: volume.title,
    books,
    totals: {
      books: books.length,
      expectedChapters: _sum(books, (book) => book.expectedChapters),
      importedChapters: _sum(books, (book) => book.importedChapters),
      failedChapters: _sum(books, (book) => book.failed),
      cancelledChapters: _sum(books, (book) => book.cancelled),
      verses: _sum(books, (book) => book.verses),
    },
    complete: books.every((book) => book.complete),
    updatedAt: now().toISOString(),
  };
  await writeFile(
    volumeManifestPath(outDir, volumeId),
    JSON.stringify(volumeManifest, null, 2) + "\n",
    { signal },
  );
  return volumeManifest;
}

function _sum<T>(items: readonly T[], value: (item: T) => number): number {
  return items.reduce((sum, item) => sum + value(item), 0);
}

/**
 * Whether a book manifest's `failed` entry is a chapter a stopped run
 * cancelled, not one that failed; a manifest written before the `cancelled`
 * flag says so by reason `"cancelled"` and 0 attempts.
 */
export function isCancelledFailure(
  failure: { readonly reason: string; readonly attempts: number; readonly cancelled?: true },
): boolean {
  return failure.cancelled === true || (failure.attempts === 0 && failure.reason === "cancelled");
}
