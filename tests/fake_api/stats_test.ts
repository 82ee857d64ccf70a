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
    beforeRetryAfter: 0,
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
