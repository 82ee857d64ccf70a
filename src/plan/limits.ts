/**
 * A profile compiled once into the limits of a run: what the executor
 * enforces, and the effective rate, burst and concurrency that the bound, the
 * summary, the report and the bench runner read. Every default is applied
 * here and nowhere else: a token bucket's burst of 1, no in-flight cap as
 * Infinity, the rate of `delay` and the bucket together.
 *
 * @module
 */

import { limitsRate } from "../exec/adaptive/rate_setter.ts";
import type { Limits } from "../exec/types.ts";
import type { Profile } from "../manifest/types.ts";

/** The fields of a profile that limit a run, as a profile and a `run-start` record have them. */
export type ProfileLimits = Pick<
  Profile,
  | "volumes"
  | "booksPerVolume"
  | "chaptersPerBook"
  | "maxInFlight"
  | "delayMs"
  | "requestsPerSecond"
  | "burst"
  // Absent from the logs of runs before languages were a level.
  | "languages"
>;

/** The limits of one run, every default applied. */
export interface RunLimits {
  /** What the executor enforces. */
  readonly executor: Limits;
  /** Languages open at once: the profile's `languages` in a run of several, else 1. */
  readonly languages: number;
  /** Volumes open at once. */
  readonly volumes: number;
  /** Books open at once inside one volume. */
  readonly booksPerVolume: number;
  /** Chapters in flight at once inside one book. */
  readonly chaptersPerBook: number;
  /** Requests in flight at once across the run; Infinity when the profile sets no cap. */
  readonly maxInFlight: number;
  /** Starts per second that `delay` and the token bucket allow together; Infinity when neither. */
  readonly rate: number;
  /**
   * Starts the rate lets go at once: the token bucket's capacity when the bucket
   * is what sets the rate, else 1.
   */
  readonly burst: number;
}

/** Options of {@linkcode compileLimits}. */
export interface CompileLimitsOptions {
  /**
   * The plan has several languages, each the outermost scope of its volumes:
   * `languages` of them open at once. @default false
   */
  readonly multilingual?: boolean;
}

/**
 * Compiles a profile's limits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compileLimits } from "./limits.ts";
 * const limits = compileLimits({
 *   volumes: 1,
 *   booksPerVolume: 3,
 *   chaptersPerBook: 5,
 *   delayMs: 20,
 *   requestsPerSecond: 10,
 * });
 * assert.deepEqual(limits.executor.tokenBucket, { ratePerSecond: 10, burst: 1 });
 * assert.equal(limits.rate, 10);
 * assert.equal(limits.maxInFlight, Infinity);
 * ```
 */
export function compileLimits(
  profile: ProfileLimits,
  options: CompileLimitsOptions = {},
): RunLimits {
  const { volumes, booksPerVolume, chaptersPerBook, maxInFlight, delayMs } = profile;
  // A run of one language has one open, whatever the profile allows.
  const languages = options.multilingual ? profile.languages ?? 1 : 1;
  const tokenBucket = profile.requestsPerSecond
    ? { ratePerSecond: profile.requestsPerSecond, burst: profile.burst ?? 1 }
    : undefined;
  const executor: Limits = {
    // A run of several languages has the language as its outermost scope.
    scopes: options.multilingual ? [languages, volumes, booksPerVolume] : [volumes, booksPerVolume],
    tasksPerScope: chaptersPerBook,
    maxInFlight,
    delayMs,
    tokenBucket,
  };
  const rate = limitsRate(executor);
  return {
    executor,
    languages,
    volumes,
    booksPerVolume,
    chaptersPerBook,
    maxInFlight: maxInFlight ?? Infinity,
    rate,
    burst: tokenBucket !== undefined && rate === tokenBucket.ratePerSecond ? tokenBucket.burst : 1,
  };
}
