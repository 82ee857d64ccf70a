/**
 * The state of a run as a dashboard shows it, folded from its progress-log
 * records: counts, the limits in force and their ceilings, a server pause,
 * latency percentiles, a per-second series, the grid of volumes and books,
 * the latest failures and rate decisions. Its size depends on the number of
 * books and on bounded windows, never on the number of chapters or records,
 * so a run of 160,000 chapters keeps it small. Every field is JSON (no
 * Infinity: `null` means no limit).
 *
 * @module
 */

import type { LoggedControlLimits, LoggedRateSetting, LogRecord } from "./log_record.ts";

/** One book of the grid, as the plan has it. */
export interface RunStateBookPlan {
  /** The book's scope id, `volume/book` (e.g. `bofm/1-ne`). */
  readonly id: string;
  readonly title: string;
  /** Chapters selected in this book. */
  readonly chapters: number;
}

/** One volume of the grid, as the plan has it. */
export interface RunStateVolumePlan {
  /** The volume's id (e.g. `bofm`). */
  readonly id: string;
  readonly title: string;
  readonly books: readonly RunStateBookPlan[];
}

/** The ceilings of the run's limits: what a change of limits may not exceed. `null`: none. */
export interface RunStateCeilings {
  readonly ratePerSecond: number | null;
  readonly maxInFlight: number | null;
  readonly volumes: number;
  readonly booksPerVolume: number;
  readonly chaptersPerBook: number;
}

/** What {@linkcode RunStateTracker} needs before the first record. */
export interface RunStatePlan {
  readonly volumes: readonly RunStateVolumePlan[];
  /** The run's limits as compiled from its profile, the ceilings of any change. */
  readonly ceilings: RunStateCeilings;
  /** The node kind counted as a chapter. @default "chapter" */
  readonly chapterKind?: string;
  /**
   * The server takes controls (`POST /api/control`); `false` for one that
   * only watches the run (a queue run's watcher). @default true
   */
  readonly controls?: boolean;
}

/** The counts of one book, or of the run. */
export interface ChapterCounts {
  readonly total: number;
  readonly imported: number;
  readonly skipped: number;
  readonly failed: number;
  readonly cancelled: number;
  /** Being requested now (started, not yet ended or retrying). */
  readonly inFlight: number;
}

/** A book of the grid with its counts. `state` is what its cell is coloured by. */
export interface RunStateBook extends ChapterCounts {
  readonly id: string;
  readonly title: string;
  /**
   * `pending` not started; `running`; `done` every chapter imported or
   * skipped; `failed` ended with failures; `cancelled` ended with chapters
   * cancelled and none failed.
   */
  readonly state: "pending" | "running" | "done" | "failed" | "cancelled";
}

/** A volume of the grid. */
export interface RunStateVolume {
  readonly id: string;
  readonly title: string;
  readonly books: readonly RunStateBook[];
}

/** One step of the per-second series: what happened from `atMs` for `widthMs`. */
export interface RunStateStep {
  /** Ms since the run started. */
  readonly atMs: number;
  readonly widthMs: number;
  /** Chapters imported in the step. */
  readonly imported: number;
  /** Request attempts started in the step. */
  readonly starts: number;
  /** Attempts answered 429 in the step. */
  readonly refused: number;
  /** The rate limit in force at the step's end, requests/s; `null` for none. */
  readonly limitPerSecond: number | null;
  /** Ms of the step the server had starts paused (`Retry-After`, a used-up quota). */
  readonly pausedMs: number;
}

/** The dashboard's whole state. */
export interface RunState {
  /** The format of this object; a change that removes or renames a field bumps it. */
  readonly version: 1;
  readonly run: {
    /** The `run-start` record's time (ISO 8601); `null` before it. */
    readonly startedAt: string | null;
    readonly profile: string | null;
    readonly selection: readonly string[];
    readonly apiUrl: string | null;
    readonly outDir: string | null;
    /** Ms from the start to the latest record. */
    readonly elapsedMs: number;
    /** A `run-end` record was seen. */
    readonly ended: boolean;
    /** The run ended interrupted (Ctrl-C, cancel, fail-fast). */
    readonly interrupted: boolean;
    /** A person paused new starts (a `control` record) and has not resumed them. */
    readonly held: boolean;
    /** The server takes controls; `false` on a queue run's watcher, which only watches. */
    readonly controls: boolean;
  };
  readonly chapters: ChapterCounts;
  readonly books: { readonly total: number; readonly done: number };
  readonly requests: {
    readonly started: number;
    readonly retries: number;
    /** Ended attempts by class: `2xx`, `3xx`, `4xx`, `5xx`, and `error` (no status: timeout, network, bad body). */
    readonly byClass: Readonly<Record<"2xx" | "3xx" | "4xx" | "5xx" | "error", number>>;
    readonly status429: number;
    readonly timedOut: number;
  };
  /** Open at once now, per level. */
  readonly inFlight: {
    readonly volumes: number;
    readonly books: number;
    readonly chapters: number;
  };
  /** The limits in force now (`null`: none) and their ceilings. */
  readonly limits: LoggedRateSetting & { readonly ceilings: RunStateCeilings };
  /** A server pause in force, or `null`. */
  readonly pause:
    | { readonly until: string; readonly untilAt: number; readonly reason: string }
    | null;
  /** Ms the server had starts paused, in all. */
  readonly pausedMs: number;
  /** Of the successful attempts' durations, ms; `null` before the first. */
  readonly latency: {
    readonly count: number;
    readonly p50Ms: number | null;
    readonly p95Ms: number | null;
  };
  /** At most {@linkcode MAX_STEPS} steps; their width doubles as the run grows. */
  readonly series: readonly RunStateStep[];
  readonly volumes: readonly RunStateVolume[];
  /** The latest failures, newest last, at most {@linkcode RECENT}. */
  readonly recentFailures: readonly {
    readonly at: number;
    readonly id: string;
    readonly reason: string;
    readonly status?: number;
  }[];
  /** The latest rate decisions, newest last, at most {@linkcode RECENT}. */
  readonly rateChanges: readonly {
    readonly at: number;
    readonly from: LoggedRateSetting;
    readonly to: LoggedRateSetting;
    readonly cause: string;
    readonly reason: string;
  }[];
}

/** Steps kept in the series at most; beyond, pairs are merged and the width doubles. */
export const MAX_STEPS = 600;
/** Failures and rate changes kept. */
export const RECENT = 20;

const _FIRST_STEP_MS = 1000;
// Latency histogram: bucket k holds (B^(k-1), B^k] ms, from 0.1 ms to ~10 min.
const _BASE = 1.05;
const _FLOOR_MS = 0.1;

interface _Book {
  readonly plan: RunStateBookPlan;
  imported: number;
  skipped: number;
  failed: number;
  cancelled: number;
  inFlight: number;
  started: boolean;
}

interface _Step {
  imported: number;
  starts: number;
  refused: number;
  limitPerSecond: number | null;
  pausedMs: number;
}

/**
 * Folds records into a {@linkcode RunState}. Feed every record, in order,
 * with {@linkcode RunStateTracker.add}; {@linkcode RunStateTracker.state} may
 * be called at any time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RunStateTracker } from "./run_state.ts";
 * const tracker = new RunStateTracker({
 *   volumes: [{ id: "pgp", title: "Pearl of Great Price", books: [
 *     { id: "pgp/moses", title: "Moses", chapters: 8 },
 *   ] }],
 *   ceilings: { ratePerSecond: 20, maxInFlight: null, volumes: 1, booksPerVolume: 1, chaptersPerBook: 5 },
 * });
 * const time = new Date(0).toISOString();
 * tracker.add({ type: "task-start", time, at: 0, id: "pgp/moses/1", kind: "chapter", role: "task", attempt: 1 });
 * tracker.add({ type: "task-done", time, at: 90, id: "pgp/moses/1", kind: "chapter", attempts: 1, durationMs: 90 });
 * const state = tracker.state();
 * assert.equal(state.chapters.imported, 1);
 * assert.equal(state.volumes[0].books[0].state, "running");
 * ```
 */
export class RunStateTracker {
  readonly #chapterKind: string;
  readonly #controls: boolean;
  readonly #volumes: readonly { readonly plan: RunStateVolumePlan; readonly books: _Book[] }[];
  readonly #books = new Map<string, _Book>();
  readonly #ceilings: RunStateCeilings;
  readonly #chaptersTotal: number;
  #header: Extract<LogRecord, { type: "run-start" }> | undefined;
  #startAt: number | undefined;
  #lastAt = 0;
  #ended = false;
  #interrupted = false;
  #held = false;
  readonly #counts = { imported: 0, skipped: 0, failed: 0, cancelled: 0, inFlight: 0 };
  readonly #requests = {
    started: 0,
    retries: 0,
    status429: 0,
    timedOut: 0,
    byClass: { "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0, error: 0 },
  };
  readonly #open = { volumes: 0, books: 0 };
  #limits: LoggedRateSetting;
  #pause: { until: string; untilAt: number; reason: string; fromAt: number } | null = null;
  #pausedMs = 0;
  readonly #latency = new Map<number, number>();
  #latencyCount = 0;
  #steps: _Step[] = [];
  #stepMs = _FIRST_STEP_MS;
  readonly #failures: RunState["recentFailures"][number][] = [];
  readonly #rateChanges: RunState["rateChanges"][number][] = [];

  constructor(plan: RunStatePlan) {
    this.#chapterKind = plan.chapterKind ?? "chapter";
    this.#controls = plan.controls ?? true;
    this.#ceilings = plan.ceilings;
    this.#limits = {
      ratePerSecond: plan.ceilings.ratePerSecond,
      maxInFlight: plan.ceilings.maxInFlight,
    };
    this.#volumes = plan.volumes.map((volume) => ({
      plan: volume,
      books: volume.books.map((book) => {
        const entry: _Book = {
          plan: book,
          imported: 0,
          skipped: 0,
          failed: 0,
          cancelled: 0,
          inFlight: 0,
          started: false,
        };
        this.#books.set(book.id, entry);
        return entry;
      }),
    }));
    this.#chaptersTotal = plan.volumes.reduce(
      (sum, v) => sum + v.books.reduce((s, b) => s + b.chapters, 0),
      0,
    );
  }

  /** Folds one record in. Records of other runs' shapes are ignored field by field. */
  add(record: LogRecord): void {
    if (record.type === "run-start") {
      this.#header = record;
      this.#startAt = record.at;
    }
    this.#startAt ??= record.at;
    this.#closePause(record.at);
    this.#lastAt = Math.max(this.#lastAt, record.at);
    switch (record.type) {
      case "scope-open":
      case "scope-close": {
        const delta = record.type === "scope-open" ? 1 : -1;
        // A run of several languages has the language as its outermost scope.
        const depth = record.depth - ((this.#header?.langs?.length ?? 1) > 1 ? 1 : 0);
        if (depth === 0) this.#open.volumes += delta;
        else if (depth === 1) this.#open.books += delta;
        break;
      }
      case "task-start":
        if (record.role !== "task") break;
        this.#requests.started++;
        this.#step(record.at).starts++;
        if (record.kind === this.#chapterKind) {
          this.#counts.inFlight++;
          const book = this.#bookOf(record.id);
          if (book) {
            book.inFlight++;
            book.started = true;
          }
        }
        break;
      case "task-retry":
        this.#requests.retries++;
        this.#attemptEnded(record.status, record.timedOut, record.at);
        if (record.kind === this.#chapterKind) this.#leave(record.id);
        break;
      case "task-done":
        if (record.kind !== this.#chapterKind) break;
        this.#requests.byClass["2xx"]++;
        this.#counts.imported++;
        this.#step(record.at).imported++;
        this.#leave(record.id);
        this.#count(this.#bookOf(record.id), "imported");
        this.#addLatency(record.durationMs);
        break;
      case "task-skipped":
        if (record.kind !== this.#chapterKind) break;
        this.#counts.skipped++;
        this.#count(this.#bookOf(record.id), "skipped");
        break;
      case "task-failed":
        if (record.kind !== this.#chapterKind) break;
        this.#attemptEnded(record.status, record.timedOut, record.at);
        this.#counts.failed++;
        this.#leave(record.id);
        this.#count(this.#bookOf(record.id), "failed");
        this.#failures.push({
          at: record.at,
          id: record.id,
          reason: record.reason,
          ...(record.status === undefined ? {} : { status: record.status }),
        });
        if (this.#failures.length > RECENT) this.#failures.shift();
        break;
      case "task-cancelled":
        if (record.kind !== this.#chapterKind) break;
        this.#counts.cancelled++;
        this.#count(this.#bookOf(record.id), "cancelled");
        break;
      case "rate-pause":
        this.#pause = {
          until: record.until,
          untilAt: record.untilAt,
          reason: record.reason,
          fromAt: record.at,
        };
        break;
      case "rate-resume":
        this.#endPause(record.at);
        break;
      case "rate-change":
        this.#rateChanged(record.at, record.from, record.to, record.cause, record.reason);
        break;
      case "control":
        if (record.action === "pause" || record.action === "resume") {
          this.#held = record.action === "pause";
        } else if (record.action === "limits" && record.limits !== undefined) {
          this.#setLimits(record.at, record.limits, `set by ${record.source}`);
        }
        break;
      case "run-end":
        this.#ended = true;
        this.#interrupted = record.summary.interrupted;
        this.#endPause(record.at);
        break;
      case "run-start":
        break;
      default: {
        const unhandled: never = record;
        void unhandled;
      }
    }
  }

  /** The state now, a fresh JSON-safe object. */
  state(): RunState {
    const startAt = this.#startAt ?? 0;
    const volumes = this.#volumes.map(({ plan, books }) => ({
      id: plan.id,
      title: plan.title,
      books: books.map((b) => this.#bookState(b)),
    }));
    const allBooks = volumes.flatMap((v) => v.books);
    const h = this.#header;
    return {
      version: 1,
      run: {
        startedAt: h?.time ?? null,
        profile: h?.profile.name ?? null,
        selection: h?.selection ?? [],
        apiUrl: h?.apiUrl ?? null,
        outDir: h?.outDir ?? null,
        elapsedMs: this.#lastAt - startAt,
        ended: this.#ended,
        interrupted: this.#interrupted,
        held: this.#held,
        controls: this.#controls,
      },
      chapters: { total: this.#chaptersTotal, ...this.#counts },
      books: {
        total: allBooks.length,
        done: allBooks.filter((b) => b.state === "done" || b.state === "failed").length,
      },
      requests: { ...this.#requests, byClass: { ...this.#requests.byClass } },
      inFlight: {
        volumes: this.#open.volumes,
        books: this.#open.books,
        chapters: this.#counts.inFlight,
      },
      limits: { ...this.#limits, ceilings: this.#ceilings },
      pause: this.#pause === null
        ? null
        : { until: this.#pause.until, untilAt: this.#pause.untilAt, reason: this.#pause.reason },
      pausedMs: this.#pausedMs +
        (this.#pause === null ? 0 : Math.max(0, this.#lastAt - this.#pause.fromAt)),
      latency: {
        count: this.#latencyCount,
        p50Ms: this.#percentile(50),
        p95Ms: this.#percentile(95),
      },
      series: this.#steps.map((step, k) => ({
        atMs: k * this.#stepMs,
        widthMs: this.#stepMs,
        ...step,
      })),
      volumes,
      recentFailures: [...this.#failures],
      rateChanges: [...this.#rateChanges],
    };
  }

  #rateChanged(
    at: number,
    from: LoggedRateSetting,
    to: LoggedRateSetting,
    cause: string,
    reason: string,
  ): void {
    this.#limits = to;
    this.#step(at).limitPerSecond = to.ratePerSecond;
    this.#rateChanges.push({ at, from, to, cause, reason });
    if (this.#rateChanges.length > RECENT) this.#rateChanges.shift();
  }

  // A person's change: the rate and in-flight limits it sets, as a decision of cause "control".
  #setLimits(at: number, limits: LoggedControlLimits, reason: string): void {
    if (limits.ratePerSecond === undefined && limits.maxInFlight === undefined) return;
    const to = {
      ratePerSecond: limits.ratePerSecond === undefined
        ? this.#limits.ratePerSecond
        : limits.ratePerSecond,
      maxInFlight: limits.maxInFlight === undefined ? this.#limits.maxInFlight : limits.maxInFlight,
    };
    this.#rateChanged(at, this.#limits, to, "control", reason);
  }

  #bookState(book: _Book): RunStateBook {
    const { imported, skipped, failed, cancelled, inFlight } = book;
    const total = book.plan.chapters;
    const ended = imported + skipped + failed + cancelled;
    const state = ended >= total && inFlight === 0
      ? (failed > 0 ? "failed" : cancelled > 0 ? "cancelled" : "done")
      : book.started || ended > 0
      ? "running"
      : "pending";
    return {
      id: book.plan.id,
      title: book.plan.title,
      total,
      imported,
      skipped,
      failed,
      cancelled,
      inFlight,
      state,
    };
  }

  #bookOf(chapterId: string): _Book | undefined {
    const cut = chapterId.lastIndexOf("/");
    return cut < 0 ? undefined : this.#books.get(chapterId.slice(0, cut));
  }

  #count(book: _Book | undefined, field: "imported" | "skipped" | "failed" | "cancelled"): void {
    if (book) book[field]++;
  }

  // A chapter's attempt ended (done, retrying or failed): it is no longer in flight.
  #leave(chapterId: string): void {
    this.#counts.inFlight = Math.max(0, this.#counts.inFlight - 1);
    const book = this.#bookOf(chapterId);
    if (book) book.inFlight = Math.max(0, book.inFlight - 1);
  }

  #attemptEnded(status: number | undefined, timedOut: true | undefined, at: number): void {
    const byClass = this.#requests.byClass;
    if (status === undefined || status < 200 || status >= 600) byClass.error++;
    else byClass[`${Math.floor(status / 100)}xx` as "2xx" | "3xx" | "4xx" | "5xx"]++;
    if (status === 429) {
      this.#requests.status429++;
      this.#step(at).refused++;
    }
    if (timedOut) this.#requests.timedOut++;
  }

  #addLatency(ms: number): void {
    if (!(ms >= 0)) return;
    const k = ms <= _FLOOR_MS ? 0 : Math.ceil(Math.log(ms / _FLOOR_MS) / Math.log(_BASE));
    this.#latency.set(k, (this.#latency.get(k) ?? 0) + 1);
    this.#latencyCount++;
  }

  // The bucket's upper edge holding the p-th percentile (nearest rank): within 5 %.
  #percentile(p: number): number | null {
    if (this.#latencyCount === 0) return null;
    const rank = Math.ceil((p / 100) * this.#latencyCount);
    let seen = 0;
    for (const k of [...this.#latency.keys()].sort((a, b) => a - b)) {
      seen += this.#latency.get(k) ?? 0;
      if (seen >= rank) return +(_FLOOR_MS * _BASE ** k).toFixed(2);
    }
    return null;
  }

  #step(at: number): _Step {
    const offset = Math.max(0, at - (this.#startAt ?? at));
    let index = Math.floor(offset / this.#stepMs);
    while (index >= MAX_STEPS) {
      this.#mergeSteps();
      index = Math.floor(offset / this.#stepMs);
    }
    while (this.#steps.length <= index) {
      const previous = this.#steps[this.#steps.length - 1];
      this.#steps.push({
        imported: 0,
        starts: 0,
        refused: 0,
        limitPerSecond: previous?.limitPerSecond ?? this.#limits.ratePerSecond,
        pausedMs: 0,
      });
    }
    return this.#steps[index];
  }

  #mergeSteps(): void {
    const merged: _Step[] = [];
    for (let k = 0; k < this.#steps.length; k += 2) {
      const a = this.#steps[k];
      const b = this.#steps[k + 1];
      merged.push(
        b === undefined ? { ...a } : {
          imported: a.imported + b.imported,
          starts: a.starts + b.starts,
          refused: a.refused + b.refused,
          limitPerSecond: b.limitPerSecond,
          pausedMs: a.pausedMs + b.pausedMs,
        },
      );
    }
    this.#steps = merged;
    this.#stepMs *= 2;
  }

  // A pause whose end has passed ends at its `until`, rate-resume or not.
  #closePause(at: number): void {
    if (this.#pause !== null && at >= this.#pause.untilAt) this.#endPause(this.#pause.untilAt);
  }

  #endPause(at: number): void {
    const pause = this.#pause;
    if (pause === null) return;
    this.#pause = null;
    const end = Math.max(pause.fromAt, Math.min(at, pause.untilAt));
    this.#pausedMs += end - pause.fromAt;
    this.#spreadPause(pause.fromAt, end);
  }

  // Adds the paused stretch to the steps it covers.
  #spreadPause(from: number, to: number): void {
    const start = this.#startAt ?? from;
    let at = from;
    while (at < to) {
      const step = this.#step(at);
      const stepEnd = start + (Math.floor((at - start) / this.#stepMs) + 1) * this.#stepMs;
      const end = Math.min(to, stepEnd);
      step.pausedMs += end - at;
      at = end;
    }
  }
}
