import assert from "node:assert/strict";
import { readProgressLog } from "../../src/progress/log.ts";
import { measureRun } from "../../src/report/measure_run.ts";
import {
  CHAPTERS,
  clientDelayedRun,
  DEFAULT,
  defaultRun,
  SEQUENTIAL,
  sequentialRun,
  SyntheticRun,
  T0,
} from "./_synthetic_log.ts";

Deno.test("a sequential run of 4 chapters of 200 ms is measured at 100% of its minimum", () => {
  const run = measureRun(sequentialRun().records(), { log: "seq.ndjson" });
  assert.equal(run.log, "seq.ndjson");
  assert.equal(run.run, 1);
  assert.equal(run.startedAt, new Date(T0).toISOString());
  assert.deepEqual(run.profile, SEQUENTIAL);
  assert.deepEqual(run.selection, ["pgp"]);
  assert.deepEqual(run.chapters, {
    imported: 4,
    unchanged: 0,
    skipped: 0,
    failed: 0,
    cancelled: 0,
  });
  assert.equal(run.durationMs, 800);
  assert.equal(run.chaptersPerSecond, 5);
  assert.equal(run.requests, 4);
  assert.equal(run.latencyMeanMs, 200);
  assert.equal(run.meanStartGapMs, 200);
  // ceil(4/1) × 200 beats the rate term 3 × 100 + 200 and the longest book 2 × 200.
  assert.equal(run.bound?.ms, 800);
  assert.equal(run.bound?.limitedBy, "concurrency");
  assert.equal(run.efficiency, 1);
  assert.equal(run.canonEstimateMs, 1584 / 5 * 1000);
  assert.deepEqual([run.ended, run.interrupted, run.tornLastLine], [true, false, false]);
});

Deno.test("a default run is bound by its 50 ms delay: 3 × 50 + 200 = 350 ms of 400 ms", () => {
  const run = measureRun(defaultRun().records(), { log: "default.ndjson" });
  assert.equal(run.durationMs, 400);
  assert.equal(run.chaptersPerSecond, 10);
  assert.equal(run.meanStartGapMs, 50);
  assert.deepEqual(run.bound?.terms, {
    concurrency: 200,
    rate: 350,
    longestBook: 200,
    volume: 200,
  });
  assert.equal(run.bound?.limitedBy, "rate");
  assert.equal(run.efficiency, 350 / 400);
});

Deno.test("a run's measures equal the run-end summary the run logged", () => {
  const synthetic = new SyntheticRun(DEFAULT, CHAPTERS)
    .skipped("pgp/moses/1", 0)
    .chapterAfter429("pgp/moses/2", 0, 1010, 300)
    .chapter("pgp/abr/1", 50, 100)
    .failed("pgp/abr/2", 100, 40)
    .end(1400);
  const run = measureRun(synthetic.records(), { log: "mixed.ndjson" });
  const summary = synthetic.summary();
  assert.equal(run.durationMs, summary.durationMs);
  assert.equal(run.chaptersPerSecond, summary.chaptersPerSecond);
  assert.deepEqual(run.chapters, {
    imported: summary.chapters.imported,
    unchanged: summary.chapters.unchanged,
    skipped: summary.chapters.skipped,
    failed: summary.chapters.failed,
    cancelled: summary.chapters.cancelled,
  });
  assert.deepEqual([run.requests, run.retries, run.status429], [4, 1, 1]);
  assert.deepEqual(
    [run.requests, run.retries, run.status429],
    [summary.requests, summary.retries, summary.status429],
  );
  assert.equal(run.latencyMeanMs, 200);
  assert.equal(run.latencyMeanMs, summary.latency.meanMs);
  // The skipped chapter is no part of the minimum: 3 chapters, 2 × 50 + 100 (the
  // p10 of 300 and 100 ms).
  assert.equal(run.bound?.requests, 3);
  assert.equal(run.bound?.ms, 200);
  assert.deepEqual(run.latency, summary.latency);
  assert.deepEqual(
    { ms: run.bound?.ms, limitedBy: run.bound?.limitedBy },
    summary.bound,
  );
  assert.equal(run.efficiency, summary.efficiency);
});

Deno.test("a run without run-end lasts until its last record and is marked", () => {
  const synthetic = new SyntheticRun(SEQUENTIAL, CHAPTERS)
    .chapter("pgp/moses/1", 0, 200)
    .chapter("pgp/moses/2", 200, 250);
  const run = measureRun(synthetic.records(), { log: "killed.ndjson", tornLastLine: true });
  assert.equal(run.durationMs, 450);
  assert.equal(run.ended, false);
  assert.equal(run.interrupted, false);
  assert.equal(run.tornLastLine, true);
  // Only the chapters it requested count: 2 × 200 ms (the p10 of 200 and 250 ms).
  assert.equal(run.bound?.ms, 400);
});

Deno.test("an interrupted run is marked from its run-end summary", () => {
  const synthetic = new SyntheticRun(SEQUENTIAL, CHAPTERS).chapter("pgp/moses/1", 0, 200)
    .end(210, true);
  const run = measureRun(synthetic.records(), { log: "stopped.ndjson" });
  assert.deepEqual([run.ended, run.interrupted], [true, true]);
  assert.equal(run.durationMs, 210);
});

Deno.test("a run that imported nothing has no latency, minimum, efficiency or estimate", () => {
  const synthetic = new SyntheticRun(SEQUENTIAL, CHAPTERS).failed("pgp/moses/1", 0, 30).end(40);
  const run = measureRun(synthetic.records(), { log: "failed.ndjson", canonChapters: 10 });
  assert.equal(run.chapters.failed, 1);
  assert.equal(run.chaptersPerSecond, 0);
  assert.deepEqual(
    [run.latencyMeanMs, run.meanStartGapMs, run.bound, run.efficiency, run.canonEstimateMs],
    [null, null, null, null, null],
  );
});

Deno.test("the whole-canon estimate uses the given chapter count", () => {
  const run = measureRun(sequentialRun().records(), { log: "seq.ndjson", canonChapters: 10 });
  assert.equal(run.canonEstimateMs, 2000);
});

Deno.test("records that do not begin with run-start are refused", () => {
  const records = sequentialRun().records().slice(1);
  assert.throws(
    () => measureRun(records, { log: "x.ndjson" }),
    new TypeError('Cannot measure run: the first record is "task-start", expected "run-start"'),
  );
});

Deno.test("a run's minimum is at the server's latency from the log, not at a mean the client inflated", () => {
  const synthetic = clientDelayedRun();
  const run = measureRun(synthetic.records(), { log: "delayed.ndjson" });
  // ceil(100/10) × 50 ms of 640 ms, not 640 ms of 640 ms.
  assert.equal(run.bound?.ms, 500);
  assert.equal(run.bound?.limitedBy, "concurrency");
  assert.equal(run.efficiency, 500 / 640);
  assert.equal(run.latencyMeanMs, 64);
  assert.equal(run.latency.serverMs, 50);
  assert.equal(run.latency.serverFrom, "ttfb");
  assert.equal(run.latency.clientAddedMs, 14);
  // The same figures as the run's own summary.
  const summary = synthetic.summary();
  assert.deepEqual(run.latency, summary.latency);
  assert.deepEqual({ ms: run.bound?.ms, limitedBy: run.bound?.limitedBy }, summary.bound);
  assert.equal(run.efficiency, summary.efficiency);
});

Deno.test("a log written before times to first byte were logged is measured at the p10 of its attempts", async () => {
  const log = new URL("../fixtures/progress_log_before_ttfb.ndjson", import.meta.url).pathname;
  const { records } = await readProgressLog(log);
  const end = records.findLast((r) => r.type === "run-end");
  // The fixture is a real log of the code before: no ttfbMs, a summary without the new fields.
  assert.ok(records.every((r) => !("ttfbMs" in r)));
  assert.deepEqual(Object.keys(end!.summary.latency), ["meanMs", "p95Ms"]);
  const run = measureRun(records, { log });
  assert.ok(run.efficiency! < end!.summary.efficiency!, "below the one logged at the mean");
  const durations = records.flatMap((r) =>
    r.type === "task-done" && r.kind === "chapter" ? [r.durationMs] : []
  );
  assert.equal(durations.length, 5);
  assert.equal(run.latency.serverFrom, "attempt");
  assert.equal(run.latency.serverMs, Math.min(...durations));
  assert.equal(run.latency.ttfbMeanMs, null);
  // Default profile, 5 chapters: 4 × 50 ms + L.
  assert.equal(run.bound?.limitedBy, "rate");
  assert.equal(run.bound?.ms, 200 + Math.min(...durations));
});
