import assert from "node:assert/strict";
import { measureRun } from "../../src/report/measure_run.ts";
import { limitPerBin, runSeries, SERIES_BINS } from "../../src/report/run_series.ts";
import { clientDelayedRun, largeRun, sequentialRun } from "./_synthetic_log.ts";

Deno.test("a run's chapters fall in round bins that cover it in at most 120", () => {
  const cases: [number, number, number][] = [
    // [duration ms, bin ms, bins]
    [400, 5, 80],
    [600, 5, 120],
    [601, 10, 61],
    [95_000, 1000, 95],
    [3 * 3_600_000, 120_000, 90],
  ];
  for (const [durationMs, binMs, bins] of cases) {
    const series = runSeries({ durationMs, importedAtMs: [0, durationMs], latency: null });
    assert.equal(series.binMs, binMs, `${durationMs} ms`);
    assert.equal(series.imported.length, bins, `${durationMs} ms`);
    // The chapter done at the very end is in the last bin.
    assert.equal(series.imported[bins - 1], 1);
    assert.equal(series.imported[0], 1);
  }
});

Deno.test("the rate limit per bin is the time-weighted mean of the limits in it, null without any", () => {
  const steps = [
    { atMs: 0, ratePerSecond: 40 },
    { atMs: 250, ratePerSecond: 20 },
    { atMs: 300, ratePerSecond: null },
    { atMs: 350, ratePerSecond: 30 },
  ];
  // The profile's own 10/s was replaced at once: it counts nowhere.
  // The bin half unlimited takes the limit of its other half.
  assert.deepEqual(limitPerBin(10, steps, 100, 5), [40, 40, 30, 30, 30]);
  assert.deepEqual(limitPerBin(null, [{ atMs: 150, ratePerSecond: 10 }], 100, 3), [null, 10, 10]);
});

Deno.test("a measured run's series holds its chapters, and the latency the server's comes from", () => {
  const delayed = measureRun(clientDelayedRun().records(), { log: "d.ndjson" });
  assert.equal(delayed.series.imported.reduce((a, b) => a + b), 100);
  assert.equal(delayed.series.latency?.from, "ttfb");
  assert.equal(delayed.series.latency?.quantiles.length, 101);
  // The bound's L is the 10th percentile of the times to first byte.
  assert.equal(delayed.series.latency?.quantiles[10], delayed.latency.serverMs);
  assert.equal(delayed.series.latency?.quantiles[100], 62);
  assert.equal(delayed.series.limitPerSecond, undefined, "its rate never changed");
  const old = measureRun(sequentialRun().records(), { log: "s.ndjson" });
  assert.equal(old.series.latency?.from, "attempt");
  assert.equal(old.series.latency?.quantiles[50], 200);
});

Deno.test("a 160,000-chapter run's series has at most 120 bins and 101 percentiles", () => {
  const run = measureRun(largeRun(160_000).records(), { log: "big.ndjson" });
  assert.equal(run.chapters.imported, 160_000);
  assert.ok(run.series.imported.length <= SERIES_BINS);
  assert.equal(run.series.imported.reduce((a, b) => a + b), 160_000);
  assert.equal(run.series.limitPerSecond?.length, run.series.imported.length);
  assert.equal(run.series.latency?.quantiles.length, 101);
  assert.equal(run.series.latency?.quantiles[10], 45);
  const limits = run.series.limitPerSecond!;
  assert.equal(limits[0], 500);
  assert.equal(limits[Math.floor(limits.length * 3 / 8)], 250);
  assert.equal(limits[limits.length - 1], 500);
});
