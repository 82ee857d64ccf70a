/**
 * The validated shapes of `import.yaml` and of a profile. Durations are
 * already converted to milliseconds here.
 *
 * @module
 */

import type { RetryPolicy } from "../exec/types.ts";

/** A book of a volume: its slug, title, abbreviation and number of chapters. */
export interface Book {
  /** Slug used in URIs and paths, `^[a-z0-9][a-z0-9-]*$` (e.g. `1-ne`). */
  readonly id: string;
  /** The book's name as printed (e.g. `1 Nephi`). */
  readonly title: string;
  /**
   * The book's abbreviation in references (`1 Ne.` makes `1 Ne. 3:7`); the
   * title is used where it is absent.
   */
  readonly abbrev?: string;
  /** Chapters numbered 1..chapters. */
  readonly chapters: number;
  /** Total verses expected in the book, where known (a check, not a limit). */
  readonly verses?: number;
}

/** A volume of scripture. */
export interface Volume {
  /** Slug used in URIs and paths (e.g. `bofm`, `dc-testament`). */
  readonly id: string;
  /** The volume's name as printed (e.g. `Book of Mormon`). */
  readonly title: string;
  /** The volume's books, in canonical order. */
  readonly books: readonly Book[];
}

/** Where chapters come from. */
export interface SourceConfig {
  /** The content API endpoint (https, or http for loopback hosts). */
  readonly url: string;
  /** Three-letter language code: the first of `langs`. @default "eng" */
  readonly lang: string;
  /**
   * Every language of the run, in order, without repeats: `source.langs`, or
   * `[lang]`. With more than one, each goes to `<out>/<lang>/`. @default [lang]
   */
  readonly langs?: readonly string[];
  /** Sent on every request; names this tool. */
  readonly userAgent: string;
  /** Per-request timeout, ms. */
  readonly timeoutMs: number;
  /** Largest response body accepted, bytes. @default 5_000_000 */
  readonly maxBodyBytes: number;
}

/** The retry policy plus the HTTP statuses that are retried. */
export interface RetryConfig extends RetryPolicy {
  /** The longest `Retry-After` waited for, ms (`retry.maxRetryAfter`). @default 300_000 */
  readonly maxRetryAfterMs: number;
  /** HTTP statuses retried. @default [429, 500, 502, 503, 504] */
  readonly retryOn: readonly number[];
}

/** How chapter files are stored: `none`, plain `<chapter>.json`; `gzip`, `<chapter>.json.gz`. */
export type Compression = (typeof COMPRESSIONS)[number];

/** Every {@linkcode Compression}, as `output.compress` and `--compress` take them. */
export const COMPRESSIONS = ["none", "gzip"] as const;

/** Where the files go and how they are stored (`output` in `import.yaml`). */
export interface OutputConfig {
  /** The output folder. @default "./data" */
  readonly dir: string;
  /**
   * How chapter files are stored; absent when import.yaml does not say, and
   * then an import keeps the folder's (its root manifest's `compression`),
   * `none` for a new folder.
   */
  readonly compress?: Compression;
}

/** `import.yaml`, validated. */
export interface Manifest {
  /** Path the manifest was loaded from. */
  readonly file: string;
  /** Where chapters come from (`source`). */
  readonly source: SourceConfig;
  /** Where and how they are written (`output`). */
  readonly output: OutputConfig;
  /** How failed requests are retried (`retry`). */
  readonly retry: RetryConfig;
  /** Name of the profile used when `--profile` is not given. */
  readonly profile: string;
  /** What can be imported, in canonical order. */
  readonly volumes: readonly Volume[];
}

/** A named performance profile, validated. */
export interface Profile {
  /** The profile's name: its file name without `.yaml`. */
  readonly name: string;
  /** Path the profile was loaded from. */
  readonly file: string;
  /** One line saying what the profile is for. */
  readonly description?: string;
  /** Languages with work in progress at once, in a run of several. @default 1 */
  readonly languages?: number;
  /** Volumes with work in progress at once (within one language). */
  readonly volumes: number;
  /** Books in progress at once within one volume. */
  readonly booksPerVolume: number;
  /** Chapter requests in flight at once within one book. */
  readonly chaptersPerBook: number;
  /** Global cap on requests in flight. */
  readonly maxInFlight?: number;
  /** Minimum ms between the starts of any two requests in the run. */
  readonly delayMs: number;
  /** Token bucket rate on request starts. */
  readonly requestsPerSecond?: number;
  /** Token bucket capacity (defaults to 1 when `requestsPerSecond` is set). */
  readonly burst?: number;
  /**
   * Present when the profile adapts its rate to the server (`adaptive: true`):
   * the rate it starts at and the rate it never goes below, requests/s. The
   * limits above are then ceilings.
   */
  readonly adaptive?: { readonly startRate: number; readonly minRate: number };
}
