// Shared fixtures of the progress log tests: a header, a summary, and one
// event of every type with the record it must become.

import type { RunEvent } from "../../src/exec/types.ts";
import type { LogRecord, RunHeader } from "../../src/progress/log_record.ts";
import type { Summary } from "../../src/progress/summary.ts";
import { ev } from "./_helpers.ts";

/** A header as the CLI would build it. */
export const HEADER: RunHeader = {
  tool: { name: "scripture-importer", version: "0.1.0" },
  manifest: {
    file: "import.yaml",
    sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
  },
  profile: {
    name: "default",
    volumes: 2,
    booksPerVolume: 3,
    chaptersPerBook: 4,
    delayMs: 50,
    requestsPerSecond: 10,
    burst: 5,
  },
  selection: ["bofm", "pgp/moses"],
  outDir: "data",
  lang: "eng",
  apiUrl: "https://www.churchofjesuschrist.org/study/api/v3/language-pages/type/content",
};

/** A summary to stand for the collector's. */
export const SUMMARY: Summary = {
  chapters: { total: 2, imported: 1, unchanged: 0, skipped: 0, failed: 1, cancelled: 0 },
  failures: [{ id: "bofm/1-ne/2", kind: "chapter", reason: "HTTP 404", attempts: 1, status: 404 }],
  durationMs: 1000,
  chaptersPerSecond: 1,
  requests: 3,
  retries: 1,
  status429: 1,
  statusCounts: { 404: 1, 429: 1 },
  latency: {
    meanMs: 120,
    p95Ms: 120,
    ttfbMeanMs: 100,
    serverMs: 100,
    serverFrom: "ttfb",
    clientAddedMs: 20,
    afterHeadersMs: 20,
  },
  bound: { ms: 240, limitedBy: "rate" },
  efficiency: 0.24,
  interrupted: false,
};

/** Time origin of the test events: 2026-11-29T12:00:00Z. */
export const T0 = Date.UTC(2026, 10, 29, 12);

const WRITE_RESULT = {
  path: "data/bofm/1-ne/1.json",
  bytes: 5120,
  sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  verses: 20,
  paragraphs: 0,
  ttfbMs: 151.5,
};

/** One event of every type, with the record each must become. */
export const EVERY_EVENT: readonly [RunEvent, LogRecord][] = [
  [
    ev.runStart(T0, 4, 2, 2),
    {
      type: "run-start",
      time: "2026-11-29T12:00:00.000Z",
      at: T0,
      ...HEADER,
      nodes: 4,
      tasks: 2,
      sinks: 2,
    },
  ],
  [
    ev.open(T0 + 1, "bofm", 0),
    { type: "scope-open", time: "2026-11-29T12:00:00.001Z", at: T0 + 1, scope: "bofm", depth: 0 },
  ],
  [
    ev.start(T0 + 2, "bofm/1-ne/1"),
    {
      type: "task-start",
      time: "2026-11-29T12:00:00.002Z",
      at: T0 + 2,
      id: "bofm/1-ne/1",
      kind: "chapter",
      role: "task",
      attempt: 1,
    },
  ],
  [
    {
      type: "task-retry",
      at: T0 + 3,
      id: "bofm/1-ne/1",
      kind: "chapter",
      attempt: 1,
      delayMs: 30_000,
      reason: "HTTP 429",
      status: 429,
      retryAfterMs: 30_000,
    },
    {
      type: "task-retry",
      time: "2026-11-29T12:00:00.003Z",
      at: T0 + 3,
      id: "bofm/1-ne/1",
      kind: "chapter",
      attempt: 1,
      delayMs: 30_000,
      reason: "HTTP 429",
      status: 429,
      retryAfterMs: 30_000,
    },
  ],
  [
    ev.pause(T0 + 3, T0 + 30_003),
    {
      type: "rate-pause",
      time: "2026-11-29T12:00:00.003Z",
      at: T0 + 3,
      until: "2026-11-29T12:00:30.003Z",
      untilAt: T0 + 30_003,
      reason: "HTTP 429 Retry-After",
    },
  ],
  [
    ev.resume(T0 + 30_003),
    { type: "rate-resume", time: "2026-11-29T12:00:30.003Z", at: T0 + 30_003 },
  ],
  [
    ev.done(T0 + 30_200, "bofm/1-ne/1", 197, "chapter", WRITE_RESULT),
    {
      type: "task-done",
      time: "2026-11-29T12:00:30.200Z",
      at: T0 + 30_200,
      id: "bofm/1-ne/1",
      kind: "chapter",
      attempts: 1,
      durationMs: 197,
      ttfbMs: 151.5,
      bytes: 5120,
      verses: 20,
      sha256: WRITE_RESULT.sha256,
    },
  ],
  [
    ev.skipped(T0 + 30_201, "bofm/1-ne/3", WRITE_RESULT),
    {
      type: "task-skipped",
      time: "2026-11-29T12:00:30.201Z",
      at: T0 + 30_201,
      id: "bofm/1-ne/3",
      kind: "chapter",
      sha256: WRITE_RESULT.sha256,
    },
  ],
  [
    ev.failed(T0 + 30_300, "bofm/1-ne/2", "HTTP 404", 1, 404),
    {
      type: "task-failed",
      time: "2026-11-29T12:00:30.300Z",
      at: T0 + 30_300,
      id: "bofm/1-ne/2",
      kind: "chapter",
      reason: "HTTP 404",
      attempts: 1,
      status: 404,
      permanent: true,
    },
  ],
  [
    ev.cancelled(T0 + 30_301, "bofm/1-ne/4"),
    {
      type: "task-cancelled",
      time: "2026-11-29T12:00:30.301Z",
      at: T0 + 30_301,
      id: "bofm/1-ne/4",
      kind: "chapter",
    },
  ],
  [
    ev.close(T0 + 30_400, "bofm", 0),
    {
      type: "scope-close",
      time: "2026-11-29T12:00:30.400Z",
      at: T0 + 30_400,
      scope: "bofm",
      depth: 0,
    },
  ],
  [
    ev.end(T0 + 31_000, { durationMs: 31_000 }),
    { type: "run-end", time: "2026-11-29T12:00:31.000Z", at: T0 + 31_000, summary: SUMMARY },
  ],
];
