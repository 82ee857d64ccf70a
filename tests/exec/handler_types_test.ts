import assert from "node:assert/strict";
import { Dag } from "../../src/exec/dag.ts";
import { runDag } from "../../src/exec/executor.ts";
import type { SinkHandlers, TaskHandlers } from "../../src/exec/types.ts";
import { noRetry, sanitizedTest } from "./_helpers.ts";

/** A node union with literal kinds, as the importer's plan has. */
type Fetch = {
  readonly id: string;
  readonly kind: "fetch";
  readonly role: "task";
  readonly deps: readonly string[];
  readonly scope: readonly string[];
  readonly url: string;
};
type Total = {
  readonly id: string;
  readonly kind: "total";
  readonly role: "sink";
  readonly deps: readonly string[];
  readonly scope: readonly string[];
  readonly label: string;
};
type Node = Fetch | Total;

// Each handler is given its own kind's node: `url` and `label` need no guard.
const tasks: TaskHandlers<Node> = { fetch: (node) => Promise.resolve(node.url.length) };
const sinks: SinkHandlers<Node> = {
  total: (node, deps) => Promise.resolve(`${node.label}:${deps.size}`),
};

// A map missing a kind, or with a kind of the other role, does not compile.
// @ts-expect-error: no handler for the task kind "fetch"
const _missing: TaskHandlers<Node> = {};
// @ts-expect-error: "total" is a sink kind, not a task kind
const _wrongRole: TaskHandlers<Node> = { fetch: tasks.fetch, total: tasks.fetch };
// @ts-expect-error: a fetch node has no label
const _wrongNode: TaskHandlers<Node> = { fetch: (node) => Promise.resolve(node.label) };

sanitizedTest("handlers keyed by kind run with their own node type", async () => {
  const dag = Dag.from<Node>([
    { id: "a", kind: "fetch", role: "task", deps: [], scope: ["s"], url: "https://x/aa" },
    { id: "t", kind: "total", role: "sink", deps: ["a"], scope: [], label: "sum" },
  ]);
  const report = await runDag(dag, {
    tasks,
    sinks,
    limits: { scopes: [], tasksPerScope: 1 },
    retry: noRetry,
  });
  assert.deepEqual(report.outcomes.get("a"), { status: "done", value: 12, attempts: 1 });
  assert.deepEqual(report.outcomes.get("t"), { status: "done", value: "sum:1", attempts: 1 });
});
