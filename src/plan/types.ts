/**
 * The importer's plan: a DAG of chapter tasks and manifest-writing sinks.
 *
 * @module
 */

/** Fetch one chapter: `GET ?uri=/scriptures/{volume}/{book}/{chapter}`. */
export interface ChapterNode {
  /** `volume/book/chapter`, e.g. `bofm/1-ne/3`. */
  readonly id: string;
  /** The node's kind. */
  readonly kind: "chapter";
  /** A request: held by the rate limit and the in-flight cap. */
  readonly role: "task";
  /** The ids of the nodes that must end before this one starts. */
  readonly deps: readonly string[];
  /** The volume and book it runs in, e.g. `["bofm", "bofm/1-ne"]`. */
  readonly scope: readonly [volume: string, book: string];
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
  /** The volume and book it belongs to. */
  readonly scope: readonly [volume: string, book: string];
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
  /** The volume it belongs to. */
  readonly scope: readonly [volume: string];
  /** The volume id. */
  readonly volume: string;
}

/** Write `<out>/manifest.json` last. */
export interface RootManifestNode {
  /** Always `manifest`. */
  readonly id: string;
  /** The node's kind. */
  readonly kind: "root-manifest";
  /** Local work: not held by the rate limit. */
  readonly role: "sink";
  /** The ids of the nodes that must end before this one starts. */
  readonly deps: readonly string[];
  /** The run as a whole: no scope. */
  readonly scope: readonly [];
}

/** Any node of the importer's plan. */
export type PlanNode = ChapterNode | BookManifestNode | VolumeManifestNode | RootManifestNode;
