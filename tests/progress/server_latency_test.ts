import assert from "node:assert/strict";
import {
  type AttemptTiming,
  latencyBreakdown,
  SERVER_LATENCY_PERCENTILE,
  ttfbOf,
} from "../../src/progress/server_latency.ts";

// A server answering in 50 ms; the client's event loop makes 90 of 100
// answers wait 14 ms for their headers, and reads, parses and writes each
// body in 6 ms.
const DELAYED: AttemptTiming[] = Array.from({ length: 100 }, (_, i) => {
  const ttfbMs = i < 10 ? 50 : 64;
  return { ttfbMs, durationMs: ttfbMs + 6 };
});

Deno.test("the server's latency is the p10 of the times to first byte, not their mean", () => {
  const latency = latencyBreakdown(DELAYED);
  assert.equal(SERVER_LATENCY_PERCENTILE, 10);
  assert.equal(latency.serverMs, 50);
  assert.equal(latency.serverFrom, "ttfb");
  assert.ok(Math.abs(latency.meanMs! - 68.6) < 1e-9);
  assert.ok(Math.abs(latency.ttfbMeanMs! - 62.6) < 1e-9);
  assert.equal(latency.p95Ms, 70);
  // What the client added: 6 ms after the headers, 12.6 ms before them on average.
  assert.ok(Math.abs(latency.clientAddedMs! - 18.6) < 1e-9);
  assert.ok(Math.abs(latency.afterHeadersMs! - 6) < 1e-9);
});

Deno.test("the client's delay does not move the server's latency while a tenth of the answers escape it", () => {
  const worse = DELAYED.map((a, i) => i < 10 ? a : { ttfbMs: 150, durationMs: 200 });
  assert.equal(latencyBreakdown(worse).serverMs, 50);
  assert.ok(latencyBreakdown(worse).clientAddedMs! > latencyBreakdown(DELAYED).clientAddedMs!);
});

Deno.test("without a time to first byte for every attempt, the server's latency is the p10 of the attempts", () => {
  const rows: [AttemptTiming[], number][] = [
    [DELAYED.map(({ durationMs }) => ({ durationMs })), 56],
    [[...DELAYED.slice(1), { durationMs: 40 }], 56],
  ];
  for (const [attempts, serverMs] of rows) {
    const latency = latencyBreakdown(attempts);
    assert.equal(latency.serverFrom, "attempt");
    assert.equal(latency.serverMs, serverMs);
    assert.equal(latency.ttfbMeanMs, null);
    assert.equal(latency.afterHeadersMs, null);
    assert.equal(latency.clientAddedMs, latency.meanMs! - serverMs);
  }
});

Deno.test("against a server whose latency varies, its latency stays at or below the mean: a lower bound", () => {
  // 30 to 70 ms, evenly spread, and a client that adds nothing.
  const attempts = Array.from({ length: 41 }, (_, i) => ({ ttfbMs: 30 + i, durationMs: 30 + i }));
  const latency = latencyBreakdown(attempts);
  assert.equal(latency.meanMs, 50);
  assert.equal(latency.serverMs, 34);
  // The server's spread above its p10 counts as added: the figure is at most the client's cost.
  assert.equal(latency.clientAddedMs, 16);
  assert.equal(latency.afterHeadersMs, 0);
});

Deno.test("no attempt, no latency: every field is null", () => {
  assert.deepEqual(latencyBreakdown([]), {
    meanMs: null,
    p95Ms: null,
    ttfbMeanMs: null,
    serverMs: null,
    serverFrom: null,
    clientAddedMs: null,
    afterHeadersMs: null,
  });
});

Deno.test("ttfbOf reads only a finite, non-negative ttfbMs", () => {
  const rows: [unknown, number | undefined][] = [
    [{ ttfbMs: 51.25 }, 51.25],
    [{ ttfbMs: 0 }, 0],
    [{ ttfbMs: -1 }, undefined],
    [{ ttfbMs: Infinity }, undefined],
    [{ ttfbMs: "51" }, undefined],
    [{ bytes: 10 }, undefined],
    [null, undefined],
    [42, undefined],
  ];
  for (const [value, expected] of rows) {
    assert.equal(ttfbOf(value), expected, JSON.stringify(value));
  }
});
