/**
 * The importer's plan: a DAG of chapter tasks and manifest-writing sinks.
 *
 * @module
 */

/** Fetch one chapter: `GET ?uri=/scriptures/{volume}/{book}/{chapter}`. */
export interface ChapterNode {
  readonly id: string; // "bofm/1-ne/3"
  readonly kind: "chapter";
  readonly role: "task";
  readonly deps: readonly string[];
  readonly scope: readonly [volume: string, book: string]; // ["bofm", "bofm/1-ne"]
  readonly volume: string;
  readonly book: string;
  readonly chapter: number;
  /** The content URI, e.g. `/scriptures/bofm/1-ne/3`. */
  readonly uri: string;
}

/** Write `<out>/<volume>/<book>/manifest.json` after the book's chapters ended. */
export interface BookManifestNode {
  readonly id: string; // "bofm/1-ne/manifest"
  readonly kind: "book-manifest";
  readonly role: "sink";
  readonly deps: readonly string[];
  readonly scope: readonly [volume: string, book: string];
  readonly volume: string;
  readonly book: string;
}

/** Write `<out>/<volume>/manifest.json` after the volume's book manifests. */
export interface VolumeManifestNode {
  readonly id: string; // "bofm/manifest"
  readonly kind: "volume-manifest";
  readonly role: "sink";
  readonly deps: readonly string[];
  readonly scope: readonly [volume: string];
  readonly volume: string;
}

/** Write `<out>/manifest.json` last. */
export interface RootManifestNode {
  readonly id: string; // "manifest"
  readonly kind: "root-manifest";
  readonly role: "sink";
  readonly deps: readonly string[];
  readonly scope: readonly [];
}

/** Any node of the importer's plan. */
export type PlanNode = ChapterNode | BookManifestNode | VolumeManifestNode | RootManifestNode;
