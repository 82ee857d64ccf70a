/**
 * The languages of an import: each one's folder, id prefix, manifest, chapter
 * journal and what the API does not serve in it, and the translations between
 * the run's ids (`spa/bofm/1-ne/3` in a run of several languages) and the ids
 * a language's folder knows (`bofm/1-ne/3`, as in a run of one language).
 *
 * @module
 */

import type { Outcome, RunEvent } from "./exec/types.ts";
import type { Manifest } from "./manifest/types.ts";
import { ChapterJournal } from "./output/chapter_journal.ts";
import type { RootManifestNotAvailable } from "./output/manifest_types.ts";
import { languageDir } from "./output/paths.ts";
import { langPrefix, type Plan } from "./plan/planner.ts";
import type { PlanNode } from "./plan/types.ts";
import { journalSink } from "./resume.ts";

/** One language of a run. */
export interface ImportLanguage {
  readonly lang: string;
  /** Its folder: `<out>`, or `<out>/<lang>` in a run of several languages. */
  readonly dir: string;
  /** The prefix of its node ids: `""`, or `<lang>/` in a run of several. */
  readonly prefix: string;
  /** The run's manifest with this language as `source.lang`. */
  readonly manifest: Manifest;
  /** Vouches for the chapter files on resume, whatever the log; keyed by ids without the prefix. */
  readonly journal: ChapterJournal;
  /** Volumes (`ot`) and books (`pgp/js-h`) not served in it, with the reason: remembered, then learnt. */
  readonly notAvailable: Map<string, string>;
}

/**
 * Opens each language of the plan into `into` (its journal open, nothing
 * known missing yet); on a failure, what was opened stays in `into` for the
 * caller to close.
 */
export async function openLanguages(
  plan: Plan,
  manifest: Manifest,
  outDir: string,
  into: Map<string, ImportLanguage>,
): Promise<void> {
  for (const lang of plan.langs) {
    const dir = languageDir(outDir, lang, plan);
    const journal = await ChapterJournal.open(dir);
    const source = { ...manifest.source, lang, langs: [lang] };
    into.set(lang, {
      lang,
      dir,
      prefix: langPrefix(plan, lang),
      manifest: { ...manifest, source },
      journal,
      notAvailable: new Map(),
    });
  }
}

/** A book manifest's dependency outcomes under the ids its language's folder knows (no prefix). */
export function localOutcomes(
  deps: ReadonlyMap<string, Outcome>,
  prefix: string,
): ReadonlyMap<string, Outcome> {
  if (prefix === "") return deps;
  const local = new Map<string, Outcome>();
  for (const [id, outcome] of deps) local.set(id.slice(prefix.length), outcome);
  return local;
}

/** A language's nodes under the ids its folder knows them by: as they are in a run of one language. */
export function localNodes(nodes: readonly PlanNode[], language: ImportLanguage): PlanNode[] {
  const { prefix, lang } = language;
  const own = nodes.filter((node) => node.kind !== "languages-manifest" && node.lang === lang);
  if (prefix === "") return own;
  const strip = (id: string) => id.slice(prefix.length);
  return own.map((node) => ({ ...node, id: strip(node.id), deps: node.deps.map(strip) }));
}

/** Which journal records each chapter written: its language's, under the id without the prefix. */
export function languageJournalSink(
  plan: Plan,
  languages: ReadonlyMap<string, ImportLanguage>,
): (event: RunEvent) => void {
  if (!plan.multilingual) return journalSink([...languages.values()][0].journal);
  const sinks = new Map(
    [...languages.values()].map((
      l,
    ) => [l.lang, { prefix: l.prefix, sink: journalSink(l.journal) }]),
  );
  return (event) => {
    if (event.type !== "task-done" || event.kind !== "chapter") return;
    const entry = sinks.get(event.id.slice(0, event.id.indexOf("/")));
    entry?.sink({ ...event, id: event.id.slice(entry.prefix.length) });
  };
}

/** What a language lacks, as its root manifest remembers it: each scope with its chapters in import.yaml. */
export function rememberedNotAvailable(
  manifest: Manifest,
  known: ReadonlyMap<string, string>,
): RootManifestNotAvailable[] {
  const entries: RootManifestNotAvailable[] = [];
  for (const [scope, reason] of known) {
    const [volumeId, bookId] = scope.split("/");
    const volume = manifest.volumes.find((v) => v.id === volumeId);
    const books = volume?.books.filter((b) => bookId === undefined || b.id === bookId) ?? [];
    const chapters = books.reduce((sum, book) => sum + book.chapters, 0);
    entries.push({ scope, reason, chapters });
  }
  return entries.sort((a, b) => a.scope.localeCompare(b.scope));
}

/** One line per volume or book a language lacks: `ceb ot: HTTP 404 (929 chapters in import.yaml)`. */
export function notAvailableLines(
  plan: Plan,
  languages: ReadonlyMap<string, ImportLanguage>,
): string[] {
  const lines: string[] = [];
  for (const language of languages.values()) {
    for (const entry of rememberedNotAvailable(language.manifest, language.notAvailable)) {
      if (!plan.selection.books.some((b) => b.volume === entry.scope.split("/")[0])) continue;
      lines.push(
        `${language.lang} ${entry.scope}: ${entry.reason} ` +
          `(${entry.chapters} chapter${entry.chapters === 1 ? "" : "s"} in import.yaml)`,
      );
    }
  }
  return lines;
}

/** What a chapter or manifest handler needs of a language: all but its journal (the run's sink keeps that). */
export type HandlerLanguage = Omit<ImportLanguage, "journal">;

/**
 * The languages of a plan as a process that only runs its handlers knows
 * them (a queue worker): each with its folder, prefix and manifest, nothing
 * known missing yet.
 */
export function handlerLanguages(
  plan: Plan,
  manifest: Manifest,
  outDir: string,
): Map<string, HandlerLanguage> {
  const languages = new Map<string, HandlerLanguage>();
  for (const lang of plan.langs) {
    const source = { ...manifest.source, lang, langs: [lang] };
    languages.set(lang, {
      lang,
      dir: languageDir(outDir, lang, plan),
      prefix: langPrefix(plan, lang),
      manifest: { ...manifest, source },
      notAvailable: new Map(),
    });
  }
  return languages;
}
