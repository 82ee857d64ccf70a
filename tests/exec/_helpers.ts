/**
 * Shared fixtures of the executor tests: node builders, a synthetic
 * volume/book/chapter DAG, gates, a seeded random source and a driver that
 * runs a run to its end on virtual time.
 *
 * @module
 */

import { Dag } from "../../src/exec/dag.ts";
import type { VirtualClock } from "../../src/exec/virtual_clock.ts";
import type { DagNode, RetryPolicy, RunEvent } from "../../src/exec/types.ts";

/** A test with the op and resource sanitizers on, so a leaked timer or listener fails it. */
export function sanitizedTest(name: string, fn: () => Promise<void> | void): void {
  Deno.test({ name, sanitizeOps: true, sanitizeResources: true, fn });
}

/** A task node. */
export function task(id: string, scope: readonly string[], deps: readonly string[] = []): DagNode {
  return { id, kind: "work", deps, scope, role: "task" };
}

/** A sink node. */
export function sink(id: string, deps: readonly string[], kind = "record"): DagNode {
  return { id, kind, deps, scope: [], role: "sink" };
}

/** Never retries. */
export const noRetry: RetryPolicy = {
  maxRetries: 0,
  baseDelayMs: 100,
  maxDelayMs: 1000,
  multiplier: 2,
  jitter: "none",
};

/** Retries 3 times after 1 s, 2 s, 4 s. */
export const threeRetries: RetryPolicy = {
  maxRetries: 3,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  multiplier: 2,
  jitter: "none",
};

/**
 * `volumes` × `books` × `chapters` chapter tasks (scope `[v, v/b]`), each book
 * followed by its book sink, each volume by its volume sink, and a root sink
 * last: the shape of the importer's plan.
 */
export function syntheticDag(volumes: number, books: number, chapters: number): Dag<DagNode> {
  const nodes: DagNode[] = [];
  const volumeSinks: string[] = [];
  for (let v = 1; v <= volumes; v++) {
    const volume = `v${v}`;
    const bookSinks: string[] = [];
    for (let b = 1; b <= books; b++) {
      const book = `${volume}/b${b}`;
      const chapterIds: string[] = [];
      for (let c = 1; c <= chapters; c++) {
        chapterIds.push(`${book}/${c}`);
        nodes.push(task(`${book}/${c}`, [volume, book]));
      }
      nodes.push({ ...sink(`${book}/manifest`, chapterIds, "book"), scope: [volume, book] });
      bookSinks.push(`${book}/manifest`);
    }
    nodes.push({ ...sink(`${volume}/manifest`, bookSinks, "volume"), scope: [volume] });
    volumeSinks.push(`${volume}/manifest`);
  }
  nodes.push(sink("manifest", volumeSinks, "root"));
  return Dag.from(nodes);
}

/** Promises that handlers await and the test settles by id. */
export class Gates {
  readonly #gates = new Map<string, { resolve: () => void; reject: (error: unknown) => void }>();

  /** Ids whose gate is awaited and not settled yet. */
  get waiting(): string[] {
    return [...this.#gates.keys()];
  }

  /** Waits until the test opens (or fails) gate `id`, or `signal` aborts. */
  wait(id: string, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#gates.delete(id);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#gates.set(id, {
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        reject: (error) => {
          signal?.removeEventListener("abort", onAbort);
          reject(error);
        },
      });
    });
  }

  /** Lets the handler waiting on `id` go on. */
  open(id: string): void {
    this.#take(id).resolve();
  }

  /** Makes the handler waiting on `id` throw `error`. */
  fail(id: string, error: unknown): void {
    this.#take(id).reject(error);
  }

  #take(id: string) {
    const gate = this.#gates.get(id);
    if (gate === undefined) throw new Error(`Cannot settle gate "${id}": nothing waits on it`);
    this.#gates.delete(id);
    return gate;
  }
}

/** A seeded random source in [0, 1) (mulberry32), so jitter is repeatable. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Moves virtual time timer by timer until `run` settles, and returns its value.
 *
 * @throws {Error} when no timer is pending and the run has not settled (a hang).
 */
export async function drive<T>(clock: VirtualClock, run: Promise<T>): Promise<T> {
  let settled = false;
  // Handled at once, so a rejection is not reported as unhandled while time moves.
  const watched = run.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  ).finally(() => settled = true);
  await clock.settle();
  while (!settled) {
    if (!(await clock.advanceToNextTimer()) && !settled) {
      await clock.settle();
      if (!settled) {
        throw new Error("Cannot drive the run: no timer is pending and it has not ended");
      }
    }
  }
  const result = await watched;
  if (!result.ok) throw result.error;
  return result.value;
}

/** Collects events; `starts()` lists task starts as `id@at#attempt`. */
export class EventLog {
  readonly events: RunEvent[] = [];
  readonly onEvent = (event: RunEvent): void => {
    this.events.push(event);
  };

  /** Events of one type. */
  of<T extends RunEvent["type"]>(type: T): Extract<RunEvent, { type: T }>[] {
    return this.events.filter((event): event is Extract<RunEvent, { type: T }> =>
      event.type === type
    );
  }

  /** Task (not sink) starts as `id@at#attempt`. */
  starts(): string[] {
    return this.of("task-start").filter((event) => event.role === "task").map((event) =>
      `${event.id}@${event.at}#${event.attempt}`
    );
  }
}
