/**
 * The languages' manifest, `<out>/manifest.json` of a folder of several
 * languages, rebuilt from each language's root manifest
 * (`<out>/<lang>/manifest.json`) on disk, with its checksum: the top of the
 * chain an export trusts.
 *
 * @module
 */

import { basename } from "node:path";
import { type WriteFile, writeFileAtomic } from "./atomic_write.ts";
import type { LanguagesManifest, LanguagesManifestLanguage } from "./manifest_types.ts";
import { languageDir, rootManifestPath } from "./paths.ts";
import { readLanguagesManifest, readRootManifest } from "./read_manifest.ts";

/** Options of {@linkcode writeLanguagesManifest}. */
export interface LanguagesManifestOptions {
  /** The content API. */
  readonly url: string;
  /** The languages of this run; languages imported before and not now are kept. */
  readonly langs: readonly string[];
  /** The clock for `generatedAt`. @default () => new Date() */
  readonly now?: () => Date;
  /** The profile of this run. @default omitted */
  readonly profile?: string;
  /** The importer's name and version. @default omitted */
  readonly tool?: { readonly name: string; readonly version: string };
  /** Checked before the reads and before the write. */
  readonly signal?: AbortSignal;
  /** How the file is written. @default writeFileAtomic */
  readonly writeFile?: WriteFile;
}

/**
 * Rebuilds and writes `<out>/manifest.json` over the languages of this run
 * and of earlier ones (as the file on disk lists them), each from its root
 * manifest on disk: a language whose manifest is missing or unreadable
 * counts 0 imported, not complete, with a null `sha256`. A language is
 * complete when every chapter import.yaml declares is imported or not
 * available in it, and none failed.
 *
 * @returns The manifest written.
 */
export async function writeLanguagesManifest(
  outDir: string,
  options: LanguagesManifestOptions,
): Promise<LanguagesManifest> {
  const { now = () => new Date(), signal, writeFile = writeFileAtomic } = options;
  signal?.throwIfAborted();
  const before = await readLanguagesManifest(rootManifestPath(outDir));
  const earlier = before.ok ? before.manifest.languages.map((l) => l.lang) : [];
  const langs = [...new Set([...earlier, ...options.langs])];
  const languages = await Promise.all(
    langs.map(async (lang): Promise<LanguagesManifestLanguage> => {
      const dir = languageDir(outDir, lang, { multilingual: true });
      const read = await readRootManifest(rootManifestPath(dir));
      if (!read.ok) {
        return {
          lang,
          dir: basename(dir),
          expectedChapters: 0,
          importedChapters: 0,
          failedChapters: 0,
          notAvailableChapters: 0,
          verses: 0,
          complete: false,
          sha256: null,
        };
      }
      const { totals, notAvailable = [] } = read.manifest;
      const notAvailableChapters = notAvailable.reduce((sum, entry) => sum + entry.chapters, 0);
      return {
        lang,
        dir: basename(dir),
        expectedChapters: totals.expectedChapters,
        importedChapters: totals.importedChapters,
        failedChapters: totals.failedChapters,
        notAvailableChapters,
        verses: totals.verses,
        complete: totals.failedChapters === 0 &&
          totals.importedChapters + notAvailableChapters >= totals.expectedChapters,
        sha256: read.sha256,
      };
    }),
  );
  const sum = (value: (language: LanguagesManifestLanguage) => number) =>
    languages.reduce((total, language) => total + value(language), 0);
  const manifest: LanguagesManifest = {
    layout: "languages",
    ...(options.tool === undefined ? {} : { tool: { ...options.tool } }),
    source: { url: options.url, langs: [...options.langs] },
    ...(options.profile === undefined ? {} : { profile: options.profile }),
    generatedAt: now().toISOString(),
    languages,
    totals: {
      languages: languages.length,
      expectedChapters: sum((l) => l.expectedChapters),
      importedChapters: sum((l) => l.importedChapters),
      failedChapters: sum((l) => l.failedChapters),
      notAvailableChapters: sum((l) => l.notAvailableChapters),
      verses: sum((l) => l.verses),
    },
    complete: languages.every((language) => language.complete),
  };
  await writeFile(rootManifestPath(outDir), JSON.stringify(manifest, null, 2) + "\n", { signal });
  return manifest;
}
