/**
 * The root manifest, `<out>/manifest.json`, rebuilt from the volume manifests
 * on disk.
 *
 * @module
 */

import type { Compression, Manifest } from "../manifest/types.ts";
import { type WriteFile, writeFileAtomic } from "./atomic_write.ts";
import type {
  RootManifest,
  RootManifestNotAvailable,
  RootManifestVolume,
} from "./manifest_types.ts";
import { rootManifestPath, volumeManifestPath } from "./paths.ts";
import { readVolumeManifest } from "./read_manifest.ts";

/** Options of {@linkcode writeRootManifest}. */
export interface RootManifestOptions {
  /** The clock for `generatedAt`. @default () => new Date() */
  readonly now?: () => Date;
  /** The profile of this run, recorded as `profile`. @default omitted */
  readonly profile?: string;
  /** How this run stores chapter files, recorded as `compression`. @default omitted */
  readonly compression?: Compression;
  /** The selection of this run (e.g. `["bofm"]`), recorded as `selection`. @default omitted */
  readonly selection?: readonly string[];
  /** The importer's name and version, recorded as `tool`. @default omitted */
  readonly tool?: { readonly name: string; readonly version: string };
  /** What the API does not serve in this language, remembered in `notAvailable`. @default none */
  readonly notAvailable?: readonly RootManifestNotAvailable[];
  /** Checked before the reads and before the write. */
  readonly signal?: AbortSignal;
  /** How the file is written. @default writeFileAtomic */
  readonly writeFile?: WriteFile;
}

/**
 * Rebuilds and writes `<out>/manifest.json` from the volume manifests on
 * disk. Every volume of `import.yaml` is listed, imported or not, so a
 * partial import (say `--source bofm`) says plainly what is missing: a
 * volume whose manifest is missing or unreadable counts as 0 imported, not
 * complete, with a null `sha256`. Expected counts come from `import.yaml`.
 *
 * @returns The manifest written.
 * @throws {TypeError} When a volume id is not a slug.
 * @throws {Error} When the write fails.
 */
export async function writeRootManifest(
  outDir: string,
  manifest: Manifest,
  options: RootManifestOptions = {},
): Promise<RootManifest> {
  const { now = () => new Date(), signal, writeFile = writeFileAtomic } = options;
  signal?.throwIfAborted();

  const volumes: RootManifestVolume[] = await Promise.all(
    manifest.volumes.map(async (volume): Promise<RootManifestVolume> => {
      const expectedChapters = volume.books.reduce((sum, book) => sum + book.chapters, 0);
      const summary = {
        volume: volume.id,
        title: volume.title,
        books: volume.books.length,
        expectedChapters,
      };
      const read = await readVolumeManifest(volumeManifestPath(outDir, volume.id), volume.id);
      if (!read.ok) {
        return {
          ...summary,
          importedChapters: 0,
          failedChapters: 0,
          cancelledChapters: 0,
          verses: 0,
          complete: false,
          sha256: null,
        };
      }
      const { totals, complete } = read.manifest;
      return {
        ...summary,
        importedChapters: totals.importedChapters,
        failedChapters: totals.failedChapters,
        cancelledChapters: totals.cancelledChapters,
        verses: totals.verses,
        complete: complete && totals.expectedChapters === expectedChapters,
        sha256: read.sha256,
      };
    }),
  );

  const sum = (value: (volume: RootManifestVolume) => number) =>
    volumes.reduce((total, volume) => total + value(volume), 0);
  const rootManifest: RootManifest = {
    ...(options.tool === undefined
      ? {}
      : { tool: { name: options.tool.name, version: options.tool.version } }),
    source: { url: manifest.source.url, lang: manifest.source.lang },
    ...(options.profile === undefined ? {} : { profile: options.profile }),
    ...(options.compression === undefined ? {} : { compression: options.compression }),
    ...(options.selection === undefined ? {} : { selection: [...options.selection] }),
    generatedAt: now().toISOString(),
    volumes,
    totals: {
      volumes: volumes.length,
      books: sum((volume) => volume.books),
      expectedChapters: sum((volume) => volume.expectedChapters),
      importedChapters: sum((volume) => volume.importedChapters),
      failedChapters: sum((volume) => volume.failedChapters),
      cancelledChapters: sum((volume) => volume.cancelledChapters),
      verses: sum((volume) => volume.verses),
    },
    complete: volumes.every((volume) => volume.complete),
    ...(options.notAvailable === undefined || options.notAvailable.length === 0
      ? {}
      : { notAvailable: [...options.notAvailable] }),
  };
  await writeFile(rootManifestPath(outDir), JSON.stringify(rootManifest, null, 2) + "\n", {
    signal,
  });
  return rootManifest;
}
