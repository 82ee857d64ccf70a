import assert from "node:assert/strict";
import { Dag } from "../../src/exec/dag.ts";
import { runDag } from "../../src/exec/executor.ts";
import { type DagNode, type TaskContext, TaskError } from "../../src/exec/types.ts";
import { VirtualClock } from "../../src/exec/virtual_clock.ts";
import {
  drive,
  EventLog,
  noRetry,
  sanitizedTest,
  seededRandom,
  task,
  threeRetries,
} from "./_helpers.ts";

const http = (status: number, retryAfterMs?: number) =>
  new TaskError(`HTTP ${status}`, { retryable: true, status, retryAfterMs });

sanitizedTest(
  "Retry-After: 7 delays that task by 7 s and no task of any book starts before then",
  async () => {
    const clock = new VirtualClock();
    const log = new EventLog();
    const dag = Dag.from([
      task("b1/1", ["v", "b1"]),
      task("b1/2", ["v", "b1"]),
      task("b2/1", ["v", "b2"]),
      task("b2/2", ["v", "b2"]),
    ]);
    const work = async (node: DagNode, { attempt }: TaskContext) => {
      if (node.id === "b1/1" && attempt === 1) {
        await clock.sleep(100);
        throw http(429, 7000);
      }
      await clock.sleep(node.id === "b2/1" ? 10_000 : 1000);
    };
    const report = await drive(
      clock,
      runDag(dag, {
        tasks: { work },
        limits: { scopes: [1, 2], tasksPerScope: 1 },
        retry: threeRetries,
        clock,
        onEvent: log.onEvent,
      }),
    );
    // b1/2 would start at 100 without the pause; the retry of b1/1 comes first in plan order.
    assert.deepEqual(log.starts(), [
      "b1/1@0#1",
      "b2/1@0#1",
      "b1/1@7100#2",
      "b1/2@8100#1",
      "b2/2@10000#1",
    ]);
    assert.deepEqual(log.of("task-retry"), [{
      type: "task-retry",
      at: 100,
      id: "b1/1",
      kind: "work",
      attempt: 1,
      delayMs: 7000,
      reason: "HTTP 429",
      status: 429,
      retryAfterMs: 7000,
    }]);
    assert.deepEqual(log.of("rate-pause"), [{
      type: "rate-pause",
      at: 100,
      until: 7100,
      reason: '"b1/1" asked to wait 7000 ms: HTTP 429',
    }]);
    assert.deepEqual(log.of("rate-resume"), [{ type: "rate-resume", at: 7100 }]);
    assert.equal(report.retries, 1);
    assert.equal(report.attempts, 5);
    assert.deepEqual(report.outcomes.get("b1/1"), {
      status: "done",
      value: undefined,
      attempts: 2,
    });
  },
);

sanitizedTest(
  "a long Retry-After is honoured in full: no start of any task before it has passed",
  async () => {
    const clock = new VirtualClock();
    const log = new EventLog();
    const work = (node: DagNode, { attempt }: TaskContext) =>
      node.id === "t" && attempt === 1 ? Promise.reject(http(503, 3_600_000)) : Promise.resolve();
    await drive(
      clock,
      runDag(Dag.from([task("t", ["b"]), task("u", ["b"])]), {
        tasks: { work },
        limits: { scopes: [1], tasksPerScope: 1 },
        retry: threeRetries,
        clock,
        onEvent: log.onEvent,
      }),
    );
    assert.deepEqual(log.starts(), ["t@0#1", "t@3600000#2", "u@3600000#1"]);
    assert.equal(log.of("task-retry")[0].retryAfterMs, 3_600_000);
  },
);

sanitizedTest(
  "a Retry-After on the last attempt still pauses every other start",
  async () => {
    const clock = new VirtualClock();
    const log = new EventLog();
    const work = (node: DagNode) =>
      node.id === "t" ? Promise.reject(http(429, 10_000)) : Promise.resolve();
    const report = await drive(
      clock,
      runDag(Dag.from([task("t", ["b"]), task("u", ["b"])]), {
        tasks: { work },
        limits: { scopes: [1], tasksPerScope: 1 },
        retry: { ...threeRetries, maxRetries: 0 },
        clock,
        onEvent: log.onEvent,
      }),
    );
    assert.equal(report.failed, 1);
    assert.deepEqual(log.starts(), ["t@0#1", "u@10000#1"]);
  },
);

sanitizedTest(
  "a Retry-After of 0 does not make the retry immediate: the backoff still applies",
  async () => {
    const clock = new VirtualClock();
    const log = new EventLog();
    const work = (_node: DagNode, { attempt }: TaskContext) =>
      attempt === 1 ? Promise.reject(http(503, 0)) : Promise.resolve();
    await drive(
      clock,
      runDag(Dag.from([task("t", ["b"])]), {
        tasks: { work },
        limits: { scopes: [1], tasksPerScope: 1 },
        retry: { ...threeRetries, jitter: "none" },
        clock,
        onEvent: log.onEvent,
      }),
    );
    assert.deepEqual(log.starts(), ["t@0#1", `t@${threeRetries.baseDelayMs}#2`]);
  },
);

sanitizedTest(
  "a task waiting for a retry holds no slot: another chapter of the same book runs meanwhile",
  async () => {
    const clock = new VirtualClock();
    const log = new EventLog();
    const work = async (node: DagNode, { attempt }: TaskContext) => {
      if (node.id === "b/1" && attempt === 1) {
        await clock.sleep(100);
        throw http(503);
      }
      await clock.sleep(2000);
    };
    await drive(
      clock,
      runDag(Dag.from([task("b/1", ["v", "b"]), task("b/2", ["v", "b"])]), {
        tasks: { work },
        limits: { scopes: [1, 1], tasksPerScope: 1 },
        retry: threeRetries,
        clock,
        onEvent: log.onEvent,
      }),
    );
    // The retry fell due at 1100 but waits for the book's only slot, which b/2 frees at 2100.
    assert.deepEqual(log.starts(), ["b/1@0#1", "b/2@100#1", "b/1@2100#2"]);
    // The book stays open while b/1 waits for its retry.
    assert.deepEqual(
      log.of("scope-close").map((event) => `${event.scope}@${event.at}`),
      ["b@4100", "v@4100"],
    );
  },
);

sanitizedTest(
  "after maxRetries the node fails with its last reason and status, after exact backoff delays",
  async () => {
    const clock = new VirtualClock();
    const log = new EventLog();
    const work = (_node: DagNode, { attempt }: TaskContext) =>
      Promise.reject(
        new TaskError(`HTTP 503 on attempt ${attempt}`, { retryable: true, status: 503 }),
      );
    const report = await drive(
      clock,
      runDag(Dag.from([task("t", ["b"])]), {
        tasks: { work },
        limits: { scopes: [1], tasksPerScope: 1 },
        retry: threeRetries,
        clock,
        onEvent: log.onEvent,
      }),
    );
    assert.deepEqual(log.starts(), ["t@0#1", "t@1000#2", "t@3000#3", "t@7000#4"]);
    assert.deepEqual(log.of("task-retry").map((event) => event.delayMs), [1000, 2000, 4000]);
    assert.deepEqual(log.of("task-failed"), [{
      type: "task-failed",
      at: 7000,
      id: "t",
      kind: "work",
      attempts: 4,
      reason: "HTTP 503 on attempt 4",
      status: 503,
      permanent: false,
    }]);
    assert.deepEqual(report.outcomes.get("t"), {
      status: "failed",
      reason: "HTTP 503 on attempt 4",
      attempts: 4,
      httpStatus: 503,
    });
    assert.equal(report.retries, 3);
  },
);

sanitizedTest(
  "with full jitter each retry waits a seeded random share of the capped delay",
  async () => {
    const clock = new VirtualClock();
    const log = new EventLog();
    const expected = seededRandom(42);
    await drive(
      clock,
      runDag(Dag.from([task("t", ["b"])]), {
        tasks: { work: () => Promise.reject(http(500)) },
        limits: { scopes: [1], tasksPerScope: 1 },
        retry: { ...threeRetries, jitter: "full" },
        clock,
        random: seededRandom(42),
        onEvent: log.onEvent,
      }),
    );
    assert.deepEqual(
      log.of("task-retry").map((event) => event.delayMs),
      [1000, 2000, 4000].map((capped) => expected() * capped),
    );
  },
);

const permanentErrors: readonly [string, unknown, string, number | undefined][] = [
  ["a plain Error", new Error("Chapter has no verses"), "Chapter has no verses", undefined],
  [
    "a non-retryable TaskError",
    new TaskError("HTTP 404", { retryable: false, status: 404 }),
    "HTTP 404",
    404,
  ],
  ["a thrown string", "Wrong page", "Wrong page", undefined],
];

for (const [what, error, reason, status] of permanentErrors) {
  sanitizedTest(`${what} fails the node at once, without a retry`, async () => {
    const log = new EventLog();
    const report = await runDag(Dag.from([task("t", ["b"])]), {
      tasks: { work: () => Promise.reject(error) },
      limits: { scopes: [1], tasksPerScope: 1 },
      retry: threeRetries,
      clock: new VirtualClock(),
      onEvent: log.onEvent,
    });
    assert.equal(report.attempts, 1);
    assert.equal(report.retries, 0);
    const failed = log.of("task-failed")[0];
    assert.equal(failed.reason, reason);
    assert.equal(failed.status, status);
    assert.equal(failed.permanent, true);
  });
}

sanitizedTest(
  "an attempt past its timeout sees its signal abort and is retried as 'timeout after N ms'",
  async () => {
    const clock = new VirtualClock();
    const log = new EventLog();
    const reasons: unknown[] = [];
    const work = (_node: DagNode, { signal, attempt }: TaskContext) => {
      if (attempt > 1) return Promise.resolve("second time lucky");
      return new Promise((_resolve, reject) => {
        signal.addEventListener("abort", () => {
          reasons.push(signal.reason);
          reject(signal.reason);
        }, { once: true });
      });
    };
    const report = await drive(
      clock,
      runDag(Dag.from([task("t", ["b"])]), {
        tasks: { work },
        limits: { scopes: [1], tasksPerScope: 1 },
        retry: threeRetries,
        attemptTimeoutMs: 30_000,
        clock,
        onEvent: log.onEvent,
      }),
    );
    assert.deepEqual(log.starts(), ["t@0#1", "t@31000#2"]);
    assert.equal(log.of("task-retry")[0].reason, "timeout after 30000 ms");
    assert.equal(log.of("task-retry")[0].timedOut, true, "the event says it timed out, as a field");
    assert.equal((reasons[0] as DOMException).name, "TimeoutError");
    assert.deepEqual(report.outcomes.get("t"), {
      status: "done",
      value: "second time lucky",
      attempts: 2,
    });
    assert.equal(clock.pendingTimers, 0);
  },
);

sanitizedTest("an attempt whose handler ignores its signal still ends at its timeout", async () => {
  const clock = new VirtualClock();
  const report = await drive(
    clock,
    runDag(Dag.from([task("t", ["b"])]), {
      tasks: { work: () => new Promise(() => {}) },
      limits: { scopes: [1], tasksPerScope: 1 },
      retry: { ...threeRetries, maxRetries: 1 },
      attemptTimeoutMs: 5000,
      clock,
    }),
  );
  assert.deepEqual(report.outcomes.get("t"), {
    status: "failed",
    reason: "timeout after 5000 ms",
    attempts: 2,
  });
  assert.equal(report.durationMs, 5000 + 1000 + 5000);
});

sanitizedTest("a late result of a timed-out attempt is ignored", async () => {
  const clock = new VirtualClock();
  const log = new EventLog();
  const work = (_node: DagNode, { attempt }: TaskContext) =>
    clock.sleep(attempt === 1 ? 10_000 : 100).then(() => `attempt ${attempt}`);
  const report = await drive(
    clock,
    runDag(Dag.from([task("t", ["b"])]), {
      tasks: { work },
      limits: { scopes: [1], tasksPerScope: 1 },
      retry: threeRetries,
      attemptTimeoutMs: 2000,
      clock,
      onEvent: log.onEvent,
    }),
  );
  assert.deepEqual(report.outcomes.get("t"), { status: "done", value: "attempt 2", attempts: 2 });
  assert.equal(log.of("task-done").length, 1);
});

sanitizedTest(
  "a retry takes its plan position again: it goes before later chapters of its book",
  async () => {
    const clock = new VirtualClock();
    const log = new EventLog();
    const work = async (node: DagNode, { attempt }: TaskContext) => {
      await clock.sleep(500);
      if (node.id === "b/1" && attempt === 1) throw http(502);
    };
    await drive(
      clock,
      runDag(Dag.from([1, 2, 3, 4].map((chapter) => task(`b/${chapter}`, ["b"]))), {
        tasks: { work },
        limits: { scopes: [1], tasksPerScope: 1 },
        retry: { ...noRetry, maxRetries: 1, baseDelayMs: 200 },
        clock,
        onEvent: log.onEvent,
      }),
    );
    assert.deepEqual(log.starts(), [
      "b/1@0#1",
      "b/2@500#1",
      "b/1@1000#2",
      "b/3@1500#1",
      "b/4@2000#1",
    ]);
  },
);
