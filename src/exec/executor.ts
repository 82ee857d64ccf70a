/**
 * The generic DAG executor: runs any DAG of task and sink nodes under nested
 * scope limits, a global in-flight cap and an exact start-rate limiter, with
 * classified retries, fail-fast, cancellation and resume.
 *
 * Decisions worth knowing:
 * - Dispatch follows plan order: when a slot frees, the earliest ready task
 *   (by position in `dag.nodes`) that fits every limit starts.
 * - A scope opens at the first start of a task under it and closes when all
 *   its tasks have ended. `limits.tasksPerScope` applies to the tasks whose
 *   innermost scope it is (tasks with an empty scope path share the top
 *   level's). Sinks count against no limit and keep no scope open.
 * - Dependencies across scopes that could never get a scope slot (a scope
 *   held open by a task waiting for a scope that cannot open) reject the run
 *   with an Error rather than hang.
 * - A retryable failure waits `backoffDelay(...)`, or, when the server sent
 *   `retryAfterMs`, the larger of that and the backoff (never less than the
 *   server asked, never a tight loop on `Retry-After: 0`). A `retryAfterMs`
 *   also pauses every task start of the run until it has passed in full,
 *   whether or not the task is retried. A `retryAfterMs` above
 *   `retry.maxRetryAfterMs` is not waited for: that task fails at once for
 *   good ("the server asks to wait 27 h 47 min, ...") and nothing pauses. A
 *   task waiting for a retry holds no running slot, but keeps its scopes open.
 * - An attempt past `attemptTimeoutMs` ends at once as a retryable
 *   "timeout after N ms" (its signal aborts; a late result is ignored).
 * - Any node failure (a permanent error, retries exhausted, or a sink that
 *   threw) with `failFast` stops new starts: tasks not started or waiting for
 *   a retry are cancelled, attempts in flight finish (a failure among them is
 *   reported failed, not retried).
 * - A failure a handler marks fatal (`TaskError` with `fatal: true`, for a
 *   failure every other node would meet too) is never retried and stops new
 *   starts as `failFast` does, whatever `failFast` says; the report's `fatal`
 *   names it.
 * - On abort of `signal`: no new starts, the attempts in flight see their
 *   signal abort and the run waits for them to settle (or time out); one that
 *   still succeeds is done, any other is cancelled; every task not started is
 *   cancelled.
 * - Sinks are never cancelled: on abort and fail-fast each sink still runs
 *   once its dependencies have all ended, and gets their outcomes (cancelled
 *   ones included), so what is complete still gets recorded. Their signal
 *   never aborts.
 * - `onEvent` is called synchronously; if it throws, the run carries on, and
 *   `runDag` then rejects with a {@linkcode RunEventError} that holds the
 *   report and the first error as `cause`. Without `onEvent` no event is built.
 * - `report.outcomes` is built on first read.
 * - `control` (a `RunControl`) changes `maxInFlight`, `delayMs` and the token
 *   bucket while the run goes, for an adaptive controller.
 * - A task may give up its slot before it ends (`TaskContext.releaseSlot`):
 *   the next task starts in it while the first finishes local work; its
 *   scopes stay open until it ends, and a retry takes a slot again.
 * - Under a rate limit, on a clock with turns (the system clock), a start
 *   counts from the end of the event-loop turn it was made in, when what it
 *   began (a request) has gone out, less the least recent cost of a start,
 *   plus a margin of min(0.5 ms, 2 % of the spacing): the spacing holds
 *   between what goes out, not only between decisions (see turn_spacing.ts).
 *
 * @module
 */

import type { Dag } from "./dag.ts";
import { DagRun } from "./dag_run.ts";
import type { DagNode, Limits, RetryPolicy, RunOptions, RunReport } from "./types.ts";

export type { RunOptions } from "./types.ts";

/** `runDag` rejects with this when `onEvent` threw; the run itself completed. */
export class RunEventError extends Error {
  /** The report of the completed run. */
  readonly report: RunReport;

  constructor(report: RunReport, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`Cannot deliver run events: onEvent threw: ${detail}`, { cause });
    this.name = "RunEventError";
    this.report = report;
  }
}

/**
 * Runs every node of `dag` and resolves with the report once all have ended.
 * A failed node never rejects the promise: it is in the report.
 *
 * @throws {TypeError} (as a rejection, before anything runs) when a node's kind has no handler or a
 *   scope id sits under two parents.
 * @throws {RangeError} (likewise) on invalid limits, retry policy or timeout.
 * @throws {RunEventError} when `onEvent` threw.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Dag } from "./dag.ts";
 * import { runDag } from "./executor.ts";
 * const dag = Dag.from([
 *   { id: "a", kind: "double", deps: [], scope: ["s"], role: "task" as const },
 *   { id: "b", kind: "double", deps: [], scope: ["s"], role: "task" as const },
 *   { id: "sum", kind: "sum", deps: ["a", "b"], scope: [], role: "sink" as const },
 * ]);
 * const report = await runDag(dag, {
 *   tasks: { double: (node) => Promise.resolve(node.id.repeat(2)) },
 *   sinks: { sum: (_node, deps) => Promise.resolve(deps.size) },
 *   limits: { scopes: [1], tasksPerScope: 2 },
 *   retry: { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 1000, multiplier: 2, jitter: "full" },
 * });
 * assert.equal(report.done, 3);
 * assert.equal(report.outcomes.get("sum")?.status, "done");
 * ```
 */
export async function runDag<N extends DagNode>(
  dag: Dag<N>,
  options: RunOptions<N>,
): Promise<RunReport> {
  _checkLimits(options.limits);
  _checkRetry(options.retry);
  const timeout = options.attemptTimeoutMs;
  if (timeout !== undefined && !(timeout > 0)) {
    throw new RangeError(`Cannot run DAG with attemptTimeoutMs "${timeout}": must be above 0`);
  }
  const run = new DagRun(dag, options);
  const report = await run.start();
  if (run.eventError !== undefined) throw new RunEventError(report, run.eventError.error);
  return report;
}

function _checkLimits(limits: Limits): void {
  limits.scopes.forEach((limit, level) => _checkCount(`limits.scopes[${level}]`, limit));
  _checkCount("limits.tasksPerScope", limits.tasksPerScope);
  if (limits.maxInFlight !== undefined) _checkCount("limits.maxInFlight", limits.maxInFlight);
  _checkAtLeastZero("limits.delayMs", limits.delayMs ?? 0);
}

function _checkRetry(retry: RetryPolicy): void {
  if (!Number.isInteger(retry.maxRetries) || retry.maxRetries < 0) {
    throw new RangeError(
      `Cannot run DAG with retry.maxRetries "${retry.maxRetries}": must be a whole number of 0 or more`,
    );
  }
  _checkAtLeastZero("retry.baseDelayMs", retry.baseDelayMs);
  _checkAtLeastZero("retry.maxDelayMs", retry.maxDelayMs);
  _checkAtLeastZero("retry.maxRetryAfterMs", retry.maxRetryAfterMs ?? Infinity);
  if (!(retry.multiplier >= 1)) {
    throw new RangeError(
      `Cannot run DAG with retry.multiplier "${retry.multiplier}": must be at least 1`,
    );
  }
  if (retry.jitter !== "full" && retry.jitter !== "none") {
    throw new RangeError(
      `Cannot run DAG with retry.jitter "${retry.jitter}": must be "full" or "none"`,
    );
  }
}

function _checkCount(name: string, value: number): void {
  if (value === Infinity || (Number.isInteger(value) && value >= 1)) return;
  throw new RangeError(
    `Cannot run DAG with ${name} "${value}": must be a whole number of at least 1`,
  );
}

function _checkAtLeastZero(name: string, value: number): void {
  if (value >= 0) return;
  throw new RangeError(`Cannot run DAG with ${name} "${value}": must be 0 or more`);
}
