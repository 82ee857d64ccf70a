/**
 * A plan as a BullMQ flow: chapter jobs are the children of their book's
 * manifest job, book manifests the children of their volume's, volumes the
 * children of the root manifest's, so that BullMQ runs each sink after the
 * jobs it depends on, as the executor runs the DAG in one process.
 *
 * @module
 */

import type { FlowJob, JobsOptions } from "bullmq";
import type { RetryPolicy } from "../exec/types.ts";
import type { Plan } from "../plan/planner.ts";
import type { PlanNode } from "../plan/types.ts";
import { CHAPTER_QUEUE, jobIdOf, MANIFEST_QUEUE, topNode } from "./names.ts";

/** What a job carries: its run and the plan node it runs. */
export interface JobData {
  readonly run: string;
  /** The plan node's id (`bofm/1-ne/3`, `bofm/1-ne/manifest`, …). */
  readonly id: string;
}

/** The name of the backoff strategy workers register (see `queueBackoff`). */
export const BACKOFF_TYPE = "importer";

/** Sink attempts: a manifest is written from the files on disk, so a retry helps only a passing I/O error. */
const _SINK_ATTEMPTS = 3;

/**
 * The flow of a plan: its root manifest job, with the whole tree below it.
 * A child that fails for good is left out of its parent's inputs
 * (`ignoreDependencyOnFailure`), so the book manifest still runs and lists it
 * as failed, as in one process. Finished jobs are kept: their ids make a
 * second enqueue add nothing, and a sink reads its children's values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runFlow } from "./flow.ts";
 * import { buildPlan } from "../plan/planner.ts";
 * import { resolveSelection } from "../plan/selection.ts";
 * const manifest = { source: { lang: "eng" }, volumes: [{ id: "pgp", title: "Pearl of Great Price", books: [
 *   { id: "moses", title: "Moses", chapters: 2 }] }] };
 * // deno-lint-ignore no-explicit-any
 * const plan = buildPlan(manifest as any, resolveSelection(manifest as any, {}));
 * const retry = { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 1000, multiplier: 2, jitter: "none" } as const;
 * const root = runFlow(plan, { run: "r1", lang: "eng", retry });
 * assert.equal(root.opts?.jobId, "r1:eng:/scriptures");
 * const book = root.children![0].children![0];
 * assert.equal(book.opts?.jobId, "r1:eng:/scriptures/pgp/moses");
 * assert.deepEqual(book.children!.map((c) => c.opts?.jobId), [
 *   "r1:eng:/scriptures/pgp/moses/1",
 *   "r1:eng:/scriptures/pgp/moses/2",
 * ]);
 * ```
 */
export function runFlow(
  plan: Plan,
  options: { readonly run: string; readonly lang: string; readonly retry: RetryPolicy },
): FlowJob {
  const { run, lang, retry } = options;
  const byId = new Map(plan.dag.nodes.map((node) => [node.id, node]));
  const kept = { removeOnComplete: false, removeOnFail: false } as const;
  const chapterOpts: JobsOptions = {
    ...kept,
    attempts: retry.maxRetries + 1,
    backoff: { type: BACKOFF_TYPE },
    ignoreDependencyOnFailure: true,
  };
  const sinkOpts: JobsOptions = {
    ...kept,
    attempts: _SINK_ATTEMPTS,
    backoff: { type: "exponential", delay: 500 },
    ignoreDependencyOnFailure: true,
  };
  const job = (node: PlanNode): FlowJob => {
    const data: JobData = { run, id: node.id };
    const jobId = jobIdOf(run, lang, node);
    if (node.role === "task") {
      return { name: node.kind, queueName: CHAPTER_QUEUE, data, opts: { ...chapterOpts, jobId } };
    }
    return {
      name: node.kind,
      queueName: MANIFEST_QUEUE,
      data,
      opts: { ...sinkOpts, jobId },
      children: node.deps.map((dep) => job(byId.get(dep)!)),
    };
  };
  const root = topNode(plan.dag.nodes);
  if (root === undefined) throw new TypeError("Cannot enqueue a plan without a root manifest");
  return job(root);
}
