import assert from "node:assert/strict";
import { Dag } from "../../src/exec/dag.ts";
import { runDag } from "../../src/exec/executor.ts";
import { type Outcome, TaskError } from "../../src/exec/types.ts";
import { VirtualClock } from "../../src/exec/virtual_clock.ts";
import { EventLog, Gates, sanitizedTest, sink, task, threeRetries } from "./_helpers.ts";

const fatal = (reason: string) => new TaskError(reason, { retryable: true, fatal: true });

sanitizedTest(
  "a fatal failure stops new starts without failFast: it is not retried, in-flight tasks finish, the rest are cancelled, sinks run",
  async () => {
    const clock = new VirtualClock();
    const gates = new Gates();
    const log = new EventLog();
    const received = new Map<string, ReadonlyMap<string, Outcome>>();
    const chapters = [1, 2, 3, 4, 5, 6].map((chapter) => `b/${chapter}`);
    const dag = Dag.from([...chapters.map((id) => task(id, ["b"])), sink("b/manifest", chapters)]);
    const run = runDag(dag, {
      tasks: { work: (node) => gates.wait(node.id) },
      sinks: {
        record: (node, deps) => {
          received.set(node.id, deps);
          return Promise.resolve();
        },
      },
      limits: { scopes: [1], tasksPerScope: 2 },
      retry: threeRetries,
      clock,
      onEvent: log.onEvent,
    });
    await clock.settle();
    gates.open("b/1");
    await clock.settle();
    assert.deepEqual(gates.waiting, ["b/2", "b/3"]);
    // Retryable, and retries are left: fatal still wins.
    gates.fail("b/2", fatal("Cannot write: the disk is full"));
    await clock.settle();
    assert.deepEqual(gates.waiting, ["b/3"], "no new start after the fatal failure");
    gates.open("b/3");
    const report = await run;

    assert.deepEqual(log.starts(), ["b/1@0#1", "b/2@0#1", "b/3@0#1"]);
    assert.equal(report.retries, 0);
    assert.equal(report.aborted, true);
    assert.deepEqual(report.fatal, {
      id: "b/2",
      kind: "work",
      reason: "Cannot write: the disk is full",
    });
    assert.deepEqual([report.done, report.failed, report.cancelled], [3, 1, 3]);
    const failed = log.of("task-failed");
    assert.equal(failed.length, 1);
    assert.equal(failed[0].fatal, true);
    assert.equal(failed[0].permanent, true);
    assert.equal(received.get("b/manifest")?.get("b/6")?.status, "cancelled");
  },
);

sanitizedTest("a sink's fatal failure stops the tasks not started yet", async () => {
  const clock = new VirtualClock();
  const gates = new Gates();
  const dag = Dag.from([
    task("a/1", ["a"]),
    sink("a/manifest", ["a/1"]),
    task("b/1", ["b"]),
    task("b/2", ["b"]),
  ]);
  const run = runDag(dag, {
    tasks: { work: (node) => gates.wait(node.id) },
    sinks: { record: () => Promise.reject(fatal("Cannot write the manifest: read-only")) },
    limits: { scopes: [1], tasksPerScope: 1 },
    retry: threeRetries,
    clock,
  });
  await clock.settle();
  assert.deepEqual(gates.waiting, ["a/1"]);
  gates.open("a/1");
  await clock.settle();
  // b/1 started in the same step as the sink; the sink then failed.
  assert.deepEqual(gates.waiting, ["b/1"]);
  gates.open("b/1");
  const report = await run;
  assert.deepEqual(gates.waiting, [], "b/2 never started");
  assert.equal(report.fatal?.id, "a/manifest");
  assert.equal(report.outcomes.get("b/1")?.status, "done");
  assert.equal(report.outcomes.get("b/2")?.status, "cancelled");
});

sanitizedTest("a failure that is not fatal leaves the report without `fatal`", async () => {
  const report = await runDag(Dag.from([task("a", ["s"]), task("b", ["s"])]), {
    tasks: {
      work: (node) =>
        node.id === "a"
          ? Promise.reject(new TaskError("HTTP 404", { retryable: false, status: 404 }))
          : Promise.resolve(),
    },
    limits: { scopes: [1], tasksPerScope: 1 },
    retry: threeRetries,
    clock: new VirtualClock(),
  });
  assert.equal(report.fatal, undefined);
  assert.equal(report.aborted, false);
  assert.equal(report.done, 1);
});
