/**
 * A pool of module workers that run jobs off the main thread: CPU work that
 * would otherwise hold the event loop between one response and the next
 * request. Knows nothing of what the jobs are.
 *
 * The worker's side is {@linkcode serveJobs}; the main thread's is
 * {@linkcode WorkerPool}. A job and its result are structured-cloned, their
 * buffers transferred when listed. A {@linkcode TaskError} thrown in a worker
 * comes back as a `TaskError` with the same message and classification, any
 * other error as an `Error` with the same name and message.
 *
 * @module
 */

import { type RateHint, TaskError } from "../exec/types.ts";

/** Options of {@linkcode WorkerPool}. */
export interface WorkerPoolOptions {
  /** Workers, at least 1. @default 1 */
  readonly size?: number;
  /** Names the workers (and their errors). @default "worker" */
  readonly name?: string;
}

/** Options of {@linkcode WorkerPool.run}. */
export interface RunJobOptions {
  /** Buffers handed over to the worker (no longer usable here). */
  readonly transfer?: readonly Transferable[];
  /** Rejects the job with the signal's reason; the worker's answer is then ignored. */
  readonly signal?: AbortSignal;
}

/** What a worker's job handler returns: the result, and the buffers to transfer back. */
export interface JobResult<R> {
  readonly value: R;
  readonly transfer?: readonly Transferable[];
}

interface _Request<J> {
  readonly id: number;
  readonly job: J;
}

type _Reply<R> =
  | { readonly id: number; readonly ok: true; readonly value: R }
  | { readonly id: number; readonly ok: false; readonly error: _SentError };

interface _SentError {
  readonly name: string;
  readonly message: string;
  readonly task?: {
    readonly retryable: boolean;
    readonly status?: number;
    readonly retryAfterMs?: number;
    readonly rateHint?: RateHint;
    readonly code?: string;
  };
}

interface _Pending<R> {
  readonly resolve: (value: R) => void;
  readonly reject: (error: unknown) => void;
}

interface _Slot<R> {
  readonly worker: Worker;
  readonly pending: Map<number, _Pending<R>>;
}

/**
 * Runs jobs on `size` module workers started from `url`, each job on the
 * worker with the fewest jobs in hand. The workers start at once (loading
 * their modules while the caller goes on) and live until
 * {@linkcode WorkerPool.close}, which a caller must call: a live worker
 * keeps the process running.
 *
 * A worker that fails outside a job (its module does not load, an uncaught
 * error) fails the jobs it had with that error and is replaced at the next job.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WorkerPool } from "./worker_pool.ts";
 * const source = `import { serveJobs } from "${import.meta.resolve("./worker_pool.ts")}";
 *   serveJobs((n) => ({ value: n * 2 }));`;
 * const url = new URL(`data:text/javascript,${encodeURIComponent(source)}`);
 * const pool = new WorkerPool<number, number>(url);
 * try {
 *   assert.equal(await pool.run(21), 42);
 * } finally {
 *   pool.close();
 * }
 * ```
 */
export class WorkerPool<J, R> {
  readonly #url: URL;
  readonly #size: number;
  readonly #name: string;
  readonly #slots: _Slot<R>[] = [];
  #nextId = 1;
  #closed = false;

  /**
   * @param url the worker's module; it must call {@linkcode serveJobs}.
   * @throws {RangeError} when `size` is not a positive integer.
   */
  constructor(url: URL, options: WorkerPoolOptions = {}) {
    const size = options.size ?? 1;
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`Cannot create a worker pool of size "${size}": must be 1 or more`);
    }
    this.#url = url;
    this.#size = size;
    this.#name = options.name ?? "worker";
    for (let i = 0; i < size; i++) this.#spawn();
  }

  /** Workers the pool keeps. */
  get size(): number {
    return this.#size;
  }

  /**
   * Runs one job on a worker.
   *
   * @returns what the worker's handler returned.
   * @throws what the handler threw (see the module doc), the signal's reason
   *   on abort, or an `Error` once the pool is closed.
   */
  run(job: J, options: RunJobOptions = {}): Promise<R> {
    const { signal } = options;
    if (this.#closed) {
      return Promise.reject(new Error(`Cannot run a job: the ${this.#name} pool is closed`));
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    const slot = this.#leastBusy();
    const id = this.#nextId++;
    return new Promise<R>((resolve, reject) => {
      const onAbort = () => {
        slot.pending.delete(id);
        reject(signal!.reason);
      };
      slot.pending.set(id, {
        resolve: (value) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(value);
        },
        reject: (error) => {
          signal?.removeEventListener("abort", onAbort);
          reject(error);
        },
      });
      signal?.addEventListener("abort", onAbort, { once: true });
      const request: _Request<J> = { id, job };
      slot.worker.postMessage(request, { transfer: [...(options.transfer ?? [])] });
    });
  }

  /** Terminates every worker; jobs in hand reject. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const slot of this.#slots.splice(0)) {
      slot.worker.terminate();
      this.#failAll(slot, new Error(`Cannot finish a job: the ${this.#name} pool was closed`));
    }
  }

  #leastBusy(): _Slot<R> {
    while (this.#slots.length < this.#size) this.#spawn();
    let best = this.#slots[0];
    for (const slot of this.#slots) if (slot.pending.size < best.pending.size) best = slot;
    return best;
  }

  #spawn(): void {
    const worker = new Worker(this.#url, { type: "module", name: this.#name });
    const slot: _Slot<R> = { worker, pending: new Map() };
    worker.onmessage = (event: MessageEvent<_Reply<R>>) => {
      const reply = event.data;
      const pending = slot.pending.get(reply.id);
      if (pending === undefined) return; // aborted meanwhile
      slot.pending.delete(reply.id);
      if (reply.ok) pending.resolve(reply.value);
      else pending.reject(_revive(reply.error));
    };
    worker.onerror = (event: ErrorEvent) => {
      // Handled here: an error in a worker must not end the main thread.
      event.preventDefault();
      const index = this.#slots.indexOf(slot);
      if (index >= 0) this.#slots.splice(index, 1);
      worker.terminate();
      this.#failAll(
        slot,
        new Error(`Cannot finish a job: the ${this.#name} failed: ${event.message}`),
      );
    };
    this.#slots.push(slot);
  }

  #failAll(slot: _Slot<R>, error: Error): void {
    const pending = [...slot.pending.values()];
    slot.pending.clear();
    for (const { reject } of pending) reject(error);
  }
}

/**
 * The worker's side of a {@linkcode WorkerPool}: answers every job posted to
 * this worker with `handle`'s result or error. Call it once, at the top of
 * the worker's module.
 */
export function serveJobs<J, R>(
  handle: (job: J) => JobResult<R> | Promise<JobResult<R>>,
): void {
  const scope = globalThis as unknown as {
    onmessage: ((event: MessageEvent<_Request<J>>) => void) | null;
    postMessage(message: _Reply<R>, options?: { transfer?: Transferable[] }): void;
  };
  scope.onmessage = async (event) => {
    const { id, job } = event.data;
    let result: JobResult<R>;
    try {
      result = await handle(job);
    } catch (error) {
      scope.postMessage({ id, ok: false, error: _sent(error) });
      return;
    }
    scope.postMessage({ id, ok: true, value: result.value }, {
      transfer: [...(result.transfer ?? [])],
    });
  };
}

function _sent(error: unknown): _SentError {
  if (error instanceof TaskError) {
    return {
      name: error.name,
      message: error.message,
      task: {
        retryable: error.retryable,
        ...(error.status === undefined ? {} : { status: error.status }),
        ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
        ...(error.rateHint === undefined ? {} : { rateHint: error.rateHint }),
        ...(error.code === undefined ? {} : { code: error.code }),
      },
    };
  }
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "Error", message: String(error) };
}

function _revive(sent: _SentError): Error {
  if (sent.task !== undefined) return new TaskError(sent.message, sent.task);
  const error = new Error(sent.message);
  error.name = sent.name;
  return error;
}
