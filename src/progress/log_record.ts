/**
 * The records of the NDJSON progress log, and the mapping from run events to
 * records. Every record has `type`, `time` (ISO 8601) and `at` (clock ms).
 *
 * @module
 */

import type { ProfileLimits } from "../plan/limits.ts";
import type { RateChangeCause, RateSetting, RunEvent } from "../exec/types.ts";
import { ttfbOf } from "./server_latency.ts";
import type { Summary } from "./summary.ts";

/** What the caller knows about a run before it starts: merged into the `run-start` record. */
export interface RunHeader {
  readonly tool: { readonly name: string; readonly version: string };
  /** The manifest file and the SHA-256 of its bytes (lowercase hex). */
  readonly manifest: { readonly file: string; readonly sha256: string };
  readonly profile: ProfileLimits & {
    readonly name: string;
    /** Present when the profile adapts its rate: the rate it starts at and its floor, requests/s. */
    readonly adaptive?: { readonly startRate: number; readonly minRate: number };
  };
  /** The selection as given (`--source`, `--only`), e.g. `["bofm", "pgp/moses"]`. */
  readonly selection: readonly string[];
  readonly outDir: string;
  readonly lang: string;
  readonly apiUrl: string;
}

type _Stamp = { readonly time: string; readonly at: number };

/** A {@linkcode RateSetting} in the log: `null` where there is no limit (JSON has no Infinity). */
export interface LoggedRateSetting {
  readonly ratePerSecond: number | null;
  readonly maxInFlight: number | null;
}

/** One line of the progress log. */
export type LogRecord =
  | _Stamp & RunHeader & {
    readonly type: "run-start";
    readonly nodes: number;
    readonly tasks: number;
    readonly sinks: number;
  }
  | _Stamp & { readonly type: "scope-open"; readonly scope: string; readonly depth: number }
  | _Stamp & { readonly type: "scope-close"; readonly scope: string; readonly depth: number }
  | _Stamp & {
    readonly type: "task-start";
    readonly id: string;
    readonly kind: string;
    readonly role: "task" | "sink";
    readonly attempt: number;
  }
  | _Stamp & {
    readonly type: "task-retry";
    readonly id: string;
    readonly kind: string;
    /** The attempt that failed. */
    readonly attempt: number;
    readonly delayMs: number;
    readonly reason: string;
    readonly status?: number;
    readonly retryAfterMs?: number;
  }
  | _Stamp & {
    readonly type: "task-done";
    readonly id: string;
    readonly kind: string;
    readonly attempts: number;
    readonly durationMs: number;
    /** The successful attempt's time to first byte, ms (absent in logs older than this field). */
    readonly ttfbMs?: number;
    readonly bytes?: number;
    readonly verses?: number;
    readonly sha256?: string;
  }
  | _Stamp & {
    readonly type: "task-skipped";
    readonly id: string;
    readonly kind: string;
    readonly sha256?: string;
  }
  | _Stamp & {
    readonly type: "task-failed";
    readonly id: string;
    readonly kind: string;
    readonly reason: string;
    readonly attempts: number;
    readonly status?: number;
    readonly permanent: boolean;
    /** The failure stopped the run: no task started after it. */
    readonly fatal?: true;
  }
  | _Stamp & { readonly type: "task-cancelled"; readonly id: string; readonly kind: string }
  | _Stamp & {
    readonly type: "rate-pause";
    /** When starts resume, ISO 8601. */
    readonly until: string;
    /** When starts resume, clock ms. */
    readonly untilAt: number;
    readonly reason: string;
  }
  | _Stamp & { readonly type: "rate-resume" }
  | _Stamp & {
    readonly type: "rate-change";
    readonly from: LoggedRateSetting;
    readonly to: LoggedRateSetting;
    readonly cause: RateChangeCause;
    readonly reason: string;
  }
  | _Stamp & { readonly type: "run-end"; readonly summary: LoggedSummary };

/**
 * A `run-end` summary as a log holds it: one written before the server's
 * latency was told apart has only `meanMs` and `p95Ms` in `latency`, and its
 * `bound` and `efficiency` were computed at the mean latency.
 */
export type LoggedSummary = Omit<Summary, "latency"> & {
  readonly latency: Pick<Summary["latency"], "meanMs" | "p95Ms"> & Partial<Summary["latency"]>;
};

/** The type of every log record. */
export type LogRecordType = LogRecord["type"];

/** How {@linkcode toLogRecord} fills what events do not carry. */
export interface LogRecordContext {
  /** Merged into the `run-start` record. */
  readonly header: RunHeader;
  /** The summary written in the `run-end` record; called once, when that event arrives. */
  readonly summarize: () => Summary;
  /**
   * Turns a clock time into an ISO 8601 string.
   * @default (at) => new Date(at).toISOString(), for a clock in epoch ms
   */
  readonly timeOf?: (at: number) => string;
}

/**
 * The log record of one run event. Of a task's value, only `bytes`, `verses`
 * and `sha256` are kept, and only when they have the right type.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toLogRecord } from "./log_record.ts";
 * const record = toLogRecord(
 *   { type: "scope-open", at: 0, scope: "bofm", depth: 0 },
 *   { header: {} as never, summarize: () => ({}) as never },
 * );
 * assert.ok(record.time === "1970-01-01T00:00:00.000Z");
 * ```
 */
export function toLogRecord(event: RunEvent, context: LogRecordContext): LogRecord {
  const timeOf = context.timeOf ?? ((at: number) => new Date(at).toISOString());
  const stamp = { time: timeOf(event.at), at: event.at };
  switch (event.type) {
    case "run-start": {
      const { nodes, tasks, sinks } = event;
      return { type: event.type, ...stamp, ...context.header, nodes, tasks, sinks };
    }
    case "scope-open":
    case "scope-close":
      return { type: event.type, ...stamp, scope: event.scope, depth: event.depth };
    case "task-start": {
      const { id, kind, role, attempt } = event;
      return { type: event.type, ...stamp, id, kind, role, attempt };
    }
    case "task-retry": {
      const { id, kind, attempt, delayMs, reason, status, retryAfterMs } = event;
      return {
        type: event.type,
        ...stamp,
        ...{ id, kind, attempt, delayMs, reason },
        ..._defined({ status, retryAfterMs }),
      };
    }
    case "task-done": {
      const { id, kind, attempts, durationMs } = event;
      const value = _fields(event.value);
      return {
        type: event.type,
        ...stamp,
        ...{ id, kind, attempts, durationMs },
        ..._defined({
          ttfbMs: value.ttfbMs,
          bytes: value.bytes,
          verses: value.verses,
          sha256: value.sha256,
        }),
      };
    }
    case "task-skipped":
      return {
        type: event.type,
        ...stamp,
        ...{ id: event.id, kind: event.kind },
        ..._defined({ sha256: _fields(event.value).sha256 }),
      };
    case "task-failed": {
      const { id, kind, reason, attempts, status, permanent, fatal } = event;
      return {
        type: event.type,
        ...stamp,
        ...{ id, kind, reason, attempts },
        ..._defined({ status }),
        permanent,
        ..._defined({ fatal }),
      };
    }
    case "task-cancelled":
      return { type: event.type, ...stamp, id: event.id, kind: event.kind };
    case "rate-pause":
      return {
        type: event.type,
        ...stamp,
        until: timeOf(event.until),
        untilAt: event.until,
        reason: event.reason,
      };
    case "rate-resume":
      return { type: event.type, ...stamp };
    case "rate-change":
      return {
        type: event.type,
        ...stamp,
        from: loggedRateSetting(event.from),
        to: loggedRateSetting(event.to),
        cause: event.cause,
        reason: event.reason,
      };
    case "run-end":
      return { type: event.type, ...stamp, summary: context.summarize() };
    default: {
      const unhandled: never = event;
      throw new TypeError(`Cannot log event: unknown type "${String(unhandled)}"`);
    }
  }
}

/**
 * A rate setting as logged: `Infinity` (no limit) becomes `null`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loggedRateSetting } from "./log_record.ts";
 * assert.deepEqual(
 *   loggedRateSetting({ ratePerSecond: 38.8, maxInFlight: Infinity }),
 *   { ratePerSecond: 38.8, maxInFlight: null },
 * );
 * ```
 */
export function loggedRateSetting(setting: RateSetting): LoggedRateSetting {
  const finite = (n: number) => (Number.isFinite(n) ? n : null);
  return { ratePerSecond: finite(setting.ratePerSecond), maxInFlight: finite(setting.maxInFlight) };
}

// Keeps the keys whose value is defined, so records carry no `null`s for absent fields.
function _defined<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(fields).filter(([, v]) => v !== undefined),
  ) as Partial<T>;
}

// The fields of a chapter's write result worth logging, read defensively:
// the executor's values are `unknown`, and sinks return other shapes.
function _fields(
  value: unknown,
): { ttfbMs?: number; bytes?: number; verses?: number; sha256?: string } {
  if (typeof value !== "object" || value === null) return {};
  const v = value as Record<string, unknown>;
  return {
    ttfbMs: ttfbOf(value),
    bytes: typeof v.bytes === "number" ? v.bytes : undefined,
    verses: typeof v.verses === "number" ? v.verses : undefined,
    sha256: typeof v.sha256 === "string" ? v.sha256 : undefined,
  };
}
