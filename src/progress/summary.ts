/**
 * The summary of a run: a pure accumulator of run events that yields the
 * counts, every failure, the speed, the latency and the efficiency against the
 * theoretical minimum.
 *
 * @module
 */

import type { RunEvent } from "../exec/types.ts";
import { type BoundBook, theoreticalMinimum } from "../plan/bound.ts";
import type { RunLimits } from "../plan/limits.ts";
import { formatBytes, formatCount, formatDuration, paint } from "./format.ts";
import { RunTally, type TallyRate } from "./run_tally.ts";
import type { Summary, SummaryDisk, SummaryFailure, SummaryRate } from "./summary_types.ts";
import { latencyBreakdown, SERVER_LATENCY_PERCENTILE } from "./server_latency.ts";

export { nearestRank } from "./server_latency.ts";

export type { Summary, SummaryDisk, SummaryFailure, SummaryRate } from "./summary_types.ts";

/** Options of {@linkcode SummaryCollector}. */
export interface SummaryCollectorOptions {
  /** Chapters the run was asked for. */
  readonly chapters: number;
  /** The run's limits (`compileLimits` of its profile), for the theoretical minimum. */
  readonly limits: RunLimits;
  /**
   * The books of the requested chapters, for the theoretical minimum. A function
   * receives the ids of the chapters not requested so far (skipped, or
   * cancelled before they started: a stopped run is measured on what it ran),
   * so the caller can leave them out when these are only known during the run.
   */
  readonly books:
    | readonly BoundBook[]
    | ((skipped: ReadonlySet<string>) => readonly BoundBook[]);
  /** The node kind counted as a chapter. @default "chapter" */
  readonly chapterKind?: string;
  /** The chapter files on disk, as the summary reports them; none when absent or undefined. */
  readonly disk?: () => SummaryDisk | undefined;
}

/**
 * Accumulates run events into a {@linkcode Summary}. Feed it every event with
 * {@linkcode SummaryCollector.add}; {@linkcode SummaryCollector.summary} may be
 * called at any time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compileLimits } from "../plan/limits.ts";
 * import { SummaryCollector } from "./summary.ts";
 * const collector = new SummaryCollector({
 *   chapters: 1,
 *   limits: compileLimits({ volumes: 1, booksPerVolume: 1, chaptersPerBook: 1, delayMs: 0 }),
 *   books: [{ volume: "pgp", chapters: 1 }],
 * });
 * collector.add({ type: "run-start", at: 0, nodes: 2, tasks: 1, sinks: 1 });
 * collector.add({ type: "task-start", at: 0, id: "pgp/moses/1", kind: "chapter", attempt: 1, role: "task" });
 * collector.add({ type: "task-done", at: 200, id: "pgp/moses/1", kind: "chapter", attempts: 1, durationMs: 200, value: null });
 * const summary = collector.summary();
 * assert.ok(summary.chapters.imported === 1 && summary.efficiency === 1);
 * ```
 */
export class SummaryCollector {
  readonly #options: SummaryCollectorOptions;
  readonly #tally: RunTally;

  constructor(options: SummaryCollectorOptions) {
    this.#options = options;
    this.#tally = new RunTally(options.chapterKind ?? "chapter");
  }

  /** Takes one event into account. A sink of the run's events. */
  readonly add = (event: RunEvent): void => {
    this.#tally.add(event);
  };

  /** The summary of the events so far. Never holds NaN or Infinity. */
  summary(): Summary {
    const tally = this.#tally;
    const chapterKind = this.#options.chapterKind ?? "chapter";
    const durationMs = tally.durationMs;
    const latency = latencyBreakdown(tally.attempts);
    const books = typeof this.#options.books === "function"
      ? this.#options.books(tally.notRequested)
      : this.#options.books;
    // At the server's latency, never at the mean: the client's own delays
    // would raise the bound with the duration and hide them.
    const bound = latency.serverMs === null
      ? null
      : theoreticalMinimum(books, this.#options.limits, latency.serverMs);
    const efficiency = bound === null || bound.ms <= 0 || durationMs <= 0
      ? null
      : Math.min(1, bound.ms / durationMs);
    const chapterFailures = tally.failures.filter((f) => f.kind === chapterKind);
    const otherFailures = tally.failures.filter((f) => f.kind !== chapterKind);
    const statusCounts = tally.statusCounts;
    const statuses = Object.keys(statusCounts).length > 0;
    const chapters = tally.chapters;
    const disk = this.#options.disk?.();
    return {
      chapters: { total: this.#options.chapters, ...chapters },
      failures: [...chapterFailures, ...otherFailures],
      durationMs,
      chaptersPerSecond: durationMs > 0 ? chapters.imported / (durationMs / 1000) : 0,
      requests: tally.requests,
      retries: tally.retries,
      status429: statusCounts["429"] ?? 0,
      ...(statuses ? { statusCounts } : {}),
      latency,
      bound: bound === null ? null : { ms: bound.ms, limitedBy: bound.limitedBy },
      efficiency,
      interrupted: tally.interrupted,
      ...(tally.rate === undefined ? {} : { rate: _rate(tally.rate) }),
      ...(disk === undefined ? {} : { disk }),
    };
  }
}

function _rate(seen: TallyRate): SummaryRate {
  const finite = (n: number) => (Number.isFinite(n) ? n : null);
  return {
    changes: seen.changes,
    minPerSecond: finite(seen.min),
    maxPerSecond: finite(seen.max),
    lastPerSecond: finite(seen.last.ratePerSecond),
    lastMaxInFlight: finite(seen.last.maxInFlight),
  };
}

/** Options of {@linkcode formatSummary}. */
export interface FormatSummaryOptions {
  /** Colour the counts with ANSI codes. */
  readonly color: boolean;
  /** The node kind counted as a chapter. @default "chapter" */
  readonly chapterKind?: string;
  /** The command that runs the failed chapters again, printed after them (e.g. `deno task import --retry-failed`). */
  readonly retryCommand?: string;
  /** The command that resumes an interrupted run. @default "run the same command again" */
  readonly resumeCommand?: string;
  /**
   * The command that follows a queue run again, for a watcher: an interrupted
   * watch stopped only the watching (the run goes on in its workers), and
   * says so instead of what is left to resume. @default none: the run itself was stopped
   */
  readonly watchCommand?: string;
  /** What is not available in which language, one line each (`ceb ot: HTTP 404`). @default none */
  readonly notAvailable?: readonly string[];
  /**
   * Books of a language other than English whose verse total differs from
   * import.yaml's (English's), one line each: reported, not failed. @default none
   */
  readonly differences?: readonly string[];
}

/**
 * Renders a summary for the terminal: the counts; every failed chapter, by id,
 * grouped by reason (never truncated), and the command to retry them; duration
 * and speed, requests, failed attempts by status, latency and efficiency. A run
 * with nothing to do says so and no more; an interrupted one says what is on
 * disk and what is left, and gives no efficiency. Ends with a newline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compileLimits } from "../plan/limits.ts";
 * import { formatSummary, SummaryCollector } from "./summary.ts";
 * const empty = new SummaryCollector({
 *   chapters: 0,
 *   limits: compileLimits({ volumes: 1, booksPerVolume: 1, chaptersPerBook: 1, delayMs: 0 }),
 *   books: [],
 * }).summary();
 * assert.ok(formatSummary(empty, { color: false }).startsWith("Chapters: 0 imported"));
 * ```
 */
export function formatSummary(summary: Summary, options: FormatSummaryOptions): string {
  const { color } = options;
  const chapterKind = options.chapterKind ?? "chapter";
  const c = summary.chapters;
  const failed = `${formatCount(c.failed)} failed`;
  const lines = [
    `Chapters: ${
      paint(`${formatCount(c.imported)} imported`, "green", color && c.imported > 0)
    }, ` + (c.unchanged > 0 ? `${formatCount(c.unchanged)} unchanged, ` : "") +
    `${formatCount(c.skipped)} skipped, ${paint(failed, "red", color && c.failed > 0)}, ` +
    `${formatCount(c.cancelled)} cancelled, ` +
    (c.notAvailable ? `${formatCount(c.notAvailable)} not available in their language, ` : "") +
    `of ${formatCount(c.total)}`,
  ];
  if (options.notAvailable !== undefined && options.notAvailable.length > 0) {
    lines.push(`Not available (not failures; remembered, --force asks again):`);
    for (const line of options.notAvailable) lines.push(`  ${line}`);
  }
  if (options.differences !== undefined && options.differences.length > 0) {
    lines.push(`Differences from import.yaml's (English) counts, reported, not failed:`);
    for (const line of options.differences) lines.push(`  ${line}`);
  }
  const chapters = summary.failures.filter((f) => f.kind === chapterKind);
  const others = summary.failures.filter((f) => f.kind !== chapterKind);
  if (chapters.length > 0) {
    lines.push(paint(`Failed chapters (${formatCount(chapters.length)}):`, "red", color));
    lines.push(..._formatFailures(chapters));
    if (options.retryCommand) lines.push(`Retry them: ${options.retryCommand}`);
  }
  if (others.length > 0) {
    lines.push(paint(`Failed other nodes (${formatCount(others.length)}):`, "red", color));
    for (const f of _byId(others)) lines.push(`  ${f.id}: ${f.reason} (${_attempts(f.attempts)})`);
  }
  if (summary.disk !== undefined && c.total > 0) lines.push(_formatDisk(summary.disk));
  // Everything was on disk already: no request, no speed to speak of.
  if (c.total > 0 && c.skipped + (c.notAvailable ?? 0) === c.total && summary.requests === 0) {
    lines.push(
      `Nothing to do: all ${formatCount(c.total)} chapters were already imported and intact ` +
        (c.notAvailable ? "or are known not to be available " : "") +
        "(--force fetches them again).",
    );
    return lines.join("\n") + "\n";
  }
  lines.push(
    `Duration ${formatDuration(summary.durationMs)}, ` +
      `${summary.chaptersPerSecond.toFixed(1)} chapters/s`,
    `Requests ${formatCount(summary.requests)}, retries ${formatCount(summary.retries)}, ` +
      `429s ${formatCount(summary.status429)}`,
  );
  if (summary.statusCounts) {
    const byStatus = Object.entries(summary.statusCounts)
      .map(([status, n]) => `${_STATUS_LABELS[status] ?? status} x${formatCount(n)}`);
    lines.push(`Failed attempts by status: ${byStatus.join(", ")}`);
  }
  lines.push(..._formatLatency(summary.latency));
  if (summary.interrupted) {
    // A run that stopped early has no efficiency: its bound is of another run.
  } else if (summary.bound === null || summary.latency.serverMs === null) {
    lines.push("Efficiency — (no latency measured, no theoretical minimum)");
  } else {
    const pct = summary.efficiency === null ? "—" : `${Math.round(summary.efficiency * 100)}%`;
    lines.push(
      `Efficiency ${pct} of the theoretical minimum ${formatDuration(summary.bound.ms)} ` +
        `at ${formatDuration(summary.latency.serverMs)} (limited by ${summary.bound.limitedBy})`,
    );
  }
  if (summary.rate !== undefined) lines.push(_formatRate(summary.rate));
  if (summary.interrupted && options.watchCommand !== undefined) {
    lines.push(paint(
      `Stopped watching: the run goes on in its workers; ${options.watchCommand} to follow it again.`,
      "yellow",
      color,
    ));
  } else if (summary.interrupted) {
    const done = c.imported + c.skipped;
    const left = c.total - done - c.failed;
    const resume = options.resumeCommand ?? "run the same command again";
    lines.push(paint(
      `Interrupted: ${formatCount(done)} of ${formatCount(c.total)} chapters are on disk, ` +
        `${formatCount(left)} not reached; ${resume} to resume.`,
      "yellow",
      color,
    ));
  }
  return lines.join("\n") + "\n";
}

// "Chapter files on disk: 7.9 MB before, 2.1 MB after (gzip); 1,584 re-encoded without fetching"
function _formatDisk(disk: SummaryDisk): string {
  const recoded = disk.recoded === 0
    ? ""
    : `; ${formatCount(disk.recoded)} re-encoded on disk without fetching`;
  return `Chapter files on disk: ${formatBytes(disk.beforeBytes)} before, ` +
    `${formatBytes(disk.afterBytes)} after (${disk.compression})${recoded}`;
}

const _STATUS_LABELS: Readonly<Record<string, string>> = {
  "timeout": "timeout",
  "no-status": "no status (network, body or page)",
};

function _attempts(n: number): string {
  return `${n} attempt${n === 1 ? "" : "s"}`;
}

// Ids in natural order: ot/ps/2 before ot/ps/10.
function _byId(failures: readonly SummaryFailure[]): SummaryFailure[] {
  return [...failures].sort((a, b) => a.id.localeCompare(b.id, "en", { numeric: true }));
}

// One group per reason (its chapter's URI left out, so that the same answer
// for many chapters is one group), largest first, the ids sorted and wrapped.
function _formatFailures(failures: readonly SummaryFailure[]): string[] {
  const groups = new Map<string, SummaryFailure[]>();
  for (const f of _byId(failures)) {
    const reason = f.reason.replace(` "/scriptures/${f.id}"`, "");
    const group = groups.get(reason);
    if (group === undefined) groups.set(reason, [f]);
    else group.push(f);
  }
  const lines: string[] = [];
  const ordered = [...groups].sort(([, a], [, b]) => b.length - a.length);
  for (const [reason, list] of ordered) {
    const least = list.reduce((n, f) => Math.min(n, f.attempts), Infinity);
    const most = list.reduce((n, f) => Math.max(n, f.attempts), 0);
    const tries = least === most ? _attempts(least) : `${least}-${most} attempts`;
    lines.push(`  ${reason} (${tries}): ${formatCount(list.length)}`);
    // The ids, every one of them, in lines of at most ~100 characters.
    let row: string[] = [];
    let width = 4;
    for (const f of list) {
      if (row.length > 0 && width + f.id.length + 2 > 100) {
        lines.push(`    ${row.join(", ")},`);
        row = [];
        width = 4;
      }
      row.push(f.id);
      width += f.id.length + 2;
    }
    lines.push(`    ${row.join(", ")}`);
  }
  return lines;
}

// "Latency mean 94 ms, p95 169 ms, to first byte mean 64 ms", then the
// server's latency and what the client added.
function _formatLatency(latency: Summary["latency"]): string[] {
  const { meanMs, p95Ms, ttfbMeanMs, serverMs, serverFrom, clientAddedMs, afterHeadersMs } =
    latency;
  if (meanMs === null || p95Ms === null || serverMs === null || clientAddedMs === null) {
    return ["Latency — (no request succeeded)"];
  }
  const ttfb = ttfbMeanMs === null ? "" : `, to first byte mean ${formatDuration(ttfbMeanMs)}`;
  const from = serverFrom === "ttfb"
    ? `p${SERVER_LATENCY_PERCENTILE} to first byte`
    : `p${SERVER_LATENCY_PERCENTILE} of whole attempts, no time to first byte measured`;
  const after = afterHeadersMs === null
    ? ""
    : `, ${formatDuration(afterHeadersMs)} of it after the headers`;
  return [
    `Latency mean ${formatDuration(meanMs)}, p95 ${formatDuration(p95Ms)}${ttfb}`,
    `Server latency ${formatDuration(serverMs)} (${from}): ` +
    `the client added ${formatDuration(clientAddedMs)} per request on average${after}`,
  ];
}

// "Rate: 14 changes, 10.0-38.8/s, last 38.8/s with at most 5 in flight"
function _formatRate(rate: SummaryRate): string {
  const perSecond = (n: number | null) => (n === null ? "unlimited" : `${n.toFixed(1)}/s`);
  const range = rate.minPerSecond === rate.maxPerSecond
    ? perSecond(rate.minPerSecond)
    : `${perSecond(rate.minPerSecond)} to ${perSecond(rate.maxPerSecond)}`;
  const inFlight = rate.lastMaxInFlight === null
    ? ""
    : ` with at most ${formatCount(rate.lastMaxInFlight)} in flight`;
  return `Rate: ${formatCount(rate.changes)} change${rate.changes === 1 ? "" : "s"}, ${range}, ` +
    `last ${perSecond(rate.lastPerSecond)}${inFlight}`;
}
