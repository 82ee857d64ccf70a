/**
 * A run's progress over time and its latency distribution, for the report's
 * charts: a fixed number of values per run however many chapters it had.
 *
 * @module
 */

import type { ServerLatencySource } from "../progress/server_latency.ts";
import type { RateStep } from "./rate_trace.ts";

/** Bins of a run's time axis, at most. */
export const SERIES_BINS = 120;

/** The bin widths a series may take, ms: round numbers on a time axis. */
/**
 * Round durations, ms, from 1 ms to 12 h: the steps of a time axis and the
 * widths of a series' bins.
 */
export const ROUND_DURATIONS_MS: readonly number[] = [
  1,
  2,
  5,
  10,
  20,
  50,
  100,
  200,
  500,
  1000,
  2000,
  5000,
  10_000,
  15_000,
  30_000,
  60_000,
  120_000,
  300_000,
  600_000,
  900_000,
  1_800_000,
  3_600_000,
  7_200_000,
  10_800_000,
  21_600_000,
  43_200_000,
];

// Bins are at most an hour wide; beyond, whole hours.
const _BIN_STEPS = ROUND_DURATIONS_MS.filter((step) => step <= 3_600_000);

/** A run over time and its latency. Times in ms after the run's start. */
export interface RunSeries {
  /** The width of each bin of `imported` and `limitPerSecond`. */
  readonly binMs: number;
  /** Chapters imported (their `task-done`) in each bin, from the start; at most {@linkcode SERIES_BINS}. */
  readonly imported: readonly number[];
  /**
   * The rate limit in each bin (requests/s, time-weighted over the bin), from
   * the run's `rate-change` records; `null` in a bin without any limit.
   * Absent when the run's rate never changed.
   */
  readonly limitPerSecond?: readonly (number | null)[];
  /**
   * The latency the server's latency comes from: `from` says which (`ttfb`,
   * the successful attempts' times to first byte; `attempt`, their
   * durations, for a log without them); `quantiles[q]` is its q-th
   * percentile (nearest rank), q = 0..100. Null when no attempt succeeded.
   */
  readonly latency: {
    readonly from: ServerLatencySource;
    readonly quantiles: readonly number[];
  } | null;
}

/** What {@linkcode runSeries} reads: already collected by the run's measurement. */
export interface RunSeriesInput {
  /** The run's duration, ms. */
  readonly durationMs: number;
  /** When each chapter was imported, ms after the start, in any order. */
  readonly importedAtMs: readonly number[];
  /** The successful attempts' latencies (the sample of the server's latency), and which they are. */
  readonly latency: { readonly from: ServerLatencySource; readonly values: number[] } | null;
  /** The rate in effect at the start and its changes; absent when it never changed. */
  readonly rate?: {
    readonly initial: number | null;
    readonly changes: readonly Pick<RateStep, "atMs" | "ratePerSecond">[];
  };
}

/**
 * The series of a run: its imported chapters in bins of a round width
 * (`binMs`, the smallest of 1 ms, 2, 5, 10 … 1 h that covers the run in
 * {@linkcode SERIES_BINS} bins), the rate limit per bin, and 101 percentiles
 * of its latency. Sorts `latency.values` in place.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runSeries } from "./run_series.ts";
 * const series = runSeries({
 *   durationMs: 400,
 *   importedAtMs: [200, 250, 300, 350],
 *   latency: { from: "ttfb", values: [50, 40, 60, 45] },
 * });
 * assert.equal(series.binMs, 5);
 * assert.equal(series.imported.length, 80);
 * assert.equal(series.imported.reduce((a, b) => a + b), 4);
 * assert.equal(series.latency?.quantiles[0], 40);
 * assert.equal(series.latency?.quantiles[100], 60);
 * ```
 */
export function runSeries(input: RunSeriesInput): RunSeries {
  const end = Math.max(1, input.durationMs);
  const binMs = _BIN_STEPS.find((step) => step * SERIES_BINS >= end) ??
    Math.ceil(end / SERIES_BINS / 3_600_000) * 3_600_000;
  const bins = Math.max(1, Math.ceil(end / binMs));
  const imported = new Array<number>(bins).fill(0);
  // A chapter done at the very end (or a record after run-end) counts in the last bin.
  for (const at of input.importedAtMs) {
    imported[Math.min(bins - 1, Math.max(0, Math.floor(at / binMs)))]++;
  }
  return {
    binMs,
    imported,
    ...(input.rate === undefined
      ? {}
      : { limitPerSecond: limitPerBin(input.rate.initial, input.rate.changes, binMs, bins) }),
    latency: input.latency === null || input.latency.values.length === 0 ? null : {
      from: input.latency.from,
      quantiles: _percentiles(input.latency.values.sort((a, b) => a - b)),
    },
  };
}

/**
 * The rate limit over each of `bins` bins of `binMs`: the time-weighted mean
 * of the limits in effect in the bin, over the part of it that had a limit;
 * `null` for a bin with no limit at any time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { limitPerBin } from "./run_series.ts";
 * const steps = [{ atMs: 150, ratePerSecond: 20 }, { atMs: 300, ratePerSecond: null }];
 * assert.deepEqual(limitPerBin(10, steps, 100, 4), [10, 15, 20, null]);
 * ```
 */
export function limitPerBin(
  initial: number | null,
  changes: readonly Pick<RateStep, "atMs" | "ratePerSecond">[],
  binMs: number,
  bins: number,
): (number | null)[] {
  const steps = [{ atMs: -Infinity, ratePerSecond: initial }, ...changes];
  const limits: (number | null)[] = [];
  let k = 0;
  for (let i = 0; i < bins; i++) {
    const from = i * binMs;
    const to = from + binMs;
    let weighted = 0;
    let limited = 0;
    // Steps are in time order: skip those that ended before this bin.
    while (k + 1 < steps.length && steps[k + 1].atMs <= from) k++;
    for (let j = k; j < steps.length && steps[j].atMs < to; j++) {
      const rate = steps[j].ratePerSecond;
      const overlap = Math.min(to, steps[j + 1]?.atMs ?? Infinity) - Math.max(from, steps[j].atMs);
      if (rate !== null && overlap > 0) {
        weighted += overlap * rate;
        limited += overlap;
      }
    }
    limits.push(limited > 0 ? weighted / limited : null);
  }
  return limits;
}

// The 0th..100th percentiles (nearest rank) of sorted values.
function _percentiles(sorted: readonly number[]): number[] {
  return Array.from(
    { length: 101 },
    (_, q) => sorted[Math.max(1, Math.ceil((q / 100) * sorted.length)) - 1],
  );
}
