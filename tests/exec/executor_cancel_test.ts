import assert from "node:assert/strict";
import { Dag } from "../../src/exec/dag.ts";
import { runDag } from "../../src/exec/executor.ts";
import { type DagNode, type Outcome, type TaskContext, TaskError } from "../../src/exec/types.ts";
import { VirtualClock } from "../../src/exec/virtual_clock.ts";
import {
  EventLog,
  Gates,
  noRetry,
  sanitizedTest,
  sink,
  syntheticDag,
  task,
  threeRetries,
} from "./_helpers.ts";

/** Sinks that record which nodes they ran for and the outcomes they got. */
function recordingSinks() {
  const received = new Map<string, ReadonlyMap<string, Outcome>>();
  const record = (
    node: DagNode,
    deps: ReadonlyMap<string, Outcome>,
    context: { signal: AbortSignal },
  ) => {
    assert.equal(context.signal.aborted, false, "a sink's signal never aborts");
    received.set(node.id, deps);
    return Promise.resolve(node.id);
  };
  return { received, sinks: { book: record, volume: record, root: record, record } };
}

sanitizedTest(
  "aborting mid-run resolves, cancels every unfinished task, still runs the sinks, and leaks nothing",
  async () => {
    const clock = new VirtualClock();
    const gates = new Gates();
    const log = new EventLog();
    const controller = new AbortController();
    const { received, sinks } = recordingSinks();
    const dag = syntheticDag(2, 2, 3);
    const run = runDag(dag, {
      tasks: { work: (node, { signal }) => gates.wait(node.id, signal) },
      sinks,
      limits: { scopes: [1, 2], tasksPerScope: 2, delayMs: 10 },
      retry: threeRetries,
      clock,
      signal: controller.signal,
      onEvent: log.onEvent,
    });
    await clock.advance(30);
    assert.deepEqual(gates.waiting, ["v1/b1/1", "v1/b1/2", "v1/b2/1", "v1/b2/2"]);
    gates.open("v1/b1/1");
    gates.open("v1/b1/2");
    await clock.advance(10);
    assert.deepEqual(gates.waiting, ["v1/b2/1", "v1/b2/2", "v1/b1/3"]);
    controller.abort(new Error("Interrupted"));
    const report = await run;

    assert.equal(report.aborted, true);
    assert.deepEqual(gates.waiting, []);
    assert.equal(report.done, 2 + 7);
    assert.equal(report.cancelled, 12 - 2);
    assert.deepEqual(
      log.of("task-cancelled").map((event) => event.id),
      [
        // Not started, in plan order, at once; then the attempts in flight as they settle.
        ...["v1/b2/3", "v2/b1/1", "v2/b1/2", "v2/b1/3", "v2/b2/1", "v2/b2/2", "v2/b2/3"],
        ...["v1/b2/1", "v1/b2/2", "v1/b1/3"],
      ],
    );
    assert.deepEqual([...received.keys()].sort(), [
      "manifest",
      "v1/b1/manifest",
      "v1/b2/manifest",
      "v1/manifest",
      "v2/b1/manifest",
      "v2/b2/manifest",
      "v2/manifest",
    ]);
    assert.deepEqual(
      received.get("v1/b1/manifest"),
      new Map<string, Outcome>([
        ["v1/b1/1", { status: "done", value: undefined, attempts: 1 }],
        ["v1/b1/2", { status: "done", value: undefined, attempts: 1 }],
        ["v1/b1/3", { status: "cancelled" }],
      ]),
    );
    assert.equal(log.of("scope-open").length, log.of("scope-close").length);
    assert.equal(clock.pendingTimers, 0);
  },
);

sanitizedTest("aborting cancels a task waiting for a retry and removes its timer", async () => {
  const clock = new VirtualClock();
  const controller = new AbortController();
  const run = runDag(Dag.from([task("t", ["b"])]), {
    tasks: {
      work: () => Promise.reject(new TaskError("HTTP 503", { retryable: true, status: 503 })),
    },
    limits: { scopes: [1], tasksPerScope: 1 },
    retry: threeRetries,
    clock,
    signal: controller.signal,
  });
  await clock.settle();
  assert.equal(clock.pendingTimers, 1, "the retry's wake-up");
  controller.abort();
  const report = await run;
  assert.deepEqual(report.outcomes.get("t"), { status: "cancelled" });
  assert.equal(clock.pendingTimers, 0);
});

sanitizedTest("aborting while starts are paused by a Retry-After resolves at once", async () => {
  const clock = new VirtualClock();
  const controller = new AbortController();
  const log = new EventLog();
  const work = (node: DagNode) =>
    node.id === "a"
      ? Promise.reject(
        new TaskError("HTTP 429", { retryable: true, status: 429, retryAfterMs: 60_000 }),
      )
      : Promise.resolve();
  const run = runDag(Dag.from([task("a", ["b"]), task("b", ["b"])]), {
    tasks: { work },
    limits: { scopes: [1], tasksPerScope: 1 },
    retry: threeRetries,
    clock,
    signal: controller.signal,
    onEvent: log.onEvent,
  });
  await clock.advance(1000);
  assert.deepEqual(log.starts(), ["a@0#1"]);
  controller.abort();
  const report = await run;
  assert.equal(report.cancelled, 2);
  assert.equal(report.durationMs, 1000);
  assert.equal(clock.pendingTimers, 0);
});

sanitizedTest("an already-aborted signal cancels every task and still runs the sinks", async () => {
  const { received, sinks } = recordingSinks();
  const ran: string[] = [];
  const report = await runDag(syntheticDag(1, 2, 2), {
    tasks: { work: (node) => Promise.resolve(ran.push(node.id)) },
    sinks,
    limits: { scopes: [1, 1], tasksPerScope: 1 },
    retry: noRetry,
    clock: new VirtualClock(),
    signal: AbortSignal.abort(),
  });
  assert.deepEqual(ran, []);
  assert.equal(report.cancelled, 4);
  assert.equal(report.done, 4);
  assert.equal(received.size, 4);
});

sanitizedTest(
  "an attempt in flight that still succeeds after the abort is reported done; one that fails is cancelled",
  async () => {
    const clock = new VirtualClock();
    const gates = new Gates();
    const controller = new AbortController();
    const run = runDag(Dag.from([task("ok", ["b"]), task("late", ["b"])]), {
      // "ok" ignores the abort (its file was already written); "late" honours it.
      tasks: {
        work: (node, { signal }) => gates.wait(node.id, node.id === "ok" ? undefined : signal),
      },
      limits: { scopes: [1], tasksPerScope: 2 },
      retry: threeRetries,
      clock,
      signal: controller.signal,
    });
    await clock.settle();
    controller.abort();
    await clock.settle();
    gates.open("ok");
    const report = await run;
    assert.deepEqual(report.outcomes.get("ok"), { status: "done", value: undefined, attempts: 1 });
    assert.deepEqual(report.outcomes.get("late"), { status: "cancelled" });
  },
);

sanitizedTest("a handler that aborts the run synchronously stops further starts", async () => {
  const controller = new AbortController();
  const started: string[] = [];
  const work = (node: DagNode, { signal }: TaskContext) => {
    started.push(node.id);
    controller.abort();
    return signal.aborted ? Promise.reject(signal.reason) : Promise.resolve();
  };
  const report = await runDag(Dag.from([task("a", ["b"]), task("b", ["b"]), task("c", ["b"])]), {
    tasks: { work },
    limits: { scopes: [1], tasksPerScope: 3 },
    retry: noRetry,
    clock: new VirtualClock(),
    signal: controller.signal,
  });
  assert.deepEqual(started, ["a"]);
  assert.equal(report.cancelled, 3);
});

sanitizedTest(
  "failFast stops new starts after the first failure: in-flight tasks finish, the rest are cancelled, sinks run",
  async () => {
    const clock = new VirtualClock();
    const gates = new Gates();
    const log = new EventLog();
    const { received, sinks } = recordingSinks();
    const chapters = [1, 2, 3, 4, 5, 6].map((chapter) => `b/${chapter}`);
    const dag = Dag.from([...chapters.map((id) => task(id, ["b"])), sink("b/manifest", chapters)]);
    const run = runDag(dag, {
      tasks: { work: (node) => gates.wait(node.id) },
      sinks,
      limits: { scopes: [1], tasksPerScope: 2 },
      retry: threeRetries,
      clock,
      failFast: true,
      onEvent: log.onEvent,
    });
    await clock.settle();
    gates.fail("b/1", new Error("Wrong page: got the table of contents"));
    await clock.settle();
    assert.deepEqual(gates.waiting, ["b/2"], "no new start after the failure");
    gates.fail("b/2", new TaskError("HTTP 503", { retryable: true, status: 503 }));
    const report = await run;

    assert.equal(report.aborted, true);
    assert.deepEqual(log.starts(), ["b/1@0#1", "b/2@0#1"]);
    assert.deepEqual(report.failures.map((failure) => failure.id), ["b/1", "b/2"]);
    assert.equal(report.retries, 0, "a retryable failure in flight is not retried after fail-fast");
    assert.equal(report.cancelled, 4);
    assert.equal(received.get("b/manifest")?.get("b/6")?.status, "cancelled");
  },
);

sanitizedTest("without failFast a failed node does not stop the others", async () => {
  const work = (node: DagNode) =>
    node.id === "b/2" ? Promise.reject(new Error("Disk full")) : Promise.resolve(node.id);
  const report = await runDag(Dag.from([1, 2, 3].map((chapter) => task(`b/${chapter}`, ["b"]))), {
    tasks: { work },
    limits: { scopes: [1], tasksPerScope: 1 },
    retry: noRetry,
    clock: new VirtualClock(),
  });
  assert.equal(report.done, 2);
  assert.equal(report.failed, 1);
  assert.equal(report.aborted, false);
});

sanitizedTest(
  "a failing sink fails only its own node, is not retried, and reaches its dependents",
  async () => {
    let attempts = 0;
    let rootSaw: Outcome | undefined;
    const report = await runDag(
      Dag.from([task("t", ["b"]), sink("book", ["t"]), sink("root", ["book"], "root")]),
      {
        tasks: { work: () => Promise.resolve() },
        sinks: {
          record: () => {
            attempts++;
            return Promise.reject(new TaskError("Cannot write manifest.json", { retryable: true }));
          },
          root: (_node, deps) => Promise.resolve(rootSaw = deps.get("book")),
        },
        limits: { scopes: [1], tasksPerScope: 1 },
        retry: threeRetries,
        clock: new VirtualClock(),
      },
    );
    assert.equal(attempts, 1);
    assert.deepEqual(rootSaw, {
      status: "failed",
      reason: "Cannot write manifest.json",
      attempts: 1,
    });
    assert.equal(report.done, 2);
  },
);

sanitizedTest(
  "an onEvent that aborts the run on a task's end or at the run's start leaves a consistent report",
  async () => {
    for (const trigger of ["run-start", "task-done", "task-start", "scope-close"]) {
      const controller = new AbortController();
      const { received, sinks } = recordingSinks();
      const report = await runDag(syntheticDag(1, 1, 2), {
        tasks: {
          work: (_node, { signal }) =>
            signal.aborted ? Promise.reject(signal.reason) : Promise.resolve(),
        },
        sinks,
        limits: { scopes: [1, 1], tasksPerScope: 1 },
        retry: noRetry,
        clock: new VirtualClock(),
        signal: controller.signal,
        onEvent: (event) => {
          if (event.type === trigger) controller.abort();
        },
      });
      assert.equal(report.aborted, true, trigger);
      assert.equal(report.done + report.cancelled, 5, trigger);
      assert.equal(report.done - 3, 2 - report.cancelled, trigger);
      assert.equal(received.size, 3, trigger);
    }
  },
);
