/**
 * The three manifest files an import writes. Each is rebuilt from what is on
 * disk (chapter files, then book manifests, then volume manifests), never
 * merged into an older one, so it always describes the files beside it; only
 * the server's validators of a chapter (`etag`, `lastModified`) are carried
 * over from the last book manifest, while the chapter's file is the same.
 *
 * @module
 */

import type { Compression } from "../manifest/types.ts";

/** One imported chapter in a {@linkcode BookManifest}. */
export interface BookManifestChapter {
  /** Chapter number, 1-based. */
  readonly chapter: number;
  /** The content URI the chapter was fetched from, as recorded in its file. */
  readonly uri: string;
  /** File name inside the book directory, e.g. `"3.json"`, `"3.json.gz"`. */
  readonly file: string;
  /**
   * How the file is stored: `none` (JSON text) or `gzip`. Manifests written
   * before compression existed lack it: read it as `none`.
   */
  readonly encoding: Compression;
  /** Size of the file as stored, bytes. */
  readonly bytes: number;
  /** SHA-256 of the file's bytes as stored (compressed, for gzip), lowercase hex. */
  readonly sha256: string;
  /** Number of verses in the chapter. */
  readonly verses: number;
  /** Number of non-verse body paragraphs in the chapter. */
  readonly paragraphs: number;
  /** The server's `ETag` for the page this file holds, for a conditional refresh (`--refresh`). */
  readonly etag?: string;
  /** The server's `Last-Modified` for that page, an HTTP date. */
  readonly lastModified?: string;
}

/** A chapter that this run failed to import and that has no valid file on disk. */
export interface BookManifestFailure {
  /** Chapter number, 1-based. */
  readonly chapter: number;
  /** The content URI requested. */
  readonly uri: string;
  /** The last error, or `"cancelled"` when the run stopped before the chapter ended. */
  readonly reason: string;
  /** Attempts made (0 for a cancelled chapter). */
  readonly attempts: number;
  /**
   * The run stopped before this chapter ended (Ctrl-C, fail-fast): not a
   * failure of the chapter, and not counted as failed above the book.
   */
  readonly cancelled?: true;
}

/** A chapter file on disk that failed verification and so counts as missing. */
export interface BookManifestInvalidFile {
  /** Chapter number, 1-based. */
  readonly chapter: number;
  /** File name inside the book directory, e.g. `"3.json"`. */
  readonly file: string;
  /** Why it failed verification. */
  readonly reason: string;
}

/** `<out>/<volume>/<book>/manifest.json`. */
export interface BookManifest {
  /** Volume slug, e.g. `"bofm"`. */
  readonly volume: string;
  /** Book slug, e.g. `"1-ne"`. */
  readonly book: string;
  /** Book title from `import.yaml`. */
  readonly title: string;
  /** Chapters the book has, per `import.yaml` (chapters 1..expectedChapters). */
  readonly expectedChapters: number;
  /** Chapters with a valid file on disk (the length of `chapters`). */
  readonly importedChapters: number;
  /** Chapters without a valid file on disk, ascending; includes every chapter of `failed`. */
  readonly missingChapters: readonly number[];
  /** Chapters this run failed or cancelled and that have no valid file on disk. */
  readonly failed: readonly BookManifestFailure[];
  /** Chapter files on disk that failed verification (counted in `missingChapters`). */
  readonly invalidFiles: readonly BookManifestInvalidFile[];
  /** Verses summed over the imported chapters. */
  readonly verses: number;
  /** Verses the whole book should have, per `import.yaml`; null when not given there. */
  readonly expectedVerses: number | null;
  /** The imported chapters, ascending. */
  readonly chapters: readonly BookManifestChapter[];
  /** Every expected chapter is imported, and the verses add up to `expectedVerses` when it is given. */
  readonly complete: boolean;
  /** When this manifest was written, ISO 8601 UTC. */
  readonly updatedAt: string;
}

/** One book in a {@linkcode VolumeManifest}. */
export interface VolumeManifestBook {
  /** Book slug. */
  readonly book: string;
  /** Book title from `import.yaml`. */
  readonly title: string;
  /** Chapters the book has, per `import.yaml`. */
  readonly expectedChapters: number;
  /** From the book manifest; 0 when it is missing or unreadable. */
  readonly importedChapters: number;
  /** Entries of the book manifest's `failed` that failed (not cancelled); 0 when it is missing. */
  readonly failed: number;
  /** Entries of the book manifest's `failed` that a stopped run cancelled; 0 when it is missing. */
  readonly cancelled: number;
  /** Verses imported, from the book manifest; 0 when it is missing. */
  readonly verses: number;
  /** The book manifest says complete and agrees with `import.yaml` on the chapter count. */
  readonly complete: boolean;
  /** SHA-256 of the book manifest file, lowercase hex; null when it is missing or unreadable. */
  readonly sha256: string | null;
}

/** Counts over a volume's books. */
export interface VolumeTotals {
  /** Books in the volume, per `import.yaml`. */
  readonly books: number;
  readonly expectedChapters: number;
  readonly importedChapters: number;
  /** Sum of the books' `failed`. */
  readonly failedChapters: number;
  /** Sum of the books' `cancelled`. */
  readonly cancelledChapters: number;
  readonly verses: number;
}

/** `<out>/<volume>/manifest.json`. */
export interface VolumeManifest {
  /** Volume slug. */
  readonly volume: string;
  /** Volume title from `import.yaml`. */
  readonly title: string;
  /** Every book of the volume in `import.yaml` order, imported or not. */
  readonly books: readonly VolumeManifestBook[];
  readonly totals: VolumeTotals;
  /** Every book is complete. */
  readonly complete: boolean;
  /** When this manifest was written, ISO 8601 UTC. */
  readonly updatedAt: string;
}

/** One volume in a {@linkcode RootManifest}. */
export interface RootManifestVolume {
  /** Volume slug. */
  readonly volume: string;
  /** Volume title from `import.yaml`. */
  readonly title: string;
  /** Books in the volume, per `import.yaml`. */
  readonly books: number;
  /** Chapters in the volume, per `import.yaml`. */
  readonly expectedChapters: number;
  /** From the volume manifest; 0 when it is missing or unreadable. */
  readonly importedChapters: number;
  /** From the volume manifest; 0 when it is missing. */
  readonly failedChapters: number;
  /** From the volume manifest; 0 when it is missing. */
  readonly cancelledChapters: number;
  /** From the volume manifest; 0 when it is missing. */
  readonly verses: number;
  /** The volume manifest says complete and agrees with `import.yaml` on the chapter count. */
  readonly complete: boolean;
  /** SHA-256 of the volume manifest file, lowercase hex; null when it is missing or unreadable. */
  readonly sha256: string | null;
}

/** `<out>/manifest.json`. */
export interface RootManifest {
  /** The importer that wrote the file; absent when the caller did not say. */
  readonly tool?: { readonly name: string; readonly version: string };
  /** The content API and language imported from, per `import.yaml`. */
  readonly source: { readonly url: string; readonly lang: string };
  /** The performance profile of the run that wrote this file; absent when not given. */
  readonly profile?: string;
  /**
   * How the run that wrote this file stored the chapters it wrote, what the
   * next run keeps when neither `--compress` nor `output.compress` says;
   * absent in manifests written before compression existed (`none`).
   */
  readonly compression?: Compression;
  /** The selection of the run that wrote this file (e.g. `["bofm"]`); absent when the run took everything. */
  readonly selection?: readonly string[];
  /** When this manifest was written, ISO 8601 UTC. */
  readonly generatedAt: string;
  /** Every volume of `import.yaml` in order, imported or not. */
  readonly volumes: readonly RootManifestVolume[];
  readonly totals: {
    /** Volumes in `import.yaml`. */
    readonly volumes: number;
    /** Books in `import.yaml`. */
    readonly books: number;
    readonly expectedChapters: number;
    readonly importedChapters: number;
    readonly failedChapters: number;
    /** Chapters a stopped run cancelled: not failed, only not imported yet. */
    readonly cancelledChapters: number;
    readonly verses: number;
  };
  /** Every volume of `import.yaml` is complete. */
  readonly complete: boolean;
  /**
   * What the content API does not serve in this language: volumes (`ot`,
   * answered 404) and books (`pgp/js-h`, answered with a table of contents),
   * remembered so that the next run does not ask again (`--force` does).
   * Absent when nothing is known missing.
   */
  readonly notAvailable?: readonly RootManifestNotAvailable[];
}

/** A volume or book a language does not have, as the root manifest remembers it. */
export interface RootManifestNotAvailable {
  /** `ot` (a volume) or `pgp/js-h` (a book). */
  readonly scope: string;
  /** `HTTP 404`, or `table of contents`. */
  readonly reason: string;
  /** Chapters of it that import.yaml declares. */
  readonly chapters: number;
}

/** One language of `<out>/manifest.json` in a folder of several languages. */
export interface LanguagesManifestLanguage {
  /** The language code: its folder is `<out>/<lang>/`. */
  readonly lang: string;
  /** Its folder, relative to `<out>`: `<lang>`. */
  readonly dir: string;
  readonly expectedChapters: number;
  readonly importedChapters: number;
  readonly failedChapters: number;
  /** Chapters of volumes and books the API does not serve in the language. */
  readonly notAvailableChapters: number;
  readonly verses: number;
  /** Its root manifest says complete. */
  readonly complete: boolean;
  /** SHA-256 of `<lang>/manifest.json`; null when it is missing or unreadable. */
  readonly sha256: string | null;
}

/**
 * `<out>/manifest.json` of a folder of several languages: one entry per
 * language, each language's folder laid out as a one-language output folder.
 */
export interface LanguagesManifest {
  /** Tells this file from a one-language root manifest. */
  readonly layout: "languages";
  readonly tool?: { readonly name: string; readonly version: string };
  /** The content API, and the languages of the last run. */
  readonly source: { readonly url: string; readonly langs: readonly string[] };
  readonly profile?: string;
  readonly generatedAt: string;
  /** Every language with a folder here, in the order first imported. */
  readonly languages: readonly LanguagesManifestLanguage[];
  readonly totals: {
    readonly languages: number;
    readonly expectedChapters: number;
    readonly importedChapters: number;
    readonly failedChapters: number;
    readonly notAvailableChapters: number;
    readonly verses: number;
  };
  /** Every language is complete (what it does not have aside). */
  readonly complete: boolean;
}
