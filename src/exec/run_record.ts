/**
 * What one run records: each node's outcome, the counts, and the events it
 * emits, up to its report. Without an `onEvent` no event object is built and
 * the clock is not read for one.
 *
 * @module
 */

import type { Clock } from "./clock.ts";
import type { AttemptFailure } from "./failure.ts";
import type { Scope } from "./scope_tree.ts";
import type { ControlChange, DagNode, Outcome, RunEvent, RunReport } from "./types.ts";

/** Outcomes, counts and events of one run; nodes are known by plan index. */
export class RunRecord<N extends DagNode> {
  readonly #nodes: readonly N[];
  readonly #clock: Clock;
  readonly #onEvent: ((event: RunEvent) => void) | undefined;
  /** Each node's outcome, once it has ended. */
  readonly outcomes: (Outcome | undefined)[];
  /** Nodes ended, whatever the outcome. */
  ended = 0;
  #done = 0;
  #skipped = 0;
  #failed = 0;
  #cancelled = 0;
  #attempts = 0;
  #retries = 0;
  /** The first fatal failure, for the report. */
  #fatal: RunReport["fatal"];
  /** The first error `onEvent` threw, if any. */
  eventError: { readonly error: unknown } | undefined;
  /** Emits scope-open (undefined without onEvent, so the scope tree skips the call). */
  readonly onScopeOpen: ((scope: Scope) => void) | undefined;
  /** Emits scope-close (undefined without onEvent). */
  readonly onScopeClose: ((scope: Scope) => void) | undefined;

  constructor(nodes: readonly N[], clock: Clock, onEvent?: (event: RunEvent) => void) {
    this.#nodes = nodes;
    this.#clock = clock;
    this.#onEvent = onEvent;
    this.outcomes = new Array(nodes.length);
    if (onEvent !== undefined) {
      this.onScopeOpen = ({ id, depth }) =>
        this.#emit({ type: "scope-open", at: clock.now(), scope: id, depth });
      this.onScopeClose = ({ id, depth }) =>
        this.#emit({ type: "scope-close", at: clock.now(), scope: id, depth });
    }
  }

  /** Whether events are emitted (an `onEvent` was given). */
  get emitting(): boolean {
    return this.#onEvent !== undefined;
  }

  /** Emits run-start. */
  runStarted(at: number): void {
    if (this.#onEvent === undefined) return;
    const nodes = this.#nodes;
    let tasks = 0;
    for (const node of nodes) if (node.role === "task") tasks++;
    this.#emit({ type: "run-start", at, nodes: nodes.length, tasks, sinks: nodes.length - tasks });
  }

  /** Records a preResolved node as skipped with its value. */
  skipped(index: number, value: unknown, at: number): void {
    this.outcomes[index] = { status: "skipped", value };
    this.ended++;
    this.#skipped++;
    if (this.#onEvent === undefined) return;
    const { id, kind } = this.#nodes[index];
    this.#emit({ type: "task-skipped", at, id, kind, value });
  }

  /** Counts a task attempt and emits task-start (for sinks too). */
  started(index: number, attempt: number, at: number): void {
    const { id, kind, role } = this.#nodes[index];
    if (role === "task") this.#attempts++;
    if (this.#onEvent === undefined) return;
    this.#emit({ type: "task-start", at, id, kind, attempt, role });
  }

  /** The node succeeded; its successful attempt started at `startedAt`. */
  done(index: number, attempts: number, value: unknown, startedAt: number): void {
    this.outcomes[index] = { status: "done", value, attempts };
    this.ended++;
    this.#done++;
    if (this.#onEvent === undefined) return;
    const at = this.#clock.now();
    const { id, kind } = this.#nodes[index];
    this.#emit({ type: "task-done", at, id, kind, attempts, durationMs: at - startedAt, value });
  }

  /** Counts a retry and emits task-retry; `attempt` is the one that failed. */
  retrying(
    index: number,
    attempt: number,
    delayMs: number,
    failure: AttemptFailure,
    at: number,
  ): void {
    this.#retries++;
    if (this.#onEvent === undefined) return;
    const { id, kind } = this.#nodes[index];
    const { reason, status, retryAfterMs } = failure;
    this.#emit({
      type: "task-retry",
      at,
      id,
      kind,
      attempt,
      delayMs,
      reason,
      status,
      retryAfterMs,
      ...(failure.timedOut ? { timedOut: true as const } : {}),
    });
  }

  /** Emits rate-pause: no task starts until `until`. */
  ratePaused(until: number, reason: string, at: number): void {
    if (this.#onEvent !== undefined) this.#emit({ type: "rate-pause", at, until, reason });
  }

  /** Emits control: a change a person made is in force. */
  controlled(source: string, change: ControlChange, at: number): void {
    if (this.#onEvent !== undefined) this.#emit({ type: "control", at, source, change });
  }

  /** Emits rate-resume. */
  rateResumed(at: number): void {
    if (this.#onEvent !== undefined) this.#emit({ type: "rate-resume", at });
  }

  /** Records the node as failed for good, with its last failure. */
  failed(index: number, attempts: number, failure: AttemptFailure, at: number): void {
    const { reason, status } = failure;
    this.outcomes[index] = status === undefined
      ? { status: "failed", reason, attempts }
      : { status: "failed", reason, attempts, httpStatus: status };
    this.ended++;
    this.#failed++;
    const { id, kind } = this.#nodes[index];
    if (failure.fatal) this.#fatal ??= { id, kind, reason };
    if (this.#onEvent === undefined) return;
    const permanent = !failure.retryable || failure.fatal === true;
    this.#emit({
      type: "task-failed",
      at,
      id,
      kind,
      attempts,
      reason,
      status,
      permanent,
      ...(failure.fatal ? { fatal: true as const } : {}),
      ...(failure.timedOut ? { timedOut: true as const } : {}),
    });
  }

  /** Records the node as cancelled. */
  cancelled(index: number, at: number): void {
    this.outcomes[index] = { status: "cancelled" };
    this.ended++;
    this.#cancelled++;
    if (this.#onEvent === undefined) return;
    const { id, kind } = this.#nodes[index];
    this.#emit({ type: "task-cancelled", at, id, kind });
  }

  /** Builds the report, emits run-end with it, and returns it. Every node must have ended. */
  finish(startedAt: number, endedAt: number, aborted: boolean): RunReport {
    const nodes = this.#nodes;
    const outcomeList = this.outcomes as readonly Outcome[];
    const failures: RunReport["failures"][number][] = [];
    for (let i = 0; i < nodes.length; i++) {
      const outcome = outcomeList[i];
      if (outcome.status !== "failed") continue;
      const { id, kind } = nodes[i];
      failures.push({ id, kind, reason: outcome.reason, attempts: outcome.attempts });
    }
    let outcomes: ReadonlyMap<string, Outcome> | undefined;
    const report: RunReport = {
      startedAt,
      endedAt,
      durationMs: endedAt - startedAt,
      nodes: nodes.length,
      done: this.#done,
      skipped: this.#skipped,
      failed: this.#failed,
      cancelled: this.#cancelled,
      attempts: this.#attempts,
      retries: this.#retries,
      aborted,
      ...(this.#fatal === undefined ? {} : { fatal: this.#fatal }),
      failures,
      // Built on first read: a caller that only needs the counts never pays for a map of every node.
      get outcomes() {
        if (outcomes === undefined) {
          const map = new Map<string, Outcome>();
          for (let i = 0; i < nodes.length; i++) map.set(nodes[i].id, outcomeList[i]);
          outcomes = map;
        }
        return outcomes;
      },
    };
    if (this.#onEvent !== undefined) this.#emit({ type: "run-end", at: endedAt, report });
    return report;
  }

  // A throwing onEvent must not wedge the run: keep the first error for the caller.
  #emit(event: RunEvent): void {
    try {
      this.#onEvent!(event);
    } catch (error) {
      this.eventError ??= { error };
    }
  }
}
