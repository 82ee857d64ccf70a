/**
 * The types of the generic DAG executor: nodes, limits, retry policy, task
 * outcomes and the events it emits. Nothing here knows what a node does.
 *
 * @module
 */

import type { Clock } from "./clock.ts";
import type { ControlChange } from "./control_change.ts";
import type { RunControl } from "./run_control.ts";

export type { ControlChange, ControlLimits } from "./control_change.ts";

/** One node of a DAG the executor can run. */
export interface DagNode {
  /** Unique id within the DAG. */
  readonly id: string;
  /** Selects the handler that runs the node. */
  readonly kind: string;
  /** Ids of the nodes that must end (done, failed, skipped or cancelled) before this one runs. */
  readonly deps: readonly string[];
  /**
   * The scope path, outermost first (for the importer: `["bofm", "bofm/1-ne"]`).
   * Each entry is a scope id unique across the whole DAG.
   */
  readonly scope: readonly string[];
  /**
   * `"task"`: remote work (a request) that counts against scope limits,
   * `maxInFlight` and the rate limiter, and is retried.
   * `"sink"`: local work that runs as soon as its deps ended and counts against no limit.
   */
  readonly role: "task" | "sink";
}

/** Concurrency and rate limits for one run. */
export interface Limits {
  /**
   * Open scopes allowed per level: `scopes[0]` top-level scopes open at once,
   * `scopes[1]` second-level scopes open at once inside one top-level scope, …
   * A level without an entry is unlimited.
   */
  readonly scopes: readonly number[];
  /** Tasks running at once inside one innermost scope. */
  readonly tasksPerScope: number;
  /** Tasks running at once in the whole run. @default Infinity */
  readonly maxInFlight?: number;
  /** Minimum ms between the starts of any two task attempts in the run. @default 0 */
  readonly delayMs?: number;
  /** A token bucket on task starts: refill rate per second, and capacity. */
  readonly tokenBucket?: { readonly ratePerSecond: number; readonly burst: number };
}

/** How failed attempts are retried. */
export interface RetryPolicy {
  /** Retries after the first attempt. @default 3 */
  readonly maxRetries: number;
  /** Delay before the first retry, ms. */
  readonly baseDelayMs: number;
  /** Upper bound of any computed delay, ms. */
  readonly maxDelayMs: number;
  /** Growth factor per attempt. @default 2 */
  readonly multiplier: number;
  /** `"full"`: random(0, computed); `"none"`: the computed delay itself. */
  readonly jitter: "full" | "none";
  /**
   * The longest `retryAfterMs` waited for, ms. A failure asking for more is
   * not retried and pauses nothing: the task fails for good, its reason
   * saying how long the server asked to wait. @default Infinity
   */
  readonly maxRetryAfterMs?: number;
}

/**
 * What a server announced about its rate limit with one answer, for an
 * adaptive controller. Every field is optional: a server may say any part.
 */
export interface RateHint {
  /** The sustained rate the server allows, requests per second (its quota over its window). */
  readonly ratePerSecond?: number;
  /** Quota left in the current window, requests. */
  readonly remaining?: number;
  /** Time until the quota resets, ms. */
  readonly resetMs?: number;
}

/** A failure a task handler reports, classified for the executor. */
export class TaskError extends Error {
  /** Whether another attempt may succeed. */
  readonly retryable: boolean;
  /** The HTTP status, where there was one. */
  readonly status?: number;
  /** The delay the server asked for (`Retry-After`), ms. Overrides backoff and pauses all starts. */
  readonly retryAfterMs?: number;
  /** What the failed answer said about the server's rate limit, if anything. */
  readonly rateHint?: RateHint;
  /**
   * The failure is fatal to the whole run, not only to this node: it is not
   * retried and the run starts no new task (as with `failFast`). For a
   * failure that every other node would meet too.
   */
  readonly fatal: boolean;
  /**
   * What kind of failure it is, for a caller that acts on it (e.g. a source
   * adapter's `"other-page"`); the executor does not read it.
   */
  readonly code?: string;

  /** Creates the failure of an attempt with its reason and how it may be retried. */
  constructor(
    reason: string,
    options: {
      retryable: boolean;
      status?: number;
      retryAfterMs?: number;
      rateHint?: RateHint;
      /** @default false */
      fatal?: boolean;
      code?: string;
      cause?: unknown;
    },
  ) {
    super(reason, { cause: options.cause });
    this.name = "TaskError";
    this.retryable = options.retryable;
    this.fatal = options.fatal ?? false;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    if (options.rateHint !== undefined) this.rateHint = options.rateHint;
    if (options.code !== undefined) this.code = options.code;
  }
}

/** How a node ended. */
export type Outcome<R = unknown> =
  | { readonly status: "done"; readonly value: R; readonly attempts: number }
  | { readonly status: "skipped"; readonly value: R }
  | {
    readonly status: "failed";
    readonly reason: string;
    readonly attempts: number;
    readonly httpStatus?: number;
  }
  | { readonly status: "cancelled" };

/** What a task handler receives for one attempt. */
export interface TaskContext {
  /** Aborts on run cancellation or on the attempt's timeout. */
  readonly signal: AbortSignal;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /**
   * Gives up the attempt's place under the concurrency limits (`maxInFlight`
   * and its scope's running slots) before it ends, so that the next task may
   * start: for local work that follows the part the limits are meant for
   * (e.g. parsing and writing what a request brought). The attempt runs on
   * and ends as any other (done, failed, retried, timed out), its scopes stay
   * open until then, and a retry takes a slot again. Calling it again, or
   * after the attempt ended, does nothing.
   */
  readonly releaseSlot: () => void;
}

/** Runs one attempt of a task node. Throws `TaskError` to classify a failure. */
export type TaskHandler<N extends DagNode, R = unknown> = (
  node: N,
  context: TaskContext,
) => Promise<R>;

/** Runs a sink node with the outcome of each of its dependencies. */
export type SinkHandler<N extends DagNode, R = unknown> = (
  node: N,
  deps: ReadonlyMap<string, Outcome>,
  context: { readonly signal: AbortSignal },
) => Promise<R>;

/** The kinds of `N`'s nodes that may have `role`. */
export type KindsOf<N extends DagNode, Role extends DagNode["role"]> = N extends unknown
  ? Role extends N["role"] ? N["kind"] : never
  : never;

/**
 * Task handlers by node kind. For a node union with literal kinds (the
 * importer's plan), one handler per task kind, each given its own node type:
 * no guard or cast on the node. For nodes whose kind is any string, a record.
 */
export type TaskHandlers<N extends DagNode> = string extends N["kind"]
  ? Readonly<Record<string, TaskHandler<N>>>
  : { readonly [K in KindsOf<N, "task">]: TaskHandler<Extract<N, { readonly kind: K }>> };

/** Sink handlers by node kind, typed per kind as {@linkcode TaskHandlers}. */
export type SinkHandlers<N extends DagNode> = string extends N["kind"]
  ? Readonly<Record<string, SinkHandler<N>>>
  : { readonly [K in KindsOf<N, "sink">]: SinkHandler<Extract<N, { readonly kind: K }>> };

/** Counts at the end of a run. */
export interface RunReport {
  /** When the run started, clock ms. */
  readonly startedAt: number;
  /** When the run ended, clock ms. */
  readonly endedAt: number;
  /** `endedAt - startedAt`, ms. */
  readonly durationMs: number;
  /** Nodes in the DAG. */
  readonly nodes: number;
  /** Nodes that succeeded. */
  readonly done: number;
  /** Nodes resolved before the run (e.g. chapters already on disk). */
  readonly skipped: number;
  /** Nodes that failed. */
  readonly failed: number;
  /** Nodes that never ran or were stopped: the run was aborted, or a dependency failed. */
  readonly cancelled: number;
  /** Task attempts started. */
  readonly attempts: number;
  /** Failed attempts that were retried. */
  readonly retries: number;
  /** Whether the run was aborted (signal, fail-fast or a fatal failure). */
  readonly aborted: boolean;
  /** The first failure a handler reported as fatal ({@linkcode TaskError.fatal}), which stopped the run. */
  readonly fatal?: {
    readonly id: string;
    readonly kind: string;
    readonly reason: string;
  };
  /** Every failed node with its last reason. */
  readonly failures: readonly {
    readonly id: string;
    readonly kind: string;
    readonly reason: string;
    readonly attempts: number;
  }[];
  /** Every node's outcome by id. */
  readonly outcomes: ReadonlyMap<string, Outcome>;
}

/** A start rate and an in-flight limit; `Infinity` where there is none. */
export interface RateSetting {
  /** Task starts allowed per second. */
  readonly ratePerSecond: number;
  /** Tasks allowed to run at once. */
  readonly maxInFlight: number;
}

/**
 * Why an adaptive controller changed the rate:
 * - `start`: the setting it starts with;
 * - `slow-start`: no limit seen yet, the rate grows fast;
 * - `recover`: back toward the last known ceiling after a decrease;
 * - `probe`: above the ceiling, to find out whether the limit rose;
 * - `limit`: the server refused for rate (HTTP 429);
 * - `overload`: a server error or a timeout;
 * - `latency`: responses slowed down against their baseline;
 * - `announced`: the server announced its limit.
 */
export type RateChangeCause =
  | "start"
  | "slow-start"
  | "recover"
  | "probe"
  | "limit"
  | "overload"
  | "latency"
  | "announced";

/** The events of a run, in the order they happen. `at` is the clock's time in ms. */
export type RunEvent =
  | {
    readonly type: "run-start";
    readonly at: number;
    readonly nodes: number;
    readonly tasks: number;
    readonly sinks: number;
  }
  | {
    readonly type: "scope-open";
    readonly at: number;
    readonly scope: string;
    readonly depth: number;
  }
  | {
    readonly type: "scope-close";
    readonly at: number;
    readonly scope: string;
    readonly depth: number;
  }
  | {
    readonly type: "task-start";
    readonly at: number;
    readonly id: string;
    readonly kind: string;
    readonly attempt: number;
    readonly role: "task" | "sink";
  }
  | {
    readonly type: "task-retry";
    readonly at: number;
    readonly id: string;
    readonly kind: string;
    /** The attempt that failed. */
    readonly attempt: number;
    readonly delayMs: number;
    readonly reason: string;
    readonly status?: number;
    readonly retryAfterMs?: number;
    /** Present when the attempt ran out of its time limit. */
    readonly timedOut?: true;
  }
  | {
    readonly type: "task-done";
    readonly at: number;
    readonly id: string;
    readonly kind: string;
    readonly attempts: number;
    /** Duration of the successful attempt, ms. */
    readonly durationMs: number;
    readonly value: unknown;
  }
  | {
    readonly type: "task-skipped";
    readonly at: number;
    readonly id: string;
    readonly kind: string;
    readonly value: unknown;
  }
  | {
    readonly type: "task-failed";
    readonly at: number;
    readonly id: string;
    readonly kind: string;
    readonly attempts: number;
    readonly reason: string;
    readonly status?: number;
    readonly permanent: boolean;
    /** Present when the failure was fatal to the run: no task starts after it. */
    readonly fatal?: true;
    /** Present when the last attempt ran out of its time limit. */
    readonly timedOut?: true;
  }
  | {
    readonly type: "task-cancelled";
    readonly at: number;
    readonly id: string;
    readonly kind: string;
  }
  | {
    readonly type: "rate-pause";
    readonly at: number;
    /** When starts resume, clock ms. */
    readonly until: number;
    readonly reason: string;
  }
  | { readonly type: "rate-resume"; readonly at: number }
  | {
    /** Emitted by an adaptive controller (not by the executor) into the same stream. */
    readonly type: "rate-change";
    readonly at: number;
    readonly from: RateSetting;
    readonly to: RateSetting;
    readonly cause: RateChangeCause;
    /** One line for people, e.g. `"HTTP 429 at 38.9/s: ceiling 38.9/s, x0.9"`. */
    readonly reason: string;
  }
  | {
    /**
     * A person (or a program on their behalf) steered the run through its
     * {@linkcode RunControl}: emitted once the change is in force.
     */
    readonly type: "control";
    readonly at: number;
    /** Who asked, e.g. `"http"` for a dashboard's or a script's request. */
    readonly source: string;
    readonly change: ControlChange;
  }
  | { readonly type: "run-end"; readonly at: number; readonly report: RunReport };

/** The kind of every event. */
export type RunEventType = RunEvent["type"];

/** Options of `runDag` (src/exec/executor.ts). */
export interface RunOptions<N extends DagNode> {
  /** Task handlers by node kind, for role "task". */
  tasks: TaskHandlers<N>;
  /** Sink handlers by node kind, for role "sink". @default {} */
  sinks?: SinkHandlers<N>;
  /** Concurrency and rate limits. */
  limits: Limits;
  /** How failed task attempts are retried. */
  retry: RetryPolicy;
  /** Time limit of one task attempt, ms. @default Infinity */
  attemptTimeoutMs?: number;
  /** The clock timers and `at` times use. @default systemClock */
  clock?: Clock;
  /** Random source for backoff jitter, in [0, 1). @default Math.random */
  random?: () => number;
  /** Aborting it cancels the run (see the module doc). */
  signal?: AbortSignal;
  /** Stop starting new work after the first node failure. @default false */
  failFast?: boolean;
  /** Values of nodes already complete (resume): not run, reported `skipped`. Unknown ids are ignored. */
  preResolved?: ReadonlyMap<string, unknown>;
  /**
   * Asked when a ready task's turn comes, before the rate limit and the
   * concurrency limits take it (never for a retry): a value ends the task
   * `skipped` with that value, without an attempt and without a turn of the
   * rate. For work found unnecessary during the run (what an earlier task
   * learnt makes it moot). @default none
   */
  settleEarly?: (node: N) => { readonly value: unknown } | undefined;
  /** Receives every event, synchronously and in order. */
  onEvent?: (event: RunEvent) => void;
  /** Lets a controller change `maxInFlight` and the start rate while the run goes. */
  control?: RunControl;
}
