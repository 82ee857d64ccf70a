/**
 * How a run's request rate moved, from its `rate-change` log records: the
 * numbers, and a compact text sparkline of them over the run.
 *
 * @module
 */

import type { RateChangeCause } from "../exec/types.ts";
import type { LoggedRateSetting, LogRecord } from "../progress/log_record.ts";

/** One change of the rate, `atMs` after the run started. `null` where there was no limit. */
export interface RateStep extends LoggedRateSetting {
  readonly atMs: number;
  readonly cause: RateChangeCause;
}

/** The rate of a run over time. Rates in requests/s, `null` for no limit. */
export interface RateTrace {
  /** The setting in effect at the start (the profile's), before the first change. */
  readonly initial: LoggedRateSetting;
  /** Every change, in order. */
  readonly changes: readonly RateStep[];
  /** The lowest and highest rate in effect (the profile's own included when it was for a while). */
  readonly minPerSecond: number | null;
  readonly maxPerSecond: number | null;
  /** The rate at the end. */
  readonly lastPerSecond: number | null;
  /** {@linkcode rateSparkline} of the run. */
  readonly sparkline: string;
}

/** The bars of a sparkline, lowest first. */
const _BARS = "▁▂▃▄▅▆▇█";
/** Characters in a sparkline. */
export const SPARKLINE_WIDTH = 24;

/**
 * The rate trace of one run's records (the first being its `run-start`), over
 * `durationMs`; null when the run's rate never changed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rateTrace } from "./rate_trace.ts";
 * const stamp = (at: number) => ({ time: new Date(at).toISOString(), at });
 * const change = (at: number, from: number, to: number) => ({
 *   type: "rate-change" as const, ...stamp(at), cause: "slow-start" as const, reason: "",
 *   from: { ratePerSecond: from, maxInFlight: 1 }, to: { ratePerSecond: to, maxInFlight: 4 },
 * });
 * const trace = rateTrace([change(0, 10, 20), change(500, 20, 40)], 1000)!;
 * assert.equal(trace.changes[1].atMs, 500);
 * assert.equal(trace.maxPerSecond, 40);
 * assert.equal(trace.sparkline, "▁▁▁▁▁▁▁▁▁▁▁▁████████████");
 * ```
 */
export function rateTrace(records: readonly LogRecord[], durationMs: number): RateTrace | null {
  const start = records[0]?.at ?? 0;
  const changes: RateStep[] = [];
  let initial: LoggedRateSetting | undefined;
  for (const record of records) {
    if (record.type !== "rate-change") continue;
    initial ??= record.from;
    changes.push({ atMs: record.at - start, ...record.to, cause: record.cause });
  }
  if (initial === undefined) return null;
  // The profile's own rate counts when it was in effect for a while (as in
  // the sparkline), e.g. a fixed profile capped at the first answer.
  const rates = [
    ...(changes[0].atMs > 0 ? [initial.ratePerSecond] : []),
    ...changes.map((c) => c.ratePerSecond),
  ];
  const finite = rates.filter((r): r is number => r !== null);
  return {
    initial,
    changes,
    minPerSecond: finite.length < rates.length || finite.length === 0 ? null : Math.min(...finite),
    maxPerSecond: finite.length < rates.length || finite.length === 0 ? null : Math.max(...finite),
    lastPerSecond: rates[rates.length - 1],
    sparkline: rateSparkline(initial.ratePerSecond, changes, durationMs),
  };
}

/**
 * A sparkline of a rate that starts at `initial` and changes at `changes`,
 * over `durationMs` in `width` characters: each the time-weighted mean rate
 * of its slice of the run, from `▁` (the lowest rate set) to `█` (the
 * highest; a rate without limit counts as the highest). A rate that never
 * moved is all `█`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rateSparkline } from "./rate_trace.ts";
 * const steps = [{ atMs: 2000, ratePerSecond: 5 }, { atMs: 3000, ratePerSecond: 40 }];
 * assert.equal(rateSparkline(40, steps, 4000, 4), "██▁█");
 * ```
 */
export function rateSparkline(
  initial: number | null,
  changes: readonly { readonly atMs: number; readonly ratePerSecond: number | null }[],
  durationMs: number,
  width = SPARKLINE_WIDTH,
): string {
  const steps = [{ atMs: -Infinity, ratePerSecond: initial }, ...changes];
  // The rates in effect at some time of the run (not one replaced at its very start).
  const finite = steps.filter((_, k) => (steps[k + 1]?.atMs ?? Infinity) > 0)
    .map((s) => s.ratePerSecond).filter((r): r is number => r !== null);
  const top = finite.length === 0 ? 1 : Math.max(...finite);
  const bottom = finite.length === 0 ? top : Math.min(...finite);
  const rateOf = (r: number | null) => (r === null ? top : r);
  const end = Math.max(durationMs, changes[changes.length - 1]?.atMs ?? 0, 1);
  let line = "";
  for (let i = 0; i < width; i++) {
    const from = (end * i) / width;
    const to = (end * (i + 1)) / width;
    let weighted = 0;
    steps.forEach((step, k) => {
      const stepEnd = steps[k + 1]?.atMs ?? Infinity;
      const overlap = Math.min(to, stepEnd) - Math.max(from, step.atMs);
      if (overlap > 0) weighted += overlap * rateOf(step.ratePerSecond);
    });
    const mean = weighted / (to - from);
    const level = top > bottom
      ? Math.round(((mean - bottom) / (top - bottom)) * (_BARS.length - 1))
      : _BARS.length - 1;
    line += _BARS[Math.max(0, Math.min(_BARS.length - 1, level))];
  }
  return line;
}
