/**
 * One run of a DAG: the node states and the loop that starts work when a
 * slot, a retry or the rate limiter allows. Used through `runDag`
 * (executor.ts), which documents the behaviour.
 *
 * Nothing polls: the run re-checks what it may start only when a task or
 * sink ends, when its single wake-up timer fires (the next retry due, the
 * limiter's next start, the end of a pause), on abort, or when a
 * `RunControl` changes a limit.
 *
 * @module
 */

import { AttemptTimeouts } from "./attempt_timeouts.ts";
import { backoffDelay, retryAfterDelay } from "./backoff.ts";
import { type Clock, systemClock } from "./clock.ts";
import { CompiledDag } from "./compiled_dag.ts";
import type { Dag } from "./dag.ts";
import { type AttemptFailure, classifyFailure, refuseLongWait, timeoutFailure } from "./failure.ts";
import { MinHeap } from "./heap.ts";
import { RateLimiter } from "./rate_limiter.ts";
import type { ControlTarget } from "./run_control.ts";
import { RunRecord } from "./run_record.ts";
import type { DagNode, RunOptions, RunReport } from "./types.ts";
import { TurnSpacing } from "./turn_spacing.ts";
import { WakeTimer } from "./wake_timer.ts";

/** Where a node is in its life. A task waiting for a retry keeps its scopes open. */
type _NodeState = "blocked" | "ready" | "running" | "waiting-retry" | "ended";

interface _Retry {
  readonly due: number;
  readonly index: number;
}

const _retryFirst = (a: _Retry, b: _Retry): boolean =>
  a.due < b.due || (a.due === b.due && a.index < b.index);
const _ignore = () => {};

/** A run of one DAG; call {@linkcode start} once. */
export class DagRun<N extends DagNode> {
  readonly #dag: CompiledDag<N>;
  readonly #options: RunOptions<N>;
  readonly #clock: Clock;
  readonly #record: RunRecord<N>;
  readonly #limiter: RateLimiter;
  #maxInFlight: number;
  readonly #state: _NodeState[];
  readonly #attempts: Int32Array;
  readonly #attemptStartedAt: Float64Array;
  /** 1 while the node's running attempt holds its slot. */
  readonly #holdsSlot: Uint8Array;
  readonly #retryQueue = new MinHeap<_Retry>(_retryFirst);
  #readySinks: number[] = [];
  readonly #wakeTimer: WakeTimer;
  /** The signal task handlers get: aborts when the run's signal does. */
  readonly #runAbort = new AbortController();
  readonly #timeouts: AttemptTimeouts | undefined;
  /** Sinks run to the end even on abort (they record what is complete): their signal never aborts. */
  readonly #sinkContext = { signal: new AbortController().signal };

  /** Running attempts that hold their slot (count against maxInFlight and their scope). */
  #inFlight = 0;
  /** Running attempts that gave their slot up early (`TaskContext.releaseSlot`). */
  #released = 0;
  #sinksRunning = 0;
  /** No new starts: abort, fail-fast or a fatal failure. */
  #stopping = false;
  #swept = false;
  /** The run's signal aborted. */
  #aborted = false;
  #paused = false;
  /** Starts held by a person (`RunControl.steer` pause) until they resume. */
  #held = false;
  #pumping = false;
  #pumpAgain = false;
  #finished = false;
  #startedAt = 0;
  #detachControl: (() => void) | undefined;
  /** Records rate-limited starts when they went out (see turn_spacing.ts). */
  readonly #turnSpacing: TurnSpacing | undefined;
  #resolve: (report: RunReport) => void = _ignore;
  #reject: (error: unknown) => void = _ignore;

  /**
   * Compiles the DAG for running. Limits and policy must be validated already.
   *
   * @throws {TypeError} when a node's kind has no handler or scopes are inconsistent.
   */
  constructor(dag: Dag<N>, options: RunOptions<N>) {
    const n = dag.size;
    this.#dag = new CompiledDag(dag, options);
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#record = new RunRecord(dag.nodes, this.#clock, options.onEvent);
    const { delayMs, tokenBucket, maxInFlight } = options.limits;
    this.#limiter = new RateLimiter({ delayMs, tokenBucket }, this.#clock);
    this.#turnSpacing = TurnSpacing.for(this.#clock, this.#limiter);
    this.#maxInFlight = maxInFlight ?? Infinity;
    this.#state = new Array(n).fill("blocked");
    this.#attempts = new Int32Array(n);
    this.#attemptStartedAt = new Float64Array(n);
    this.#holdsSlot = new Uint8Array(n);
    this.#wakeTimer = new WakeTimer(this.#clock, () => this.#pump());
    const timeoutMs = options.attemptTimeoutMs ?? Infinity;
    if (timeoutMs !== Infinity) {
      this.#timeouts = new AttemptTimeouts(
        this.#clock,
        timeoutMs,
        this.#runAbort.signal,
        (index, attempt) => this.#timedOut(index, attempt, timeoutMs),
      );
    }
  }

  /** The first error `onEvent` threw, if any. */
  get eventError(): { readonly error: unknown } | undefined {
    return this.#record.eventError;
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
    const { nodes, preResolved, waitingDeps, scopes, leaf } = this.#dag;
    const at = this.#startedAt;
    this.#record.runStarted(at);
    for (let i = 0; i < nodes.length; i++) {
      if (preResolved[i] === 1) {
        this.#state[i] = "ended";
        this.#record.skipped(i, this.#options.preResolved!.get(nodes[i].id), at);
      } else if (waitingDeps[i] === 0) {
        this.#state[i] = "ready";
        if (nodes[i].role === "sink") this.#readySinks.push(i);
        else scopes.enqueue(leaf[i]!, i, false);
      }
    }
    scopes.rebuild();
    const signal = this.#options.signal;
    if (signal?.aborted) this.#onAbort();
    else signal?.addEventListener("abort", this.#onAbort, { once: true });
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
      hold: (held) => {
        this.#held = held;
      },
      get scopeLimits() {
        return run.#dag.scopes.limits;
      },
      setScopeLimits: (limits) => this.#dag.scopes.setLimits(limits),
      record: (source, change) => this.#record.controlled(source, change, this.#clock.now()),
      pauseUntil: (until, reason) => {
        const now = this.#clock.now();
        if (!(until > now) || !this.#limiter.pauseUntil(until)) return false;
        this.#paused = true;
        this.#record.ratePaused(until, reason, now);
        this.#pump();
        return true;
      },
    };
  }

  readonly #onAbort = (): void => {
    if (this.#finished || this.#aborted) return;
    this.#aborted = true;
    this.#stopping = true;
    this.#runAbort.abort(this.#options.signal!.reason);
    this.#pump();
  };

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

  /** Runs {@linkcode #step} until nothing changed; re-entrant calls fold into another pass. */
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
    const { scopes, leaf, nodes } = this.#dag;
    const limiter = this.#limiter;
    const limited = limiter.limited;
    const retries = this.#retryQueue;
    // Reading the clock is not free: skip it when no event, retry, pause or rate limit needs the time.
    const now = limited || this.#record.emitting || retries.size > 0 ? this.#clock.now() : 0;
    while (retries.size > 0 && retries.peek()!.due <= now) {
      const { index } = retries.pop()!;
      this.#state[index] = "ready";
      scopes.enqueue(leaf[index]!, index);
    }
    if (this.#paused && now >= limiter.pausedUntil) {
      this.#paused = false;
      this.#record.rateResumed(now);
    }
    if (this.#readySinks.length > 0) {
      const sinks = this.#readySinks;
      this.#readySinks = [];
      for (const index of sinks) this.#startSink(index, now);
    }
    let started = false;
    const settleEarly = this.#options.settleEarly;
    while (
      !this.#stopping && !this.#held && this.#inFlight < this.#maxInFlight &&
      scopes.hasStartable
    ) {
      if (settleEarly !== undefined) {
        // Asked before the rate limit: a task that needs no attempt takes no turn.
        const index = scopes.takeNext();
        const early = this.#attempts[index] === 0 ? settleEarly(nodes[index]) : undefined;
        if (early !== undefined) {
          this.#settleUnrun(index, early.value, now);
          continue;
        }
        if (limited && !limiter.tryStart(now)) {
          scopes.enqueue(leaf[index]!, index);
          break;
        }
        this.#startTask(index, now);
      } else {
        if (limited && !limiter.tryStart(now)) break;
        this.#startTask(scopes.takeNext(), now);
      }
      started = true;
    }
    if (started && limited) this.#turnSpacing?.started(now);
    if (this.#record.ended === nodes.length) return this.#finish();
    this.#armWakeTimer(now);
    if (
      this.#inFlight === 0 && this.#released === 0 && this.#sinksRunning === 0 &&
      !this.#wakeTimer.armed && !this.#held &&
      this.#readySinks.length === 0 && !this.#pumpAgain
    ) {
      throw this.#deadlock();
    }
  }

  /** Abort, fail-fast or a fatal failure: every task not started yet (or waiting for a retry) is cancelled. */
  #sweep(): void {
    this.#swept = true;
    this.#retryQueue.clear();
    const now = this.#clock.now();
    const nodes = this.#dag.nodes;
    for (let i = 0; i < nodes.length; i++) {
      const state = this.#state[i];
      if (
        nodes[i].role === "task" &&
        (state === "blocked" || state === "ready" || state === "waiting-retry")
      ) {
        this.#cancel(i, false, now);
      }
    }
  }

  #armWakeTimer(now: number): void {
    let at = this.#retryQueue.peek()?.due ?? Infinity;
    const limiter = this.#limiter;
    if (this.#paused && limiter.pausedUntil < at) at = limiter.pausedUntil;
    if (
      !this.#stopping && !this.#held && this.#inFlight < this.#maxInFlight &&
      this.#dag.scopes.hasStartable
    ) {
      const next = limiter.nextStartAt();
      if (next < at) at = next;
    }
    this.#wakeTimer.wakeBy(at, now);
  }

  #startTask(index: number, now: number): void {
    const node = this.#dag.nodes[index];
    const attempt = ++this.#attempts[index];
    this.#state[index] = "running";
    this.#inFlight++;
    this.#holdsSlot[index] = 1;
    this.#attemptStartedAt[index] = now;
    this.#dag.scopes.start(this.#dag.leaf[index]!, this.#record.onScopeOpen);
    this.#record.started(index, attempt, now);
    const signal = this.#timeouts?.arm(index, attempt) ?? this.#runAbort.signal;
    const releaseSlot = () => this.#releaseSlot(index, attempt);
    let result: Promise<unknown>;
    try {
      result = Promise.resolve(
        this.#dag.tasks.get(node.kind)!(node, { signal, attempt, releaseSlot }),
      );
    } catch (error) {
      result = Promise.reject(error);
    }
    result.then(
      (value) => this.#taskSucceeded(index, attempt, value),
      (error) => this.#taskThrew(index, attempt, error),
    );
  }

  /** `TaskContext.releaseSlot`: the attempt runs on, but another may start in its slot. */
  #releaseSlot(index: number, attempt: number): void {
    if (!this.#isCurrent(index, attempt) || this.#holdsSlot[index] === 0) return;
    this.#hold();
    try {
      this.#giveUpSlot(index);
      this.#released++;
      this.#dag.scopes.release(this.#dag.leaf[index]!);
    } finally {
      this.#release();
    }
  }

  /**
   * The running attempt leaves its slot (it ends, waits for a retry or
   * releases it): returns whether it still held it, so that its scope's
   * running count is lowered once.
   */
  #giveUpSlot(index: number): boolean {
    if (this.#holdsSlot[index] === 0) {
      this.#released--;
      return false;
    }
    this.#holdsSlot[index] = 0;
    this.#inFlight--;
    return true;
  }

  #isCurrent(index: number, attempt: number): boolean {
    return !this.#finished && this.#state[index] === "running" && this.#attempts[index] === attempt;
  }

  #taskSucceeded(index: number, attempt: number, value: unknown): void {
    // A late result of an attempt that already timed out is ignored.
    if (!this.#isCurrent(index, attempt)) return;
    this.#hold();
    try {
      this.#timeouts?.clear(index);
      const held = this.#giveUpSlot(index);
      this.#record.done(index, attempt, value, this.#attemptStartedAt[index]);
      this.#dag.scopes.end(this.#dag.leaf[index]!, held, this.#record.onScopeClose);
      this.#settle(index);
    } finally {
      this.#release();
    }
  }

  #taskThrew(index: number, attempt: number, error: unknown): void {
    if (!this.#isCurrent(index, attempt)) return;
    this.#hold();
    try {
      this.#timeouts?.clear(index);
      this.#attemptFailed(index, attempt, classifyFailure(error));
    } finally {
      this.#release();
    }
  }

  #timedOut(index: number, attempt: number, timeoutMs: number): void {
    if (!this.#isCurrent(index, attempt)) return;
    this.#hold();
    try {
      // The run does not wait for a handler that ignores its signal: the attempt ends here.
      this.#timeouts!.expire(index);
      this.#attemptFailed(index, attempt, timeoutFailure(timeoutMs));
    } finally {
      this.#release();
    }
  }

  #attemptFailed(index: number, attempt: number, thrown: AttemptFailure): void {
    const now = this.#clock.now();
    const held = this.#giveUpSlot(index);
    if (this.#aborted) {
      // Most likely caused by the abort itself: report it as cancelled, not as a failure.
      this.#cancel(index, held, now);
      return;
    }
    // A wait beyond the policy's cap is refused: that task fails, the run goes on unpaused.
    const failure = refuseLongWait(thrown, this.#options.retry.maxRetryAfterMs ?? Infinity);
    // The server speaks for the whole client: its pause holds every start,
    // whether or not this task will be retried.
    this.#pauseForServer(index, failure, now);
    if (
      failure.retryable && !failure.fatal && attempt <= this.#options.retry.maxRetries &&
      !this.#stopping
    ) {
      this.#scheduleRetry(index, attempt, failure, held, now);
    } else {
      this.#fail(index, attempt, failure, now);
      this.#dag.scopes.end(this.#dag.leaf[index]!, held, this.#record.onScopeClose);
      this.#settle(index);
    }
  }

  /** Holds every task start until a server's `Retry-After` has passed, in full. */
  #pauseForServer(index: number, failure: AttemptFailure, now: number): void {
    const asked = failure.retryAfterMs;
    if (asked === undefined || !(asked > 0) || !Number.isFinite(asked)) return;
    if (this.#limiter.pauseUntil(now + asked)) {
      this.#paused = true;
      const id = this.#dag.nodes[index].id;
      this.#record.ratePaused(
        now + asked,
        `"${id}" asked to wait ${asked} ms: ${failure.reason}`,
        now,
      );
    }
  }

  /** The task frees its running slot (its scopes stay open) and waits in the retry queue. */
  #scheduleRetry(
    index: number,
    attempt: number,
    failure: AttemptFailure,
    held: boolean,
    now: number,
  ): void {
    const { retry, random = Math.random } = this.#options;
    const backoffMs = backoffDelay(attempt, retry, random);
    const delayMs = failure.retryAfterMs === undefined
      ? backoffMs
      : retryAfterDelay(failure.retryAfterMs, backoffMs);
    this.#state[index] = "waiting-retry";
    // An attempt that released its slot early has already left its running count.
    if (held) this.#dag.scopes.release(this.#dag.leaf[index]!);
    this.#record.retrying(index, attempt, delayMs, failure, now);
    this.#retryQueue.push({ due: now + delayMs, index });
  }

  #fail(index: number, attempts: number, failure: AttemptFailure, now: number): void {
    this.#record.failed(index, attempts, failure, now);
    if (this.#options.failFast || failure.fatal) this.#stopping = true;
  }

  /** A ready task that `settleEarly` resolved: skipped with its value, never started. */
  #settleUnrun(index: number, value: unknown, now: number): void {
    this.#record.skipped(index, value, now);
    this.#dag.scopes.end(this.#dag.leaf[index]!, false, this.#record.onScopeClose);
    this.#settle(index);
  }

  #cancel(index: number, wasRunning: boolean, now: number): void {
    this.#record.cancelled(index, now);
    const leaf = this.#dag.leaf[index];
    if (leaf !== undefined) this.#dag.scopes.end(leaf, wasRunning, this.#record.onScopeClose);
    this.#settle(index);
  }

  /** Marks the node (its outcome recorded) ended and readies the dependents it was the last to wait for. */
  #settle(index: number): void {
    this.#state[index] = "ended";
    const { dependents, dependentsFrom, waitingDeps, nodes, scopes, leaf } = this.#dag;
    for (let k = dependentsFrom[index], end = dependentsFrom[index + 1]; k < end; k++) {
      const next = dependents[k];
      if (--waitingDeps[next] !== 0 || this.#state[next] !== "blocked") continue;
      // A task readied while stopping is cancelled by the pending sweep.
      this.#state[next] = "ready";
      if (nodes[next].role === "sink") this.#readySinks.push(next);
      else scopes.enqueue(leaf[next]!, next);
    }
  }

  #startSink(index: number, now: number): void {
    const node = this.#dag.nodes[index];
    this.#state[index] = "running";
    this.#sinksRunning++;
    this.#attemptStartedAt[index] = now;
    this.#record.started(index, 1, now);
    const deps = new Map(
      node.deps.map((dep) => [dep, this.#record.outcomes[this.#dag.indexOf(dep)]!]),
    );
    let result: Promise<unknown>;
    try {
      result = Promise.resolve(this.#dag.sinks.get(node.kind)!(node, deps, this.#sinkContext));
    } catch (error) {
      result = Promise.reject(error);
    }
    result.then(
      (value) => this.#sinkEnded(index, value, undefined),
      (error) => this.#sinkEnded(index, undefined, classifyFailure(error)),
    );
  }

  /** A sink is local work: a failure is never retried. */
  #sinkEnded(index: number, value: unknown, failure: AttemptFailure | undefined): void {
    if (this.#finished) return;
    this.#hold();
    try {
      this.#sinksRunning--;
      if (failure === undefined) this.#record.done(index, 1, value, this.#attemptStartedAt[index]);
      else this.#fail(index, 1, { ...failure, retryable: false }, this.#clock.now());
      this.#settle(index);
    } finally {
      this.#release();
    }
  }

  #deadlock(): Error {
    const nodes = this.#dag.nodes;
    const waiting = this.#state.indexOf("ready");
    return new Error(
      `Cannot run DAG: ${nodes.length - this.#record.ended} nodes can never start: ` +
        `ready task "${nodes[waiting]?.id}" needs a scope slot held by scopes whose remaining ` +
        `tasks wait for it (dependencies across scopes against the plan order)`,
    );
  }

  /** Releases the timer, the abort listener and the control: the run is over. */
  #end(): void {
    this.#finished = true;
    this.#wakeTimer.cancel();
    this.#turnSpacing?.stop();
    this.#options.signal?.removeEventListener("abort", this.#onAbort);
    this.#detachControl?.();
  }

  #finish(): void {
    this.#end();
    this.#resolve(this.#record.finish(this.#startedAt, this.#clock.now(), this.#stopping));
  }
}
