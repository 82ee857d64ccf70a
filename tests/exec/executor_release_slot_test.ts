import assert from "node:assert/strict";
import { Dag } from "../../src/exec/dag.ts";
import { runDag } from "../../src/exec/executor.ts";
import { TaskError } from "../../src/exec/types.ts";
import { VirtualClock } from "../../src/exec/virtual_clock.ts";
import { drive, EventLog, Gates, sanitizedTest, sink, task, threeRetries } from "./_helpers.ts";

const record = () => Promise.resolve("recorded");

sanitizedTest(
  "a task that releases its slot lets the next one start while it runs on, and still ends as done",
  async () => {
    const clock = new VirtualClock();
    const gates = new Gates();
    const released: string[] = [];
    const dag = Dag.from([
      task("t1", ["b"]),
      task("t2", ["b"]),
      task("t3", ["b"]),
      sink("book", ["t1", "t2", "t3"]),
    ]);
    const sinkDeps: string[][] = [];
    const run = runDag(dag, {
      tasks: {
        work: async (node, context) => {
          await gates.wait(`${node.id}:request`, context.signal);
          context.releaseSlot();
          context.releaseSlot(); // twice is harmless
          released.push(node.id);
          await gates.wait(`${node.id}:write`, context.signal);
          return `${node.id} written`;
        },
      },
      sinks: {
        record: (_node, deps) => {
          sinkDeps.push([...deps.values()].map((o) => o.status));
          return record();
        },
      },
      limits: { scopes: [1], tasksPerScope: 2, maxInFlight: 1 },
      retry: threeRetries,
      clock,
    });
    await clock.settle();
    assert.deepEqual(gates.waiting, ["t1:request"], "one slot: one request at a time");
    gates.open("t1:request");
    await clock.settle();
    assert.deepEqual(gates.waiting.sort(), ["t1:write", "t2:request"], "t2 starts in t1's slot");
    gates.open("t2:request");
    await clock.settle();
    assert.deepEqual(gates.waiting.sort(), ["t1:write", "t2:write", "t3:request"]);
    assert.equal(sinkDeps.length, 0, "the sink waits for the released tasks to end");
    gates.open("t3:request");
    await clock.settle();
    for (const id of ["t2", "t1", "t3"]) gates.open(`${id}:write`);
    const report = await run;
    assert.equal(report.done, 4);
    assert.deepEqual(released, ["t1", "t2", "t3"]);
    assert.deepEqual(sinkDeps, [["done", "done", "done"]]);
  },
);

sanitizedTest(
  "a released task that fails is retried in a slot of its own, and the limits hold throughout",
  async () => {
    const clock = new VirtualClock();
    const log = new EventLog();
    let running = 0;
    let holding = 0;
    let maxHolding = 0;
    let attemptsOfT1 = 0;
    const dag = Dag.from([task("t1", ["b"]), task("t2", ["b"]), sink("book", ["t1", "t2"])]);
    const report = await drive(
      clock,
      runDag(dag, {
        tasks: {
          work: async (node, context) => {
            running++;
            holding++;
            maxHolding = Math.max(maxHolding, holding);
            await clock.sleep(100);
            holding--;
            context.releaseSlot();
            try {
              await clock.sleep(500);
              if (node.id === "t1" && ++attemptsOfT1 === 1) {
                throw new TaskError("unparsable JSON", { retryable: true });
              }
              return node.id;
            } finally {
              running--;
            }
          },
        },
        sinks: { record },
        limits: { scopes: [1], tasksPerScope: 1, maxInFlight: 1 },
        retry: threeRetries,
        clock,
        onEvent: log.onEvent,
      }),
    );
    assert.equal(report.done, 3);
    assert.equal(maxHolding, 1, "never two in the slot");
    assert.equal(running, 0);
    assert.deepEqual(log.starts(), ["t1@0#1", "t2@100#1", "t1@1600#2"]);
  },
);

sanitizedTest(
  "a run whose every running task has released its slot is not mistaken for a deadlock",
  async () => {
    const clock = new VirtualClock();
    const gates = new Gates();
    const dag = Dag.from([task("t1", ["b"]), sink("book", ["t1"])]);
    const run = runDag(dag, {
      tasks: {
        work: async (node, context) => {
          context.releaseSlot();
          await gates.wait(node.id, context.signal);
          return "ok";
        },
      },
      sinks: { record },
      limits: { scopes: [1], tasksPerScope: 1 },
      retry: threeRetries,
      clock,
    });
    await clock.settle();
    gates.open("t1");
    assert.equal((await run).done, 2);
  },
);

sanitizedTest(
  "an abort cancels a released task like any running one",
  async () => {
    const clock = new VirtualClock();
    const abort = new AbortController();
    const dag = Dag.from([task("t1", ["b"]), task("t2", ["b"]), sink("book", ["t1", "t2"])]);
    const run = runDag(dag, {
      tasks: {
        work: async (_node, context) => {
          context.releaseSlot();
          await new Promise((_, reject) => {
            context.signal.addEventListener("abort", () => reject(context.signal.reason), {
              once: true,
            });
          });
        },
      },
      sinks: { record },
      limits: { scopes: [1], tasksPerScope: 1, maxInFlight: 1 },
      retry: threeRetries,
      clock,
      signal: abort.signal,
    });
    await clock.settle();
    abort.abort(new Error("stop"));
    const report = await run;
    assert.equal(report.cancelled, 2);
    assert.equal(report.aborted, true);
  },
);
