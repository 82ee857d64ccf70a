// Synthetic progress logs with known timings, written through the same
// pipeline as a real run (run events -> summary collector -> log records), so
// the run-end summary in them is the one a real run would hold.

import { join } from "node:path";
import type { RateChangeCause, RunEvent, RunReport } from "../../src/exec/types.ts";
import { compileLimits } from "../../src/plan/limits.ts";
import type { LogRecord, RunHeader } from "../../src/progress/log_record.ts";
import { toLogRecord } from "../../src/progress/log_record.ts";
import { type Summary, SummaryCollector } from "../../src/progress/summary.ts";

/** 2026-11-29T12:00:00Z: the clock time every synthetic run starts from. */
export const T0 = Date.UTC(2026, 10, 29, 12);

export const SEQUENTIAL: RunHeader["profile"] = {
  name: "sequential",
  volumes: 1,
  booksPerVolume: 1,
  chaptersPerBook: 1,
  delayMs: 100,
};

export const DEFAULT: RunHeader["profile"] = {
  name: "default",
  volumes: 3,
  booksPerVolume: 5,
  chaptersPerBook: 10,
  delayMs: 50,
};

/** Builds one run's records; times are ms after {@linkcode T0}. */
export class SyntheticRun {
  readonly #collector: SummaryCollector;
  readonly #header: RunHeader;
  readonly #records: LogRecord[] = [];
  readonly #origin: number;

  /**
   * @param profile the run's profile
   * @param chapters every chapter id the run was asked for ("volume/book/n")
   * @param options.selection the selection labels (default ["pgp"]); options.origin the run's start, ms after T0
   */
  constructor(
    profile: RunHeader["profile"],
    chapters: readonly string[],
    options: { selection?: string[]; origin?: number } = {},
  ) {
    this.#origin = options.origin ?? 0;
    this.#header = {
      tool: { name: "scripture-importer", version: "0.1.0" },
      manifest: { file: "import.yaml", sha256: "" },
      profile,
      selection: options.selection ?? ["pgp"],
      outDir: "data",
      lang: "eng",
      apiUrl: "http://127.0.0.1:8787/study/api/v3/language-pages/type/content",
    };
    this.#collector = new SummaryCollector({
      chapters: chapters.length,
      limits: compileLimits(profile),
      books: (skipped) => {
        const books = new Map<string, { volume: string; chapters: number }>();
        for (const id of chapters.filter((c) => !skipped.has(c))) {
          const [volume, book] = id.split("/");
          const entry = books.get(`${volume}/${book}`) ?? { volume, chapters: 0 };
          entry.chapters++;
          books.set(`${volume}/${book}`, entry);
        }
        return [...books.values()];
      },
    });
    this.#emit({
      type: "run-start",
      at: 0,
      nodes: chapters.length,
      tasks: chapters.length,
      sinks: 0,
    });
  }

  /**
   * A chapter fetched in one attempt from `at` for `durationMs`, its headers
   * after `ttfbMs` when given (else the record has no time to first byte, as
   * in logs written before it was logged).
   */
  chapter(id: string, at: number, durationMs: number, ttfbMs?: number): this {
    this.#emit({ type: "task-start", at, id, kind: "chapter", attempt: 1, role: "task" });
    return this.#emit({
      type: "task-done",
      at: at + durationMs,
      id,
      kind: "chapter",
      attempts: 1,
      durationMs,
      value: {
        bytes: 100,
        verses: 3,
        sha256: "0".repeat(64),
        ...(ttfbMs === undefined ? {} : { ttfbMs }),
      },
    });
  }

  /** A chapter answered 429 at `at + 10`, retried at `retryAt`, then done after `durationMs`. */
  chapterAfter429(id: string, at: number, retryAt: number, durationMs: number): this {
    this.#emit({ type: "task-start", at, id, kind: "chapter", attempt: 1, role: "task" });
    this.#emit({
      type: "task-retry",
      at: at + 10,
      id,
      kind: "chapter",
      attempt: 1,
      delayMs: retryAt - at - 10,
      reason: "HTTP 429",
      status: 429,
      retryAfterMs: retryAt - at - 10,
    });
    this.#emit({ type: "task-start", at: retryAt, id, kind: "chapter", attempt: 2, role: "task" });
    return this.#emit({
      type: "task-done",
      at: retryAt + durationMs,
      id,
      kind: "chapter",
      attempts: 2,
      durationMs,
      value: null,
    });
  }

  /** A rate change an adaptive controller made at `at`, in requests/s, at most 10 in flight. */
  rateChange(at: number, from: number, to: number, cause: RateChangeCause = "slow-start"): this {
    return this.#emit({
      type: "rate-change",
      at,
      from: { ratePerSecond: from, maxInFlight: 10 },
      to: { ratePerSecond: to, maxInFlight: 10 },
      cause,
      reason: `${cause}: ${to}/s`,
    });
  }

  /** A chapter already on disk. */
  skipped(id: string, at: number): this {
    return this.#emit({ type: "task-skipped", at, id, kind: "chapter", value: null });
  }

  /** A chapter that failed permanently after one attempt of `durationMs`. */
  failed(id: string, at: number, durationMs: number): this {
    this.#emit({ type: "task-start", at, id, kind: "chapter", attempt: 1, role: "task" });
    return this.#emit({
      type: "task-failed",
      at: at + durationMs,
      id,
      kind: "chapter",
      attempts: 1,
      reason: "HTTP 404",
      status: 404,
      permanent: true,
    });
  }

  /** The run-end record, the run having started at 0. */
  end(at: number, aborted = false): this {
    const report: RunReport = {
      startedAt: T0 + this.#origin,
      endedAt: T0 + this.#origin + at,
      durationMs: at,
      nodes: 0,
      done: 0,
      skipped: 0,
      failed: 0,
      cancelled: 0,
      attempts: 0,
      retries: 0,
      aborted,
      failures: [],
      outcomes: new Map(),
    };
    return this.#emit({ type: "run-end", at, report });
  }

  /** The summary the run would print (and did log, once ended). */
  summary(): Summary {
    return this.#collector.summary();
  }

  records(): LogRecord[] {
    return [...this.#records];
  }

  /** The run as NDJSON lines, each ending with a newline. */
  ndjson(): string {
    return this.#records.map((r) => JSON.stringify(r) + "\n").join("");
  }

  #emit(event: RunEvent): this {
    // Events are built relative to the run's start; the log holds clock times.
    const shifted = { ...event, at: T0 + this.#origin + event.at } as RunEvent;
    this.#collector.add(shifted);
    this.#records.push(
      toLogRecord(shifted, { header: this.#header, summarize: () => this.#collector.summary() }),
    );
    return this;
  }
}

/** The four chapters of the synthetic runs: two books of one volume. */
export const CHAPTERS = ["pgp/moses/1", "pgp/moses/2", "pgp/abr/1", "pgp/abr/2"];

/** Sequential: 200 ms each, back to back; run-end at 800 ms. */
export function sequentialRun(origin = 0): SyntheticRun {
  const run = new SyntheticRun(SEQUENTIAL, CHAPTERS, { origin });
  CHAPTERS.forEach((id, i) => run.chapter(id, i * 200, 200));
  return run.end(800);
}

/** Default: starts 50 ms apart, 200 ms each (last done at 350); run-end at 400 ms. */
export function defaultRun(origin = 0): SyntheticRun {
  const run = new SyntheticRun(DEFAULT, CHAPTERS, { origin });
  CHAPTERS.forEach((id, i) => run.chapter(id, i * 50, 200));
  return run.end(400);
}

/** 10 chapters requested at once, without a rate limit. */
export const TEN_AT_ONCE: RunHeader["profile"] = {
  name: "ten",
  volumes: 1,
  booksPerVolume: 1,
  chaptersPerBook: 10,
  maxInFlight: 10,
  delayMs: 0,
};

/**
 * 100 chapters of one book, 10 at once, against a server that answers in 50
 * ms, by a client whose event loop makes most answers wait: each wave of 10
 * takes 64 ms, one answer in ten is seen at once (50 ms to first byte), the
 * others 12 ms late, and every attempt lasts 64 ms; run-end at 640 ms. The
 * mean latency (64 ms) times 10 waves is the run's duration: a bound at the
 * mean would read 100%.
 */
export function clientDelayedRun(): SyntheticRun {
  const ids = Array.from({ length: 100 }, (_, i) => `ot/ps/${i + 1}`);
  const run = new SyntheticRun(TEN_AT_ONCE, ids, { selection: ["ot/ps"] });
  ids.forEach((id, i) => run.chapter(id, Math.floor(i / 10) * 64, 64, i % 10 === 0 ? 50 : 62));
  return run.end(640);
}

/** Writes `text` to `name` in `dir` and returns the path. */
export async function writeLog(dir: string, name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await Deno.writeTextFile(path, text);
  return path;
}

/** An adaptive profile: 20 in flight, a rate the controller moves. */
export const ADAPTIVE: RunHeader["profile"] = {
  name: "adaptive",
  volumes: 4,
  booksPerVolume: 5,
  chaptersPerBook: 20,
  maxInFlight: 20,
  delayMs: 0,
  requestsPerSecond: 100,
};

/**
 * `chapters` chapters (books of 50, volumes of 20 books, as 100 languages
 * of the canon would be laid out), one started every 2 ms for 60 ms (50 ms
 * to first byte, every tenth 45 ms), by an adaptive profile that halves its
 * rate at a quarter of the run and doubles it back at half; run-end 2 ms after
 * the last is done.
 */
export function largeRun(chapters: number): SyntheticRun {
  const ids = Array.from(
    { length: chapters },
    (_, i) => `v${Math.floor(i / 1000)}/b${Math.floor(i / 50)}/${(i % 50) + 1}`,
  );
  const run = new SyntheticRun(ADAPTIVE, ids, { selection: ["all"] });
  const end = (chapters - 1) * 2 + 62;
  ids.forEach((id, i) => {
    if (i === Math.floor(chapters / 4)) run.rateChange(i * 2, 500, 250, "overload");
    if (i === Math.floor(chapters / 2)) run.rateChange(i * 2, 250, 500, "recover");
    run.chapter(id, i * 2, 60, i % 10 === 0 ? 45 : 50);
  });
  return run.end(end);
}
