/**
 * The importer: plans the selected chapters, skips what is already on disk,
 * runs the plan on the executor with the content-API source and the output
 * writers, and records every event in the progress log.
 *
 * @module
 */

import { join, resolve } from "node:path";
import type { Clock } from "./exec/clock.ts";
import { systemClock } from "./exec/clock.ts";
import { createRateGovernor, type RateGovernor } from "./exec/adaptive/governor.ts";
import { runDag, type RunOptions } from "./exec/executor.ts";
import { RunControl } from "./exec/run_control.ts";
import type { Limits, RateHint, RunEvent, RunReport } from "./exec/types.ts";
import type { Manifest, Profile } from "./manifest/types.ts";
import { cleanTempFiles } from "./output/atomic_write.ts";
import { writeBookManifest } from "./output/book_manifest.ts";
import { type ChapterWriteResult, writeEncodedChapter } from "./output/chapter_file.ts";
import { lockOutDir, type OutDirLock, OutDirLockedError } from "./output/lock.ts";
import { rootManifestPath } from "./output/paths.ts";
import { writeRootManifest } from "./output/root_manifest.ts";
import { writeVolumeManifest } from "./output/volume_manifest.ts";
import { buildPlan, type Plan } from "./plan/planner.ts";
import { resolveSelection, type SelectionInput } from "./plan/selection.ts";
import type { ChapterNode, PlanNode } from "./plan/types.ts";
import { defaultLogPath, ProgressLog } from "./progress/log.ts";
import type { RunHeader } from "./progress/log_record.ts";
import { type Summary, SummaryCollector } from "./progress/summary.ts";
import { completedChapters, recordedChecksums } from "./resume.ts";
import { fetchChapterBody } from "./source/request.ts";
import { ChapterEncoder } from "./offload/chapter_encoder.ts";
import { quotaPause } from "./exec/adaptive/quota.ts";
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
  /**
   * The run's control, through which the rate governor changes the limits
   * while the run goes (an adaptive profile's controller, or a fixed profile's
   * cap at a limit the server announces). @default a new one
   */
  readonly control?: RunControl;
  /**
   * Workers that parse, serialize and hash the chapters, so that the main
   * thread is free to send each request on time; 0 does it all on the main
   * thread. @default one per core beyond the first, at most 4 (see `defaultChapterWorkers`)
   */
  readonly chapterWorkers?: number;
}

/** What {@linkcode runImport} returns. */
export interface ImportResult {
  readonly plan: Plan;
  readonly report: RunReport;
  readonly summary: Summary;
  /** Books whose verse totals differ from import.yaml's (such a run exits 1). */
  readonly warnings: readonly string[];
  /** The progress log written, if any. */
  readonly logPath?: string;
  /** 0 all imported, 1 some failed or a book's verses do not add up, 130 interrupted. */
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

/** A problem found before the import wrote anything: a bad or busy output directory or log. */
export class ImportSetupError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ImportSetupError";
  }
}

/**
 * Imports the selected chapters into `outDir` and writes the book, volume and
 * root manifests as the run goes.
 *
 * @throws {SelectionError} for a selection that names nothing in the manifest.
 * @throws {ImportSetupError} when the output directory is not a directory, is
 *   used by another running import or holds an import in another language, or
 *   when the log cannot be opened; nothing is written then.
 */
export async function runImport(options: ImportOptions): Promise<ImportResult> {
  const { manifest } = options;
  const clock = options.clock ?? systemClock;
  const outDir = resolve(options.outDir ?? manifest.output.dir);
  const plan = buildPlan(manifest, resolveSelection(manifest, options.selection ?? {}));

  // Started first, so the workers load their modules while the run sets up.
  const encoder = new ChapterEncoder({ workers: options.chapterWorkers });
  const warmedUp = options.fetch === undefined ? _warmUpFetch() : Promise.resolve();
  try {
    return await _setUpAndRun(options, { plan, outDir, clock, encoder, warmedUp });
  } finally {
    encoder.close();
    await warmedUp;
  }
}

/**
 * Sets up the runtime's HTTP client before the run: the first request of a
 * process otherwise goes out some 10-40 ms after `fetch` is called, so late
 * that the next one, sent on time, reaches the server right behind it. A
 * request that no server sees does it: to port 1 of 127.0.0.1, refused at
 * once by the system. Skipped without the permission to connect there
 * (never prompts); given up after a second.
 */
async function _warmUpFetch(): Promise<void> {
  const status = await Deno.permissions.query({ name: "net", host: "127.0.0.1:1" });
  if (status.state !== "granted") return;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 1000);
  try {
    const response = await fetch("http://127.0.0.1:1/", { signal: controller.signal });
    await response.body?.cancel();
  } catch {
    // Refused, as intended.
  } finally {
    clearTimeout(timer);
  }
}

async function _setUpAndRun(
  options: ImportOptions,
  { plan, outDir, clock, encoder, warmedUp }:
    & Pick<_Run, "plan" | "outDir" | "clock" | "encoder">
    & {
      readonly warmedUp: Promise<void>;
    },
): Promise<ImportResult> {
  const { manifest } = options;
  await _checkOutDir(outDir, manifest.source.lang);
  const logPath = options.log === false
    ? undefined
    : options.log ?? defaultLogPath(outDir, new Date(clock.now()));
  let lock: OutDirLock | undefined;
  let log: ProgressLog | undefined;
  try {
    lock = await lockOutDir(outDir);
    if (logPath !== undefined) log = await ProgressLog.open(logPath);
  } catch (error) {
    lock?.release();
    if (error instanceof OutDirLockedError) throw new ImportSetupError(error.message);
    throw new ImportSetupError(
      `Cannot start the import into "${outDir}": ${(error as Error).message}`,
      { cause: error },
    );
  }
  try {
    await warmedUp;
    return await _execute({ options, plan, outDir, clock, log, logPath, encoder });
  } finally {
    log?.close();
    lock.release();
  }
}

interface _Run {
  readonly options: ImportOptions;
  readonly plan: Plan;
  readonly outDir: string;
  readonly clock: Clock;
  readonly log?: ProgressLog;
  readonly logPath?: string;
  readonly encoder: ChapterEncoder;
}

async function _execute(run: _Run): Promise<ImportResult> {
  const { options, plan, outDir, clock, log, logPath } = run;
  const { manifest, profile } = options;
  const chapters = plan.dag.nodes.filter((n): n is ChapterNode => n.kind === "chapter");

  // Temporary files of a killed run, in this manifest's directories only.
  for (const volume of manifest.volumes) await cleanTempFiles(join(outDir, volume.id));
  const preResolved = options.force
    ? new Map<string, ChapterWriteResult>()
    : await completedChapters(
      outDir,
      chapters,
      await recordedChecksums(outDir, plan.selection.books, logPath ? [logPath] : []),
      manifest.source.lang,
    );

  const collector = new SummaryCollector({
    chapters: chapters.length,
    limits: profile,
    books: (skipped) => _boundBooks(chapters, skipped),
  });
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
      adaptive: profile.adaptive,
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

  const emit = (event: RunEvent) => {
    for (const sink of sinks) sink(event);
  };
  const control = options.control ?? new RunControl();
  const rates = _rates(profile, control, clock, manifest.retry.retryOn, emit);

  const report = await runDag(plan.dag, {
    ..._handlers(run, rates.hint),
    limits: profileLimits(profile),
    retry: manifest.retry,
    attemptTimeoutMs: manifest.source.timeoutMs,
    clock,
    random: options.random,
    signal: options.signal,
    failFast: options.failFast,
    preResolved,
    control,
    onEvent: (event) => {
      emit(event);
      // Last, so that a rate change it causes is logged after its cause.
      rates.observe(event);
    },
  });
  const summary = collector.summary();
  const warnings = _verseWarnings(plan, report);
  const exitCode = report.aborted && options.signal?.aborted
    ? 130
    : summary.chapters.failed > 0 || summary.chapters.cancelled > 0 || report.failed > 0 ||
        warnings.length > 0
    ? 1
    : 0;
  return { plan, report, summary, warnings, logPath, exitCode };
}

/** What the book-manifest sink returns: enough to tell a book whose verses do not add up. */
interface _BookResult {
  readonly importedChapters: number;
  readonly expectedChapters: number;
  readonly verses: number;
  readonly expectedVerses: number | null;
  readonly complete: boolean;
}

/**
 * The run's rate governor, wired: for an adaptive profile a controller from
 * the start; for a fixed one, a cap created at the first limit the server
 * announces (no profile runs faster than announced), and nothing before.
 * For every profile, an answer saying the quota is used up pauses every
 * start until its reset.
 */
function _rates(
  profile: Profile,
  control: RunControl,
  clock: Clock,
  retryOn: readonly number[],
  onChange: (event: RunEvent) => void,
): { observe: (event: RunEvent) => void; hint: (hint: RateHint) => void } {
  const options = {
    control,
    clock,
    limits: profileLimits(profile),
    overloadStatuses: retryOn.filter((status) => status >= 500),
    onChange,
  };
  let governor: RateGovernor | undefined = profile.adaptive
    ? createRateGovernor({ ...options, adaptive: profile.adaptive })
    : undefined;
  return {
    observe: (event) => governor?.observe(event),
    hint: (hint) => {
      const pause = quotaPause(hint, clock.now());
      if (pause !== undefined && control.attached) control.pauseUntil(pause.until, pause.reason);
      if (governor === undefined && hint.ratePerSecond === undefined) return;
      governor ??= createRateGovernor({ ...options, adaptive: false });
      governor.hint(hint);
    },
  };
}

/**
 * Chapters fetched and not yet written beyond which a request keeps its slot
 * until its chapter is written. A chapter takes a few ms to parse and write,
 * so at the load the slots were made for (10 in flight at 50 ms: 200/s)
 * fewer than one is behind on average; the bound keeps what a kill -9 can
 * lose, and the bodies held in memory, to `maxInFlight` + 2 when the disk or
 * the parser falls behind the server.
 */
export const MAX_CHAPTERS_BEHIND = 8;

function _handlers(
  run: _Run,
  onHint: (hint: RateHint) => void,
): Pick<RunOptions<PlanNode>, "tasks" | "sinks"> {
  const { options, plan, outDir, clock, encoder } = run;
  const { manifest, profile } = options;
  // A book declared with `verses: 0` (the Official Declarations) is prose: its
  // chapters have paragraphs and no verses. Any other chapter without verses is empty.
  const proseBooks = new Set(
    manifest.volumes.flatMap((v) =>
      v.books.filter((b) => b.verses === 0).map((b) => `${v.id}/${b.id}`)
    ),
  );
  const now = () => new Date(clock.now());
  /** Chapters fetched and not yet written. */
  let behind = 0;
  return {
    tasks: {
      chapter: async (node, context) => {
        if (node.kind !== "chapter") throw new TypeError(`Unexpected node "${node.id}"`);
        const body = await fetchChapterBody(node.uri, {
          source: manifest.source,
          retryOn: manifest.retry.retryOn,
          fetch: options.fetch,
          signal: context.signal,
          proseOnly: proseBooks.has(`${node.volume}/${node.book}`),
          now: () => clock.now(),
          onRateHint: onHint,
        });
        // The request is over: its slot goes to the next one while this
        // chapter is parsed (off the main thread) and written, unless too
        // many wait for that already (then requests wait for the writing).
        if (behind < MAX_CHAPTERS_BEHIND) context.releaseSlot();
        behind++;
        // What was fetched is written even when the run is cancelled (a few
        // ms); the attempt's timeout still stops it.
        const local = _unlessCancelled(context.signal, options.signal);
        try {
          // A parse failure comes back from the worker as it was thrown.
          const encoded = await encoder.encode(body.bytes, body.requested, {
            signal: local.signal,
          });
          // With the attempt's signal, an attempt that timed out cannot rename
          // its file into place after the run has moved on.
          return await writeEncodedChapter(outDir, encoded, { signal: local.signal });
        } finally {
          local.dispose();
          behind--;
        }
      },
    },
    sinks: {
      "book-manifest": async (node, deps): Promise<_BookResult> => {
        if (node.kind !== "book-manifest") throw new TypeError(`Unexpected node "${node.id}"`);
        const written = await writeBookManifest(outDir, manifest, node.volume, node.book, deps, {
          now,
        });
        const { importedChapters, expectedChapters, verses, expectedVerses, complete } = written;
        return { importedChapters, expectedChapters, verses, expectedVerses, complete };
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
  };
}

/**
 * A signal that aborts when `attempt` does, unless the run was cancelled
 * (`run` aborted) by then: local work on what a request brought is worth
 * finishing on Ctrl-C, never after its attempt timed out.
 */
function _unlessCancelled(
  attempt: AbortSignal,
  run: AbortSignal | undefined,
): { readonly signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onAbort = () => {
    if (!run?.aborted) controller.abort(attempt.reason);
  };
  if (attempt.aborted) onAbort();
  else attempt.addEventListener("abort", onAbort, { once: true });
  return {
    signal: controller.signal,
    dispose: () => attempt.removeEventListener("abort", onAbort),
  };
}

/**
 * Books whose chapters are all on disk but whose verses do not add up to the
 * total import.yaml declares: markup the parser misread, or a translation that
 * numbers verses differently. Either way, not a complete import.
 */
function _verseWarnings(plan: Plan, report: RunReport): string[] {
  const warnings: string[] = [];
  for (const node of plan.dag.nodes) {
    if (node.kind !== "book-manifest") continue;
    const outcome = report.outcomes.get(node.id);
    if (outcome?.status !== "done") continue;
    const book = outcome.value as _BookResult;
    if (
      book.importedChapters === book.expectedChapters && book.expectedVerses !== null &&
      book.verses !== book.expectedVerses
    ) {
      warnings.push(
        `${node.volume}/${node.book}: ${book.verses} verses imported, import.yaml declares ${book.expectedVerses}`,
      );
    }
  }
  return warnings;
}

/**
 * Refuses, before anything is written, an output path that is not a
 * directory, and one that holds an import in another language (its files
 * would be overwritten one by one).
 */
async function _checkOutDir(outDir: string, lang: string): Promise<void> {
  try {
    const info = await Deno.stat(outDir);
    if (!info.isDirectory) {
      throw new ImportSetupError(`Cannot import into "${outDir}": it is not a directory`);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  let root: { source?: { lang?: unknown } };
  try {
    root = JSON.parse(await Deno.readTextFile(rootManifestPath(outDir)));
  } catch {
    return; // No readable root manifest: nothing imported there yet.
  }
  const held = root.source?.lang;
  if (typeof held === "string" && held !== lang) {
    throw new ImportSetupError(
      `Cannot import "${lang}" into "${outDir}": it holds an import in "${held}" ` +
        `(choose another --out for another language)`,
    );
  }
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
