// Test helpers for the progress sinks: a virtual clock and event builders.

import type { Clock } from "../../src/exec/clock.ts";
import type { RunEvent, RunReport } from "../../src/exec/types.ts";

interface _Timer {
  readonly due: number;
  readonly resolve: () => void;
}

/** A virtual clock: `sleep` resolves only when `advance` moves time past its due time. */
export class FakeClock implements Clock {
  #now: number;
  #timers: _Timer[] = [];

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const timer: _Timer = {
        due: this.#now + Math.max(0, ms),
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.#timers = this.#timers.filter((t) => t !== timer);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#timers.push(timer);
    });
  }

  /** Timers not yet fired nor cancelled. */
  get pending(): number {
    return this.#timers.length;
  }

  /** Moves time to `at` without firing timers (events carry their own time). */
  set(at: number): void {
    this.#now = at;
  }

  /** Moves time forward, fires the timers due, and lets their callbacks run. */
  async advance(ms: number): Promise<void> {
    this.#now += ms;
    const due = this.#timers.filter((t) => t.due <= this.#now);
    this.#timers = this.#timers.filter((t) => t.due > this.#now);
    for (const t of due) t.resolve();
    // A macrotask runs only after every pending microtask, so `.then` callbacks have run.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

/** A run report with every count zero unless given. */
export function report(partial: Partial<RunReport> = {}): RunReport {
  return {
    startedAt: 0,
    endedAt: 0,
    durationMs: 0,
    nodes: 0,
    done: 0,
    skipped: 0,
    failed: 0,
    cancelled: 0,
    attempts: 0,
    retries: 0,
    aborted: false,
    failures: [],
    outcomes: new Map(),
    ...partial,
  };
}

/** Builders of events, `at` first. */
export const ev = {
  runStart: (at: number, nodes = 0, tasks = 0, sinks = 0): RunEvent => ({
    type: "run-start",
    at,
    nodes,
    tasks,
    sinks,
  }),
  open: (at: number, scope: string, depth: number): RunEvent => ({
    type: "scope-open",
    at,
    scope,
    depth,
  }),
  close: (at: number, scope: string, depth: number): RunEvent => ({
    type: "scope-close",
    at,
    scope,
    depth,
  }),
  start: (at: number, id: string, attempt = 1, kind = "chapter"): RunEvent => ({
    type: "task-start",
    at,
    id,
    kind,
    attempt,
    role: kind === "chapter" ? "task" : "sink",
  }),
  retry: (at: number, id: string, attempt: number, status?: number): RunEvent => ({
    type: "task-retry",
    at,
    id,
    kind: "chapter",
    attempt,
    delayMs: 1000,
    reason: status === undefined ? "Network error" : `HTTP ${status}`,
    ...(status === undefined ? {} : { status }),
  }),
  done: (
    at: number,
    id: string,
    durationMs: number,
    kind = "chapter",
    value?: unknown,
  ): RunEvent => ({
    type: "task-done",
    at,
    id,
    kind,
    attempts: 1,
    durationMs,
    value: value ?? null,
  }),
  skipped: (at: number, id: string, value: unknown = null): RunEvent => ({
    type: "task-skipped",
    at,
    id,
    kind: "chapter",
    value,
  }),
  failed: (
    at: number,
    id: string,
    reason: string,
    attempts: number,
    status?: number,
  ): RunEvent => ({
    type: "task-failed",
    at,
    id,
    kind: "chapter",
    attempts,
    reason,
    permanent: status !== undefined && status < 500 && status !== 429,
    ...(status === undefined ? {} : { status }),
  }),
  cancelled: (at: number, id: string): RunEvent => ({
    type: "task-cancelled",
    at,
    id,
    kind: "chapter",
  }),
  pause: (at: number, until: number): RunEvent => ({
    type: "rate-pause",
    at,
    until,
    reason: "HTTP 429 Retry-After",
  }),
  resume: (at: number): RunEvent => ({ type: "rate-resume", at }),
  end: (at: number, partial: Partial<RunReport> = {}): RunEvent => ({
    type: "run-end",
    at,
    report: report({ endedAt: at, ...partial }),
  }),
};

/** A `rate-change` event from `from` to `to` requests/s, in flight unlimited unless given. */
export function rateChange(
  at: number,
  from: number,
  to: number,
  options: { inFlight?: number; cause?: "limit" | "slow-start" | "announced" } = {},
): RunEvent {
  const maxInFlight = options.inFlight ?? Infinity;
  return {
    type: "rate-change",
    at,
    from: { ratePerSecond: from, maxInFlight },
    to: { ratePerSecond: to, maxInFlight },
    cause: options.cause ?? "limit",
    reason: `test: ${from}/s to ${to}/s`,
  };
}
