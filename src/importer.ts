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
import type { RateHint, RunEvent, RunReport, TaskContext } from "./exec/types.ts";
import { UserError } from "./exec/user_error.ts";
import { logPathProblem, outDirProblem } from "./import_setup.ts";
import type { Compression, Manifest, Profile } from "./manifest/types.ts";
import { cleanTempFiles, type WriteFile } from "./output/atomic_write.ts";
import { writeBookManifest } from "./output/book_manifest.ts";
import { bookManifestPath, rootManifestPath } from "./output/paths.ts";
import { writeLanguagesManifest } from "./output/languages_manifest.ts";
import { readBookManifest, readRootManifest } from "./output/read_manifest.ts";
import { chapterBytesOnDisk, ChapterDiskTally } from "./output/disk_usage.ts";
import { recodeChapters, type RecodeGroup, recodeGroups } from "./recode.ts";
import { type ChapterWriteResult, writeEncodedChapter } from "./output/chapter_file.ts";
import { lockOutDir, type OutDirLock, OutDirLockedError } from "./output/lock.ts";
import { writeRootManifest } from "./output/root_manifest.ts";
import { writeVolumeManifest } from "./output/volume_manifest.ts";
import { writingOutput } from "./output/write_error.ts";
import type { RunLimits } from "./plan/limits.ts";
import { buildPlan, langPrefix, type Plan, planLimits } from "./plan/planner.ts";
import { resolveSelection, type SelectionInput } from "./plan/selection.ts";
import type { ChapterNode, PlanNode } from "./plan/types.ts";
import { defaultLogPath, ProgressLog } from "./progress/log.ts";
import {
  type LogRecord,
  notAvailableOf,
  type RunHeader,
  toLogRecord,
} from "./progress/log_record.ts";
import { type Summary, SummaryCollector } from "./progress/summary.ts";
import { trustedChapters, unchangedManifests } from "./resume.ts";
import {
  type HandlerLanguage,
  type ImportLanguage,
  languageJournalSink,
  localNodes,
  localOutcomes,
  notAvailableLines,
  openLanguages,
  rememberedNotAvailable,
} from "./import_languages.ts";
import { type ChapterValidators, fetchChapterBody } from "./source/request.ts";
import { notAvailableFrom, notAvailableScope, REFERENCE_LANG } from "./source/not_available.ts";
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
  /** The fetch every request goes through. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** The clock of the run's timers and records. @default systemClock (the log's times assume epoch ms) */
  readonly clock?: Clock;
  /** Jitter source. @default Math.random */
  readonly random?: () => number;
  /** Aborting it stops starting work, aborts requests in flight and writes the manifests. */
  readonly signal?: AbortSignal;
  /** Stop starting new work after the first failure. @default false */
  readonly failFast?: boolean;
  /** Fetch every selected chapter again, even those already on disk. @default false */
  readonly force?: boolean;
  /**
   * Ask the server whether each chapter already on disk changed: a chapter
   * whose book manifest holds its `ETag` / `Last-Modified` is requested with
   * `If-None-Match` / `If-Modified-Since`, and a `304` leaves its file as it
   * is (counted as unchanged); one without is fetched again whole. @default false
   */
  readonly refresh?: boolean;
  /** Progress log path; `false` for none. @default `<out>/.import/runs/<start>.ndjson` */
  readonly log?: string | false;
  /** SHA-256 of the manifest file, for the log. @default "" */
  readonly manifestSha256?: string;
  /** Extra sinks of the run's events (e.g. a terminal view). */
  readonly onEvent?: (event: RunEvent) => void;
  /**
   * Receives every progress-log record as the log has it, in order, whether
   * or not a log is written (e.g. the `--serve` server's stream).
   */
  readonly onRecord?: (record: LogRecord) => void;
  /** The `--serve` server's URL, for the `run-start` record. */
  readonly serveUrl?: string;
  /**
   * The run's control, through which the rate governor changes the limits
   * while the run goes (an adaptive profile's controller, or a fixed profile's
   * cap at a limit the server announces), and a person steers it (its
   * `signal` cancels the run as `signal` does). @default a new one
   */
  readonly control?: RunControl;
  /** How the chapter files and manifests are written. @default writeFileAtomic */
  readonly writeFile?: WriteFile;
  /**
   * How the chapter files are stored: `none` (`<chapter>.json`) or `gzip`
   * (`<chapter>.json.gz`). Trusted files stored the other way are converted
   * on disk, not fetched again (see {@linkcode ImportOptions.onRecode}).
   * @default manifest.output.compress, else the output folder's root manifest's `compression`, else "none"
   */
  readonly compress?: Compression;
  /**
   * Told, before any is converted, how many trusted chapter files stored
   * otherwise than the run's compression will be re-encoded on disk (one
   * group per compression found). Not called when there are none.
   */
  readonly onRecode?: (groups: readonly RecodeGroup[]) => void;
  /**
   * Workers that parse, serialize, compress and hash the chapters, so that the main
   * thread is free to send each request on time; 0 does it all on the main
   * thread. @default one per core beyond the first, at most 4 (see `defaultChapterWorkers`)
   */
  readonly chapterWorkers?: number;
}

/** What {@linkcode runImport} returns. */
export interface ImportResult {
  /** The plan that ran. */
  readonly plan: Plan;
  /** The executor's counts of the run. */
  readonly report: RunReport;
  /** The summary, as printed and logged in `run-end`. */
  readonly summary: Summary;
  /** Books whose verse totals differ from import.yaml's (such a run exits 1). */
  readonly warnings: readonly string[];
  /**
   * Books of other languages whose verse totals differ from import.yaml's
   * (English's), one line each (`spa bofm/1-ne: ...`): reported, not failed.
   */
  readonly differences: readonly string[];
  /**
   * What the API does not serve in which language, one line each
   * (`ceb ot: HTTP 404 (929 chapters)`): counted apart from failures and
   * remembered in the language's root manifest.
   */
  readonly notAvailable: readonly string[];
  /** The progress log written, if any. */
  readonly logPath?: string;
  /**
   * The failure that stopped the run at once: the output took no more writes
   * (disk full, quota, read-only, I/O error). What was written before it is kept.
   */
  readonly stopped?: { readonly id: string; readonly reason: string };
  /**
   * Records of the run that could not be kept, one line each: the progress
   * log or another sink of the run's events failed (the run went on without it).
   */
  readonly recordFailures: readonly string[];
  /**
   * Chapters whose file could not be re-encoded to the run's compression,
   * with why: their old file stays on disk, trusted and listed as it is
   * stored, and the next run tries again (such a run exits 1).
   */
  readonly recodeFailures: readonly { readonly id: string; readonly reason: string }[];
  /**
   * 0 all imported; 1 some failed, a book's verses do not add up, the run
   * stopped on an unwritable output, or a record of the run failed; 130 interrupted.
   */
  readonly exitCode: 0 | 1 | 130;
}

/** A problem found before the import wrote anything: a bad or busy output directory or log. */
export class ImportSetupError extends UserError {
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
 * @throws {ImportSetupError} when the output directory is empty, not a
 *   directory, used by another running import or holds an import in another
 *   language, or when the log path is a directory, under a file or a file
 *   that is not a progress log, or cannot be opened; nothing is written then.
 */
export async function runImport(options: ImportOptions): Promise<ImportResult> {
  const { manifest } = options;
  const clock = options.clock ?? systemClock;
  if (options.outDir === "" || options.log === "") {
    const what = options.outDir === "" ? "output directory" : "progress log path";
    throw new ImportSetupError(`Cannot start the import: the ${what} is empty`);
  }
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
    & { readonly warmedUp: Promise<void> },
): Promise<ImportResult> {
  const { manifest } = options;
  const logPath = options.log === false
    ? undefined
    : options.log ?? defaultLogPath(outDir, new Date(clock.now()));
  // Before the lock: a path that cannot be used must leave nothing behind.
  const layout = { langs: plan.langs, volumes: manifest.volumes.map((v) => v.id) };
  const problem = await outDirProblem(outDir, layout) ??
    (logPath === undefined ? undefined : await logPathProblem(logPath));
  if (problem !== undefined) throw new ImportSetupError(problem);
  let lock: OutDirLock | undefined;
  let log: ProgressLog | undefined;
  const languages = new Map<string, ImportLanguage>();
  const closeJournals = () => {
    for (const language of languages.values()) language.journal.close();
  };
  try {
    lock = await lockOutDir(outDir);
    await openLanguages(plan, manifest, outDir, languages);
    if (logPath !== undefined) log = await ProgressLog.open(logPath);
  } catch (error) {
    closeJournals();
    lock?.release();
    if (error instanceof OutDirLockedError) throw new ImportSetupError(error.message);
    throw new ImportSetupError(
      `Cannot start the import into "${outDir}": ${(error as Error).message}`,
      { cause: error },
    );
  }
  let result: ImportResult;
  try {
    await warmedUp;
    const control = options.control ?? new RunControl();
    const signal = options.signal === undefined
      ? control.signal
      : AbortSignal.any([options.signal, control.signal]);
    result = await _execute({
      ...{ options, plan, outDir, clock, log, logPath, languages, encoder },
      ...{ control, signal },
    });
  } catch (error) {
    _closeLog(log);
    closeJournals();
    lock.release();
    throw error;
  }
  // A file system may report a failed write only at the flush.
  const closeFailure = _closeLog(log);
  closeJournals();
  lock.release();
  if (closeFailure === undefined) return result;
  const recordFailures = [...result.recordFailures, closeFailure];
  return { ...result, recordFailures, exitCode: result.exitCode || 1 };
}

/** Closes the log; returns what went wrong, never throws. */
function _closeLog(log: ProgressLog | undefined): string | undefined {
  try {
    log?.close();
    return undefined;
  } catch (error) {
    return `Cannot flush progress log "${log!.path}": ${(error as Error).message}`;
  }
}

interface _Run {
  readonly options: ImportOptions;
  readonly plan: Plan;
  readonly outDir: string;
  readonly clock: Clock;
  readonly log?: ProgressLog;
  readonly logPath?: string;
  /** Each language of the run, by code: its folder, journal and what it lacks. */
  readonly languages: ReadonlyMap<string, ImportLanguage>;
  /** Parses, serializes and hashes the chapters (on workers). */
  readonly encoder: ChapterEncoder;
  /** With `refresh`: the chapters on disk, each with its file and the validators to ask with. */
  refresh?: ReadonlyMap<string, _OnDisk>;
  /** The run's control (the options' or a new one). */
  readonly control: RunControl;
  /** Aborts on the options' signal or a cancel through the control. */
  readonly signal: AbortSignal;
  /** How this run stores chapter files. */
  compression?: Compression;
}

/** A chapter on disk, as a refresh asks after it. */
interface _OnDisk {
  readonly written: ChapterWriteResult;
  readonly validators?: ChapterValidators;
}

async function _execute(run: _Run): Promise<ImportResult> {
  const { options, plan, outDir, clock, log, logPath, languages } = run;
  const { manifest, profile } = options;
  const chapters = plan.dag.nodes.filter((n): n is ChapterNode => n.kind === "chapter");

  // Each language's folder is laid out as a one-language folder is: its
  // nodes go by the ids that folder knows them by (no language prefix).
  const locals = [...languages.values()].map((language) => {
    const nodes = localNodes(plan.dag.nodes, language);
    const chapters = nodes.filter((n): n is ChapterNode => n.kind === "chapter");
    return { language, nodes, chapters };
  });
  const before = new Map<string, number>();
  for (const { language, chapters } of locals) {
    // Temporary files of a killed run, in this manifest's directories only.
    for (const volume of manifest.volumes) await cleanTempFiles(join(language.dir, volume.id));
    for (const [id, bytes] of await chapterBytesOnDisk(language.dir, chapters)) {
      before.set(language.prefix + id, bytes);
    }
  }
  const compression = await _compression(options, locals[0]?.language.dir ?? outDir);
  run.compression = compression;
  const disk = new ChapterDiskTally(before);
  const preResolved = new Map<string, unknown>();
  const asked = new Map<string, _OnDisk>();
  const recodeFailures: { id: string; reason: string }[] = [];
  let recoded = 0;
  for (const { language, nodes, chapters } of locals) {
    const { dir, prefix } = language;
    // What an earlier run found the API does not serve in it: not asked again
    // unless forced.
    if (options.force) continue;
    const root = await readRootManifest(rootManifestPath(dir));
    for (const entry of (root.ok && root.manifest.notAvailable) || []) {
      language.notAvailable.set(entry.scope, entry.reason);
    }
    const found = await trustedChapters(chapters, {
      outDir: dir,
      lang: language.lang,
      journal: language.journal,
      extraLogs: logPath ? [logPath] : [],
      prefer: compression,
    });
    const groups = recodeGroups(found, compression);
    // The validators of each trusted file, asked by a refresh and kept for a
    // file re-encoded (its checksum changes, its page does not).
    const onDisk = options.refresh || groups.length > 0
      ? await _onDisk(found, chapters, dir)
      : new Map<string, _OnDisk>();
    if (groups.length > 0) options.onRecode?.(groups);
    const recode = await recodeChapters(found, {
      outDir: dir,
      to: compression,
      encoder: run.encoder,
      journal: language.journal,
      writeFile: options.writeFile,
      signal: run.signal,
      onStored: (id, written) => disk.replaced(prefix + id, written.bytes),
    });
    for (const failure of recode.failures) {
      recodeFailures.push({ ...failure, id: prefix + failure.id });
    }
    recoded += recode.recoded.size;
    const trusted = new Map(found);
    for (const [id, written] of recode.recoded) trusted.set(id, written);
    // A refresh asks after every chapter on disk; else they are skipped, and
    // manifests over nothing this run can change are left as they are.
    if (options.refresh) {
      for (const [id, entry] of onDisk) {
        asked.set(prefix + id, { ...entry, written: trusted.get(id)! });
      }
    } else {
      for (const [id, value] of trusted) {
        const validators = recode.recoded.has(id) ? onDisk.get(id)?.validators : undefined;
        preResolved.set(prefix + id, validators === undefined ? value : { ...value, validators });
      }
      const untouched = [...found.keys()].filter((id) => !recode.recoded.has(id));
      const unchanged = await unchangedManifests(nodes, new Set(untouched), dir);
      for (const [id, value] of unchanged) preResolved.set(prefix + id, value);
    }
  }
  if (options.refresh) run.refresh = asked;

  const limits = planLimits(plan, profile);
  const collector = new SummaryCollector({
    chapters: chapters.length,
    limits,
    books: (notRequested) => boundBooks(plan, chapters, notRequested),
    disk: () => ({
      compression,
      beforeBytes: disk.beforeBytes,
      afterBytes: disk.bytes,
      recoded,
    }),
  });
  const header = runHeader(options, plan, outDir, limits);
  // The collector must see run-end before the log asks it for the summary.
  // A sink that throws (a log on a full disk) must not end the run: its first
  // error ends that sink alone, and is reported.
  const recordFailures: string[] = [];
  // The log and the record stream ask for the summary at run-end: computed once.
  let final: Summary | undefined;
  const summarize = () => final ??= collector.summary();
  // The journal first, so that no other sink's failure keeps a chapter unrecorded.
  const sinks = [
    languageJournalSink(plan, languages),
    _diskSink(disk),
    _guardedSink(
      collector.add,
      recordFailures,
      (detail) => `Cannot summarize the run: ${detail} (the summary misses the events after it)`,
    ),
    ...(log
      ? [_guardedSink(
        log.sink({ header, summarize }),
        recordFailures,
        (detail) =>
          `Cannot write progress log "${log.path}": ${detail} (it holds the records before it, none after)`,
      )]
      : []),
    ...(options.onRecord
      ? [_guardedSink(
        _recordSink(options.onRecord, { header, summarize }),
        recordFailures,
        (detail) => `Cannot serve the run's records: ${detail} (none served after it)`,
      )]
      : []),
    ...(options.onEvent
      ? [
        _guardedSink(options.onEvent, recordFailures, (detail) =>
          `Cannot show the run's progress: ${detail} (no event shown after it)`),
      ]
      : []),
  ];

  const emit = (event: RunEvent) => {
    for (const sink of sinks) sink(event);
  };
  const control = run.control;
  const rates = _rates(profile, limits, control, clock, manifest.retry.retryOn, emit);

  const report = await runDag(plan.dag, {
    ...importHandlers(run, rates.hint),
    limits: limits.executor,
    retry: manifest.retry,
    attemptTimeoutMs: manifest.source.timeoutMs,
    clock,
    random: options.random,
    signal: run.signal,
    failFast: options.failFast,
    preResolved,
    // A chapter of a volume or book its language is known not to have is not
    // asked for. (English is never "not available": its runs keep the plain path.)
    settleEarly: plan.langs.every((lang) => lang === REFERENCE_LANG) ? undefined : (node) => {
      if (node.kind !== "chapter") return undefined;
      const known = languages.get(node.lang)!.notAvailable;
      if (known.size === 0) return undefined;
      const notAvailable = notAvailableScope(known, node.volume, node.book);
      return notAvailable === undefined ? undefined : { value: { notAvailable } };
    },
    control,
    onEvent: (event) => {
      emit(event);
      // Last, so that a rate change it causes is logged after its cause.
      rates.observe(event);
    },
  });
  const summary = collector.summary();
  const { warnings, differences } = _verseWarnings(plan, report);
  const notAvailable = notAvailableLines(plan, languages);
  const exitCode = report.aborted && run.signal.aborted
    ? 130
    : summary.chapters.failed > 0 || summary.chapters.cancelled > 0 || report.failed > 0 ||
        warnings.length > 0 || recordFailures.length > 0 || recodeFailures.length > 0
    ? 1
    : 0;
  const stopped = report.fatal && { id: report.fatal.id, reason: report.fatal.reason };
  return {
    plan,
    report,
    summary,
    warnings,
    differences,
    notAvailable,
    logPath,
    ...(stopped ? { stopped } : {}),
    recordFailures,
    recodeFailures,
    exitCode,
  };
}

/**
 * The `run-start` record's header of a run: the tool, the manifest, the
 * profile with its limits, the selection, the output and the source. For any
 * process that logs a run (the importer, a queue run's watcher).
 */
export function runHeader(
  options: Pick<ImportOptions, "manifest" | "profile" | "manifestSha256" | "serveUrl">,
  plan: Plan,
  outDir: string,
  limits: RunLimits,
): RunHeader {
  const { manifest, profile } = options;
  return {
    tool: TOOL,
    manifest: { file: manifest.file, sha256: options.manifestSha256 ?? "" },
    profile: {
      name: profile.name,
      ...(plan.multilingual ? { languages: limits.languages } : {}),
      volumes: profile.volumes,
      booksPerVolume: profile.booksPerVolume,
      chaptersPerBook: profile.chaptersPerBook,
      maxInFlight: profile.maxInFlight,
      delayMs: profile.delayMs,
      requestsPerSecond: profile.requestsPerSecond,
      burst: limits.executor.tokenBucket?.burst,
      adaptive: profile.adaptive,
    },
    selection: plan.selection.labels,
    outDir,
    lang: manifest.source.lang,
    ...(plan.multilingual ? { langs: plan.langs } : {}),
    apiUrl: manifest.source.url,
    ...(options.serveUrl === undefined ? {} : { serve: { url: options.serveUrl } }),
  };
}

/**
 * How the run stores chapter files: as asked, else as import.yaml says, else
 * as the folder's root manifest says the last run did, else plain JSON.
 */
function _compression(options: ImportOptions, outDir: string): Promise<Compression> {
  return runCompression(options.compress ?? options.manifest.output.compress, outDir);
}

/**
 * How a run stores chapter files: `asked` (`--compress`, else import.yaml's
 * `output.compress`), else as the root manifest in `folder` (the run's first
 * language's folder) says the last run did, else plain JSON. For any process
 * that starts a run (the importer, a queue run's enqueue).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runCompression } from "./importer.ts";
 * assert.equal(await runCompression("gzip", "/no/such/folder"), "gzip");
 * assert.equal(await runCompression(undefined, "/no/such/folder"), "none");
 * ```
 */
export async function runCompression(
  asked: Compression | undefined,
  folder: string,
): Promise<Compression> {
  if (asked !== undefined) return asked;
  const root = await readRootManifest(rootManifestPath(folder));
  return (root.ok ? root.manifest.compression : undefined) ?? "none";
}

/** A sink that follows the bytes of the chapter files as each is written again. */
function _diskSink(disk: ChapterDiskTally): (event: RunEvent) => void {
  return (event) => {
    if (event.type !== "task-done" || event.kind !== "chapter") return;
    const written = event.value as Partial<ChapterWriteResult> & { unchanged?: true } | null;
    if (typeof written?.bytes === "number" && written.unchanged !== true) {
      disk.replaced(event.id, written.bytes);
    }
  };
}

/** `sink`, made unable to throw: its first error is kept as one line and ends it. */
function _guardedSink(
  sink: (event: RunEvent) => void,
  failures: string[],
  describe: (detail: string) => string,
): (event: RunEvent) => void {
  let failed = false;
  return (event) => {
    if (failed) return;
    try {
      sink(event);
    } catch (error) {
      failed = true;
      failures.push(describe(error instanceof Error ? error.message : String(error)));
    }
  };
}

/** A sink that hands each event on as its progress-log record. */
function _recordSink(
  onRecord: (record: LogRecord) => void,
  context: Parameters<typeof toLogRecord>[1],
): (event: RunEvent) => void {
  return (event) => onRecord(toLogRecord(event, context));
}

/** What the book-manifest sink returns: enough to tell a book whose verses do not add up. */
interface _BookResult {
  readonly importedChapters: number;
  readonly expectedChapters: number;
  readonly verses: number;
  readonly expectedVerses: number | null;
  readonly complete: boolean;
  /** Some of its chapters are not available in the language. */
  readonly notAvailable: boolean;
}

/**
 * The run's rate governor, wired: for an adaptive profile a controller from
 * the start; for a fixed one that paces, a cap from the start (at the limit
 * the server announces, or a step under its own rate after a refusal); for
 * one that does not, a cap created at the first limit the server announces
 * (no profile runs faster than announced), and nothing before.
 * For every profile, an answer saying the quota is used up pauses every
 * start until its reset.
 */
function _rates(
  profile: Profile,
  limits: RunLimits,
  control: RunControl,
  clock: Clock,
  retryOn: readonly number[],
  onChange: (event: RunEvent) => void,
): { observe: (event: RunEvent) => void; hint: (hint: RateHint) => void } {
  const options = {
    control,
    clock,
    limits: limits.executor,
    overloadStatuses: retryOn.filter((status) => status >= 500),
    onChange,
  };
  // A fixed profile that paces steps a little lower on a refusal at its own
  // rate (a strict server refusing the jitter), so it needs its cap from the
  // start; one that does not pace gets one at the first announced limit.
  let governor: RateGovernor | undefined = profile.adaptive
    ? createRateGovernor({ ...options, adaptive: profile.adaptive })
    : limits.rate < Infinity
    ? createRateGovernor({ ...options, adaptive: false })
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

/** What {@linkcode importHandlers} needs of a run. */
export type ImportHandlersRun =
  & Pick<_Run, "plan" | "outDir" | "clock" | "encoder" | "refresh" | "compression">
  & {
    /** Each language of the run, by code: its folder, manifest and what it lacks. */
    readonly languages: ReadonlyMap<string, HandlerLanguage>;
    /** Aborts on the options' signal or a cancel through the run's control. @default options.signal */
    readonly signal?: AbortSignal;
    readonly options: Pick<
      ImportOptions,
      "manifest" | "profile" | "fetch" | "signal" | "writeFile"
    >;
  };

/**
 * The task and sink handlers of a plan's nodes: a chapter is fetched, encoded
 * (on the encoder's workers) and written atomically; a manifest sink writes
 * its book, volume or root manifest from what is on disk. The executor runs
 * them in process; a queue worker runs them one job at a time.
 */
export function importHandlers(
  run: ImportHandlersRun,
  onHint: (hint: RateHint) => void,
): Required<Pick<RunOptions<PlanNode>, "tasks" | "sinks">> {
  const { options, plan, outDir, clock, encoder, languages } = run;
  const { manifest, profile } = options;
  const compression = run.compression ?? "none";
  // A book declared with `verses: 0` (the Official Declarations) is prose: its
  // chapters have paragraphs and no verses. Any other chapter without verses is empty.
  const proseBooks = new Set(
    manifest.volumes.flatMap((v) =>
      v.books.filter((b) => b.verses === 0).map((b) => `${v.id}/${b.id}`)
    ),
  );
  // Each chapter file carries its book's title and abbreviation.
  const books = new Map(
    manifest.volumes.flatMap((v) => v.books.map((b) => [`${v.id}/${b.id}`, b] as const)),
  );
  const now = () => new Date(clock.now());
  const { writeFile } = options;
  /** Chapters fetched and not yet written. */
  let behind = 0;
  const chapter = async (node: ChapterNode, context: TaskContext, language: HandlerLanguage) => {
    const onDisk = run.refresh?.get(node.id);
    const body = await fetchChapterBody(node.uri, {
      validators: onDisk?.validators,
      source: language.manifest.source,
      retryOn: manifest.retry.retryOn,
      fetch: options.fetch,
      signal: context.signal,
      proseOnly: proseBooks.has(`${node.volume}/${node.book}`),
      now: () => clock.now(),
      onRateHint: onHint,
    });
    // Not modified: the file on disk is the server's page still.
    if ("notModified" in body) {
      const { validators, ttfbMs } = body;
      return { ...onDisk!.written, ttfbMs, validators, unchanged: true };
    }
    // The request is over: its slot goes to the next one while this
    // chapter is parsed (off the main thread) and written, unless too
    // many wait for that already (then requests wait for the writing).
    // Read before the body moves to a worker (its buffer is transferred).
    const receivedBytes = body.bytes.byteLength;
    if (behind < MAX_CHAPTERS_BEHIND) context.releaseSlot();
    behind++;
    // What was fetched is written even when the run is cancelled (a few
    // ms); the attempt's timeout still stops it.
    const local = _unlessCancelled(context.signal, run.signal ?? options.signal);
    try {
      // A parse failure comes back from the worker as it was thrown.
      const encoded = await encoder.encode(body.bytes, body.requested, {
        book: books.get(`${node.volume}/${node.book}`)!,
        signal: local.signal,
        contentType: body.contentType,
        compression,
      });
      // With the attempt's signal, an attempt that timed out cannot rename
      // its file into place after the run has moved on. The time to first
      // byte rides on the value, for the summary's latency and the log.
      const written = await writingOutput(() =>
        writeEncodedChapter(language.dir, encoded, { signal: local.signal, writeFile })
      );
      return {
        ...written,
        receivedBytes,
        ttfbMs: body.ttfbMs,
        ...(body.validators === undefined ? {} : { validators: body.validators }),
      };
    } finally {
      local.dispose();
      behind--;
    }
  };
  return {
    tasks: {
      chapter: async (node, context) => {
        const language = languages.get(node.lang)!;
        try {
          return await chapter(node, context, language);
        } catch (error) {
          // A volume or book the language lacks: not a failure, and its other
          // chapters are not asked for (see settleEarly).
          const notAvailable = notAvailableFrom(error, node);
          if (notAvailable === undefined) throw error;
          if (!language.notAvailable.has(notAvailable.scope)) {
            language.notAvailable.set(notAvailable.scope, notAvailable.reason);
          }
          return { notAvailable };
        }
      },
    },
    sinks: {
      "book-manifest": async (node, deps): Promise<_BookResult> => {
        const language = languages.get(node.lang)!;
        const outcomes = localOutcomes(deps, language.prefix);
        const written = await writingOutput(() =>
          writeBookManifest(language.dir, language.manifest, node.volume, node.book, outcomes, {
            now,
            writeFile,
            compression,
          })
        );
        const { importedChapters, expectedChapters, verses, expectedVerses, complete } = written;
        const notAvailable = [...deps.values()].some((outcome) =>
          (outcome.status === "done" || outcome.status === "skipped") &&
          notAvailableOf(outcome.value) !== undefined
        );
        return {
          importedChapters,
          expectedChapters,
          verses,
          expectedVerses,
          complete,
          notAvailable,
        };
      },
      "volume-manifest": async (node) => {
        const language = languages.get(node.lang)!;
        const written = await writingOutput(() =>
          writeVolumeManifest(language.dir, language.manifest, node.volume, { now, writeFile })
        );
        return { importedChapters: written.totals.importedChapters, complete: written.complete };
      },
      "root-manifest": async (node) => {
        const language = languages.get(node.lang)!;
        const written = await writingOutput(() =>
          writeRootManifest(language.dir, language.manifest, {
            now,
            profile: profile.name,
            compression,
            selection: plan.selection.labels[0] === "all" ? undefined : plan.selection.labels,
            tool: TOOL,
            notAvailable: rememberedNotAvailable(manifest, language.notAvailable),
            writeFile,
          })
        );
        return { importedChapters: written.totals.importedChapters, complete: written.complete };
      },
      "languages-manifest": async () => {
        const written = await writingOutput(() =>
          writeLanguagesManifest(outDir, {
            url: manifest.source.url,
            langs: plan.langs,
            now,
            profile: profile.name,
            tool: TOOL,
            writeFile,
          })
        );
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
 * numbers verses differently. For English, whose counts import.yaml holds, a
 * warning (not a complete import); for another language, a difference,
 * reported and not failed.
 */
function _verseWarnings(
  plan: Plan,
  report: RunReport,
): { warnings: string[]; differences: string[] } {
  const warnings: string[] = [];
  const differences: string[] = [];
  for (const node of plan.dag.nodes) {
    if (node.kind !== "book-manifest") continue;
    const outcome = report.outcomes.get(node.id);
    if (outcome?.status !== "done") continue;
    const book = outcome.value as _BookResult;
    if (
      !book.notAvailable && book.importedChapters === book.expectedChapters &&
      book.expectedVerses !== null && book.verses !== book.expectedVerses
    ) {
      const line = `${node.volume}/${node.book}: ${book.verses} verses imported, ` +
        `import.yaml declares ${book.expectedVerses}`;
      if (node.lang === REFERENCE_LANG) warnings.push(plan.multilingual ? `eng ${line}` : line);
      else differences.push(`${node.lang} ${line} (English's)`);
    }
  }
  return { warnings, differences };
}

/**
 * The books of a plan's chapters for the theoretical minimum, leaving out
 * those the server does not have (`notRequested`); for any process that
 * sums up a run (the importer, a queue run's watcher).
 */
export function boundBooks(
  plan: Plan,
  chapters: readonly ChapterNode[],
  notRequested: ReadonlySet<string>,
): { volume: string; chapters: number }[] {
  // In a run of several languages each language's volume is a volume of its own (see planBound).
  const books = new Map<string, { volume: string; chapters: number }>();
  for (const node of chapters) {
    if (notRequested.has(node.id)) continue;
    const volume = langPrefix(plan, node.lang) + node.volume;
    const key = `${volume}/${node.book}`;
    const entry = books.get(key) ?? { volume, chapters: 0 };
    entry.chapters++;
    books.set(key, entry);
  }
  return [...books.values()];
}

/**
 * The chapters a refresh asks after: each trusted file, with the validators
 * its book manifest holds for it while it is the same file (same SHA-256).
 */
async function _onDisk(
  trusted: ReadonlyMap<string, ChapterWriteResult>,
  chapters: readonly ChapterNode[],
  outDir: string,
): Promise<Map<string, _OnDisk>> {
  const found = new Map<string, _OnDisk>();
  const books = new Map<string, Map<number, { sha256: string } & ChapterValidators>>();
  for (const node of chapters) {
    const written = trusted.get(node.id);
    if (written === undefined) continue;
    const key = `${node.volume}/${node.book}`;
    let book = books.get(key);
    if (book === undefined) {
      const read = await readBookManifest(
        bookManifestPath(outDir, node.volume, node.book),
        node.volume,
        node.book,
      );
      book = new Map(
        read.ok
          ? read.manifest.chapters.map((c) => [c.chapter, {
            sha256: c.sha256,
            ...(c.etag === undefined ? {} : { etag: c.etag }),
            ...(c.lastModified === undefined ? {} : { lastModified: c.lastModified }),
          }])
          : [],
      );
      books.set(key, book);
    }
    const entry = book.get(node.chapter);
    const { sha256: _, ...validators } = entry ?? { sha256: "" };
    const known = entry?.sha256 === written.sha256 && Object.keys(validators).length > 0;
    found.set(node.id, { written, ...(known ? { validators } : {}) });
  }
  return found;
}
