/**
 * Classifies a failed task attempt: retryable or permanent, with its reason,
 * HTTP status and requested delay.
 *
 * @module
 */

import { TaskError } from "./types.ts";

/** What the executor needs to know about one failed attempt. */
export interface AttemptFailure {
  /** Whether another attempt may succeed. */
  readonly retryable: boolean;
  /** A one-line reason, e.g. `"HTTP 503"` or `"timeout after 30000 ms"`. */
  readonly reason: string;
  /** The HTTP status, where there was one. */
  readonly status?: number;
  /** The delay the server asked for, ms. */
  readonly retryAfterMs?: number;
  /** Fatal to the run: not retried, and no task starts after it. */
  readonly fatal?: boolean;
}

/**
 * Classifies what an attempt threw: a {@linkcode TaskError} carries its own
 * classification; anything else is permanent, with its message as reason.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classifyFailure } from "./failure.ts";
 * import { TaskError } from "./types.ts";
 * const failure = classifyFailure(new TaskError("HTTP 503", { retryable: true, status: 503 }));
 * assert.ok(failure.retryable && failure.status === 503);
 * assert.ok(!classifyFailure(new Error("Disk full")).retryable);
 * ```
 */
export function classifyFailure(error: unknown): AttemptFailure {
  if (error instanceof TaskError) {
    return {
      retryable: error.retryable,
      reason: error.message,
      status: error.status,
      retryAfterMs: error.retryAfterMs,
      ...(error.fatal ? { fatal: true } : {}),
    };
  }
  return { retryable: false, reason: error instanceof Error ? error.message : String(error) };
}

/** The failure of an attempt that its timeout aborted: always retryable. */
export function timeoutFailure(timeoutMs: number): AttemptFailure {
  return { retryable: true, reason: `timeout after ${timeoutMs} ms` };
}
