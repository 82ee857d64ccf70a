/**
 * The records of the NDJSON progress log, and the mapping from run events to
 * records. Every record has `type`, `time` (ISO 8601) and `at` (clock ms).
 *
 * @module
 */

import type { ProfileLimits } from "../plan/limits.ts";
import type { ControlLimits, RateSetting, RunEvent } from "../exec/types.ts";
import { ttfbOf } from "./server_latency.ts";
import type { Summary } from "./summary_types.ts";

/** What the caller knows about a run before it starts: merged into the `run-start` record. */
export interface RunHeader {
  /** The program that wrote the log and its version. */
  readonly tool: { readonly name: string; readonly version: string };
  /** The manifest file and the SHA-256 of its bytes (lowercase hex). */
  readonly manifest: { readonly file: string; readonly sha256: string };
  /** The profile's limits and name. */
  readonly profile: ProfileLimits & {
    /** The profile's name (or file). */
    readonly name: string;
    /** Present when the profile adapts its rate: the rate it starts at and its floor, requests/s. */
    readonly adaptive?: { readonly startRate: number; readonly minRate: number };
  };
  /** The selection as given (`--source`, `--only`), e.g. `["bofm", "pgp/moses"]`. */
  readonly selection: readonly string[];
  /** The output directory, absolute. */
  readonly outDir: string;
  /** The language; the first of `langs` in a run of several. */
  readonly lang: string;
  /** Every language of a run of several (its node ids start with the language); absent for one. */
  readonly langs?: readonly string[];
  /** The content API's endpoint. */
  readonly apiUrl: string;
  /** Present with `--serve`: the URL of the run's dashboard and metrics (no token in it). */
  readonly serve?: { readonly url: string };
}

/** The time of a record, in ISO 8601 (`time`) and clock ms (`at`). */
export type LogStamp = {
  /** ISO 8601 UTC. */
  readonly time: string;
  /** The run clock's ms. */
  readonly at: number;
};

/** A {@linkcode RateSetting} in the log: `null` where there is no limit (JSON has no Infinity). */
export interface LoggedRateSetting {
  /** Task starts per second. */
  readonly ratePerSecond: number | null;
  /** Tasks allowed to run at once. */
  readonly maxInFlight: number | null;
}

/** The run event of one type. */
export type RunEventOf<T extends RunEvent["type"]> = Extract<RunEvent, { type: T }>;

/**
 * A run event as a log line: stamped with `time` beside `at`, less the fields
 * in `Drop`, plus those in `Add` (JSON forms of what JSON cannot hold, and what
 * the importer knows beyond the executor).
 */
export type LoggedEvent<E extends RunEvent, Drop extends keyof E = never, Add = unknown> =
  & LogStamp
  & Omit<E, "at" | Drop>
  & Add;

/** The fields of a chapter's write result that a `task-done` record keeps. */
export interface LoggedTaskValue {
  /** The successful attempt's time to first byte, ms (absent in logs older than this field). */
  readonly ttfbMs?: number;
  /** Bytes of the chapter file written. */
  readonly bytes?: number;
  /** Bytes of the body the server sent (absent in logs older than this field). */
  readonly receivedBytes?: number;
  /** Verses in the chapter file. */
  readonly verses?: number;
  /** SHA-256 of the chapter file, lowercase hex. */
  readonly sha256?: string;
  /** A refresh found the chapter unchanged (`304`): its file was not written again. */
  readonly unchanged?: true;
  /**
   * The chapter is not available in the run's language (`ot: HTTP 404`, or
   * `pgp/js-h: table of contents`): what is missing, and why. No file.
   */
  readonly notAvailable?: string;
}

/**
 * One line of the progress log: every run event, derived from
 * {@linkcode RunEvent} so that the two cannot drift apart. The importer adds
 * its {@linkcode RunHeader} to `run-start`, the chapter's figures to
 * `task-done`, and the summary to `run-end`; a time is also given in ISO 8601.
 */
export type LogRecord =
  | LoggedEvent<RunEventOf<"run-start">, never, RunHeader>
  | LoggedEvent<RunEventOf<"scope-open">>
  | LoggedEvent<RunEventOf<"scope-close">>
  | LoggedEvent<RunEventOf<"task-start">>
  | LoggedEvent<RunEventOf<"task-retry">>
  | LoggedEvent<RunEventOf<"task-done">, "value", LoggedTaskValue>
  | LoggedEvent<
    RunEventOf<"task-skipped">,
    "value",
    Pick<LoggedTaskValue, "sha256" | "notAvailable">
  >
  | LoggedEvent<RunEventOf<"task-failed">>
  | LoggedEvent<RunEventOf<"task-cancelled">>
  | LoggedEvent<
    RunEventOf<"rate-pause">,
    "until",
    {
      /** When starts resume, ISO 8601. */
      readonly until: string;
      /** When starts resume, clock ms. */
      readonly untilAt: number;
    }
  >
  | LoggedEvent<RunEventOf<"rate-resume">>
  | LoggedEvent<
    RunEventOf<"rate-change">,
    "from" | "to",
    { readonly from: LoggedRateSetting; readonly to: LoggedRateSetting }
  >
  | LoggedEvent<
    RunEventOf<"control">,
    "change",
    {
      readonly action: RunEventOf<"control">["change"]["action"];
      /** For `limits`: those set, in the profile's words. */
      readonly limits?: LoggedControlLimits;
    }
  >
  | LoggedEvent<RunEventOf<"run-end">, "report", { readonly summary: LoggedSummary }>;

/**
 * The limits of a `control` record, in the profile's words (`null`: no
 * limit): the executor's `scopes[0]` is `volumes`, `scopes[1]`
 * `booksPerVolume`, `tasksPerScope` `chaptersPerBook`.
 */
export interface LoggedControlLimits {
  /** Request starts per second. */
  readonly ratePerSecond?: number | null;
  /** Requests in flight at once. */
  readonly maxInFlight?: number | null;
  /** Volumes in progress at once. */
  readonly volumes?: number;
  /** Books in progress at once within one volume. */
  readonly booksPerVolume?: number;
  /** Chapter requests in flight at once within one book. */
  readonly chaptersPerBook?: number;
}

/**
 * Control limits in the profile's words, as a `control` record has them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loggedControlLimits } from "./log_record.ts";
 * assert.deepEqual(
 *   loggedControlLimits({ maxInFlight: Infinity, scopes: [2, 5] }),
 *   { maxInFlight: null, volumes: 2, booksPerVolume: 5 },
 * );
 * ```
 */
export function loggedControlLimits(limits: ControlLimits): LoggedControlLimits {
  const finite = (n: number | undefined) =>
    n === undefined ? undefined : Number.isFinite(n) ? n : null;
  return _defined({
    ratePerSecond: finite(limits.ratePerSecond),
    maxInFlight: finite(limits.maxInFlight),
    volumes: limits.scopes?.[0],
    booksPerVolume: limits.scopes?.[1],
    chaptersPerBook: limits.tasksPerScope,
  });
}

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
      const { id, kind, attempt, delayMs, reason, status, retryAfterMs, timedOut } = event;
      return {
        type: event.type,
        ...stamp,
        ...{ id, kind, attempt, delayMs, reason },
        ..._defined({ status, retryAfterMs, timedOut }),
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
          receivedBytes: value.receivedBytes,
          verses: value.verses,
          sha256: value.sha256,
          unchanged: value.unchanged,
          notAvailable: value.notAvailable,
        }),
      };
    }
    case "task-skipped": {
      const { sha256, notAvailable } = _fields(event.value);
      return {
        type: event.type,
        ...stamp,
        ...{ id: event.id, kind: event.kind },
        ..._defined({ sha256, notAvailable }),
      };
    }
    case "task-failed": {
      const { id, kind, reason, attempts, status, permanent, fatal, timedOut } = event;
      return {
        type: event.type,
        ...stamp,
        ...{ id, kind, reason, attempts },
        ..._defined({ status }),
        permanent,
        ..._defined({ fatal, timedOut }),
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
    case "control": {
      const { change } = event;
      return {
        type: event.type,
        ...stamp,
        source: event.source,
        action: change.action,
        ...(change.action === "limits" ? { limits: loggedControlLimits(change.limits) } : {}),
      };
    }
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
function _fields(value: unknown): LoggedTaskValue {
  if (typeof value !== "object" || value === null) return {};
  const v = value as Record<string, unknown>;
  return {
    ttfbMs: ttfbOf(value),
    bytes: typeof v.bytes === "number" ? v.bytes : undefined,
    receivedBytes: typeof v.receivedBytes === "number" ? v.receivedBytes : undefined,
    verses: typeof v.verses === "number" ? v.verses : undefined,
    sha256: typeof v.sha256 === "string" ? v.sha256 : undefined,
    unchanged: v.unchanged === true ? true : undefined,
    notAvailable: notAvailableOf(value),
  };
}

/**
 * What a chapter's value says is not available in its language, as one line
 * (`ot: HTTP 404 Not Found`), or undefined for a chapter that is. A value
 * carries it as `notAvailable: { scope, reason }`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { notAvailableOf } from "./log_record.ts";
 * assert.equal(notAvailableOf({ notAvailable: { scope: "ot", reason: "HTTP 404" } }), "ot: HTTP 404");
 * assert.equal(notAvailableOf({ sha256: "ab" }), undefined);
 * ```
 */
export function notAvailableOf(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const found = (value as Record<string, unknown>).notAvailable;
  if (typeof found === "string") return found; // a log record's
  if (typeof found !== "object" || found === null) return undefined;
  const { scope, reason } = found as Record<string, unknown>;
  return `${String(scope)}: ${String(reason)}`;
}
