/**
 * The importer: plans the selected chapters, skips what is already on disk,
 * runs the plan on the executor with the content-API source and the output
 * writers, and records every event in the progress log.
 *
 * @module
 */

import { resolve } from "node:path";
import type { Clock } from "./exec/clock.ts";
import { systemClock } from "./exec/clock.ts";
import { runDag } from "./exec/executor.ts";
import type { RunControl } from "./exec/run_control.ts";
import type { Limits, RunEvent, RunReport } from "./exec/types.ts";
import type { Manifest, Profile } from "./manifest/types.ts";
import { cleanTempFiles } from "./output/atomic_write.ts";
import { writeBookManifest } from "./output/book_manifest.ts";
import { type ChapterWriteResult, writeChapter } from "./output/chapter_file.ts";
import { writeRootManifest } from "./output/root_manifest.ts";
import { writeVolumeManifest } from "./output/volume_manifest.ts";
import { buildPlan, type Plan } from "./plan/planner.ts";
import { resolveSelection, type SelectionInput } from "./plan/selection.ts";
import type { ChapterNode, PlanNode } from "./plan/types.ts";
import { defaultLogPath, ProgressLog } from "./progress/log.ts";
import type { RunHeader } from "./progress/log_record.ts";
import { type Summary, SummaryCollector } from "./progress/summary.ts";
import { completedChapters, recordedChecksums } from "./resume.ts";
import { fetchChapter } from "./source/request.ts";
import { TOOL } from "./version.ts";

/** Options of {@linkcode runImport}. */
export interface ImportOptions {
  /** The validated manifest (its `source` and `output` are used as given). */
  readonly manifest: Manifest;
  /** The performance profile. */
  readonly profile: Profile;
  /** What to import. @default everything */
  readonly selection?: SelectionInput;
  /** Output directory. @default manifest.output.dir */
  readonly outDir?: string;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** @default systemClock (the log's times assume epoch ms) */
  readonly clock?: Clock;
  /** Jitter source. @default Math.random */
  readonly random?: () => number;
  /** Aborting it stops starting work, aborts requests in flight and writes the manifests. */
  readonly signal?: AbortSignal;
  /** Stop starting new work after the first failure. @default false */
  readonly failFast?: boolean;
  /** Fetch every selected chapter again, even those already on disk. @default false */
  readonly force?: boolean;
  /** Progress log path; `false` for none. @default `<out>/.import/runs/<start>.ndjson` */
  readonly log?: string | false;
  /** SHA-256 of the manifest file, for the log. @default "" */
  readonly manifestSha256?: string;
  /** Extra sinks of the run's events (e.g. a terminal view). */
  readonly onEvent?: (event: RunEvent) => void;
  /** Lets an adaptive controller change the limits while the run goes. */
  readonly control?: RunControl;
}

/** What {@linkcode runImport} returns. */
export interface ImportResult {
  readonly plan: Plan;
  readonly report: RunReport;
  readonly summary: Summary;
  /** The progress log written, if any. */
  readonly logPath?: string;
  /** 0 all imported, 1 some failed, 130 interrupted. */
  readonly exitCode: 0 | 1 | 130;
}

/** The executor's limits for a profile. */
export function profileLimits(profile: Profile): Limits {
  return {
    scopes: [profile.volumes, profile.booksPerVolume],
    tasksPerScope: profile.chaptersPerBook,
    maxInFlight: profile.maxInFlight,
    delayMs: profile.delayMs,
    tokenBucket: profile.requestsPerSecond
      ? { ratePerSecond: profile.requestsPerSecond, burst: profile.burst ?? 1 }
      : undefined,
  };
}

/**
 * Imports the selected chapters into `outDir` and writes the book, volume and
 * root manifests as the run goes.
 *
 * @throws {SelectionError} for a selection that names nothing in the manifest.
 */
export async function runImport(options: ImportOptions): Promise<ImportResult> {
  const { manifest, profile } = options;
  const clock = options.clock ?? systemClock;
  const outDir = resolve(options.outDir ?? manifest.output.dir);
  const plan = buildPlan(manifest, resolveSelection(manifest, options.selection ?? {}));
  const chapters = plan.dag.nodes.filter((n): n is ChapterNode => n.kind === "chapter");
  // A book declared with `verses: 0` (the Official Declarations) is prose: its
  // chapters have paragraphs and no verses. Any other chapter without verses is empty.
  const proseBooks = new Set(
    manifest.volumes.flatMap((v) =>
      v.books.filter((b) => b.verses === 0).map((b) => `${v.id}/${b.id}`)
    ),
  );

  await Deno.mkdir(outDir, { recursive: true });
  await cleanTempFiles(outDir);
  const preResolved = options.force
    ? new Map<string, ChapterWriteResult>()
    : await completedChapters(
      outDir,
      chapters,
      await recordedChecksums(outDir, plan.selection.books),
      manifest.source.lang,
    );

  const collector = new SummaryCollector({
    chapters: chapters.length,
    limits: profile,
    books: (skipped) => _boundBooks(chapters, skipped),
  });
  const startedAt = clock.now();
  const logPath = options.log === false
    ? undefined
    : options.log ?? defaultLogPath(outDir, new Date(startedAt));
  const log = logPath === undefined ? undefined : await ProgressLog.open(logPath);
  const header: RunHeader = {
    tool: TOOL,
    manifest: { file: manifest.file, sha256: options.manifestSha256 ?? "" },
    profile: {
      name: profile.name,
      volumes: profile.volumes,
      booksPerVolume: profile.booksPerVolume,
      chaptersPerBook: profile.chaptersPerBook,
      maxInFlight: profile.maxInFlight,
      delayMs: profile.delayMs,
      requestsPerSecond: profile.requestsPerSecond,
      burst: profile.requestsPerSecond ? profile.burst : undefined,
    },
    selection: plan.selection.labels,
    outDir,
    lang: manifest.source.lang,
    apiUrl: manifest.source.url,
  };
  // The collector must see run-end before the log asks it for the summary.
  const sinks = [
    collector.add,
    ...(log ? [log.sink({ header, summarize: () => collector.summary() })] : []),
    ...(options.onEvent ? [options.onEvent] : []),
  ];

  const now = () => new Date(clock.now());
  let report: RunReport;
  try {
    report = await runDag(plan.dag, {
      tasks: {
        chapter: async (node: PlanNode, context) => {
          const chapter = node as ChapterNode;
          const fetched = await fetchChapter(chapter.uri, {
            source: manifest.source,
            retryOn: manifest.retry.retryOn,
            fetch: options.fetch,
            signal: context.signal,
            proseOnly: proseBooks.has(`${chapter.volume}/${chapter.book}`),
            now: () => clock.now(),
          });
          // With the attempt's signal, an attempt that timed out cannot rename
          // its file into place after the run has moved on.
          return await writeChapter(outDir, fetched.chapter, { signal: context.signal });
        },
      },
      sinks: {
        "book-manifest": async (node, deps) => {
          if (node.kind !== "book-manifest") throw new TypeError(`Unexpected node "${node.id}"`);
          const written = await writeBookManifest(outDir, manifest, node.volume, node.book, deps, {
            now,
          });
          return { importedChapters: written.importedChapters, complete: written.complete };
        },
        "volume-manifest": async (node) => {
          if (node.kind !== "volume-manifest") throw new TypeError(`Unexpected node "${node.id}"`);
          const written = await writeVolumeManifest(outDir, manifest, node.volume, { now });
          return { importedChapters: written.totals.importedChapters, complete: written.complete };
        },
        "root-manifest": async () => {
          const written = await writeRootManifest(outDir, manifest, {
            now,
            profile: profile.name,
            selection: plan.selection.labels[0] === "all" ? undefined : plan.selection.labels,
            tool: TOOL,
          });
          return { importedChapters: written.totals.importedChapters, complete: written.complete };
        },
      },
      limits: profileLimits(profile),
      retry: manifest.retry,
      attemptTimeoutMs: manifest.source.timeoutMs,
      clock,
      random: options.random,
      signal: options.signal,
      failFast: options.failFast,
      preResolved,
      control: options.control,
      onEvent: (event) => {
        for (const sink of sinks) sink(event);
      },
    });
  } finally {
    log?.close();
  }
  const summary = collector.summary();
  const exitCode = report.aborted && options.signal?.aborted
    ? 130
    : summary.chapters.failed > 0 || summary.chapters.cancelled > 0 || report.failed > 0
    ? 1
    : 0;
  return { plan, report, summary, logPath, exitCode };
}

function _boundBooks(chapters: readonly ChapterNode[], skipped: ReadonlySet<string>) {
  const books = new Map<string, { volume: string; chapters: number }>();
  for (const node of chapters) {
    if (skipped.has(node.id)) continue;
    const key = `${node.volume}/${node.book}`;
    const entry = books.get(key) ?? { volume: node.volume, chapters: 0 };
    entry.chapters++;
    books.set(key, entry);
  }
  return [...books.values()];
}
