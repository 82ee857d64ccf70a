/**
 * The planner: a pure function from manifest, profile and selection to a DAG
 * of chapter tasks and manifest-writing sinks.
 *
 * @module
 */

import { Dag } from "../exec/dag.ts";
import { chapterUri } from "../source/chapter_uri.ts";
import type { Manifest, Profile } from "../manifest/types.ts";
import { type Bound, theoreticalMinimum } from "./bound.ts";
import { compileLimits } from "./limits.ts";
import type { Selection } from "./selection.ts";
import type {
  BookManifestNode,
  ChapterNode,
  PlanNode,
  RootManifestNode,
  VolumeManifestNode,
} from "./types.ts";

/** The compiled plan. */
export interface Plan {
  /** Chapter tasks and manifest sinks, depth-first. */
  readonly dag: Dag<PlanNode>;
  /** What was selected. */
  readonly selection: Selection;
  /** How many of each node. */
  readonly counts: PlanCounts;
}

/** How many of each thing a plan holds. */
export interface PlanCounts {
  /** Volumes with a selected book. */
  readonly volumes: number;
  /** Books with a selected chapter. */
  readonly books: number;
  /** Chapter tasks. */
  readonly chapters: number;
  /** Book-manifest sinks. */
  readonly bookManifests: number;
  /** Volume-manifest sinks. */
  readonly volumeManifests: number;
  /** Root-manifest sinks (1). */
  readonly rootManifests: number;
  /** All manifest-writing nodes. */
  readonly sinks: number;
}

// Chapters depend on nothing; one frozen array serves them all.
const _NO_DEPS: readonly string[] = Object.freeze([]);

/** The id of a chapter node, e.g. `bofm/1-ne/3`. */
export const chapterId = (volume: string, book: string, chapter: number): string =>
  `${volume}/${book}/${chapter}`;

/**
 * Compiles the selected part of the manifest into a plan. Nodes are in
 * depth-first order (a book's chapters, then its manifest; a volume's books,
 * then its manifest; the root manifest last), so that books complete early.
 *
 * @param manifest the validated manifest (only `volumes` is read)
 * @param selection what to import, from {@link resolveSelection}
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildPlan } from "./planner.ts";
 * import { resolveSelection } from "./selection.ts";
 * const manifest = { volumes: [{ id: "pgp", title: "Pearl of Great Price", books: [
 *   { id: "moses", title: "Moses", chapters: 8 },
 *   { id: "abr", title: "Abraham", chapters: 5 },
 * ] }] } as unknown as import("../manifest/types.ts").Manifest;
 * const plan = buildPlan(manifest, resolveSelection(manifest, {}));
 * assert.ok(plan.counts.chapters === 13 && plan.counts.sinks === 4);
 * assert.ok(plan.dag.get("pgp/abr/manifest")?.deps.length === 5);
 * ```
 */
export function buildPlan(manifest: Manifest, selection: Selection): Plan {
  const nodes: PlanNode[] = [];
  const volumeManifests: string[] = [];
  let books = 0;
  let chapters = 0;
  for (const volume of manifest.volumes) {
    const selected = selection.books.filter((b) => b.volume === volume.id);
    if (selected.length === 0) continue;
    const bookManifests: string[] = [];
    for (const book of selected) {
      // One scope array per book, shared by its nodes: a million-chapter plan
      // must not allocate one per chapter.
      const scope = [volume.id, `${volume.id}/${book.book}`] as const;
      const chapterIds: string[] = [];
      for (const chapter of book.chapters) {
        const node: ChapterNode = {
          id: chapterId(volume.id, book.book, chapter),
          kind: "chapter",
          role: "task",
          deps: _NO_DEPS,
          scope,
          volume: volume.id,
          book: book.book,
          chapter,
          uri: chapterUri({ volume: volume.id, book: book.book, chapter }),
        };
        nodes.push(node);
        chapterIds.push(node.id);
      }
      const bookNode: BookManifestNode = {
        id: `${volume.id}/${book.book}/manifest`,
        kind: "book-manifest",
        role: "sink",
        deps: chapterIds,
        scope,
        volume: volume.id,
        book: book.book,
      };
      nodes.push(bookNode);
      bookManifests.push(bookNode.id);
      books++;
      chapters += chapterIds.length;
    }
    const volumeNode: VolumeManifestNode = {
      id: `${volume.id}/manifest`,
      kind: "volume-manifest",
      role: "sink",
      deps: bookManifests,
      scope: [volume.id],
      volume: volume.id,
    };
    nodes.push(volumeNode);
    volumeManifests.push(volumeNode.id);
  }
  const root: RootManifestNode = {
    id: "manifest",
    kind: "root-manifest",
    role: "sink",
    deps: volumeManifests,
    scope: [],
  };
  nodes.push(root);
  return {
    dag: Dag.from(nodes),
    selection,
    counts: {
      volumes: volumeManifests.length,
      books,
      chapters,
      bookManifests: books,
      volumeManifests: volumeManifests.length,
      rootManifests: 1,
      sinks: books + volumeManifests.length + 1,
    },
  };
}

/** The plan's lower bound on duration for a profile and a request latency. */
export function planBound(plan: Plan, profile: Profile, latencyMs: number): Bound {
  return theoreticalMinimum(
    plan.selection.books.map((b) => ({ volume: b.volume, chapters: b.chapters.length })),
    compileLimits(profile),
    latencyMs,
  );
}
