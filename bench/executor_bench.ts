/**
 * The executor's own overhead: no-op tasks through three levels of scopes
 * (volumes × books × chapters, limits 5/10/20, no delay), against the same
 * tasks through p-limit at concurrency 20; and a million tasks, to show the
 * cost grows linearly.
 *
 *     deno bench --allow-all bench/executor_bench.ts
 *
 * The million-task case prints the peak RSS of the process while it runs
 * (sampled every 65,536 tasks).
 *
 * @module
 */

import pLimit from "p-limit";
import { Dag } from "../src/exec/dag.ts";
import { runDag, type RunOptions } from "../src/exec/executor.ts";
import type { DagNode } from "../src/exec/types.ts";

/** `volumes` × `books` × `chapters` task nodes; the chapters of a book share one scope array. */
function threeLevelDag(volumes: number, books: number, chapters: number): Dag<DagNode> {
  const nodes: DagNode[] = [];
  const noDeps: readonly string[] = [];
  for (let v = 0; v < volumes; v++) {
    for (let b = 0; b < books; b++) {
      const scope = [`v${v}`, `v${v}/b${b}`];
      for (let c = 0; c < chapters; c++) {
        nodes.push({ id: `v${v}/b${b}/${c}`, kind: "noop", deps: noDeps, scope, role: "task" });
      }
    }
  }
  return Dag.from(nodes);
}

const noop = () => Promise.resolve();

const options: RunOptions<DagNode> = {
  tasks: { noop },
  limits: { scopes: [5, 10], tasksPerScope: 20 },
  retry: { maxRetries: 3, baseDelayMs: 500, maxDelayMs: 30_000, multiplier: 2, jitter: "full" },
};

const hundredThousand = threeLevelDag(10, 100, 100);
// Built on first use (deno bench calls a bench more than once even with n: 1), outside the timing.
let million: Dag<DagNode> | undefined;

Deno.bench({
  name: "runDag 5/10/20: 100,000 no-op tasks (scaling baseline)",
  group: "scaling",
  baseline: true,
  async fn() {
    await runDag(hundredThousand, options);
  },
});

Deno.bench({
  name: "runDag 5/10/20: 1,000,000 no-op tasks",
  group: "scaling",
  n: 1,
  warmup: 0,
  async fn(bench) {
    million ??= threeLevelDag(10, 1000, 100);
    const before = Deno.memoryUsage();
    let peakRss = before.rss;
    let peakHeap = before.heapUsed;
    let calls = 0;
    const sampled = () => {
      if ((++calls & 0xffff) === 0) {
        const { rss, heapUsed } = Deno.memoryUsage();
        peakRss = Math.max(peakRss, rss);
        peakHeap = Math.max(peakHeap, heapUsed);
      }
      return Promise.resolve();
    };
    bench.start();
    const report = await runDag(million, { ...options, tasks: { noop: sampled } });
    bench.end();
    if (report.done !== 1_000_000) throw new Error(`Cannot bench: ${report.done} tasks done`);
    const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
    console.log(
      `1,000,000 tasks: process RSS ${mib(before.rss)} before, peak ${mib(peakRss)}; ` +
        `heap used ${mib(before.heapUsed)} before (the DAG included), peak ${mib(peakHeap)}`,
    );
  },
});

Deno.bench({
  name: "p-limit(20): 100,000 no-op tasks",
  group: "100,000 tasks",
  baseline: true,
  async fn() {
    const limit = pLimit(20);
    await Promise.all(hundredThousand.nodes.map(() => limit(noop)));
  },
});

Deno.bench({
  name: "runDag 5/10/20: 100,000 no-op tasks",
  group: "100,000 tasks",
  async fn() {
    const report = await runDag(hundredThousand, options);
    if (report.done !== 100_000) throw new Error(`Cannot bench: ${report.done} tasks done`);
  },
});
