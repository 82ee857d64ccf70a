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
import { compileLimits, type RunLimits } from "./limits.ts";
import type { Selection } from "./selection.ts";
import type {
  BookManifestNode,
  ChapterNode,
  LanguagesManifestNode,
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
  /** The languages, in order (`manifest.source.langs`). */
  readonly langs: readonly string[];
  /**
   * Whether the run has several languages: node ids and scopes then start
   * with the language, and each language has its folder (see `languageDir`).
   */
  readonly multilingual: boolean;
  /** How many of each node. */
  readonly counts: PlanCounts;
}

/** How many of each thing a plan holds. */
export interface PlanCounts {
  /** Languages (1 for a run of one). */
  readonly languages: number;
  /** Volumes with a selected book, over all languages. */
  readonly volumes: number;
  /** Books with a selected chapter, over all languages. */
  readonly books: number;
  /** Chapter tasks. */
  readonly chapters: number;
  /** Book-manifest sinks. */
  readonly bookManifests: number;
  /** Volume-manifest sinks. */
  readonly volumeManifests: number;
  /** Root-manifest sinks: one per language, and the languages' manifest over them in a run of several. */
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
 * The id prefix of a language's nodes: `""` in a run of one language (ids as
 * they always were), `"<lang>/"` in a run of several.
 */
export const langPrefix = (plan: Pick<Plan, "multilingual">, lang: string): string =>
  plan.multilingual ? `${lang}/` : "";

/**
 * Compiles the selected part of the manifest into a plan, for each language
 * of `manifest.source.langs`. Nodes are in depth-first order (a book's
 * chapters, then its manifest; a volume's books, then its manifest; a
 * language's volumes, then its root manifest; the languages' manifest last),
 * so that books complete early. In a run of one language ids are
 * `bofm/1-ne/3`, scopes `["bofm", "bofm/1-ne"]`; of several, both start with
 * the language (`spa/bofm/1-ne/3`, `["spa", "spa/bofm", "spa/bofm/1-ne"]`).
 *
 * @param manifest the validated manifest (`volumes` and `source.langs` are read)
 * @param selection what to import, from {@link resolveSelection}
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildPlan } from "./planner.ts";
 * import { resolveSelection } from "./selection.ts";
 * const manifest = { source: { langs: ["eng"] }, volumes: [{ id: "pgp", title: "Pearl of Great Price", books: [
 *   { id: "moses", title: "Moses", chapters: 8 },
 *   { id: "abr", title: "Abraham", chapters: 5 },
 * ] }] } as unknown as import("../manifest/types.ts").Manifest;
 * const plan = buildPlan(manifest, resolveSelection(manifest, {}));
 * assert.ok(plan.counts.chapters === 13 && plan.counts.sinks === 4);
 * assert.ok(plan.dag.get("pgp/abr/manifest")?.deps.length === 5);
 * const two = { ...manifest, source: { ...manifest.source, langs: ["eng", "spa"] } };
 * const both = buildPlan(two, resolveSelection(two, {}));
 * const node = both.dag.get("spa/pgp/abr/3");
 * assert.ok(both.counts.chapters === 26 && node?.kind === "chapter" && node.lang === "spa");
 * ```
 */
export function buildPlan(manifest: Manifest, selection: Selection): Plan {
  const langs = manifest.source.langs ?? [manifest.source.lang];
  const multilingual = langs.length > 1;
  const nodes: PlanNode[] = [];
  const roots: string[] = [];
  const counts = { volumes: 0, books: 0, chapters: 0 };
  // The selection by volume, once: the same for every language.
  const byVolume = manifest.volumes.map((volume) => ({
    volume,
    books: selection.books.filter((b) => b.volume === volume.id),
  })).filter((entry) => entry.books.length > 0);
  // The chapter URIs, once: the same for every language.
  const uris = new Map<string, readonly string[]>();
  for (const { volume, books } of byVolume) {
    for (const book of books) {
      uris.set(
        `${volume.id}/${book.book}`,
        book.chapters.map((chapter) => chapterUri({ volume: volume.id, book: book.book, chapter })),
      );
    }
  }
  for (const lang of langs) {
    const prefix = multilingual ? `${lang}/` : "";
    const langScope: readonly string[] = multilingual ? [lang] : [];
    const volumeManifests: string[] = [];
    for (const { volume, books } of byVolume) {
      const volumeScope = [...langScope, `${prefix}${volume.id}`];
      const bookManifests: string[] = [];
      for (const book of books) {
        // One scope array per book, shared by its nodes: a million-chapter plan
        // must not allocate one per chapter.
        const scope = [...volumeScope, `${prefix}${volume.id}/${book.book}`];
        const bookUris = uris.get(`${volume.id}/${book.book}`)!;
        const chapterIds: string[] = new Array(book.chapters.length);
        const idPrefix = `${prefix}${volume.id}/${book.book}/`;
        for (let index = 0; index < book.chapters.length; index++) {
          const chapter = book.chapters[index];
          const node: ChapterNode = {
            id: idPrefix + chapter,
            kind: "chapter",
            role: "task",
            deps: _NO_DEPS,
            scope,
            lang,
            volume: volume.id,
            book: book.book,
            chapter,
            uri: bookUris[index],
          };
          nodes.push(node);
          chapterIds[index] = node.id;
        }
        const bookNode: BookManifestNode = {
          id: `${prefix}${volume.id}/${book.book}/manifest`,
          kind: "book-manifest",
          role: "sink",
          deps: chapterIds,
          scope,
          lang,
          volume: volume.id,
          book: book.book,
        };
        nodes.push(bookNode);
        bookManifests.push(bookNode.id);
        counts.books++;
        counts.chapters += chapterIds.length;
      }
      const volumeNode: VolumeManifestNode = {
        id: `${prefix}${volume.id}/manifest`,
        kind: "volume-manifest",
        role: "sink",
        deps: bookManifests,
        scope: volumeScope,
        lang,
        volume: volume.id,
      };
      nodes.push(volumeNode);
      volumeManifests.push(volumeNode.id);
      counts.volumes++;
    }
    const root: RootManifestNode = {
      id: `${prefix}manifest`,
      kind: "root-manifest",
      role: "sink",
      deps: volumeManifests,
      scope: langScope,
      lang,
    };
    nodes.push(root);
    roots.push(root.id);
  }
  if (multilingual) {
    const top: LanguagesManifestNode = {
      id: "manifest",
      kind: "languages-manifest",
      role: "sink",
      deps: roots,
      scope: [],
    };
    nodes.push(top);
  }
  const rootManifests = roots.length + (multilingual ? 1 : 0);
  return {
    dag: Dag.from(nodes),
    selection,
    langs,
    multilingual,
    counts: {
      languages: langs.length,
      volumes: counts.volumes,
      books: counts.books,
      chapters: counts.chapters,
      bookManifests: counts.books,
      volumeManifests: counts.volumes,
      rootManifests,
      sinks: counts.books + counts.volumes + rootManifests,
    },
  };
}

/**
 * The plan's lower bound on duration for a profile and a request latency. In
 * a run of several languages each language's volume counts as a volume of
 * its own; the `languages` limit is not part of the bound.
 */
export function planBound(plan: Plan, profile: Profile, latencyMs: number): Bound {
  const books = plan.langs.flatMap((lang) =>
    plan.selection.books.map((b) => ({
      volume: langPrefix(plan, lang) + b.volume,
      chapters: b.chapters.length,
    }))
  );
  return theoreticalMinimum(books, planLimits(plan, profile), latencyMs);
}

/** The profile's limits compiled for this plan (a language level when it has several). */
export function planLimits(plan: Pick<Plan, "multilingual">, profile: Profile): RunLimits {
  return compileLimits(profile, { multilingual: plan.multilingual });
}
