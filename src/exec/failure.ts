/**
 * Classifies a failed task attempt: retryable or permanent, with its reason,
 * HTTP status and requested delay.
 *
 * @module
 */

import { formatDuration } from "./format_duration.ts";
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
  /** The attempt ran out of its time limit (the executor's attempt timeout). */
  readonly timedOut?: true;
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
  return { retryable: true, reason: `timeout after ${timeoutMs} ms`, timedOut: true };
}

/**
 * A failure whose server asks to wait longer than `maxRetryAfterMs` is not
 * waited for: it becomes permanent and loses its delay (so nothing pauses
 * for it), and its reason says how long the server asked. Any other failure
 * is returned as it is.
 *
 * @param failure The classified failure.
 * @param maxRetryAfterMs The longest delay the retry policy waits for, ms.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { refuseLongWait } from "./failure.ts";
 * const failure = { retryable: true, reason: "HTTP 429", status: 429, retryAfterMs: 100_000_000 };
 * assert.deepEqual(refuseLongWait(failure, 300_000), {
 *   retryable: false,
 *   reason: "HTTP 429: the server asks to wait 27 h 47 min, more than the 5 min 0 s the retry policy allows",
 *   status: 429,
 * });
 * assert.equal(refuseLongWait({ ...failure, retryAfterMs: 300_000 }, 300_000).retryable, true);
 * ```
 */
export function refuseLongWait(failure: AttemptFailure, maxRetryAfterMs: number): AttemptFailure {
  const asked = failure.retryAfterMs;
  if (asked === undefined || !(asked > maxRetryAfterMs)) return failure;
  const wait = Number.isFinite(asked) ? formatDuration(asked) : "forever";
  const reason = `${failure.reason}: the server asks to wait ${wait}, more than the ` +
    `${formatDuration(maxRetryAfterMs)} the retry policy allows`;
  return failure.status === undefined
    ? { retryable: false, reason }
    : { retryable: false, reason, status: failure.status };
}
