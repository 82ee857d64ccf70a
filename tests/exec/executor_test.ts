import assert from "node:assert/strict";
import { Dag } from "../../src/exec/dag.ts";
import { runDag, RunEventError } from "../../src/exec/executor.ts";
import type { DagNode, Limits, Outcome, RunEvent } from "../../src/exec/types.ts";
import { VirtualClock } from "../../src/exec/virtual_clock.ts";
import {
  drive,
  EventLog,
  Gates,
  noRetry,
  sanitizedTest,
  sink,
  syntheticDag,
  task,
} from "./_helpers.ts";

const record = () => Promise.resolve("recorded");
const sinks = { book: record, volume: record, root: record, record };

/** The limits of the four shipped profiles (profiles/*.yaml). */
const profiles: readonly { name: string; limits: Limits }[] = [
  { name: "sequential", limits: { scopes: [1, 1], tasksPerScope: 1, delayMs: 100 } },
  { name: "conservative", limits: { scopes: [1, 3], tasksPerScope: 5, delayMs: 100 } },
  { name: "default", limits: { scopes: [3, 5], tasksPerScope: 10, delayMs: 50 } },
  { name: "aggressive", limits: { scopes: [5, 10], tasksPerScope: 20, delayMs: 25 } },
];

/** A repeatable task duration between 60 and 90 s: long enough for every level to fill up. */
function durationOf(id: string): number {
  let hash = 0;
  for (const char of id) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return 60_000 + hash % 30_000;
}

/** Running and open counts per level, with their maxima. */
class LevelCounter {
  readonly current = new Map<string, number>();
  readonly max = new Map<string, number>();

  add(key: string, delta: number): number {
    const value = (this.current.get(key) ?? 0) + delta;
    this.current.set(key, value);
    if (value > (this.max.get(key) ?? 0)) this.max.set(key, value);
    return value;
  }

  maxOf(prefix: string): number {
    let max = 0;
    for (const [key, value] of this.max) if (key.startsWith(prefix) && value > max) max = value;
    return max;
  }
}

for (const { name, limits } of profiles) {
  const [volumeLimit, bookLimit] = limits.scopes;
  sanitizedTest(
    `executor keeps volumes, books per volume and chapters per book within the ${name} profile's ` +
      `limits (${volumeLimit}/${bookLimit}/${limits.tasksPerScope}) and fills each level up to them`,
    async () => {
      const clock = new VirtualClock();
      const dag = syntheticDag(6, 12, 25);
      const running = new LevelCounter();
      const open = new LevelCounter();
      const startTimes: number[] = [];
      const log = new EventLog();
      const onEvent = (event: RunEvent) => {
        log.onEvent(event);
        if (event.type === "scope-open" || event.type === "scope-close") {
          const delta = event.type === "scope-open" ? 1 : -1;
          const key = event.depth === 0 ? "volumes" : `books of ${event.scope.split("/")[0]}`;
          const value = open.add(key, delta);
          assert.ok(value <= (event.depth === 0 ? volumeLimit : bookLimit), `${key}: ${value}`);
        }
        if (event.type === "task-start" && event.role === "task") startTimes.push(event.at);
      };
      const work = async (node: DagNode, { signal }: { signal: AbortSignal }) => {
        const [volume, book] = node.scope;
        if (
          running.add(`book ${book}`, 1) === 1 && running.add(`active books of ${volume}`, 1) === 1
        ) {
          running.add("active volumes", 1);
        }
        running.add("tasks", 1);
        await clock.sleep(durationOf(node.id), signal);
        running.add("tasks", -1);
        if (
          running.add(`book ${book}`, -1) === 0 &&
          running.add(`active books of ${volume}`, -1) === 0
        ) {
          running.add("active volumes", -1);
        }
        return node.id;
      };
      const report = await drive(
        clock,
        runDag(dag, { tasks: { work }, sinks, limits, retry: noRetry, clock, onEvent }),
      );

      assert.equal(report.done, dag.size);
      assert.equal(open.max.get("volumes"), volumeLimit);
      assert.equal(open.maxOf("books of "), bookLimit);
      assert.equal(running.maxOf("book "), limits.tasksPerScope);
      assert.equal(running.max.get("active volumes"), volumeLimit);
      assert.equal(running.maxOf("active books of "), bookLimit);
      const gaps = startTimes.slice(1).map((at, i) => at - startTimes[i]);
      if (limits.tasksPerScope === 1) {
        // One at a time: the delay never binds, and the starts follow the plan order.
        assert.ok(Math.min(...gaps) >= limits.delayMs!);
        const starts = log.starts().map((start) => start.split("@")[0]);
        assert.deepEqual(
          starts,
          dag.nodes.filter((node) => node.role === "task").map((node) => node.id),
        );
      } else {
        assert.equal(Math.min(...gaps), limits.delayMs);
      }
      assert.equal(clock.pendingTimers, 0);
    },
  );
}

sanitizedTest(
  "executor starts book 1's chapters before book 2's when only one book may be open",
  async () => {
    const clock = new VirtualClock();
    const log = new EventLog();
    const nodes = ["b1", "b2"].flatMap((book) =>
      [1, 2, 3, 4].map((chapter) => task(`${book}/${chapter}`, ["v", book]))
    );
    await drive(
      clock,
      runDag(Dag.from(nodes), {
        tasks: { work: () => clock.sleep(1000) },
        limits: { scopes: [1, 1], tasksPerScope: 2 },
        retry: noRetry,
        clock,
        onEvent: log.onEvent,
      }),
    );
    assert.deepEqual(log.starts(), [
      "b1/1@0#1",
      "b1/2@0#1",
      "b1/3@1000#1",
      "b1/4@1000#1",
      "b2/1@2000#1",
      "b2/2@2000#1",
      "b2/3@3000#1",
      "b2/4@3000#1",
    ]);
  },
);

sanitizedTest(
  "executor follows the node order of the plan, not the order of scope names",
  async () => {
    const clock = new VirtualClock();
    const log = new EventLog();
    const nodes = [task("z/1", ["z"]), task("a/1", ["a"]), task("z/2", ["z"]), task("a/2", ["a"])];
    await drive(
      clock,
      runDag(Dag.from(nodes), {
        tasks: { work: () => clock.sleep(10) },
        limits: { scopes: [2], tasksPerScope: 1, maxInFlight: 1 },
        retry: noRetry,
        clock,
        onEvent: log.onEvent,
      }),
    );
    assert.deepEqual(log.starts(), ["z/1@0#1", "a/1@10#1", "z/2@20#1", "a/2@30#1"]);
  },
);

sanitizedTest(
  "executor never runs more than maxInFlight tasks in the whole run, and reaches it",
  async () => {
    const clock = new VirtualClock();
    let running = 0;
    let max = 0;
    const work = async () => {
      max = Math.max(max, ++running);
      await clock.sleep(500);
      running--;
    };
    const report = await drive(
      clock,
      runDag(syntheticDag(3, 4, 5), {
        tasks: { work },
        sinks,
        limits: { scopes: [3, 4], tasksPerScope: 5, maxInFlight: 7 },
        retry: noRetry,
        clock,
      }),
    );
    assert.equal(report.failed, 0);
    assert.equal(max, 7);
  },
);

sanitizedTest(
  "a sink starts only after all its dependencies ended, failed ones included, and receives their outcomes",
  async () => {
    const clock = new VirtualClock();
    const gates = new Gates();
    const received: ReadonlyMap<string, Outcome>[] = [];
    const dag = Dag.from([
      task("t1", ["b"]),
      task("t2", ["b"]),
      task("t3", ["b"]),
      sink("book", ["t1", "t2", "t3"]),
    ]);
    const run = runDag(dag, {
      tasks: { work: (node) => gates.wait(node.id).then(() => `${node.id} ok`) },
      sinks: {
        record: (_node, deps) => {
          received.push(deps);
          return Promise.resolve("written");
        },
      },
      limits: { scopes: [1], tasksPerScope: 3 },
      retry: noRetry,
      clock,
    });
    await clock.settle();
    gates.open("t1");
    gates.fail("t2", new Error("Parse failed: no verses"));
    await clock.settle();
    assert.equal(received.length, 0, "the sink must wait for t3");
    gates.open("t3");
    const report = await run;
    assert.equal(received.length, 1);
    assert.deepEqual(
      received[0],
      new Map<string, Outcome>([
        ["t1", { status: "done", value: "t1 ok", attempts: 1 }],
        ["t2", { status: "failed", reason: "Parse failed: no verses", attempts: 1 }],
        ["t3", { status: "done", value: "t3 ok", attempts: 1 }],
      ]),
    );
    assert.deepEqual(report.outcomes.get("book"), {
      status: "done",
      value: "written",
      attempts: 1,
    });
    assert.deepEqual(report.failures, [
      { id: "t2", kind: "work", reason: "Parse failed: no verses", attempts: 1 },
    ]);
  },
);

sanitizedTest(
  "a sink counts against no limit: it runs while every task slot is taken",
  async () => {
    const clock = new VirtualClock();
    const gates = new Gates();
    const started: string[] = [];
    const dag = Dag.from([task("t1", ["b1"]), sink("b1/manifest", ["t1"]), task("t2", ["b2"])]);
    const run = runDag(dag, {
      tasks: { work: (node) => gates.wait(node.id) },
      sinks: { record: (node) => Promise.resolve(started.push(node.id)) },
      limits: { scopes: [1], tasksPerScope: 1, maxInFlight: 1 },
      retry: noRetry,
      clock,
    });
    await clock.settle();
    gates.open("t1");
    await clock.settle();
    assert.deepEqual(gates.waiting, ["t2"]);
    assert.deepEqual(started, ["b1/manifest"]);
    gates.open("t2");
    assert.equal((await run).done, 3);
  },
);

sanitizedTest(
  "executor emits scope, task and run events in order for a one-chapter book",
  async () => {
    const clock = new VirtualClock(1000);
    const log = new EventLog();
    const dag = Dag.from([
      task("v/b/1", ["v", "v/b"]),
      { ...sink("v/b/manifest", ["v/b/1"]), scope: ["v", "v/b"] },
    ]);
    const report = await drive(
      clock,
      runDag(dag, {
        tasks: { work: () => clock.sleep(250).then(() => "chapter") },
        sinks,
        limits: { scopes: [1, 1], tasksPerScope: 1 },
        retry: noRetry,
        clock,
        onEvent: log.onEvent,
      }),
    );
    assert.deepEqual(log.events, [
      { type: "run-start", at: 1000, nodes: 2, tasks: 1, sinks: 1 },
      { type: "scope-open", at: 1000, scope: "v", depth: 0 },
      { type: "scope-open", at: 1000, scope: "v/b", depth: 1 },
      { type: "task-start", at: 1000, id: "v/b/1", kind: "work", attempt: 1, role: "task" },
      {
        type: "task-done",
        at: 1250,
        id: "v/b/1",
        kind: "work",
        attempts: 1,
        durationMs: 250,
        value: "chapter",
      },
      { type: "scope-close", at: 1250, scope: "v/b", depth: 1 },
      { type: "scope-close", at: 1250, scope: "v", depth: 0 },
      {
        type: "task-start",
        at: 1250,
        id: "v/b/manifest",
        kind: "record",
        attempt: 1,
        role: "sink",
      },
      {
        type: "task-done",
        at: 1250,
        id: "v/b/manifest",
        kind: "record",
        attempts: 1,
        durationMs: 0,
        value: "recorded",
      },
      { type: "run-end", at: 1250, report },
    ]);
    assert.equal(report.durationMs, 250);
    assert.equal(report.attempts, 1);
  },
);

sanitizedTest(
  "preResolved nodes are not run, emit task-skipped, and reach dependents as skipped",
  async () => {
    const clock = new VirtualClock();
    const log = new EventLog();
    const ran: string[] = [];
    let received: ReadonlyMap<string, Outcome> | undefined;
    const dag = Dag.from([task("t1", ["b"]), task("t2", ["b"]), sink("book", ["t1", "t2"])]);
    const report = await drive(
      clock,
      runDag(dag, {
        tasks: { work: (node) => Promise.resolve(ran.push(node.id)) },
        sinks: { record: (_node, deps) => Promise.resolve(received = deps) },
        limits: { scopes: [1], tasksPerScope: 1 },
        retry: noRetry,
        clock,
        preResolved: new Map<string, unknown>([["t1", { verses: 7 }], ["not-in-the-dag", 1]]),
        onEvent: log.onEvent,
      }),
    );
    assert.deepEqual(ran, ["t2"]);
    assert.deepEqual(log.of("task-skipped"), [
      { type: "task-skipped", at: 0, id: "t1", kind: "work", value: { verses: 7 } },
    ]);
    assert.deepEqual(received?.get("t1"), { status: "skipped", value: { verses: 7 } });
    assert.equal(report.skipped, 1);
    assert.equal(report.done, 2);
  },
);

sanitizedTest(
  "a node kind without a handler rejects with a TypeError before anything runs",
  async () => {
    const events: RunEvent[] = [];
    const ran: string[] = [];
    const dag = Dag.from([task("t1", ["b"]), { ...task("t2", ["b"]), kind: "lookup" }]);
    await assert.rejects(
      runDag(dag, {
        tasks: { work: (node) => Promise.resolve(ran.push(node.id)) },
        limits: { scopes: [1], tasksPerScope: 1 },
        retry: noRetry,
        clock: new VirtualClock(),
        onEvent: (event) => events.push(event),
      }),
      new TypeError('Cannot run node "t2": no task handler for kind "lookup" (known: "work")'),
    );
    assert.deepEqual(events, []);
    assert.deepEqual(ran, []);
  },
);

sanitizedTest(
  "a kind named like an Object.prototype member is not taken for a handler",
  async () => {
    const dag = Dag.from([{ ...task("t1", ["b"]), kind: "constructor" }]);
    await assert.rejects(
      runDag(dag, {
        tasks: {},
        limits: { scopes: [1], tasksPerScope: 1 },
        retry: noRetry,
      }),
      new TypeError('Cannot run node "t1": no task handler for kind "constructor" (known: none)'),
    );
  },
);

const invalidOptions: readonly [string, Partial<Parameters<typeof runDag>[1]>, string][] = [
  [
    "a scope limit of 0",
    { limits: { scopes: [1, 0], tasksPerScope: 1 } },
    'Cannot run DAG with limits.scopes[1] "0": must be a whole number of at least 1',
  ],
  [
    "a fractional tasksPerScope",
    { limits: { scopes: [1], tasksPerScope: 2.5 } },
    'Cannot run DAG with limits.tasksPerScope "2.5": must be a whole number of at least 1',
  ],
  [
    "a maxInFlight of 0",
    { limits: { scopes: [1], tasksPerScope: 1, maxInFlight: 0 } },
    'Cannot run DAG with limits.maxInFlight "0": must be a whole number of at least 1',
  ],
  [
    "a negative delay",
    { limits: { scopes: [1], tasksPerScope: 1, delayMs: -5 } },
    'Cannot run DAG with limits.delayMs "-5": must be 0 or more',
  ],
  [
    "a token bucket without rate",
    { limits: { scopes: [1], tasksPerScope: 1, tokenBucket: { ratePerSecond: 0, burst: 1 } } },
    'Cannot set token bucket ratePerSecond "0": must be a finite number above 0',
  ],
  [
    "negative retries",
    { retry: { ...noRetry, maxRetries: -1 } },
    'Cannot run DAG with retry.maxRetries "-1": must be a whole number of 0 or more',
  ],
  [
    "a shrinking multiplier",
    { retry: { ...noRetry, multiplier: 0.5 } },
    'Cannot run DAG with retry.multiplier "0.5": must be at least 1',
  ],
  [
    "a zero timeout",
    { attemptTimeoutMs: 0 },
    'Cannot run DAG with attemptTimeoutMs "0": must be above 0',
  ],
];

for (const [what, override, message] of invalidOptions) {
  sanitizedTest(`runDag rejects ${what} with a RangeError naming the value`, async () => {
    await assert.rejects(
      runDag(Dag.from([task("t1", ["b"])]), {
        tasks: { work: () => Promise.resolve() },
        limits: { scopes: [1], tasksPerScope: 1 },
        retry: noRetry,
        ...override,
      }),
      new RangeError(message),
    );
  });
}

sanitizedTest("a scope id under two different parents rejects with a TypeError", async () => {
  const dag = Dag.from([task("t1", ["v1", "intro"]), task("t2", ["v2", "intro"])]);
  await assert.rejects(
    runDag(dag, {
      tasks: { work: () => Promise.resolve() },
      limits: { scopes: [1, 1], tasksPerScope: 1 },
      retry: noRetry,
    }),
    new TypeError(
      'Cannot place node "t2" in scope "intro": the scope is under "v2" here but under "v1" elsewhere',
    ),
  );
});

sanitizedTest(
  "a throwing onEvent does not stop the run; runDag then rejects with RunEventError holding the report",
  async () => {
    const clock = new VirtualClock();
    const seen: string[] = [];
    const run = runDag(Dag.from([task("t1", ["b"]), task("t2", ["b"]), sink("s", ["t1", "t2"])]), {
      tasks: { work: () => clock.sleep(5) },
      sinks,
      limits: { scopes: [1], tasksPerScope: 1 },
      retry: noRetry,
      clock,
      onEvent: (event) => {
        seen.push(event.type);
        if (event.type === "task-start") throw new Error("Disk full");
      },
    });
    const error = await drive(clock, run).then(() => undefined, (error: unknown) => error);
    assert.ok(error instanceof RunEventError);
    assert.equal(error.message, "Cannot deliver run events: onEvent threw: Disk full");
    assert.equal((error.cause as Error).message, "Disk full");
    assert.equal(error.report.done, 3);
    assert.equal(seen.at(-1), "run-end");
  },
);

sanitizedTest(
  "dependencies across scopes that can never get a scope slot reject instead of hanging",
  async () => {
    const clock = new VirtualClock();
    // a/2 waits for b/1, but b cannot open while a (held open by a/2) takes the only volume slot.
    const dag = Dag.from([task("a/1", ["a"]), task("a/2", ["a"], ["b/1"]), task("b/1", ["b"])]);
    await assert.rejects(
      drive(
        clock,
        runDag(dag, {
          tasks: { work: () => clock.sleep(10) },
          limits: { scopes: [1], tasksPerScope: 1 },
          retry: noRetry,
          clock,
        }),
      ),
      /^Error: Cannot run DAG: 2 nodes can never start: ready task "b\/1" needs a scope slot/,
    );
  },
);

sanitizedTest("an empty DAG resolves at once with an empty report", async () => {
  const log = new EventLog();
  const report = await runDag(Dag.from([]), {
    tasks: {},
    limits: { scopes: [], tasksPerScope: 1 },
    retry: noRetry,
    clock: new VirtualClock(),
    onEvent: log.onEvent,
  });
  assert.equal(report.nodes, 0);
  assert.deepEqual(log.events.map((event) => event.type), ["run-start", "run-end"]);
});

sanitizedTest("tasks with an empty scope path share the top level's tasksPerScope", async () => {
  const clock = new VirtualClock();
  const log = new EventLog();
  await drive(
    clock,
    runDag(Dag.from([task("a", []), task("b", []), task("c", [])]), {
      tasks: { work: () => clock.sleep(100) },
      limits: { scopes: [], tasksPerScope: 2 },
      retry: noRetry,
      clock,
      onEvent: log.onEvent,
    }),
  );
  assert.deepEqual(log.starts(), ["a@0#1", "b@0#1", "c@100#1"]);
  assert.equal(log.of("scope-open").length, 0);
});

sanitizedTest("a handler that throws synchronously fails its node like a rejection", async () => {
  const report = await runDag(Dag.from([task("t1", ["b"])]), {
    tasks: {
      work: () => {
        throw new Error("Bad URI");
      },
    },
    limits: { scopes: [1], tasksPerScope: 1 },
    retry: noRetry,
    clock: new VirtualClock(),
  });
  assert.deepEqual(report.outcomes.get("t1"), { status: "failed", reason: "Bad URI", attempts: 1 });
});
