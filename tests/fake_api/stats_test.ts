import assert from "node:assert/strict";
import { StatsRecorder } from "../../src/fake_api/stats.ts";

Deno.test("StatsRecorder counts requests, statuses, duplicates, peak in flight and resets", () => {
  const stats = new StatsRecorder();
  assert.equal(stats.begin("/a"), 1);
  assert.equal(stats.begin("/b"), 1);
  assert.equal(stats.begin("/a"), 2);
  assert.equal(stats.inFlight, 3);
  stats.end(200);
  stats.end(429);
  stats.end("reset");
  assert.equal(stats.begin(undefined), 1);
  stats.end(404);
  assert.deepEqual(stats.snapshot(), {
    requests: 4,
    byStatus: { "200": 1, "404": 1, "429": 1 },
    byUri: { "/a": 2, "/b": 1 },
    duplicates: { count: 1, uris: { "/a": 2 } },
    peakInFlight: 3,
    inFlight: 0,
    tooManyRequests: 1,
    resets: 1,
    bytesSent: 0,
    beforeRetryAfter: 0,
    arrivals: {
      count: 0,
      minGapMs: null,
      gapPercentilesMs: null,
      gapHistogram: {},
      peakPerSecond: 0,
    },
  });
});

Deno.test("StatsRecorder.reset keeps requests in flight in the peak", () => {
  const stats = new StatsRecorder();
  stats.begin("/a");
  stats.begin("/b");
  stats.end(200);
  stats.reset();
  const snapshot = stats.snapshot();
  assert.equal(snapshot.requests, 0);
  assert.equal(snapshot.inFlight, 1);
  assert.equal(snapshot.peakInFlight, 1);
  assert.deepEqual(snapshot.byUri, {});
});

Deno.test("StatsRecorder times the gaps between arrivals: the exact minimum and percentiles from a fixed histogram", () => {
  const stats = new StatsRecorder();
  assert.deepEqual(stats.snapshot().arrivals, {
    count: 0,
    minGapMs: null,
    gapPercentilesMs: null,
    gapHistogram: {},
    peakPerSecond: 0,
  });
  // Gaps 25, 25.3, 18.6, 30 and, for an arrival reported out of order, 0.
  for (const at of [1000, 1025, 1050.3, 1068.9, 1098.9, 1090]) stats.arrive(at);
  const arrivals = stats.snapshot().arrivals;
  assert.equal(arrivals.count, 6);
  assert.ok(Math.abs(arrivals.minGapMs! - 0) < 1e-9);
  assert.deepEqual(arrivals.gapHistogram, { "0": 1, "18.5": 1, "25": 2, "30": 1 });
  assert.deepEqual(arrivals.gapPercentilesMs, { p1: 0, p5: 0, p50: 25, p95: 30 });
  // The gap after the late report is counted from the latest arrival.
  stats.arrive(1123.9);
  assert.equal(stats.snapshot().arrivals.gapHistogram["25"], 3);
});

Deno.test("StatsRecorder keeps gaps beyond the histogram in its last bucket, and reset forgets every arrival", () => {
  const stats = new StatsRecorder();
  stats.arrive(0);
  stats.arrive(5000);
  assert.deepEqual(stats.snapshot().arrivals.gapHistogram, { "200": 1 });
  assert.equal(stats.snapshot().arrivals.minGapMs, 5000);
  stats.reset();
  stats.arrive(6000);
  assert.deepEqual(stats.snapshot().arrivals, {
    count: 1,
    minGapMs: null,
    gapPercentilesMs: null,
    gapHistogram: {},
    peakPerSecond: 1,
  });
});

Deno.test("StatsRecorder counts the most arrivals within any one second, a window that slides", () => {
  const stats = new StatsRecorder();
  // A second is half open: 0 has left it at 1000; 999.9 to 1999 are 4 within one.
  for (const at of [0, 500, 999.9, 1000]) stats.arrive(at);
  assert.equal(stats.snapshot().arrivals.peakPerSecond, 3);
  for (const at of [1200, 1999]) stats.arrive(at);
  assert.equal(stats.snapshot().arrivals.peakPerSecond, 4);
  // One reported late counts as arriving with the latest (1999).
  stats.arrive(1500);
  assert.equal(stats.snapshot().arrivals.peakPerSecond, 5);
  // Far apart: the peak stays the highest seen.
  for (let at = 10_000; at < 20_000; at += 500) stats.arrive(at);
  assert.equal(stats.snapshot().arrivals.peakPerSecond, 5);
  stats.reset();
  stats.arrive(30_000);
  assert.equal(stats.snapshot().arrivals.peakPerSecond, 1);
});
