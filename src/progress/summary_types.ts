/**
 * The shape of a run's summary, as the terminal, the `run-end` log record and
 * `--json` give it; built by `SummaryCollector` (summary.ts).
 *
 * @module
 */

import type { Bound } from "../plan/bound.ts";
import type { MaybeLatencyBreakdown } from "./server_latency.ts";
import type { Compression } from "../manifest/types.ts";

/** The bytes the selected chapters' files take on disk, and how the run stores them. */
export interface SummaryDisk {
  /** How this run stores the chapter files it writes. */
  readonly compression: Compression;
  /** Bytes of the selected chapters' files when the run started (every encoding counted). */
  readonly beforeBytes: number;
  /** Bytes of those files when the run ended (or now, during it). */
  readonly afterBytes: number;
  /** Chapter files converted on disk to `compression`, without a request. */
  readonly recoded: number;
}

/** One node that failed, with its last reason. */
export interface SummaryFailure {
  /** The node's id. */
  readonly id: string;
  /** The node's kind (`chapter`, `book-manifest`, ...). */
  readonly kind: string;
  /** The last reason. */
  readonly reason: string;
  /** Attempts made. */
  readonly attempts: number;
  /** The HTTP status of the last attempt, where there was one. */
  readonly status?: number;
}

/** What a run did, for the terminal and for the `run-end` log record. */
export interface Summary {
  /** Chapters by outcome. */
  readonly chapters: {
    /** Chapters the run was asked for. */
    readonly total: number;
    /** Fetched and written by this run. */
    readonly imported: number;
    /** Asked after by a refresh and found unchanged (`304`): not written again. */
    readonly unchanged: number;
    /** Already on disk (resume). */
    readonly skipped: number;
    /** Failed after their attempts. */
    readonly failed: number;
    /** Not ended because the run stopped first. */
    readonly cancelled: number;
    /**
     * Not served in their language (a 404 for that language, or a table of
     * contents): no file, not a failure. Absent when none (and in logs of runs
     * before languages).
     */
    readonly notAvailable?: number;
  };
  /** Every failed node (chapters first, then manifests), in the order they failed. */
  readonly failures: readonly SummaryFailure[];
  /** The run's duration, ms. */
  readonly durationMs: number;
  /** Imported chapters per second of the whole run. */
  readonly chaptersPerSecond: number;
  /** Task attempts started (one request each). */
  readonly requests: number;
  /** Failed attempts that were retried. */
  readonly retries: number;
  /** Attempts answered with HTTP 429. */
  readonly status429: number;
  /**
   * Every failed attempt (retried or last), by HTTP status, or `timeout`, or
   * `no-status` (a network error, a body cut short, unparsable or of another
   * page); the counts add up to the failed attempts. Absent when none failed.
   */
  readonly statusCounts?: Readonly<Record<string, number>>;
  /**
   * Over the successful attempts, ms, every field null when none succeeded:
   * `meanMs` and `p95Ms` of their durations, and the server's latency
   * (`serverMs`, the bound's L) told apart from what the client added.
   */
  readonly latency: MaybeLatencyBreakdown;
  /**
   * The theoretical minimum for the requested chapters at the server's
   * latency `latency.serverMs`; null when no latency was measured.
   */
  readonly bound: { readonly ms: number; readonly limitedBy: Bound["limitedBy"] } | null;
  /** `bound.ms / durationMs`, clamped to 0..1; null when either is unknown or zero. */
  readonly efficiency: number | null;
  /** The run was aborted, or ended without a `run-end` event. */
  readonly interrupted: boolean;
  /** How an adaptive controller moved the rate (`rate-change` events); absent when it never did. */
  readonly rate?: SummaryRate;
  /** The chapter files on disk before and after; absent when the caller does not measure them. */
  readonly disk?: SummaryDisk;
}

/** The rate changes of a run. Rates in requests/s; `null` where there was no limit. */
export interface SummaryRate {
  /** `rate-change` events. */
  readonly changes: number;
  /** The lowest rate set. */
  readonly minPerSecond: number | null;
  /** The highest rate set. */
  readonly maxPerSecond: number | null;
  /** The rate in effect at the end. */
  readonly lastPerSecond: number | null;
  /** The in-flight limit in effect at the end. */
  readonly lastMaxInFlight: number | null;
}
