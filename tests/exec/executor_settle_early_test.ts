import assert from "node:assert/strict";
import { Dag } from "../../src/exec/dag.ts";
import { runDag } from "../../src/exec/executor.ts";
import { type RunEvent, TaskError } from "../../src/exec/types.ts";
import { VirtualClock } from "../../src/exec/virtual_clock.ts";
import { drive, noRetry, sanitizedTest, sink, task } from "./_helpers.ts";

sanitizedTest(
  "a task settled early is skipped with its value, takes no turn of the rate limit and readies its sink",
  async () => {
    const clock = new VirtualClock();
    const dag = Dag.from([
      task("a", ["v"]),
      task("b", ["v"]),
      task("c", ["v"]),
      task("d", ["v"]),
      sink("manifest", ["a", "b", "c", "d"]),
    ]);
    const startedAt = new Map<string, number>();
    const events: RunEvent[] = [];
    // What "a" finds out makes "b" and "c" moot (as a 404 does a language's volume).
    const moot = new Set<string>();
    const report = await drive(
      clock,
      runDag(dag, {
        tasks: {
          work: (node) => {
            startedAt.set(node.id, clock.now());
            if (node.id === "a") moot.add("b").add("c");
            return Promise.resolve(`ran ${node.id}`);
          },
        },
        sinks: { record: (_node, deps) => Promise.resolve(deps.size) },
        limits: { scopes: [1], tasksPerScope: 1, delayMs: 1_000 },
        retry: noRetry,
        clock,
        settleEarly: (node) => moot.has(node.id) ? { value: `moot ${node.id}` } : undefined,
        onEvent: (event) => events.push(event),
      }),
    );
    assert.deepEqual([...startedAt], [["a", 0], ["d", 1_000]], "d takes the turn after a");
    assert.deepEqual(report.outcomes.get("b"), { status: "skipped", value: "moot b" });
    assert.deepEqual(report.outcomes.get("c"), { status: "skipped", value: "moot c" });
    assert.equal(report.attempts, 2);
    assert.deepEqual(report.outcomes.get("manifest"), { status: "done", value: 4, attempts: 1 });
    const skipped = events.filter((e) => e.type === "task-skipped").map((e) =>
      e.type === "task-skipped" && e.id
    );
    assert.deepEqual(skipped, ["b", "c"]);
    // The scope opened for a, stays open until d ends, and closes once.
    assert.equal(events.filter((e) => e.type === "scope-close").length, 1);
  },
);

sanitizedTest(
  "settleEarly is not asked for a retry: a task that started runs to its end",
  async () => {
    const clock = new VirtualClock();
    let attempts = 0;
    const report = await drive(
      clock,
      runDag(Dag.from([task("a", ["v"])]), {
        tasks: {
          work: () => {
            attempts++;
            if (attempts === 1) {
              return Promise.reject(new TaskError("first fails", { retryable: true }));
            }
            return Promise.resolve("second");
          },
        },
        limits: { scopes: [1], tasksPerScope: 1 },
        retry: { ...noRetry, maxRetries: 1, baseDelayMs: 10, maxDelayMs: 10 },
        clock,
        settleEarly: () => attempts > 0 ? { value: "moot" } : undefined,
      }),
    );
    assert.equal(attempts, 2);
    assert.deepEqual(report.outcomes.get("a"), { status: "done", value: "second", attempts: 2 });
  },
);
