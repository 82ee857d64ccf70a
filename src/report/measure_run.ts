/**
 * What one run did, measured from its progress-log records alone: counts,
 * speed, latency, and the theoretical minimum of that run under its own
 * profile's limits and the server's latency it measured.
 *
 * @module
 */

import { type Bound, type BoundBook, theoreticalMinimum } from "../plan/bound.ts";
import { compileLimits } from "../plan/limits.ts";
import type { LogRecord, RunHeader } from "../progress/log_record.ts";
import { RunTally } from "../progress/run_tally.ts";
import { latencyBreakdown, type MaybeLatencyBreakdown } from "../progress/server_latency.ts";
import { type RateTrace, rateTrace } from "./rate_trace.ts";
import { type RunSeries, runSeries } from "./run_series.ts";

/** Chapters in the whole canon of `import.yaml`, for the "whole canon at this speed" estimate. */
export const CANON_CHAPTERS = 1584;

/** One run of a progress log, measured. Times in ms. */
export interface MeasuredRun {
  /** The progress log the run came from. */
  readonly log: string;
  /** The run's position in its log, from 1 (a log written with `--log FILE` can hold several). */
  readonly run: number;
  /** When the run started, ISO 8601. */
  readonly startedAt: string;
  /** The profile's name and limits, as the `run-start` record has them. */
  readonly profile: RunHeader["profile"];
  /** The selection labels, e.g. `["bofm"]` or `["all"]`. */
  readonly selection: readonly string[];
  readonly chapters: {
    /** Fetched and written by this run. */
    readonly imported: number;
    /** Found unchanged by a refresh (`304`). */
    readonly unchanged: number;
    /** Already on disk (resume): neither requested nor part of the minimum. */
    readonly skipped: number;
    readonly failed: number;
    readonly cancelled: number;
  };
  /** The run's duration: its `run-end` summary's, else from run-start to the last record. */
  readonly durationMs: number;
  /** Imported chapters per second of `durationMs`. */
  readonly chaptersPerSecond: number;
  /** Request attempts started. */
  readonly requests: number;
  readonly retries: number;
  /** Attempts answered with HTTP 429. */
  readonly status429: number;
  /** Mean duration of the successful request attempts; null when none succeeded. */
  readonly latencyMeanMs: number | null;
  /**
   * The successful attempts' latency told apart: the server's (`serverMs`,
   * the minimum's L, and `serverFrom`: `ttfb`, or `attempt` for a log written
   * before the time to first byte was logged) and what the client added.
   */
  readonly latency: MaybeLatencyBreakdown;
  /** Mean time between two consecutive request starts; null with fewer than two. */
  readonly meanStartGapMs: number | null;
  /** The theoretical minimum of this run's chapters at `latency.serverMs`; null when no latency was measured. */
  readonly bound: Bound | null;
  /** `bound.ms / durationMs`, at most 1 (as in the run's own summary); null when unknown. */
  readonly efficiency: number | null;
  /** How long the whole canon would take at `chaptersPerSecond`; null at 0 chapters/s. */
  readonly canonEstimateMs: number | null;
  /** The run has a `run-end` record. */
  readonly ended: boolean;
  /** The `run-end` summary says the run was interrupted (Ctrl-C, fail-fast). */
  readonly interrupted: boolean;
  /** The log's last line was cut short and left out (only ever the last run of a log). */
  readonly tornLastLine: boolean;
  /** How an adaptive controller (or an announced limit) moved the rate; null when it never changed. */
  readonly rate: RateTrace | null;
  /** The run over time and its latency distribution, in a fixed number of values, for the charts. */
  readonly series: RunSeries;
}

/** Options of {@linkcode measureRun}. */
export interface MeasureRunOptions {
  /** The log's path, kept in the result. */
  readonly log: string;
  /** The run's position in its log, from 1. @default 1 */
  readonly run?: number;
  /** Whether the log's last line was torn. @default false */
  readonly tornLastLine?: boolean;
  /** Chapters of the whole canon. @default CANON_CHAPTERS */
  readonly canonChapters?: number;
  /** The node kind counted as a chapter. @default "chapter" */
  readonly chapterKind?: string;
}

/**
 * Measures one run from its records, the first of which is its `run-start`.
 *
 * The minimum is {@linkcode theoreticalMinimum} over the chapters this run
 * requested (the ids of its `task-start` and `task-done` chapter records,
 * `volume/book/chapter`, less the skipped ones), under the limits in its
 * `run-start` record and the server's latency of {@linkcode latencyBreakdown}
 * over its successful attempts: the same figure the run's own summary holds.
 * A log without times to first byte (written before they were logged) falls
 * back to the whole attempts' durations, and says so in `latency.serverFrom`.
 *
 * @throws {TypeError} when the first record is not a `run-start`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { measureRun } from "./measure_run.ts";
 * const stamp = (at: number) => ({ time: new Date(at).toISOString(), at });
 * const run = measureRun([
 *   { type: "run-start", ...stamp(0), tool: { name: "t", version: "0" },
 *     manifest: { file: "import.yaml", sha256: "" },
 *     profile: { name: "sequential", volumes: 1, booksPerVolume: 1, chaptersPerBook: 1, delayMs: 0 },
 *     selection: ["pgp"], outDir: "data", lang: "eng", apiUrl: "http://127.0.0.1",
 *     nodes: 1, tasks: 1, sinks: 0 },
 *   { type: "task-start", ...stamp(0), id: "pgp/moses/1", kind: "chapter", role: "task", attempt: 1 },
 *   { type: "task-done", ...stamp(200), id: "pgp/moses/1", kind: "chapter", attempts: 1, durationMs: 200 },
 * ], { log: "run.ndjson" });
 * assert.equal(run.bound?.ms, 200);
 * assert.equal(run.efficiency, 1);
 * assert.equal(run.ended, false);
 * ```
 */
export function measureRun(records: readonly LogRecord[], options: MeasureRunOptions): MeasuredRun {
  const start = records[0];
  if (start?.type !== "run-start") {
    throw new TypeError(
      `Cannot measure run: the first record is "${start?.type ?? "none"}", expected "run-start"`,
    );
  }
  // The same accounting as the run's own summary.
  const tally = new RunTally(options.chapterKind ?? "chapter");
  for (const record of records) tally.add(record);
  const chapterKind = options.chapterKind ?? "chapter";
  // When each chapter was imported, for the charts (a refresh's unchanged ones are not).
  const importedAtMs = records
    .filter((r) => r.type === "task-done" && r.kind === chapterKind && r.unchanged !== true)
    .map((r) => r.at - start.at);
  const attempts = tally.attempts;

  const chapters = tally.chapters;
  const durationMs = tally.durationMs;
  const chaptersPerSecond = durationMs > 0 ? chapters.imported / (durationMs / 1000) : 0;
  const latency = latencyBreakdown(tally.attempts);
  const books = _books(tally.requestedChapters());
  const bound = latency.serverMs === null ? null : theoreticalMinimum(
    books,
    compileLimits(start.profile, { multilingual: (start.langs?.length ?? 1) > 1 }),
    latency.serverMs,
  );
  const canonChapters = options.canonChapters ?? CANON_CHAPTERS;
  const rate = rateTrace(records, durationMs);
  return {
    log: options.log,
    run: options.run ?? 1,
    startedAt: start.time,
    profile: start.profile,
    selection: start.selection,
    chapters,
    durationMs,
    chaptersPerSecond,
    requests: tally.requests,
    retries: tally.retries,
    status429: tally.statusCounts["429"] ?? 0,
    latencyMeanMs: latency.meanMs,
    latency,
    meanStartGapMs: tally.meanStartGapMs,
    bound,
    efficiency: bound === null || bound.ms <= 0 || durationMs <= 0
      ? null
      : Math.min(1, bound.ms / durationMs),
    canonEstimateMs: chaptersPerSecond > 0 ? (canonChapters / chaptersPerSecond) * 1000 : null,
    ended: tally.ended,
    interrupted: tally.ended && tally.interrupted,
    tornLastLine: options.tornLastLine ?? false,
    rate,
    series: runSeries({
      durationMs,
      importedAtMs,
      // The sample the server's latency was taken from.
      latency: latency.serverFrom === null ? null : {
        from: latency.serverFrom,
        values: attempts.map((a) =>
          latency.serverFrom === "ttfb" ? a.ttfbMs ?? a.durationMs : a.durationMs
        ),
      },
      ...(rate === null
        ? {}
        : { rate: { initial: rate.initial.ratePerSecond, changes: rate.changes } }),
    }),
  };
}

// Chapters per book, from ids "volume/book/chapter", or "lang/volume/book/chapter" in a run
// of several languages (each language's volume a volume of its own, as planBound counts it).
function _books(chapterIds: readonly string[]): BoundBook[] {
  const books = new Map<string, { volume: string; chapters: number }>();
  for (const id of chapterIds) {
    const key = id.slice(0, id.lastIndexOf("/"));
    const volume = key.slice(0, key.lastIndexOf("/"));
    const entry = books.get(key) ?? { volume, chapters: 0 };
    entry.chapters++;
    books.set(key, entry);
  }
  return [...books.values()];
}
