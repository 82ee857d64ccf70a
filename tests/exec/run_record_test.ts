import assert from "node:assert/strict";
import { RunRecord } from "../../src/exec/run_record.ts";
import type { RunEvent } from "../../src/exec/types.ts";
import { VirtualClock } from "../../src/exec/virtual_clock.ts";
import { sink, task } from "./_helpers.ts";

const nodes = [task("a", ["b"]), task("c", ["b"]), sink("s", ["a", "c"])];

Deno.test("the run record counts outcomes and lists failures in plan order in its report", () => {
  const clock = new VirtualClock(100);
  const record = new RunRecord(nodes, clock);
  record.started(1, 1, 100);
  record.failed(1, 2, { retryable: true, reason: "HTTP 503", status: 503 }, 100);
  record.started(0, 1, 100);
  record.retrying(0, 1, 500, { retryable: true, reason: "HTTP 502" }, 100);
  record.started(0, 2, 600);
  record.done(0, 2, "text", 600);
  record.cancelled(2, 700);
  const report = record.finish(0, 700, true);
  assert.deepEqual(
    { ...report, outcomes: undefined },
    {
      startedAt: 0,
      endedAt: 700,
      durationMs: 700,
      nodes: 3,
      done: 1,
      skipped: 0,
      failed: 1,
      cancelled: 1,
      attempts: 3,
      retries: 1,
      aborted: true,
      failures: [{ id: "c", kind: "work", reason: "HTTP 503", attempts: 2 }],
      outcomes: undefined,
    },
  );
  assert.deepEqual(report.outcomes.get("c"), {
    status: "failed",
    reason: "HTTP 503",
    attempts: 2,
    httpStatus: 503,
  });
  assert.deepEqual([...report.outcomes.keys()], ["a", "c", "s"]);
  assert.equal(report.outcomes, report.outcomes, "built once");
});

Deno.test("the run record keeps the first error onEvent threw and goes on delivering", () => {
  const seen: RunEvent["type"][] = [];
  const record = new RunRecord(nodes, new VirtualClock(), (event) => {
    seen.push(event.type);
    throw new Error(`Cannot log ${event.type}`);
  });
  record.runStarted(0);
  record.skipped(0, "cached", 0);
  assert.deepEqual(seen, ["run-start", "task-skipped"]);
  assert.equal((record.eventError?.error as Error).message, "Cannot log run-start");
});

Deno.test("without onEvent the run record builds no event and reads no clock", () => {
  const clock = new VirtualClock();
  let reads = 0;
  const counting = { now: () => (reads++, clock.now()), sleep: clock.sleep.bind(clock) };
  const record = new RunRecord(nodes, counting);
  assert.equal(record.emitting, false);
  assert.equal(record.onScopeOpen, undefined);
  record.started(0, 1, 0);
  record.done(0, 1, "x", 0);
  assert.equal(reads, 0);
});
