import assert from "node:assert/strict";
import type { RunEvent } from "../../src/exec/types.ts";
import { type LogRecord, toLogRecord } from "../../src/progress/log_record.ts";
import {
  MAX_STEPS,
  RECENT,
  type RunStatePlan,
  RunStateTracker,
} from "../../src/progress/run_state.ts";
import { HEADER, SUMMARY } from "./_fixtures.ts";

const PLAN: RunStatePlan = {
  volumes: [
    {
      id: "pgp",
      title: "Pearl of Great Price",
      books: [
        { id: "pgp/moses", title: "Moses", chapters: 3 },
        { id: "pgp/abr", title: "Abraham", chapters: 2 },
      ],
    },
  ],
  ceilings: {
    ratePerSecond: 40,
    maxInFlight: 10,
    volumes: 1,
    booksPerVolume: 2,
    chaptersPerBook: 3,
  },
};

/** Records of the events, as the progress log writes them. */
function records(events: readonly RunEvent[]): LogRecord[] {
  return events.map((event) => toLogRecord(event, { header: HEADER, summarize: () => SUMMARY }));
}

function fold(events: readonly RunEvent[], plan: RunStatePlan = PLAN) {
  const tracker = new RunStateTracker(plan);
  for (const record of records(events)) tracker.add(record);
  return tracker.state();
}

const start = (at: number, id: string, attempt = 1): RunEvent => ({
  type: "task-start",
  at,
  id,
  kind: "chapter",
  role: "task",
  attempt,
});
const done = (at: number, id: string, durationMs: number): RunEvent => ({
  type: "task-done",
  at,
  id,
  kind: "chapter",
  attempts: 1,
  durationMs,
  value: null,
});

Deno.test("chapters and books are counted as they start and end; a book's cell says its state", () => {
  const state = fold([
    { type: "run-start", at: 0, nodes: 9, tasks: 5, sinks: 4 },
    { type: "scope-open", at: 0, scope: "pgp", depth: 0 },
    { type: "scope-open", at: 0, scope: "pgp/moses", depth: 1 },
    start(0, "pgp/moses/1"),
    start(0, "pgp/moses/2"),
    { type: "task-skipped", at: 0, id: "pgp/moses/3", kind: "chapter", value: null },
    done(100, "pgp/moses/1", 100),
    { type: "scope-open", at: 100, scope: "pgp/abr", depth: 1 },
    start(100, "pgp/abr/1"),
  ]);
  assert.deepEqual(state.chapters, {
    total: 5,
    imported: 1,
    skipped: 1,
    failed: 0,
    cancelled: 0,
    inFlight: 2,
  });
  assert.deepEqual(state.inFlight, { volumes: 1, books: 2, chapters: 2 });
  assert.deepEqual(
    state.volumes[0].books.map((b) => [b.id, b.state, b.imported, b.inFlight]),
    [["pgp/moses", "running", 1, 1], ["pgp/abr", "running", 0, 1]],
  );
  assert.equal(state.run.profile, "default");
  assert.equal(state.run.elapsedMs, 100);
});

Deno.test("a retry leaves flight until its next attempt starts; status classes count every ended attempt", () => {
  const state = fold([
    { type: "run-start", at: 0, nodes: 3, tasks: 2, sinks: 1 },
    start(0, "pgp/abr/1"),
    {
      type: "task-retry",
      at: 50,
      id: "pgp/abr/1",
      kind: "chapter",
      attempt: 1,
      delayMs: 1000,
      reason: "HTTP 429",
      status: 429,
      retryAfterMs: 1000,
    },
    start(50, "pgp/abr/2"),
    {
      type: "task-retry",
      at: 60,
      id: "pgp/abr/2",
      kind: "chapter",
      attempt: 1,
      delayMs: 200,
      reason: "timed out after 10 ms",
      timedOut: true,
    },
    start(1050, "pgp/abr/1", 2),
    done(1100, "pgp/abr/1", 50),
    start(1100, "pgp/abr/2", 2),
    {
      type: "task-failed",
      at: 1200,
      id: "pgp/abr/2",
      kind: "chapter",
      attempts: 2,
      reason: "HTTP 500",
      status: 500,
      permanent: false,
    },
  ]);
  assert.equal(state.chapters.inFlight, 0);
  assert.deepEqual(state.requests, {
    started: 4,
    retries: 2,
    status429: 1,
    timedOut: 1,
    byClass: { "2xx": 1, "3xx": 0, "4xx": 1, "5xx": 1, error: 1 },
  });
  assert.equal(state.volumes[0].books[1].state, "failed");
  assert.deepEqual(state.recentFailures, [{
    at: 1200,
    id: "pgp/abr/2",
    reason: "HTTP 500",
    status: 500,
  }]);
});

Deno.test("a server pause is in force until its end, then counted in the steps it covered", () => {
  const during = fold([
    { type: "run-start", at: 0, nodes: 1, tasks: 1, sinks: 0 },
    { type: "rate-pause", at: 500, until: 2500, reason: "Retry-After: 2" },
    start(600, "pgp/moses/1"),
  ]);
  assert.equal(during.pause?.reason, "Retry-After: 2");
  assert.equal(during.pausedMs, 100);
  const after = fold([
    { type: "run-start", at: 0, nodes: 1, tasks: 1, sinks: 0 },
    { type: "rate-pause", at: 500, until: 2500, reason: "Retry-After: 2" },
    start(2600, "pgp/moses/1"),
  ]);
  assert.equal(after.pause, null);
  assert.equal(after.pausedMs, 2000);
  assert.deepEqual(after.series.map((s) => s.pausedMs), [500, 1000, 500]);
});

Deno.test("rate changes set the limit in force, in the series too, and keep the latest few", () => {
  const events: RunEvent[] = [{ type: "run-start", at: 0, nodes: 1, tasks: 1, sinks: 0 }];
  for (let k = 0; k < RECENT + 5; k++) {
    events.push({
      type: "rate-change",
      at: 100 * k,
      from: { ratePerSecond: 40 - k, maxInFlight: 10 },
      to: { ratePerSecond: 39 - k, maxInFlight: 10 },
      cause: "limit",
      reason: `step ${k}`,
    });
  }
  const state = fold(events);
  assert.equal(state.limits.ratePerSecond, 39 - (RECENT + 4));
  assert.equal(state.limits.ceilings.ratePerSecond, 40);
  assert.equal(state.rateChanges.length, RECENT);
  assert.equal(state.rateChanges.at(-1)?.reason, `step ${RECENT + 4}`);
  assert.equal(state.series.at(-1)?.limitPerSecond, 39 - (RECENT + 4));
});

Deno.test("the series stays bounded however long the run: steps widen, counts are kept", () => {
  const events: RunEvent[] = [{ type: "run-start", at: 0, nodes: 1, tasks: 1, sinks: 0 }];
  const n = 5_000;
  for (let k = 0; k < n; k++) {
    events.push(start(k * 1000, "pgp/moses/1"), done(k * 1000 + 500, "pgp/moses/1", 500));
  }
  const state = fold(events);
  assert.ok(state.series.length <= MAX_STEPS, `${state.series.length} steps`);
  assert.equal(state.series.reduce((s, step) => s + step.imported, 0), n);
  assert.equal(state.series.reduce((s, step) => s + step.starts, 0), n);
  assert.equal(state.series[1].atMs, state.series[0].widthMs);
});

Deno.test("latency percentiles come from a bounded histogram, within 5 %", () => {
  const events: RunEvent[] = [{ type: "run-start", at: 0, nodes: 1, tasks: 1, sinks: 0 }];
  for (let k = 1; k <= 100; k++) events.push(start(k, "pgp/moses/1"), done(k, "pgp/moses/1", k));
  const { latency } = fold(events);
  assert.equal(latency.count, 100);
  assert.ok(latency.p50Ms !== null && Math.abs(latency.p50Ms - 50) <= 2.5, `${latency.p50Ms}`);
  assert.ok(latency.p95Ms !== null && Math.abs(latency.p95Ms - 95) <= 4.75, `${latency.p95Ms}`);
});

Deno.test("the state is JSON: no Infinity, and a run without a limit says null", () => {
  const state = fold([{ type: "run-start", at: 0, nodes: 1, tasks: 1, sinks: 0 }], {
    ...PLAN,
    ceilings: { ...PLAN.ceilings, ratePerSecond: null, maxInFlight: null },
  });
  assert.deepEqual(JSON.parse(JSON.stringify(state)), state);
  assert.equal(state.limits.ratePerSecond, null);
});

Deno.test("run-end marks the run ended, interrupted or not", () => {
  const tracker = new RunStateTracker(PLAN);
  const time = new Date(0).toISOString();
  tracker.add({ ...records([{ type: "run-start", at: 0, nodes: 1, tasks: 1, sinks: 0 }])[0] });
  tracker.add({ type: "run-end", time, at: 10, summary: { ...SUMMARY, interrupted: true } });
  assert.deepEqual(
    [tracker.state().run.ended, tracker.state().run.interrupted],
    [true, true],
  );
});

Deno.test("the dashboard's state of a run of several languages counts volumes and books below the language level", () => {
  const plan: RunStatePlan = {
    ...PLAN,
    volumes: [{
      id: "spa/pgp",
      title: "Pearl of Great Price",
      books: [{ id: "spa/pgp/moses", title: "Moses", chapters: 3 }],
    }],
  };
  const tracker = new RunStateTracker(plan);
  const header = { ...HEADER, langs: ["eng", "spa"] };
  const events: RunEvent[] = [
    { type: "run-start", at: 0, nodes: 5, tasks: 3, sinks: 2 },
    { type: "scope-open", at: 0, scope: "spa", depth: 0 },
    { type: "scope-open", at: 0, scope: "spa/pgp", depth: 1 },
    { type: "scope-open", at: 0, scope: "spa/pgp/moses", depth: 2 },
    start(0, "spa/pgp/moses/1"),
  ];
  for (const event of events) {
    tracker.add(toLogRecord(event, { header, summarize: () => SUMMARY }));
  }
  const state = tracker.state();
  assert.deepEqual(state.inFlight, { volumes: 1, books: 1, chapters: 1 });
  assert.equal(state.volumes[0].books[0].inFlight, 1);
});
