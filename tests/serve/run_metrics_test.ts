import assert from "node:assert/strict";
import type { LogRecord } from "../../src/progress/log_record.ts";
import { RunStateTracker } from "../../src/progress/run_state.ts";
import { RunMetrics } from "../../src/serve/run_metrics.ts";
import { parsePromText, sampleValue } from "./_prom_text.ts";

const ceilings = {
  ratePerSecond: 20,
  maxInFlight: 10,
  volumes: 1,
  booksPerVolume: 2,
  chaptersPerBook: 5,
};
const time = (at: number) => new Date(at).toISOString();
const P = "scripture_importer_";

Deno.test("server pause seconds grow during a pause, end at its resume, and limits follow rate changes and controls", async () => {
  let now = 0;
  const metrics = new RunMetrics({ ceilings, now: () => now });
  const scrape = async () => parsePromText(await metrics.text());
  const add = (record: LogRecord) => metrics.add(record);
  add({
    type: "rate-pause",
    time: time(1000),
    at: 1000,
    until: time(4000),
    untilAt: 4000,
    reason: "x",
  });
  now = 2500;
  assert.equal(sampleValue(await scrape(), `${P}server_paused_seconds_total`), 1.5);
  now = 3000;
  add({ type: "rate-resume", time: time(3000), at: 3000 });
  now = 9000;
  assert.equal(sampleValue(await scrape(), `${P}server_paused_seconds_total`), 2);
  add({
    type: "rate-change",
    time: time(9000),
    at: 9000,
    from: { ratePerSecond: 20, maxInFlight: 10 },
    to: { ratePerSecond: 12.5, maxInFlight: 10 },
    cause: "limit",
    reason: "HTTP 429",
  });
  add({
    type: "control",
    time: time(9100),
    at: 9100,
    source: "http",
    action: "limits",
    limits: { maxInFlight: 3 },
  });
  const after = await scrape();
  assert.equal(sampleValue(after, `${P}rate_limit_requests_per_second`), 12.5);
  assert.equal(sampleValue(after, `${P}rate_limit_ceiling_requests_per_second`), 20);
  assert.equal(sampleValue(after, `${P}in_flight_limit`), 3);
  assert.equal(sampleValue(after, `${P}in_flight_limit_ceiling`), 10);
});

Deno.test("retries are counted by reason, attempts by status class", async () => {
  const metrics = new RunMetrics({ ceilings });
  const retry = (status: number | undefined, timedOut?: true): LogRecord => ({
    type: "task-retry",
    time: time(0),
    at: 0,
    id: "pgp/moses/1",
    kind: "chapter",
    attempt: 1,
    delayMs: 5,
    reason: "r",
    ...(status === undefined ? {} : { status }),
    ...(timedOut ? { timedOut } : {}),
  });
  for (const r of [retry(429), retry(503), retry(undefined, true), retry(404), retry(undefined)]) {
    metrics.add(r);
  }
  const m = parsePromText(await metrics.text());
  for (const reason of ["rate_limited", "server_error", "timeout", "http_error", "network"]) {
    assert.equal(sampleValue(m, `${P}retries_total`, { reason }), 1, reason);
  }
  assert.equal(sampleValue(m, `${P}requests_total`, { status_class: "4xx" }), 2);
  assert.equal(sampleValue(m, `${P}requests_total`, { status_class: "5xx" }), 1);
  assert.equal(sampleValue(m, `${P}requests_total`, { status_class: "error" }), 2);
});

Deno.test("the dashboard's state shows a person's pause and limits from control records", () => {
  const tracker = new RunStateTracker({ volumes: [], ceilings });
  const control = (at: number, action: "pause" | "resume" | "limits", limits?: object) =>
    tracker.add({
      type: "control",
      time: time(at),
      at,
      source: "http",
      action,
      ...(limits ? { limits } : {}),
    } as LogRecord);
  control(10, "pause");
  assert.equal(tracker.state().run.held, true);
  control(20, "limits", { ratePerSecond: 5 });
  control(30, "resume");
  const state = tracker.state();
  assert.equal(state.run.held, false);
  assert.deepEqual(state.limits.ratePerSecond, 5);
  assert.deepEqual(state.rateChanges, [{
    at: 20,
    from: { ratePerSecond: 20, maxInFlight: 10 },
    to: { ratePerSecond: 5, maxInFlight: 10 },
    cause: "control",
    reason: "set by http",
  }]);
});
