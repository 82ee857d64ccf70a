import assert from "node:assert/strict";
import { measureRun } from "../../src/report/measure_run.ts";
import { rateSparkline, rateTrace, SPARKLINE_WIDTH } from "../../src/report/rate_trace.ts";
import { CHAPTERS, DEFAULT, defaultRun, SyntheticRun } from "./_synthetic_log.ts";

/** An adaptive run over 2.4 s: slow start to 40/s, a 429, recovery to 38.8/s. */
function adaptiveRun(): SyntheticRun {
  const run = new SyntheticRun({ ...DEFAULT, name: "adaptive" }, CHAPTERS);
  run.rateChange(0, Infinity, 10, "start");
  CHAPTERS.forEach((id, i) => run.chapter(id, i * 100, 50));
  return run
    .rateChange(300, 10, 20)
    .rateChange(600, 20, 40)
    .rateChange(1200, 40, 36, "limit")
    .rateChange(1800, 36, 38.8, "recover")
    .end(2400);
}

Deno.test("rateTrace keeps every change with its time from the run's start, and the range", () => {
  const run = adaptiveRun();
  const trace = rateTrace(run.records(), 2400)!;
  assert.deepEqual(trace.initial, { ratePerSecond: null, maxInFlight: 10 });
  assert.deepEqual(trace.changes.map((c) => [c.atMs, c.ratePerSecond, c.maxInFlight, c.cause]), [
    [0, 10, 10, "start"],
    [300, 20, 10, "slow-start"],
    [600, 40, 10, "slow-start"],
    [1200, 36, 10, "limit"],
    [1800, 38.8, 10, "recover"],
  ]);
  assert.deepEqual([trace.minPerSecond, trace.maxPerSecond, trace.lastPerSecond], [10, 40, 38.8]);
  assert.equal(trace.sparkline.length, SPARKLINE_WIDTH);
  assert.equal(trace.sparkline, "▁▁▁▃▃▃██████▇▇▇▇▇▇██████");
  assert.equal(rateTrace(defaultRun().records(), 400), null, "a fixed run's rate never changed");
});

Deno.test("rateSparkline averages each slice over time, from ▁ (the lowest rate) to █ (the highest)", () => {
  assert.equal(rateSparkline(40, [], 1000, 4), "████", "a rate that never moved");
  assert.equal(rateSparkline(40, [{ atMs: 500, ratePerSecond: 20 }], 1000, 4), "██▁▁");
  // A slice half at 40 and half at 0 averages 20, half way up.
  assert.equal(rateSparkline(40, [{ atMs: 125, ratePerSecond: 0 }], 1000, 4), "▅▁▁▁");
  // No limit counts as the highest rate set.
  const steps = [{ atMs: 500, ratePerSecond: 5 }, { atMs: 750, ratePerSecond: 10 }];
  assert.equal(rateSparkline(null, steps, 1000, 4), "██▁█");
  // A rate replaced at the very start does not count.
  assert.equal(rateSparkline(1, [{ atMs: 0, ratePerSecond: 20 }], 1000, 2), "██");
});

Deno.test("a measured run carries its rate trace; the report shows a rate column only when some run has one", async () => {
  const { renderReport } = await import("../../src/report/render_report.ts");
  const { compareRuns } = await import("../../src/report/compare_runs.ts");
  const adaptive = measureRun(adaptiveRun().records(), { log: "adaptive.ndjson" });
  assert.equal(adaptive.rate?.changes.length, 5);
  const fixed = measureRun(defaultRun().records(), { log: "default.ndjson" });
  assert.equal(fixed.rate, null);
  const table = renderReport(compareRuns([adaptive, fixed]), { format: "table", logColumn: false });
  const [header, first, second] = table.split("\n");
  const columns = header.split(/ {2,}/);
  // Too wide for 100 columns with the sparkline: the table keeps the range, Markdown both.
  assert.equal(columns[columns.length - 1], "rate");
  assert.ok(first.trimEnd().endsWith(" 10.0-40.0/s"), first);
  const wide = renderReport(compareRuns([adaptive, fixed]), { format: "markdown" });
  assert.ok(wide.includes(" ▁▁▁▃▃▃██████▇▇▇▇▇▇██████ 10.0-40.0/s"), wide);
  assert.ok(second.trimEnd().endsWith("—"), second);
  const markdown = renderReport(compareRuns([fixed]), { format: "markdown", logColumn: false });
  const headers = markdown.split("\n")[0].split("|").map((cell) => cell.trim());
  assert.ok(!headers.includes("rate"), "no column when no rate changed");
  assert.ok(!headers.includes("note"), "no column empty in every row");
  const json = JSON.parse(renderReport(compareRuns([adaptive]), { format: "json" }));
  assert.deepEqual(json.runs[0].rate.changes[3], {
    atMs: 1200,
    ratePerSecond: 36,
    maxInFlight: 10,
    cause: "limit",
  });
  assert.equal(json.runs[0].rate.initial.ratePerSecond, null);
});

Deno.test("a fixed profile capped at its first answer: its own rate is in the range, as in the sparkline", () => {
  const run = new SyntheticRun({ ...DEFAULT, name: "capped" }, CHAPTERS);
  CHAPTERS.forEach((id, i) => run.chapter(id, i * 100, 50));
  const trace = rateTrace(run.rateChange(60, 40, 38.8, "announced").end(2400).records(), 2400)!;
  assert.deepEqual([trace.minPerSecond, trace.maxPerSecond, trace.lastPerSecond], [38.8, 40, 38.8]);
  assert.equal(trace.sparkline[0], "▅", "40/s for 60 of its first 100 ms");
  assert.equal(trace.sparkline.slice(1), "▁".repeat(SPARKLINE_WIDTH - 1));
});
