import assert from "node:assert/strict";
import { LatencyGradient } from "../../../src/exec/adaptive/latency_gradient.ts";

Deno.test("the baseline is the first samples' median until a window is full, then the lowest window median", () => {
  const latency = new LatencyGradient({ window: 4 });
  assert.equal(latency.baselineMs, undefined);
  latency.add(60);
  latency.add(40);
  assert.equal(latency.baselineMs, 50);
  assert.equal(latency.recentMs, undefined, "recent needs a full window");
  assert.equal(latency.gradient, undefined);
  latency.add(45);
  latency.add(55);
  assert.equal(latency.baselineMs, 50);
  for (const ms of [90, 100, 110, 95]) latency.add(ms);
  assert.equal(latency.baselineMs, 50, "a slower window does not raise the baseline");
  assert.equal(latency.recentMs, 97.5);
  assert.equal(latency.gradient, 1.95);
});

Deno.test("one outlier moves neither the baseline nor the recent median", () => {
  const latency = new LatencyGradient({ window: 5 });
  for (const ms of [50, 51, 1, 49, 50]) latency.add(ms);
  assert.equal(latency.baselineMs, 50);
  latency.add(5000);
  assert.equal(latency.recentMs, 50);
});

Deno.test("the baseline forgets windows older than its history", () => {
  const latency = new LatencyGradient({ window: 2, history: 2 });
  for (const ms of [10, 10, 50, 50, 50, 50]) latency.add(ms);
  assert.equal(latency.baselineMs, 50);
});

Deno.test("restartRecent judges only the samples after it; invalid samples are ignored", () => {
  const latency = new LatencyGradient({ window: 2 });
  for (const ms of [50, 50, 200, 200]) latency.add(ms);
  assert.equal(latency.gradient, 4);
  latency.restartRecent();
  assert.equal(latency.gradient, undefined);
  latency.add(Number.NaN);
  latency.add(-1);
  latency.add(Infinity);
  assert.equal(latency.gradient, undefined);
  latency.add(60);
  latency.add(40);
  assert.equal(latency.gradient, 1);
});

Deno.test("a zero baseline gives an infinite gradient for a slower recent window, 1 otherwise", () => {
  const latency = new LatencyGradient({ window: 1 });
  latency.add(0);
  assert.equal(latency.gradient, 1);
  latency.add(5);
  assert.equal(latency.gradient, Infinity);
});
