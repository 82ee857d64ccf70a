import assert from "node:assert/strict";
import type { RunEvent } from "../../src/exec/types.ts";
import { compileLimits } from "../../src/plan/limits.ts";
import { toLogRecord } from "../../src/progress/log_record.ts";
import { SummaryCollector } from "../../src/progress/summary.ts";
import { measureRun } from "../../src/report/measure_run.ts";
import { HEADER } from "./_fixtures.ts";
import { ev, rateChange } from "./_helpers.ts";

// A run with every kind of outcome: imported with a time to first byte,
// retried (429, 503, timeout, no status), failed, skipped, cancelled.
const EVENTS: readonly RunEvent[] = [
  ev.runStart(0, 8, 6, 2),
  ev.skipped(0, "bofm/enos/1", { sha256: "ab" }),
  ev.start(0, "bofm/jarom/1"),
  ev.start(0, "bofm/omni/1"),
  ev.retry(40, "bofm/omni/1", 1, 429),
  ev.done(90, "bofm/jarom/1", 90, "chapter", { bytes: 10, ttfbMs: 60 }),
  ev.start(1040, "bofm/omni/1", 2),
  { ...ev.retry(1100, "bofm/omni/1", 2), timedOut: true } as RunEvent,
  ev.start(1200, "bofm/omni/1", 3),
  ev.done(1300, "bofm/omni/1", 100, "chapter", { ttfbMs: 70 }),
  rateChange(1300, 40, 36, { inFlight: 4, cause: "limit" }),
  ev.start(1300, "bofm/wom/1"),
  ev.retry(1350, "bofm/wom/1", 1, 503),
  ev.start(1450, "bofm/wom/1", 2),
  ev.failed(1500, "bofm/wom/1", "HTTP 503", 2, 503),
  ev.cancelled(1500, "bofm/mosiah/1"),
  ev.end(1600, { durationMs: 1600, aborted: true }),
];

Deno.test("the summary of a run and report's measure of its log agree, field by field", () => {
  const limits = compileLimits(HEADER.profile);
  const collector = new SummaryCollector({
    chapters: 5,
    limits,
    books: (notRequested) =>
      ["bofm/jarom/1", "bofm/omni/1", "bofm/wom/1"].filter((id) => !notRequested.has(id))
        .map(() => ({ volume: "bofm", chapters: 1 })),
  });
  for (const event of EVENTS) collector.add(event);
  const summary = collector.summary();
  const records = EVENTS.map((event) =>
    toLogRecord(event, { header: HEADER, summarize: () => summary })
  );
  const measured = measureRun(records, { log: "run.ndjson" });

  const { total: _, ...chapters } = summary.chapters;
  assert.deepEqual(measured.chapters, chapters);
  assert.deepEqual(
    [measured.requests, measured.retries, measured.status429],
    [summary.requests, summary.retries, summary.status429],
  );
  assert.deepEqual(measured.latency, summary.latency);
  assert.deepEqual(
    { ms: measured.bound?.ms, limitedBy: measured.bound?.limitedBy },
    summary.bound,
  );
  assert.equal(measured.efficiency, summary.efficiency);
  assert.equal(measured.durationMs, summary.durationMs);
  assert.equal(measured.interrupted, summary.interrupted);
  assert.deepEqual(summary.statusCounts, { "429": 1, "503": 2, timeout: 1 });
});
