import assert from "node:assert/strict";
import { Dag } from "../../src/exec/dag.ts";
import { runDag } from "../../src/exec/executor.ts";
import { type DagNode, type TaskContext, TaskError } from "../../src/exec/types.ts";
import { VirtualClock } from "../../src/exec/virtual_clock.ts";
import { drive, EventLog, sanitizedTest, task, threeRetries } from "./_helpers.ts";

const http = (status: number, retryAfterMs?: number) =>
  new TaskError(`HTTP ${status}`, { retryable: true, status, retryAfterMs });

/** Retries 3 times; waits for a Retry-After of at most 5 minutes. */
const capped = { ...threeRetries, maxRetryAfterMs: 300_000 };

sanitizedTest(
  "a Retry-After beyond maxRetryAfterMs fails that task at once, saying how long, and pauses nothing",
  async () => {
    const clock = new VirtualClock();
    const log = new EventLog();
    // Retry-After: 100000 (s), as a server answered: 27 h 46 min 40 s.
    const work = async (node: DagNode) => {
      await clock.sleep(100);
      if (node.id === "t") throw http(429, 100_000_000);
    };
    const report = await drive(
      clock,
      runDag(Dag.from([task("t", ["b"]), task("u", ["b"]), task("v", ["c"])]), {
        tasks: { work },
        limits: { scopes: [1], tasksPerScope: 1 },
        retry: capped,
        clock,
        onEvent: log.onEvent,
      }),
    );
    assert.deepEqual(log.starts(), ["t@0#1", "u@100#1", "v@200#1"]);
    assert.equal(report.endedAt, 300);
    const reason = "HTTP 429: the server asks to wait 27 h 47 min, more than the 5 min 0 s " +
      "the retry policy allows";
    assert.deepEqual(report.outcomes.get("t"), {
      status: "failed",
      reason,
      attempts: 1,
      httpStatus: 429,
    });
    assert.deepEqual(log.of("task-failed"), [{
      type: "task-failed",
      at: 100,
      id: "t",
      kind: "work",
      attempts: 1,
      reason,
      status: 429,
      permanent: true,
    }]);
    assert.deepEqual(log.of("task-retry"), []);
    assert.deepEqual(log.of("rate-pause"), []);
    assert.equal(report.done, 2);
  },
);

sanitizedTest(
  "a Retry-After beyond the cap on a failure that is not retried anyway pauses nothing either",
  async () => {
    const clock = new VirtualClock();
    const log = new EventLog();
    const work = (node: DagNode) =>
      node.id === "t"
        ? Promise.reject(new TaskError("HTTP 503", { retryable: false, retryAfterMs: 7_200_000 }))
        : Promise.resolve();
    const report = await drive(
      clock,
      runDag(Dag.from([task("t", ["b"]), task("u", ["b"])]), {
        tasks: { work },
        limits: { scopes: [1], tasksPerScope: 1 },
        retry: capped,
        clock,
        onEvent: log.onEvent,
      }),
    );
    assert.deepEqual(log.starts(), ["t@0#1", "u@0#1"]);
    assert.deepEqual(log.of("rate-pause"), []);
    assert.equal(
      report.failures[0].reason,
      "HTTP 503: the server asks to wait 2 h 0 min, more than the 5 min 0 s the retry policy allows",
    );
  },
);

sanitizedTest(
  "a Retry-After of exactly maxRetryAfterMs is honoured in full, for the whole run",
  async () => {
    const clock = new VirtualClock();
    const log = new EventLog();
    const work = (node: DagNode, { attempt }: TaskContext) =>
      node.id === "t" && attempt === 1 ? Promise.reject(http(429, 300_000)) : Promise.resolve();
    const report = await drive(
      clock,
      runDag(Dag.from([task("t", ["b"]), task("u", ["b"])]), {
        tasks: { work },
        limits: { scopes: [1], tasksPerScope: 1 },
        retry: capped,
        clock,
        onEvent: log.onEvent,
      }),
    );
    assert.deepEqual(log.starts(), ["t@0#1", "t@300000#2", "u@300000#1"]);
    assert.equal(log.of("rate-pause").length, 1);
    assert.equal(report.failed, 0);
  },
);

sanitizedTest(
  "a Retry-After too large for a number is refused like any beyond the cap",
  async () => {
    const clock = new VirtualClock();
    const log = new EventLog();
    const work = () => Promise.reject(http(429, Infinity));
    const report = await drive(
      clock,
      runDag(Dag.from([task("t", ["b"])]), {
        tasks: { work },
        limits: { scopes: [1], tasksPerScope: 1 },
        retry: capped,
        clock,
        onEvent: log.onEvent,
      }),
    );
    assert.equal(
      report.failures[0].reason,
      "HTTP 429: the server asks to wait forever, more than the 5 min 0 s the retry policy allows",
    );
    assert.deepEqual(log.starts(), ["t@0#1"]);
  },
);

Deno.test("runDag refuses a negative maxRetryAfterMs", async () => {
  await assert.rejects(
    runDag(Dag.from([task("t", ["b"])]), {
      tasks: { work: () => Promise.resolve() },
      limits: { scopes: [1], tasksPerScope: 1 },
      retry: { ...threeRetries, maxRetryAfterMs: -1 },
    }),
    {
      name: "RangeError",
      message: 'Cannot run DAG with retry.maxRetryAfterMs "-1": must be 0 or more',
    },
  );
});
