import assert from "node:assert/strict";
import { Dag } from "../../src/exec/dag.ts";
import { runDag } from "../../src/exec/executor.ts";
import { RunControl } from "../../src/exec/run_control.ts";
import { VirtualClock } from "../../src/exec/virtual_clock.ts";
import { EventLog, Gates, noRetry, sanitizedTest, task } from "./_helpers.ts";

const twoBooks = (chapters: number) =>
  Dag.from(
    ["a", "b"].flatMap((book) =>
      Array.from({ length: chapters }, (_, i) => task(`${book}/${i + 1}`, [book]))
    ),
  );

sanitizedTest(
  "a pause through steer starts nothing until resume, the running tasks go on, and both are recorded",
  async () => {
    const clock = new VirtualClock();
    const gates = new Gates();
    const log = new EventLog();
    const control = new RunControl();
    const run = runDag(twoBooks(3), {
      tasks: { work: (node) => gates.wait(node.id) },
      limits: { scopes: [1], tasksPerScope: 2 },
      retry: noRetry,
      clock,
      control,
      onEvent: log.onEvent,
    });
    await clock.settle();
    assert.deepEqual(gates.waiting, ["a/1", "a/2"]);
    control.steer({ action: "pause" }, "test");
    assert.equal(control.held, true);
    gates.open("a/1");
    gates.open("a/2");
    await clock.settle();
    assert.deepEqual(gates.waiting, [], "held: no start although two slots are free");
    control.steer({ action: "resume" }, "test");
    assert.deepEqual(gates.waiting, ["a/3"]);
    for (const id of ["a/3", "b/1", "b/2", "b/3"]) {
      gates.open(id);
      await clock.settle();
    }
    assert.equal((await run).done, 6);
    assert.deepEqual(log.of("control").map((e) => [e.source, e.change]), [
      ["test", { action: "pause" }],
      ["test", { action: "resume" }],
    ]);
  },
);

sanitizedTest(
  "limits through steer: more chapters per book and a second book at once start at once",
  async () => {
    const clock = new VirtualClock();
    const gates = new Gates();
    const control = new RunControl();
    const run = runDag(twoBooks(3), {
      tasks: { work: (node) => gates.wait(node.id) },
      limits: { scopes: [1], tasksPerScope: 1 },
      retry: noRetry,
      clock,
      control,
    });
    await clock.settle();
    assert.deepEqual(gates.waiting, ["a/1"]);
    control.steer({ action: "limits", limits: { tasksPerScope: 2 } }, "test");
    assert.deepEqual(gates.waiting, ["a/1", "a/2"]);
    control.steer({ action: "limits", limits: { scopes: [2] } }, "test");
    assert.deepEqual(gates.waiting, ["a/1", "a/2", "b/1", "b/2"]);
    assert.deepEqual(control.scopeLimits, { scopes: [2], tasksPerScope: 2 });
    control.steer({ action: "limits", limits: { maxInFlight: 4, ratePerSecond: 1000 } }, "test");
    assert.equal(control.maxInFlight, 4);
    assert.deepEqual(control.tokenBucket, { ratePerSecond: 1000, burst: 1 });
    control.steer({ action: "limits", limits: { ratePerSecond: Infinity } }, "test");
    assert.equal(control.tokenBucket, undefined);
    assert.throws(
      () => control.steer({ action: "limits", limits: { tasksPerScope: 0 } }, "test"),
      new RangeError('Cannot set tasksPerScope "0": must be a whole number of at least 1'),
    );
    for (const id of ["a/1", "a/2", "b/1", "b/2", "a/3", "b/3"]) {
      gates.open(id);
      await clock.settle();
    }
    assert.equal((await run).done, 6);
  },
);

sanitizedTest("a cancel through steer aborts the control's signal, recorded once", async () => {
  const clock = new VirtualClock();
  const gates = new Gates();
  const log = new EventLog();
  const control = new RunControl();
  const run = runDag(twoBooks(2), {
    tasks: { work: (node, context) => gates.wait(node.id, context.signal) },
    limits: { scopes: [1], tasksPerScope: 1 },
    retry: noRetry,
    clock,
    control,
    signal: control.signal,
    onEvent: log.onEvent,
  });
  await clock.settle();
  control.steer({ action: "cancel" }, "http");
  assert.equal(control.signal.aborted, true);
  const report = await run;
  assert.equal(report.aborted, true);
  assert.equal(report.done, 0);
  assert.deepEqual(log.of("control").map((e) => e.change), [{ action: "cancel" }]);
});

Deno.test("steer without a run attached throws, naming the action", () => {
  assert.throws(
    () => new RunControl().steer({ action: "pause" }, "http"),
    new Error("Cannot pause: no run is attached to this RunControl"),
  );
});
