/**
 * The server's latency told apart from what the client added to it, from the
 * successful request attempts of a run: the `L` of the theoretical minimum.
 *
 * An attempt's duration holds the server's answer and everything the client
 * did around it: sending, waiting for its own event loop (busy parsing,
 * hashing or writing another chapter) before it sees the headers, then
 * reading the body, parsing and writing. The mean of those durations is
 * therefore no bound: a client that is slow inflates it, and its efficiency
 * against a bound computed from it reads 100%. The client only ever adds
 * time, so the server's own latency shows in the low tail of the time to
 * the response headers (time to first byte): its 10th percentile is the
 * latency the bound uses.
 *
 * @module
 */

/** The percentile of the times to first byte taken as the server's latency. */
export const SERVER_LATENCY_PERCENTILE = 10;

/** One successful request attempt. Times in ms. */
export interface AttemptTiming {
  /** The whole attempt: request, answer, reading, parsing and writing. */
  readonly durationMs: number;
  /** From sending the request to its response headers; absent when not measured. */
  readonly ttfbMs?: number;
}

/**
 * What the server's latency was estimated from: `ttfb`, the times to first
 * byte; `attempt`, the whole attempts' durations (events or logs without a
 * time to first byte, e.g. written before it was measured), which still hold
 * the reading, parsing and writing of the fastest attempts.
 */
export type ServerLatencySource = "ttfb" | "attempt";

/** The latency of a run's successful attempts, and its parts. Times in ms. */
export interface LatencyBreakdown {
  /** Mean duration of the attempts. */
  readonly meanMs: number;
  /** 95th percentile (nearest rank) of the durations. */
  readonly p95Ms: number;
  /** Mean time to first byte; null when some attempt has none. */
  readonly ttfbMeanMs: number | null;
  /**
   * The server's latency: the {@linkcode SERVER_LATENCY_PERCENTILE}th
   * percentile (nearest rank) of the times to first byte, or of the
   * durations without them.
   */
  readonly serverMs: number;
  /** What `serverMs` was taken from. */
  readonly serverFrom: ServerLatencySource;
  /**
   * `meanMs − serverMs`: what the client added to each request on average.
   * Against a server whose latency varies, it also holds the server's spread
   * above its 10th percentile; against a remote one, the body's transfer.
   */
  readonly clientAddedMs: number;
  /**
   * `meanMs − ttfbMeanMs`: the part of `clientAddedMs` after the headers
   * (reading the body, parsing, writing, and waiting for the event loop
   * meanwhile); null without times to first byte.
   */
  readonly afterHeadersMs: number | null;
}

/** A {@linkcode LatencyBreakdown} where nothing was measured: every field null. */
export type MaybeLatencyBreakdown = {
  readonly [K in keyof LatencyBreakdown]: LatencyBreakdown[K] | null;
};

/**
 * The latency of `attempts`, and the server's part of it.
 *
 * @param attempts the successful request attempts, in any order
 * @returns every field null when there is no attempt
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { latencyBreakdown } from "./server_latency.ts";
 * // A server answering in 50 ms, a client that makes most answers wait.
 * const attempts = Array.from({ length: 10 }, (_, i) => ({
 *   durationMs: i === 0 ? 55 : 70,
 *   ttfbMs: i === 0 ? 50 : 64,
 * }));
 * const latency = latencyBreakdown(attempts);
 * assert.equal(latency.serverMs, 50);
 * assert.equal(latency.serverFrom, "ttfb");
 * assert.equal(latency.clientAddedMs, 18.5);
 * ```
 */
export function latencyBreakdown(attempts: readonly AttemptTiming[]): MaybeLatencyBreakdown {
  if (attempts.length === 0) {
    return {
      meanMs: null,
      p95Ms: null,
      ttfbMeanMs: null,
      serverMs: null,
      serverFrom: null,
      clientAddedMs: null,
      afterHeadersMs: null,
    };
  }
  const durations = attempts.map((a) => a.durationMs);
  const ttfbs = attempts.flatMap((a) => a.ttfbMs === undefined ? [] : [a.ttfbMs]);
  // Only when every attempt has one: a percentile over a part would be of another sample.
  const withTtfb = ttfbs.length === attempts.length;
  const meanMs = _mean(durations);
  const ttfbMeanMs = withTtfb ? _mean(ttfbs) : null;
  const serverMs = nearestRank(withTtfb ? ttfbs : durations, SERVER_LATENCY_PERCENTILE)!;
  return {
    meanMs,
    p95Ms: nearestRank(durations, 95)!,
    ttfbMeanMs,
    serverMs,
    serverFrom: withTtfb ? "ttfb" : "attempt",
    clientAddedMs: Math.max(0, meanMs - serverMs),
    afterHeadersMs: ttfbMeanMs === null ? null : Math.max(0, meanMs - ttfbMeanMs),
  };
}

/**
 * The time to first byte a task's value carries (`ttfbMs`, a finite number
 * of ms at or above 0), read defensively: the executor's values are `unknown`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ttfbOf } from "./server_latency.ts";
 * assert.equal(ttfbOf({ bytes: 10, ttfbMs: 51.5 }), 51.5);
 * assert.equal(ttfbOf({ ttfbMs: "51" }), undefined);
 * assert.equal(ttfbOf(null), undefined);
 * ```
 */
export function ttfbOf(value: unknown): number | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const ttfb = (value as Record<string, unknown>).ttfbMs;
  return typeof ttfb === "number" && Number.isFinite(ttfb) && ttfb >= 0 ? ttfb : undefined;
}

/**
 * The nearest-rank percentile of `values`: the smallest value with at least
 * `p`% of the values at or below it.
 *
 * @param values the sample, in any order
 * @param p the percentile, 0 < p <= 100
 * @returns null for an empty sample
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nearestRank } from "./server_latency.ts";
 * assert.ok(nearestRank([15, 20, 35, 40, 50], 30) === 20);
 * ```
 */
export function nearestRank(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

function _mean(values: readonly number[]): number {
  return values.reduce((sum, n) => sum + n, 0) / values.length;
}
