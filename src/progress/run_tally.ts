/**
 * The one accounting of a run, shared by the summary (fed the run's events as
 * they happen) and `report` (fed a progress log's records afterwards), so the
 * two cannot disagree on what a run did: chapters by outcome, requests,
 * retries, failed attempts by status, the successful attempts' timings, the
 * failures, the rate changes, the start and end.
 *
 * A log record is a run event with JSON's forms (see `LogRecord`), so one
 * fold reads both; the few fields that differ (a task's value and its time to
 * first byte, an unlimited rate as `null`, the end's report or summary) are
 * read here, in one place.
 *
 * @module
 */

import type { RunEvent } from "../exec/types.ts";
import { type LogRecord, notAvailableOf } from "./log_record.ts";
import { type AttemptTiming, ttfbOf } from "./server_latency.ts";
import type { SummaryFailure } from "./summary_types.ts";

/** One node that failed, with its last reason. */
export type TallyFailure = SummaryFailure;

/** How the rate moved: `rate-change` events. Rates in requests/s, Infinity for none. */
export interface TallyRate {
  readonly changes: number;
  readonly min: number;
  readonly max: number;
  readonly last: { readonly ratePerSecond: number; readonly maxInFlight: number };
}

/**
 * Folds a run's events, or its log's records, in order. Every count is read
 * by field: {@linkcode RunTally.chapters}, {@linkcode RunTally.requests} and
 * the rest.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RunTally } from "./run_tally.ts";
 * const tally = new RunTally();
 * tally.add({ type: "task-start", at: 0, id: "pgp/moses/1", kind: "chapter", role: "task", attempt: 1 });
 * tally.add({ type: "task-retry", at: 50, id: "pgp/moses/1", kind: "chapter", attempt: 1,
 *   delayMs: 100, reason: "HTTP 503", status: 503 });
 * tally.add({ type: "task-start", at: 150, id: "pgp/moses/1", kind: "chapter", role: "task", attempt: 2 });
 * tally.add({ type: "task-done", at: 200, id: "pgp/moses/1", kind: "chapter", attempts: 2,
 *   durationMs: 50, value: null });
 * assert.deepEqual(tally.chapters, { imported: 1, unchanged: 0, failed: 0, cancelled: 0, skipped: 0 });
 * assert.equal(tally.requests, 2);
 * assert.deepEqual(tally.statusCounts, { "503": 1 });
 * ```
 */
export class RunTally {
  readonly #chapterKind: string;
  readonly #taskIds = new Set<string>();
  readonly #requested = new Set<string>();
  readonly #skipped = new Set<string>();
  readonly #notRequested = new Set<string>();
  readonly #failures: TallyFailure[] = [];
  readonly #attempts: AttemptTiming[] = [];
  readonly #statusCounts: Record<string, number> = {};
  readonly #counts = { imported: 0, unchanged: 0, failed: 0, cancelled: 0, notAvailable: 0 };
  #requests = 0;
  #retries = 0;
  #firstStartAt = Infinity;
  #lastStartAt = -Infinity;
  #rate: TallyRate | undefined;
  #startedAt: number | undefined;
  #lastAt: number | undefined;
  #ended: { readonly durationMs: number; readonly aborted: boolean } | undefined;

  /** @param chapterKind the node kind counted as a chapter. @default "chapter" */
  constructor(chapterKind = "chapter") {
    this.#chapterKind = chapterKind;
  }

  /** Takes one event, or one log record, into account. */
  add(entry: RunEvent | LogRecord): void {
    this.#startedAt ??= entry.at;
    this.#lastAt = entry.at;
    const isChapter = "kind" in entry && entry.kind === this.#chapterKind;
    switch (entry.type) {
      case "task-start":
        if (entry.role === "task") {
          this.#taskIds.add(entry.id);
          this.#requests++;
          this.#firstStartAt = Math.min(this.#firstStartAt, entry.at);
          this.#lastStartAt = Math.max(this.#lastStartAt, entry.at);
        }
        if (isChapter) this.#requested.add(entry.id);
        break;
      case "task-retry":
        this.#retries++;
        this.#countStatus(entry.status, entry.timedOut);
        break;
      case "task-done":
        if (this.#taskIds.has(entry.id)) {
          // An event carries the time to first byte on its value, a record on itself.
          const ttfbMs = "value" in entry ? ttfbOf(entry.value) : ttfbOf(entry);
          this.#attempts.push({
            durationMs: entry.durationMs,
            ...(ttfbMs === undefined ? {} : { ttfbMs }),
          });
        }
        if (isChapter) {
          // A refresh's 304: asked after, found the same, not written again.
          const unchanged = "value" in entry ? _unchanged(entry.value) : entry.unchanged === true;
          const absent = notAvailableOf("value" in entry ? entry.value : entry) !== undefined;
          this.#counts[absent ? "notAvailable" : unchanged ? "unchanged" : "imported"]++;
          this.#requested.add(entry.id);
        }
        break;
      case "task-skipped":
        if (isChapter) {
          // Known not to be served in its language: counted apart, not as on disk.
          if (notAvailableOf("value" in entry ? entry.value : entry) !== undefined) {
            this.#counts.notAvailable++;
          } else this.#skipped.add(entry.id);
          this.#notRequested.add(entry.id);
        }
        break;
      case "task-failed":
        this.#countStatus(entry.status, entry.timedOut);
        if (isChapter) this.#counts.failed++;
        this.#failures.push({
          id: entry.id,
          kind: entry.kind,
          reason: entry.reason,
          attempts: entry.attempts,
          ...(entry.status === undefined ? {} : { status: entry.status }),
        });
        break;
      case "task-cancelled":
        if (isChapter) this.#counts.cancelled++;
        if (isChapter && !this.#taskIds.has(entry.id)) this.#notRequested.add(entry.id);
        break;
      case "rate-change": {
        const unlimited = (n: number | null) => n ?? Infinity;
        const rate = unlimited(entry.to.ratePerSecond);
        const seen = this.#rate;
        this.#rate = {
          changes: (seen?.changes ?? 0) + 1,
          min: Math.min(seen?.min ?? Infinity, rate),
          max: Math.max(seen?.max ?? -Infinity, rate),
          last: { ratePerSecond: rate, maxInFlight: unlimited(entry.to.maxInFlight) },
        };
        break;
      }
      case "run-end":
        this.#ended = "report" in entry
          ? { durationMs: entry.report.durationMs, aborted: entry.report.aborted }
          : { durationMs: entry.summary.durationMs, aborted: entry.summary.interrupted };
        break;
      case "run-start":
      case "scope-open":
      case "scope-close":
      case "rate-pause":
      case "rate-resume":
      // A person's change of limits leaves the profile's bound as it is.
      case "control":
        break;
      default: {
        const unhandled: never = entry;
        throw new TypeError(`Cannot account for "${String(unhandled)}": unknown type`);
      }
    }
  }

  /** Chapters by outcome. */
  get chapters(): {
    readonly imported: number;
    /** Asked after by a refresh and found unchanged (`304`): not written again. */
    readonly unchanged: number;
    readonly skipped: number;
    readonly failed: number;
    readonly cancelled: number;
    /** Not served in their language (404, or a table of contents): no file; absent when none. */
    readonly notAvailable?: number;
  } {
    const { notAvailable, ...counts } = this.#counts;
    return {
      ...counts,
      skipped: this.#skipped.size,
      ...(notAvailable > 0 ? { notAvailable } : {}),
    };
  }

  /** Task attempts started (one request each). */
  get requests(): number {
    return this.#requests;
  }

  /** Failed attempts that were retried. */
  get retries(): number {
    return this.#retries;
  }

  /**
   * Every failed attempt (retried or last) by HTTP status, or `timeout`, or
   * `no-status`; the counts add up to the failed attempts.
   */
  get statusCounts(): Readonly<Record<string, number>> {
    return { ...this.#statusCounts };
  }

  /** The successful request attempts' durations and times to first byte. */
  get attempts(): readonly AttemptTiming[] {
    return this.#attempts;
  }

  /** Every failed node, in the order they failed. */
  get failures(): readonly TallyFailure[] {
    return this.#failures;
  }

  /** Chapters skipped, or cancelled before they started: not part of the run's work. */
  get notRequested(): ReadonlySet<string> {
    return this.#notRequested;
  }

  /** Chapters the run requested (started or done), less the skipped ones. */
  requestedChapters(): string[] {
    return [...this.#requested].filter((id) => !this.#skipped.has(id));
  }

  /** How the rate moved, if it ever changed. */
  get rate(): TallyRate | undefined {
    return this.#rate;
  }

  /** Mean time between two consecutive request starts, ms; null with fewer than two. */
  get meanStartGapMs(): number | null {
    return this.#requests < 2
      ? null
      : (this.#lastStartAt - this.#firstStartAt) / (this.#requests - 1);
  }

  /** The run's duration: the end's, else from the first entry to the latest. */
  get durationMs(): number {
    return this.#ended?.durationMs ?? (this.#lastAt ?? 0) - (this.#startedAt ?? 0);
  }

  /** Whether the run ended (a `run-end`). */
  get ended(): boolean {
    return this.#ended !== undefined;
  }

  /** Whether the run was aborted, or has not ended. */
  get interrupted(): boolean {
    return this.#ended?.aborted ?? true;
  }

  #countStatus(status: number | undefined, timedOut: true | undefined): void {
    const key = status !== undefined ? String(status) : timedOut ? "timeout" : "no-status";
    this.#statusCounts[key] = (this.#statusCounts[key] ?? 0) + 1;
  }
}

function _unchanged(value: unknown): boolean {
  return typeof value === "object" && value !== null &&
    (value as Record<string, unknown>).unchanged === true;
}
