import assert from "node:assert/strict";
import type { RunEventType } from "../../src/exec/types.ts";
import { type LogRecordType, toLogRecord } from "../../src/progress/log_record.ts";
import { EVERY_EVENT, HEADER, SUMMARY } from "./_fixtures.ts";
import { ev, rateChange } from "./_helpers.ts";

Deno.test("toLogRecord maps every event type to its record", () => {
  const types = new Set<string>();
  for (const [event, expected] of EVERY_EVENT) {
    const record = toLogRecord(event, { header: HEADER, summarize: () => SUMMARY });
    assert.deepEqual(record, expected, event.type);
    types.add(record.type);
  }
  assert.equal(types.size, 12, "the table covers all twelve record types");
});

Deno.test("toLogRecord keeps only well-typed ttfbMs, bytes, verses and sha256 of a task's value", () => {
  const context = { header: HEADER, summarize: () => SUMMARY };
  const rows: [unknown, Record<string, unknown>][] = [
    [null, {}],
    ["a string", {}],
    [{ bytes: "5120", verses: null, sha256: 7 }, {}],
    [{ bytes: 10, path: "x.json" }, { bytes: 10 }],
    [{ ttfbMs: 48.25, bytes: 10 }, { ttfbMs: 48.25, bytes: 10 }],
    [{ ttfbMs: "48" }, {}],
    [{ ttfbMs: -1 }, {}],
    [{ ttfbMs: NaN }, {}],
  ];
  for (const [value, fields] of rows) {
    const record = toLogRecord(ev.done(0, "bofm/manifest", 3, "volume-manifest", value), context);
    const { type: _t, time: _time, at: _at, id: _id, kind: _k, ...rest } = record as Record<
      string,
      unknown
    >;
    assert.deepEqual(rest, { attempts: 1, durationMs: 3, ...fields }, JSON.stringify(value));
  }
});

Deno.test("toLogRecord stamps times with the given timeOf and calls summarize only at run-end", () => {
  let calls = 0;
  const context = {
    header: HEADER,
    summarize: () => (calls++, SUMMARY),
    timeOf: (at: number) => `t+${at}`,
  };
  const pause = toLogRecord(ev.pause(5, 1005), context);
  assert.deepEqual(pause, {
    type: "rate-pause",
    time: "t+5",
    at: 5,
    until: "t+1005",
    untilAt: 1005,
    reason: "HTTP 429 Retry-After",
  });
  assert.equal(calls, 0);
  toLogRecord(ev.end(2000), context);
  assert.equal(calls, 1);
});

Deno.test("toLogRecord logs a rate-change with its cause and reason, unlimited as null", () => {
  const context = { header: HEADER, summarize: () => SUMMARY, timeOf: (at: number) => `t+${at}` };
  const record = toLogRecord(rateChange(7, Infinity, 38.8, { inFlight: 5, cause: "announced" }), {
    ...context,
  });
  assert.deepEqual(record, {
    type: "rate-change",
    time: "t+7",
    at: 7,
    from: { ratePerSecond: null, maxInFlight: 5 },
    to: { ratePerSecond: 38.8, maxInFlight: 5 },
    cause: "announced",
    reason: "test: Infinity/s to 38.8/s",
  });
  const unlimited = toLogRecord(rateChange(8, 10, 20), context);
  assert.ok(unlimited.type === "rate-change");
  assert.deepEqual(unlimited.to, { ratePerSecond: 20, maxInFlight: null });
});

Deno.test("a timed-out retry and a timed-out failure say so in the log, as their events do", () => {
  const context = { header: HEADER, summarize: () => SUMMARY };
  const retry = toLogRecord({
    type: "task-retry",
    at: 5,
    id: "pgp/moses/1",
    kind: "chapter",
    attempt: 1,
    delayMs: 250,
    reason: "timed out after 30 s",
    timedOut: true,
  }, context);
  const failed = toLogRecord({
    type: "task-failed",
    at: 9,
    id: "pgp/moses/1",
    kind: "chapter",
    attempts: 4,
    reason: "timed out after 30 s",
    permanent: false,
    timedOut: true,
  }, context);
  assert.equal(retry.type === "task-retry" && retry.timedOut, true);
  assert.equal(failed.type === "task-failed" && failed.timedOut, true);
});

// Every run event has its log record, and the log has no record of its own:
// the union is derived from RunEvent, so this fails to compile if they part.
type _Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _everyEventLogged: _Same<LogRecordType, RunEventType> = true;
void _everyEventLogged;
