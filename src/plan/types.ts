/**
 * The importer's plan: a DAG of chapter tasks and manifest-writing sinks.
 *
 * @module
 */

/** Fetch one chapter: `GET ?lang={lang}&uri=/scriptures/{volume}/{book}/{chapter}`. */
export interface ChapterNode {
  /**
   * `volume/book/chapter`, e.g. `bofm/1-ne/3`; in a run of several languages
   * led by the language, `spa/bofm/1-ne/3`.
   */
  readonly id: string;
  /** The node's kind. */
  readonly kind: "chapter";
  /** A request: held by the rate limit and the in-flight cap. */
  readonly role: "task";
  /** The ids of the nodes that must end before this one starts. */
  readonly deps: readonly string[];
  /**
   * The volume and book it runs in, e.g. `["bofm", "bofm/1-ne"]`; in a run of
   * several languages, its language first: `["spa", "spa/bofm", "spa/bofm/1-ne"]`.
   */
  readonly scope: readonly string[];
  /** The language code, e.g. `eng`. */
  readonly lang: string;
  /** The volume id, e.g. `bofm`. */
  readonly volume: string;
  /** The book slug, e.g. `1-ne`. */
  readonly book: string;
  /** The chapter number, from 1. */
  readonly chapter: number;
  /** The content URI, e.g. `/scriptures/bofm/1-ne/3`. */
  readonly uri: string;
}

/** Write `<out>/<volume>/<book>/manifest.json` after the book's chapters ended. */
export interface BookManifestNode {
  /** `volume/book/manifest`, e.g. `bofm/1-ne/manifest`. */
  readonly id: string;
  /** The node's kind. */
  readonly kind: "book-manifest";
  /** Local work: not held by the rate limit. */
  readonly role: "sink";
  /** The ids of the nodes that must end before this one starts. */
  readonly deps: readonly string[];
  /** The volume and book it belongs to (the language first in a run of several). */
  readonly scope: readonly string[];
  /** The language code. */
  readonly lang: string;
  /** The volume id. */
  readonly volume: string;
  /** The book slug. */
  readonly book: string;
}

/** Write `<out>/<volume>/manifest.json` after the volume's book manifests. */
export interface VolumeManifestNode {
  /** `volume/manifest`, e.g. `bofm/manifest`. */
  readonly id: string;
  /** The node's kind. */
  readonly kind: "volume-manifest";
  /** Local work: not held by the rate limit. */
  readonly role: "sink";
  /** The ids of the nodes that must end before this one starts. */
  readonly deps: readonly string[];
  /** The volume it belongs to (the language first in a run of several). */
  readonly scope: readonly string[];
  /** The language code. */
  readonly lang: string;
  /** The volume id. */
  readonly volume: string;
}

/**
 * Write a language's root manifest after its volumes': `<out>/manifest.json`,
 * or `<out>/<lang>/manifest.json` in a run of several languages.
 */
export interface RootManifestNode {
  /** `manifest`; `<lang>/manifest` in a run of several languages. */
  readonly id: string;
  /** The node's kind. */
  readonly kind: "root-manifest";
  /** Local work: not held by the rate limit. */
  readonly role: "sink";
  /** The ids of the nodes that must end before this one starts. */
  readonly deps: readonly string[];
  /** No scope; `[lang]` in a run of several languages. */
  readonly scope: readonly string[];
  /** The language code. */
  readonly lang: string;
}

/** Write `<out>/manifest.json` over every language's, last: only in a run of several languages. */
export interface LanguagesManifestNode {
  /** Always `manifest`. */
  readonly id: string;
  /** The node's kind. */
  readonly kind: "languages-manifest";
  /** Local work: not held by the rate limit. */
  readonly role: "sink";
  /** The languages' root manifests. */
  readonly deps: readonly string[];
  /** The run as a whole: no scope. */
  readonly scope: readonly [];
}

/** Any node of the importer's plan. */
export type PlanNode =
  | ChapterNode
  | BookManifestNode
  | VolumeManifestNode
  | RootManifestNode
  | LanguagesManifestNode;
