/**
 * The run's Prometheus metrics, folded from its progress-log records into a
 * prom-client registry of its own: one prefix (`scripture_importer_`), base
 * units (seconds, bytes), `_total` counters, a `_seconds` histogram, and
 * labels of a few values each (never a chapter or a URI). docs/serve.md lists
 * every metric.
 *
 * @module
 */

import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { LogRecord } from "../progress/log_record.ts";
import type { RunStateCeilings } from "../progress/run_state.ts";

/** The prefix of every metric's name. */
export const METRIC_PREFIX = "scripture_importer_";

/** The request latency histogram's bucket bounds, seconds. */
export const LATENCY_BUCKETS = [
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  30,
  60,
];

/** The `outcome` label values of `chapters_total`. */
export type ChapterOutcome = "imported" | "unchanged" | "skipped" | "failed" | "cancelled";

/** The `reason` label values of `retries_total`. */
export type RetryReason = "rate_limited" | "server_error" | "timeout" | "http_error" | "network";

/** Options of {@linkcode RunMetrics}. */
export interface RunMetricsOptions {
  /** The profile's limits: the ceilings, and the limits in force until a record changes them. */
  readonly ceilings: RunStateCeilings;
  /** The node kind counted as a chapter. @default "chapter" */
  readonly chapterKind?: string;
  /** Clock ms now, to count a pause still in force at a scrape. @default Date.now */
  readonly now?: () => number;
}

/**
 * Folds records into metrics; {@linkcode RunMetrics.text} renders the
 * exposition.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RunMetrics } from "./run_metrics.ts";
 * const metrics = new RunMetrics({
 *   ceilings: { ratePerSecond: 20, maxInFlight: null, volumes: 1, booksPerVolume: 1, chaptersPerBook: 5 },
 * });
 * const time = new Date(0).toISOString();
 * metrics.add({ type: "task-done", time, at: 90, id: "pgp/moses/1", kind: "chapter", attempts: 1, durationMs: 90 });
 * const text = await metrics.text();
 * assert.match(text, /^scripture_importer_chapters_total\{outcome="imported"\} 1$/m);
 * ```
 */
export class RunMetrics {
  readonly registry = new Registry();
  readonly #chapterKind: string;
  readonly #now: () => number;
  readonly #chapters: Counter<"outcome">;
  readonly #requestsStarted: Counter;
  readonly #requests: Counter<"status_class">;
  readonly #retries: Counter<"reason">;
  readonly #inFlight: Gauge<"level">;
  readonly #rateLimit: Gauge;
  readonly #inFlightLimit: Gauge;
  readonly #paused: Counter;
  readonly #latency: Histogram;
  readonly #received: Counter;
  readonly #written: Counter;
  readonly #startTime: Gauge;
  readonly #done: Gauge;
  readonly #open = { volume: 0, book: 0, chapter: 0 };
  #pause: { fromAt: number; untilAt: number } | undefined;

  constructor(options: RunMetricsOptions) {
    this.#chapterKind = options.chapterKind ?? "chapter";
    this.#now = options.now ?? Date.now;
    const registers = [this.registry];
    const name = (n: string) => METRIC_PREFIX + n;
    this.#chapters = new Counter({
      name: name("chapters_total"),
      help: "Chapters ended, by outcome.",
      labelNames: ["outcome"],
      registers,
    });
    for (const outcome of ["imported", "unchanged", "skipped", "failed", "cancelled"]) {
      this.#chapters.inc({ outcome }, 0);
    }
    this.#requestsStarted = new Counter({
      name: name("requests_started_total"),
      help: "Request attempts started.",
      registers,
    });
    this.#requests = new Counter({
      name: name("requests_total"),
      help:
        "Request attempts ended, by HTTP status class (2xx..5xx, or error: no status, e.g. a timeout or a network error).",
      labelNames: ["status_class"],
      registers,
    });
    for (const status_class of ["2xx", "3xx", "4xx", "5xx", "error"]) {
      this.#requests.inc({ status_class }, 0);
    }
    this.#retries = new Counter({
      name: name("retries_total"),
      help: "Failed attempts retried, by reason.",
      labelNames: ["reason"],
      registers,
    });
    for (const reason of ["rate_limited", "server_error", "timeout", "http_error", "network"]) {
      this.#retries.inc({ reason }, 0);
    }
    this.#inFlight = new Gauge({
      name: name("tasks_in_flight"),
      help: "Open now, per level: volumes and books being imported, chapter requests running.",
      labelNames: ["level"],
      registers,
    });
    const ceilings = options.ceilings;
    this.#rateLimit = new Gauge({
      name: name("rate_limit_requests_per_second"),
      help: "The start rate limit in force, requests per second (+Inf: none).",
      registers,
    });
    this.#rateLimit.set(ceilings.ratePerSecond ?? Infinity);
    new Gauge({
      name: name("rate_limit_ceiling_requests_per_second"),
      help: "The profile's rate limit, which no change may exceed (+Inf: none).",
      registers,
    }).set(ceilings.ratePerSecond ?? Infinity);
    this.#inFlightLimit = new Gauge({
      name: name("in_flight_limit"),
      help: "The cap on requests in flight in force (+Inf: none).",
      registers,
    });
    this.#inFlightLimit.set(ceilings.maxInFlight ?? Infinity);
    new Gauge({
      name: name("in_flight_limit_ceiling"),
      help: "The profile's cap on requests in flight, which no change may exceed (+Inf: none).",
      registers,
    }).set(ceilings.maxInFlight ?? Infinity);
    this.#paused = new Counter({
      name: name("server_paused_seconds_total"),
      help: "Seconds the server had every start paused (Retry-After, a used-up quota).",
      registers,
      collect: () => this.#collectPause(),
    });
    this.#latency = new Histogram({
      name: name("request_duration_seconds"),
      help: "Duration of the successful request attempts, seconds.",
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#received = new Counter({
      name: name("received_bytes_total"),
      help: "Bytes of the response bodies received.",
      registers,
    });
    this.#written = new Counter({
      name: name("written_bytes_total"),
      help: "Bytes of the chapter files written.",
      registers,
    });
    this.#startTime = new Gauge({
      name: name("run_start_time_seconds"),
      help: "When the run started, seconds since the Unix epoch.",
      registers,
    });
    this.#done = new Gauge({
      name: name("run_done"),
      help: "1 once the run has ended, else 0.",
      registers,
    });
    this.#done.set(0);
    this.#setInFlight();
  }

  /** The exposition's content type. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Folds one record in. */
  add(record: LogRecord): void {
    if (this.#pause !== undefined && record.at >= this.#pause.untilAt) this.#endPause(record.at);
    switch (record.type) {
      case "run-start":
        this.#startTime.set(Date.parse(record.time) / 1000);
        break;
      case "scope-open":
      case "scope-close": {
        const level = record.depth === 0 ? "volume" : record.depth === 1 ? "book" : undefined;
        if (level === undefined) break;
        this.#open[level] += record.type === "scope-open" ? 1 : -1;
        this.#setInFlight();
        break;
      }
      case "task-start":
        if (record.role !== "task") break;
        this.#requestsStarted.inc();
        if (record.kind === this.#chapterKind) this.#chapterInFlight(1);
        break;
      case "task-retry":
        this.#requests.inc({ status_class: _statusClass(record.status) });
        this.#retries.inc({ reason: retryReason(record.status, record.timedOut) });
        if (record.kind === this.#chapterKind) this.#chapterInFlight(-1);
        break;
      case "task-done":
        if (record.kind !== this.#chapterKind) break;
        this.#chapterInFlight(-1);
        this.#requests.inc({ status_class: record.unchanged ? "3xx" : "2xx" });
        this.#chapters.inc({ outcome: record.unchanged ? "unchanged" : "imported" });
        this.#latency.observe(record.durationMs / 1000);
        if (record.receivedBytes !== undefined) this.#received.inc(record.receivedBytes);
        if (record.bytes !== undefined && !record.unchanged) this.#written.inc(record.bytes);
        break;
      case "task-skipped":
        if (record.kind === this.#chapterKind) this.#chapters.inc({ outcome: "skipped" });
        break;
      case "task-failed":
        if (record.kind !== this.#chapterKind) break;
        this.#chapterInFlight(-1);
        this.#requests.inc({ status_class: _statusClass(record.status) });
        this.#chapters.inc({ outcome: "failed" });
        break;
      case "task-cancelled":
        if (record.kind === this.#chapterKind) this.#chapters.inc({ outcome: "cancelled" });
        break;
      case "rate-pause":
        if (this.#pause === undefined) this.#pause = { fromAt: record.at, untilAt: record.untilAt };
        else this.#pause.untilAt = Math.max(this.#pause.untilAt, record.untilAt);
        break;
      case "rate-resume":
        this.#endPause(record.at);
        break;
      case "rate-change":
        this.#rateLimit.set(record.to.ratePerSecond ?? Infinity);
        this.#inFlightLimit.set(record.to.maxInFlight ?? Infinity);
        break;
      case "control": {
        const limits = record.limits;
        if (limits?.ratePerSecond !== undefined) {
          this.#rateLimit.set(limits.ratePerSecond ?? Infinity);
        }
        if (limits?.maxInFlight !== undefined) {
          this.#inFlightLimit.set(limits.maxInFlight ?? Infinity);
        }
        break;
      }
      case "run-end":
        this.#endPause(record.at);
        this.#open.volume = this.#open.book = this.#open.chapter = 0;
        this.#setInFlight();
        this.#done.set(1);
        break;
      default: {
        const unhandled: never = record;
        throw new TypeError(`Cannot count record: unknown type "${String(unhandled)}"`);
      }
    }
  }

  /** The Prometheus text exposition of every metric now. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  // A chapter request started (+1) or ended (-1).
  #chapterInFlight(delta: 1 | -1): void {
    this.#open.chapter = Math.max(0, this.#open.chapter + delta);
    this.#inFlight.set({ level: "chapter" }, this.#open.chapter);
  }

  #setInFlight(): void {
    for (const level of ["volume", "book", "chapter"] as const) {
      this.#inFlight.set({ level }, this.#open[level]);
    }
  }

  #endPause(at: number): void {
    const pause = this.#pause;
    if (pause === undefined) return;
    this.#pause = undefined;
    this.#addPaused(Math.max(pause.fromAt, Math.min(at, pause.untilAt)) - pause.fromAt);
  }

  // The counter holds the ended pauses plus the part of one in force: a scrape mid-pause sees it grow.
  #collectPause(): void {
    const pause = this.#pause;
    if (pause === undefined) return;
    const sofar = Math.max(0, Math.min(this.#now(), pause.untilAt) - pause.fromAt);
    pause.fromAt += sofar;
    this.#addPaused(sofar);
  }

  #addPaused(ms: number): void {
    if (ms <= 0) return;
    this.#paused.inc(ms / 1000);
  }
}

/**
 * The `reason` label of a retry.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { retryReason } from "./run_metrics.ts";
 * assert.equal(retryReason(429, undefined), "rate_limited");
 * assert.equal(retryReason(undefined, true), "timeout");
 * ```
 */
export function retryReason(status: number | undefined, timedOut: true | undefined): RetryReason {
  if (timedOut) return "timeout";
  if (status === undefined) return "network";
  if (status === 429) return "rate_limited";
  return status >= 500 ? "server_error" : "http_error";
}

function _statusClass(status: number | undefined): string {
  if (status === undefined || status < 200 || status >= 600) return "error";
  return `${Math.floor(status / 100)}xx`;
}
