/**
 * One run of a DAG: the node states, the event loop that starts work when a
 * slot, a retry or the rate limiter allows, and the run's end. Used through
 * `runDag` (executor.ts).
 *
 * Nothing polls: the run re-checks what it may start only when a task or
 * sink ends, when its single wake-up timer fires (the next retry due, the
 * limiter's next start, the end of a pause), on abort, or when a
 * `RunControl` changes a limit.
 *
 * @module
 */

import { backoffDelay, retryAfterDelay } from "./backoff.ts";
import type { Clock } from "./clock.ts";
import { systemClock } from "./clock.ts";
import type { Dag } from "./dag.ts";
import type { RunOptions } from "./executor.ts";
import { type AttemptFailure, classifyFailure, timeoutFailure } from "./failure.ts";
import { MinHeap } from "./heap.ts";
import { RateLimiter } from "./rate_limiter.ts";
import type { ControlTarget } from "./run_control.ts";
import { type Scope, ScopeTree } from "./scope_tree.ts";
import type {
  DagNode,
  Outcome,
  RetryPolicy,
  RunEvent,
  RunReport,
  SinkHandler,
  TaskHandler,
} from "./types.ts";

/** Where a node is in its life. A task waiting for a retry keeps its scopes open. */
type _NodeState = "blocked" | "ready" | "running" | "waiting-retry" | "ended";

interface _Retry {
  readonly due: number;
  readonly index: number;
}

interface _Timeout {
  /** Aborts the attempt's signal (timeout or run abort). */
  readonly attempt: AbortController;
  /** Cancels the timeout's sleep. */
  readonly sleep: AbortController;
  readonly onRunAbort: () => void;
}

const _retryFirst = (a: _Retry, b: _Retry): boolean =>
  a.due < b.due || (a.due === b.due && a.index < b.index);
const _ignore = () => {};

/** A run of one DAG; call {@linkcode start} once. */
export class DagRun<N extends DagNode> {
  readonly #nodes: readonly N[];
  /** Plan index of each node that some node depends on. */
  readonly #indexOf = new Map<string, number>();
  readonly #tasks = new Map<string, TaskHandler<N>>();
  readonly #sinks = new Map<string, SinkHandler<N>>();
  readonly #retry: RetryPolicy;
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #failFast: boolean;
  readonly #preResolved: ReadonlyMap<string, unknown> | undefined;
  readonly #onEvent: ((event: RunEvent) => void) | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #options: RunOptions<N>;

  readonly #limiter: RateLimiter;
  readonly #scopes: ScopeTree;
  #maxInFlight: number;

  readonly #state: _NodeState[];
  readonly #attempts: Int32Array;
  readonly #waitingDeps: Int32Array;
  /** Dependents of node i: #dependents[#dependentsFrom[i] .. #dependentsFrom[i + 1]). */
  readonly #dependentsFrom: Int32Array;
  readonly #dependents: Int32Array;
  readonly #leaf: (Scope | undefined)[];
  readonly #outcomes: (Outcome | undefined)[];
  readonly #attemptStartedAt: Float64Array;

  readonly #retryQueue = new MinHeap<_Retry>(_retryFirst);
  #readySinks: number[] = [];
  readonly #timeouts = new Map<number, _Timeout>();
  /** The signal task handlers get: aborts when the run's signal does. */
  readonly #runAbort = new AbortController();
  /** Sinks run to the end even on abort (they record what is complete), so their signal never aborts. */
  readonly #sinkContext = { signal: new AbortController().signal };
  readonly #onScopeOpen: ((scope: Scope) => void) | undefined;
  readonly #onScopeClose: ((scope: Scope) => void) | undefined;

  #inFlight = 0;
  #sinksRunning = 0;
  #ended = 0;
  #done = 0;
  #skipped = 0;
  #failed = 0;
  #cancelled = 0;
  #attemptCount = 0;
  #retryCount = 0;
  /** No new starts: abort or fail-fast. */
  #stopping = false;
  #swept = false;
  /** The run's signal aborted. */
  #aborted = false;
  #paused = false;
  #timer: AbortController | undefined;
  #timerAt = Infinity;
  #pumping = false;
  #pumpAgain = false;
  #finished = false;
  #startedAt = 0;
  #detachControl: (() => void) | undefined;
  #resolve: (report: RunReport) => void = _ignore;
  #reject: (error: unknown) => void = _ignore;

  /** The first error `onEvent` threw, if any. */
  eventError: { readonly error: unknown } | undefined;

  /**
   * Compiles the DAG for running. Limits and policy must be validated already.
   *
   * @throws {TypeError} when a node's kind has no handler or scopes are inconsistent.
   */
  constructor(dag: Dag<N>, options: RunOptions<N>) {
    const nodes = dag.nodes;
    const n = nodes.length;
    this.#nodes = nodes;
    this.#options = options;
    this.#retry = options.retry;
    this.#timeoutMs = options.attemptTimeoutMs ?? Infinity;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#failFast = options.failFast ?? false;
    this.#preResolved = options.preResolved;
    this.#onEvent = options.onEvent;
    this.#signal = options.signal;
    this.#limiter = new RateLimiter(
      { delayMs: options.limits.delayMs, tokenBucket: options.limits.tokenBucket },
      this.#clock,
    );
    this.#scopes = new ScopeTree(options.limits);
    this.#maxInFlight = options.limits.maxInFlight ?? Infinity;
    for (const [kind, handler] of Object.entries(options.tasks)) this.#tasks.set(kind, handler);
    for (const [kind, handler] of Object.entries(options.sinks ?? {})) {
      this.#sinks.set(kind, handler);
    }
    if (this.#onEvent !== undefined) {
      this.#onScopeOpen = (scope) =>
        this.#emit({
          type: "scope-open",
          at: this.#clock.now(),
          scope: scope.id,
          depth: scope.depth,
        });
      this.#onScopeClose = (scope) =>
        this.#emit({
          type: "scope-close",
          at: this.#clock.now(),
          scope: scope.id,
          depth: scope.depth,
        });
    }

    this.#state = new Array(n);
    this.#attempts = new Int32Array(n);
    this.#waitingDeps = new Int32Array(n);
    this.#dependentsFrom = new Int32Array(n + 1);
    this.#leaf = new Array(n);
    this.#outcomes = new Array(n);
    this.#attemptStartedAt = new Float64Array(n);

    // Only ids that some node depends on need an index: a DAG without deps builds no map.
    let depCount = 0;
    for (const node of nodes) {
      for (const dep of node.deps) this.#indexOf.set(dep, -1);
      depCount += node.deps.length;
    }
    for (let i = 0; i < n; i++) {
      const node = nodes[i];
      if (depCount > 0 && this.#indexOf.has(node.id)) this.#indexOf.set(node.id, i);
      this.#checkHandler(node);
      if (this.#preResolved?.has(node.id)) this.#state[i] = "ended";
      else {
        this.#state[i] = "blocked";
        if (node.role === "task") this.#leaf[i] = this.#scopes.addTask(node.id, node.scope);
      }
    }
    // Dependents as compressed rows: two passes over the deps, no per-node arrays.
    this.#dependents = new Int32Array(depCount);
    const from = this.#dependentsFrom;
    for (const node of nodes) for (const dep of node.deps) from[this.#indexOf.get(dep)! + 1]++;
    for (let i = 0; i < n; i++) from[i + 1] += from[i];
    const fill = from.slice(0, n);
    for (let i = 0; i < n; i++) {
      for (const dep of nodes[i].deps) {
        const d = this.#indexOf.get(dep)!;
        this.#dependents[fill[d]++] = i;
        if (this.#state[d] !== "ended") this.#waitingDeps[i]++;
      }
    }
  }

  /** Runs the DAG. Resolves with the report once every node has ended. */
  start(): Promise<RunReport> {
    return new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
      this.#detachControl = this.#options.control?.attach(this.#controlTarget());
      this.#startedAt = this.#clock.now();
      this.#hold();
      try {
        this.#enqueueInitial();
      } finally {
        this.#release();
      }
    });
  }

  /** Emits run-start and the skips, queues what is ready, and listens for the abort. */
  #enqueueInitial(): void {
    const nodes = this.#nodes;
    if (this.#onEvent !== undefined) {
      let tasks = 0;
      for (const node of nodes) if (node.role === "task") tasks++;
      this.#emit({
        type: "run-start",
        at: this.#startedAt,
        nodes: nodes.length,
        tasks,
        sinks: nodes.length - tasks,
      });
    }
    for (let i = 0; i < nodes.length; i++) {
      if (this.#state[i] === "ended") {
        const value = this.#preResolved!.get(nodes[i].id);
        this.#outcomes[i] = { status: "skipped", value };
        this.#ended++;
        this.#skipped++;
        if (this.#onEvent !== undefined) {
          const { id, kind } = nodes[i];
          this.#emit({ type: "task-skipped", at: this.#startedAt, id, kind, value });
        }
      } else if (this.#waitingDeps[i] === 0) {
        this.#state[i] = "ready";
        if (nodes[i].role === "sink") this.#readySinks.push(i);
        else this.#scopes.enqueue(this.#leaf[i]!, i, false);
      }
    }
    this.#scopes.rebuild();
    if (this.#signal?.aborted) this.#onAbort();
    else this.#signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  #checkHandler(node: N): void {
    const handlers: ReadonlyMap<string, unknown> = node.role === "task" ? this.#tasks : this.#sinks;
    if (handlers.has(node.kind)) return;
    const known = [...handlers.keys()].map((kind) => `"${kind}"`).join(", ") || "none";
    throw new TypeError(
      `Cannot run node "${node.id}": no ${node.role} handler for kind "${node.kind}" (known: ${known})`,
    );
  }

  #controlTarget(): ControlTarget {
    // deno-lint-ignore no-this-alias
    const run = this;
    return {
      limiter: this.#limiter,
      get maxInFlight() {
        return run.#maxInFlight;
      },
      setMaxInFlight: (maxInFlight) => {
        this.#maxInFlight = maxInFlight;
      },
      wake: () => this.#pump(),
    };
  }

  readonly #onAbort = (): void => {
    if (this.#finished || this.#aborted) return;
    this.#aborted = true;
    this.#stopping = true;
    this.#runAbort.abort(this.#signal!.reason);
    this.#pump();
  };

  #emit(event: RunEvent): void {
    try {
      this.#onEvent!(event);
    } catch (error) {
      this.eventError ??= { error };
    }
  }

  /**
   * Marks a state change made outside a pump (the run starting, a task or sink
   * ending) as in progress: an onEvent or handler that synchronously aborts the
   * run or changes a limit meanwhile only asks for another pass, instead of
   * pumping over half-updated state. {@linkcode #release} then pumps.
   */
  #hold(): void {
    this.#pumping = true;
  }

  #release(): void {
    this.#pumping = false;
    this.#pump();
  }

  /** Runs {@linkcode #step} until nothing changed; re-entrant calls (from a handler or onEvent) fold in. */
  #pump(): void {
    if (this.#finished) return;
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#pumpAgain = false;
        this.#step();
      } while (this.#pumpAgain && !this.#finished);
    } catch (error) {
      this.#end();
      this.#reject(error);
    } finally {
      this.#pumping = false;
    }
  }

  #step(): void {
    if (this.#stopping && !this.#swept) this.#sweep();
    const limiter = this.#limiter;
    const limited = limiter.limited;
    // Reading the clock is not free: skip it when no event, retry, pause or rate limit needs the time.
    const now = limited || this.#onEvent !== undefined || this.#retryQueue.size > 0
      ? this.#clock.now()
      : 0;
    const retries = this.#retryQueue;
    while (retries.size > 0 && retries.peek()!.due <= now) {
      const { index } = retries.pop()!;
      this.#state[index] = "ready";
      this.#scopes.enqueue(this.#leaf[index]!, index);
    }
    if (this.#paused && now >= limiter.pausedUntil) {
      this.#paused = false;
      if (this.#onEvent !== undefined) this.#emit({ type: "rate-resume", at: now });
    }
    if (this.#readySinks.length > 0) {
      const sinks = this.#readySinks;
      this.#readySinks = [];
      for (const index of sinks) this.#startSink(index, now);
    }
    const scopes = this.#scopes;
    while (
      !this.#stopping && this.#inFlight < this.#maxInFlight && scopes.hasStartable &&
      (!limited || limiter.tryStart(now))
    ) {
      this.#startTask(scopes.takeNext(), now);
    }
    if (this.#ended === this.#nodes.length) return this.#finish();
    this.#armTimer(now);
    if (
      this.#inFlight === 0 && this.#sinksRunning === 0 && this.#timer === undefined &&
      this.#readySinks.length === 0 && !this.#pumpAgain
    ) {
      throw this.#deadlock();
    }
  }

  /** Abort or fail-fast: every task not started yet (or waiting for a retry) is cancelled. */
  #sweep(): void {
    this.#swept = true;
    this.#retryQueue.clear();
    const now = this.#clock.now();
    for (let i = 0; i < this.#nodes.length; i++) {
      const state = this.#state[i];
      if (
        this.#nodes[i].role === "task" &&
        (state === "blocked" || state === "ready" || state === "waiting-retry")
      ) {
        this.#cancel(i, false, now);
      }
    }
  }

  #armTimer(now: number): void {
    let at = this.#retryQueue.peek()?.due ?? Infinity;
    if (this.#paused && this.#limiter.pausedUntil < at) at = this.#limiter.pausedUntil;
    if (!this.#stopping && this.#inFlight < this.#maxInFlight && this.#scopes.hasStartable) {
      const next = this.#limiter.nextStartAt();
      if (next < at) at = next;
    }
    // An armed timer due no later wakes the run in time; a later wake-up is re-armed then.
    if (at >= this.#timerAt) return;
    this.#timer?.abort();
    const timer = new AbortController();
    this.#timer = timer;
    this.#timerAt = at;
    this.#clock.sleep(at - now, timer.signal).then(() => {
      if (this.#timer !== timer) return;
      this.#timer = undefined;
      this.#timerAt = Infinity;
      this.#pump();
    }, _ignore);
  }

  #startTask(index: number, now: number): void {
    const node = this.#nodes[index];
    const attempt = ++this.#attempts[index];
    this.#state[index] = "running";
    this.#inFlight++;
    this.#attemptCount++;
    this.#attemptStartedAt[index] = now;
    this.#scopes.start(this.#leaf[index]!, this.#onScopeOpen);
    if (this.#onEvent !== undefined) {
      this.#emit({
        type: "task-start",
        at: now,
        id: node.id,
        kind: node.kind,
        attempt,
        role: "task",
      });
    }
    const signal = this.#timeoutMs === Infinity
      ? this.#runAbort.signal
      : this.#armTimeout(index, attempt);
    let result: Promise<unknown>;
    try {
      result = Promise.resolve(this.#tasks.get(node.kind)!(node, { signal, attempt }));
    } catch (error) {
      result = Promise.reject(error);
    }
    result.then(
      (value) => this.#taskSucceeded(index, attempt, value),
      (error) => this.#taskThrew(index, attempt, error),
    );
  }

  #armTimeout(index: number, attempt: number): AbortSignal {
    const runSignal = this.#runAbort.signal;
    const timeout: _Timeout = {
      attempt: new AbortController(),
      sleep: new AbortController(),
      onRunAbort: () => timeout.attempt.abort(runSignal.reason),
    };
    runSignal.addEventListener("abort", timeout.onRunAbort, { once: true });
    this.#timeouts.set(index, timeout);
    this.#clock.sleep(this.#timeoutMs, timeout.sleep.signal).then(
      () => this.#timedOut(index, attempt),
      _ignore,
    );
    return timeout.attempt.signal;
  }

  #clearTimeout(index: number): _Timeout | undefined {
    const timeout = this.#timeouts.get(index);
    if (timeout === undefined) return undefined;
    this.#timeouts.delete(index);
    timeout.sleep.abort();
    this.#runAbort.signal.removeEventListener("abort", timeout.onRunAbort);
    return timeout;
  }

  #isCurrent(index: number, attempt: number): boolean {
    return !this.#finished && this.#state[index] === "running" && this.#attempts[index] === attempt;
  }

  #taskSucceeded(index: number, attempt: number, value: unknown): void {
    // A late result of an attempt that already timed out is ignored.
    if (!this.#isCurrent(index, attempt)) return;
    this.#hold();
    try {
      if (this.#timeoutMs !== Infinity) this.#clearTimeout(index);
      this.#inFlight--;
      this.#done++;
      if (this.#onEvent !== undefined) {
        const now = this.#clock.now();
        const { id, kind } = this.#nodes[index];
        const durationMs = now - this.#attemptStartedAt[index];
        this.#emit({ type: "task-done", at: now, id, kind, attempts: attempt, durationMs, value });
      }
      this.#scopes.end(this.#leaf[index]!, true, this.#onScopeClose);
      this.#settle(index, { status: "done", value, attempts: attempt });
    } finally {
      this.#release();
    }
  }

  #taskThrew(index: number, attempt: number, error: unknown): void {
    if (!this.#isCurrent(index, attempt)) return;
    this.#hold();
    try {
      if (this.#timeoutMs !== Infinity) this.#clearTimeout(index);
      this.#attemptFailed(index, attempt, classifyFailure(error));
    } finally {
      this.#release();
    }
  }

  #timedOut(index: number, attempt: number): void {
    if (!this.#isCurrent(index, attempt)) return;
    this.#hold();
    try {
      const timeout = this.#clearTimeout(index)!;
      timeout.attempt.abort(
        new DOMException(`Attempt timed out after ${this.#timeoutMs} ms`, "TimeoutError"),
      );
      // The run does not wait for a handler that ignores its signal: the attempt ends here.
      this.#attemptFailed(index, attempt, timeoutFailure(this.#timeoutMs));
    } finally {
      this.#release();
    }
  }

  #attemptFailed(index: number, attempt: number, failure: AttemptFailure): void {
    const now = this.#clock.now();
    this.#inFlight--;
    if (this.#aborted) {
      // Most likely caused by the abort itself: report it as cancelled, not as a failure.
      this.#cancel(index, true, now);
    } else if (failure.retryable && attempt <= this.#retry.maxRetries && !this.#stopping) {
      this.#scheduleRetry(index, attempt, failure, now);
    } else {
      this.#fail(index, attempt, failure, now);
      this.#scopes.end(this.#leaf[index]!, true, this.#onScopeClose);
      this.#settle(index, this.#failedOutcome(attempt, failure));
    }
  }

  #scheduleRetry(index: number, attempt: number, failure: AttemptFailure, now: number): void {
    const node = this.#nodes[index];
    const asked = failure.retryAfterMs;
    const delayMs = asked === undefined
      ? backoffDelay(attempt, this.#retry, this.#random)
      : retryAfterDelay(asked, this.#retry);
    this.#state[index] = "waiting-retry";
    this.#retryCount++;
    this.#scopes.release(this.#leaf[index]!);
    if (this.#onEvent !== undefined) {
      this.#emit({
        type: "task-retry",
        at: now,
        id: node.id,
        kind: node.kind,
        attempt,
        delayMs,
        reason: failure.reason,
        status: failure.status,
        retryAfterMs: asked,
      });
    }
    this.#retryQueue.push({ due: now + delayMs, index });
    if (asked !== undefined && delayMs > 0 && this.#limiter.pauseUntil(now + delayMs)) {
      this.#paused = true;
      if (this.#onEvent !== undefined) {
        this.#emit({
          type: "rate-pause",
          at: now,
          until: now + delayMs,
          reason: `"${node.id}" asked to wait ${delayMs} ms: ${failure.reason}`,
        });
      }
    }
  }

  #fail(index: number, attempts: number, failure: AttemptFailure, now: number): void {
    this.#failed++;
    if (this.#onEvent !== undefined) {
      const { id, kind } = this.#nodes[index];
      this.#emit({
        type: "task-failed",
        at: now,
        id,
        kind,
        attempts,
        reason: failure.reason,
        status: failure.status,
        permanent: !failure.retryable,
      });
    }
    if (this.#failFast) this.#stopping = true;
  }

  #failedOutcome(attempts: number, failure: AttemptFailure): Outcome {
    return failure.status === undefined
      ? { status: "failed", reason: failure.reason, attempts }
      : { status: "failed", reason: failure.reason, attempts, httpStatus: failure.status };
  }

  #cancel(index: number, wasRunning: boolean, now: number): void {
    this.#cancelled++;
    if (this.#onEvent !== undefined) {
      const { id, kind } = this.#nodes[index];
      this.#emit({ type: "task-cancelled", at: now, id, kind });
    }
    const leaf = this.#leaf[index];
    if (leaf !== undefined) this.#scopes.end(leaf, wasRunning, this.#onScopeClose);
    this.#settle(index, { status: "cancelled" });
  }

  /** Records the node's outcome and readies the dependents it was the last to wait for. */
  #settle(index: number, outcome: Outcome): void {
    this.#outcomes[index] = outcome;
    this.#state[index] = "ended";
    this.#ended++;
    const dependents = this.#dependents;
    for (let k = this.#dependentsFrom[index], end = this.#dependentsFrom[index + 1]; k < end; k++) {
      const next = dependents[k];
      if (--this.#waitingDeps[next] !== 0 || this.#state[next] !== "blocked") continue;
      // A task readied while stopping is cancelled by the pending sweep.
      this.#state[next] = "ready";
      if (this.#nodes[next].role === "sink") this.#readySinks.push(next);
      else this.#scopes.enqueue(this.#leaf[next]!, next);
    }
  }

  #startSink(index: number, now: number): void {
    const node = this.#nodes[index];
    this.#state[index] = "running";
    this.#sinksRunning++;
    this.#attemptStartedAt[index] = now;
    if (this.#onEvent !== undefined) {
      this.#emit({
        type: "task-start",
        at: now,
        id: node.id,
        kind: node.kind,
        attempt: 1,
        role: "sink",
      });
    }
    const deps = new Map<string, Outcome>();
    for (const dep of node.deps) deps.set(dep, this.#outcomes[this.#indexOf.get(dep)!]!);
    let result: Promise<unknown>;
    try {
      result = Promise.resolve(this.#sinks.get(node.kind)!(node, deps, this.#sinkContext));
    } catch (error) {
      result = Promise.reject(error);
    }
    result.then(
      (value) => this.#sinkSucceeded(index, value),
      (error) => this.#sinkFailed(index, classifyFailure(error)),
    );
  }

  #sinkSucceeded(index: number, value: unknown): void {
    if (this.#finished) return;
    this.#hold();
    try {
      const now = this.#clock.now();
      this.#sinksRunning--;
      this.#done++;
      if (this.#onEvent !== undefined) {
        const { id, kind } = this.#nodes[index];
        const durationMs = now - this.#attemptStartedAt[index];
        this.#emit({ type: "task-done", at: now, id, kind, attempts: 1, durationMs, value });
      }
      this.#settle(index, { status: "done", value, attempts: 1 });
    } finally {
      this.#release();
    }
  }

  /** A sink is local work: its failure is never retried. */
  #sinkFailed(index: number, failure: AttemptFailure): void {
    if (this.#finished) return;
    this.#hold();
    try {
      const permanent = { ...failure, retryable: false };
      this.#sinksRunning--;
      this.#fail(index, 1, permanent, this.#clock.now());
      this.#settle(index, this.#failedOutcome(1, permanent));
    } finally {
      this.#release();
    }
  }

  #deadlock(): Error {
    const waiting = this.#state.indexOf("ready");
    const id = waiting < 0 ? "?" : this.#nodes[waiting].id;
    return new Error(
      `Cannot run DAG: ${this.#nodes.length - this.#ended} nodes can never start: ` +
        `ready task "${id}" needs a scope slot held by scopes whose remaining tasks wait for it ` +
        `(dependencies across scopes against the plan order)`,
    );
  }

  /** Releases the timer, the abort listener and the control; the run is over. */
  #end(): void {
    this.#finished = true;
    this.#timer?.abort();
    this.#timer = undefined;
    this.#signal?.removeEventListener("abort", this.#onAbort);
    this.#detachControl?.();
  }

  #finish(): void {
    this.#end();
    const endedAt = this.#clock.now();
    const nodes = this.#nodes;
    const outcomeList = this.#outcomes as readonly Outcome[];
    const failures: RunReport["failures"][number][] = [];
    for (let i = 0; i < nodes.length; i++) {
      const outcome = outcomeList[i];
      if (outcome.status === "failed") {
        const { id, kind } = nodes[i];
        failures.push({ id, kind, reason: outcome.reason, attempts: outcome.attempts });
      }
    }
    let outcomes: ReadonlyMap<string, Outcome> | undefined;
    const report: RunReport = {
      startedAt: this.#startedAt,
      endedAt,
      durationMs: endedAt - this.#startedAt,
      nodes: this.#nodes.length,
      done: this.#done,
      skipped: this.#skipped,
      failed: this.#failed,
      cancelled: this.#cancelled,
      attempts: this.#attemptCount,
      retries: this.#retryCount,
      aborted: this.#stopping,
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
    this.#resolve(report);
  }
}
