/**
 * The report's charts of measured runs, as SVG: chapters imported over time,
 * the import rate against the rate limit, and the latency distribution. Each
 * draws one line per run from its {@linkcode RunSeries}, so its size depends
 * on the runs, never on their chapters.
 *
 * @module
 */

import { formatDuration } from "../exec/format_duration.ts";
import type { MeasuredRun } from "./measure_run.ts";
import { logLabel, rateRange } from "./render_report.ts";
import { type RunSeries, SERIES_BINS } from "./run_series.ts";
import { type Plot, type PlotLine, type PlotMarker, plotSvg } from "./svg_plot.ts";

/** The charts of the report, as `--chart` names them. */
export const CHART_KINDS = ["chapters", "rate", "latency"] as const;

/** One of {@linkcode CHART_KINDS}. */
export type ChartKind = (typeof CHART_KINDS)[number];

/** Bins of the rate chart at most: a coarser cut of the series, so one chapter is no spike. */
export const RATE_BINS = 30;

const _PLOTS: { readonly [K in ChartKind]: (runs: readonly MeasuredRun[]) => Plot } = {
  chapters: chaptersPlot,
  rate: ratePlot,
  latency: latencyPlot,
};

/**
 * One chart of the runs as a standalone SVG document.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderChart } from "./charts.ts";
 * assert.match(renderChart("chapters", []), /<title id="chart-chapters-title">Chapters imported over time<\/title>/);
 * ```
 */
export function renderChart(kind: ChartKind, runs: readonly MeasuredRun[]): string {
  return plotSvg(chartPlot(kind, runs));
}

/** What {@linkcode renderChart} draws: the plot of one chart, its description included. */
export function chartPlot(kind: ChartKind, runs: readonly MeasuredRun[]): Plot {
  return _PLOTS[kind](runs);
}

/**
 * The legend label of each run: its profile's name, and its log (`file#n`)
 * when another run has the same profile name.
 */
export function runLabels(runs: readonly MeasuredRun[]): string[] {
  const names = runs.map((run) => run.profile.name);
  const repeated = new Set(names.filter((name, i) => names.indexOf(name) !== i));
  return runs.map((run) =>
    repeated.has(run.profile.name) ? `${run.profile.name} · ${logLabel(run)}` : run.profile.name
  );
}

/** Chapters imported so far against time since the run's start, one line per run. */
export function chaptersPlot(runs: readonly MeasuredRun[]): Plot {
  const labels = runLabels(runs);
  const lines: PlotLine[] = runs.map((run, series) => {
    const { binMs, imported } = run.series;
    let total = 0;
    const points: [number, number][] = [[0, 0]];
    imported.forEach((count, i) => {
      total += count;
      points.push([Math.min((i + 1) * binMs, Math.max(run.durationMs, i * binMs)), total]);
    });
    return {
      series,
      role: "series",
      points,
      title: `${labels[series]}: ${total} chapters in ${formatDuration(run.durationMs)}`,
    };
  });
  return {
    id: "chart-chapters",
    title: "Chapters imported over time",
    description: `Chapters imported (cumulative) against time since each run's start, ` +
      `one line per run, in bins of the run's length / ${SERIES_BINS} or less.`,
    x: { title: "time since start", kind: "time", max: _maxOf(runs.map((r) => r.durationMs)) },
    y: { title: "chapters imported", max: _maxOf(runs.map((r) => r.chapters.imported)) },
    lines,
    legend: labels,
  };
}

/**
 * Chapters imported per second in at most {@linkcode RATE_BINS} bins of each
 * run, and, dashed, the rate limit in effect where the run's rate changed.
 */
export function ratePlot(runs: readonly MeasuredRun[]): Plot {
  const labels = runLabels(runs);
  const lines: PlotLine[] = [];
  let top = 0;
  runs.forEach((run, series) => {
    const points = rateBins(run.series, run.durationMs).map(
      ({ fromMs, toMs, perSecond }) => [(fromMs + toMs) / 2, perSecond] as [number, number],
    );
    top = Math.max(top, ...points.map(([, y]) => y));
    lines.push({
      series,
      role: "series",
      points,
      title: `${labels[series]}: ${run.chaptersPerSecond.toFixed(1)} chapters/s over the run`,
    });
    const limits = run.series.limitPerSecond;
    if (limits === undefined) return;
    // A step line: flat over each bin, a gap where there was no limit.
    const step: ([number, number] | null)[] = [];
    limits.forEach((limit, i) => {
      if (limit === null) return void step.push(null);
      top = Math.max(top, limit);
      const from = i * run.series.binMs;
      step.push([from, limit], [Math.min(from + run.series.binMs, run.durationMs), limit]);
    });
    lines.push({
      series,
      role: "limit",
      points: step,
      title: `${labels[series]}: rate limit ${rateRange(run.rate!)}`,
    });
  });
  return {
    id: "chart-rate",
    title: "Import rate over time",
    description: `Chapters imported per second against time since each run's start, in ` +
      `${RATE_BINS} bins of each run or fewer; dashed, the rate limit (requests/s) where ` +
      `the run's rate changed (an adaptive profile, a limit the server announced).`,
    x: { title: "time since start", kind: "time", max: _maxOf(runs.map((r) => r.durationMs)) },
    y: { title: "per second", max: top },
    lines,
    legend: labels,
    styleLegend: runs.some((r) => r.series.limitPerSecond !== undefined)
      ? [{ role: "series", label: "chapters imported/s" }, { role: "limit", label: "rate limit" }]
      : [],
  };
}

/** A bin of the rate chart: chapters imported per second from `fromMs` to `toMs`. */
export interface RateBin {
  readonly fromMs: number;
  readonly toMs: number;
  readonly perSecond: number;
}

/**
 * The series' imported chapters regrouped into at most {@linkcode RATE_BINS}
 * bins, each as chapters per second over its part of the run (the last bin
 * ends with the run; cut to less than half a bin, it joins the one before).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rateBins } from "./charts.ts";
 * const series = { binMs: 100, imported: [1, 2, 3], latency: null };
 * assert.deepEqual(rateBins(series, 250), [
 *   { fromMs: 0, toMs: 100, perSecond: 10 },
 *   { fromMs: 100, toMs: 200, perSecond: 20 },
 *   { fromMs: 200, toMs: 250, perSecond: 60 },
 * ]);
 * // Cut to 20 ms, the last bin joins the one before: 5 chapters in 120 ms.
 * assert.deepEqual(rateBins(series, 220), [
 *   { fromMs: 0, toMs: 100, perSecond: 10 },
 *   { fromMs: 100, toMs: 220, perSecond: 5 / 0.12 },
 * ]);
 * ```
 */
export function rateBins(series: RunSeries, durationMs: number): RateBin[] {
  const group = Math.max(1, Math.ceil(series.imported.length / RATE_BINS));
  const width = group * series.binMs;
  const bins: RateBin[] = [];
  for (let i = 0; i < series.imported.length; i += group) {
    const fromMs = (i / group) * width;
    // Every bin starts before the run's end (the series' bins cover it): none is empty.
    const toMs = Math.min(fromMs + width, Math.max(durationMs, 1));
    const count = series.imported.slice(i, i + group).reduce((a, b) => a + b, 0);
    bins.push({ fromMs, toMs, perSecond: count / ((toMs - fromMs) / 1000) });
  }
  // A last bin cut short by the run's end joins the one before: a few chapters
  // done in its sliver would read as a spike.
  const last = bins[bins.length - 1];
  if (bins.length > 1 && last.toMs - last.fromMs < width / 2) {
    const before = bins[bins.length - 2];
    const count = (before.perSecond * (before.toMs - before.fromMs) +
      last.perSecond * (last.toMs - last.fromMs)) / 1000;
    bins.splice(-2, 2, {
      fromMs: before.fromMs,
      toMs: last.toMs,
      perSecond: count / ((last.toMs - before.fromMs) / 1000),
    });
  }
  return bins;
}

/**
 * The cumulative distribution of each run's successful attempts' time to
 * first byte (their durations for a log without it: the sample the server's
 * latency comes from), with a dot at the server's latency the minimum uses:
 * its 10th percentile.
 */
export function latencyPlot(runs: readonly MeasuredRun[]): Plot {
  const labels = runLabels(runs);
  const lines: PlotLine[] = [];
  const markers: PlotMarker[] = [];
  // The x axis ends at the slowest run's 99th percentile: one slow outlier would squash the rest.
  const right = _maxOf(runs.map((r) => r.series.latency?.quantiles[99] ?? 0));
  runs.forEach((run, series) => {
    const latency = run.series.latency;
    if (latency === null) return;
    const from = latency.from === "ttfb" ? "time to first byte" : "attempt duration";
    lines.push({
      series,
      role: "series",
      points: latency.quantiles.flatMap((ms, q) =>
        ms <= right ? [[ms, q] as [number, number]] : []
      ),
      title: `${labels[series]}: ${from}, median ${formatDuration(latency.quantiles[50])}, ` +
        `p95 ${formatDuration(latency.quantiles[95])}`,
    });
    if (run.latency.serverMs !== null) {
      markers.push({
        series,
        at: [run.latency.serverMs, 10],
        title: `${labels[series]}: server latency ${
          formatDuration(run.latency.serverMs)
        } (${run.latency.serverFrom}), the minimum's L`,
      });
    }
  });
  const fallback = runs.some((r) => r.series.latency?.from === "attempt");
  return {
    id: "chart-latency",
    title: "Latency of the successful requests",
    description: `Cumulative distribution of each run's successful attempts' time to first ` +
      `byte${fallback ? " (their whole duration for a log without it, marked (attempt))" : ""}, ` +
      `up to the slowest run's 99th percentile; the dot on each line is the server's latency ` +
      `the theoretical minimum uses, its 10th percentile.`,
    x: {
      title: fallback ? "time to first byte or attempt" : "time to first byte",
      kind: "time",
      max: right,
    },
    y: { title: "attempts at or below (%)", max: 100 },
    lines,
    markers,
    guide: { y: 10, label: "p10: the server's latency" },
    legend: runs.map((run, i) =>
      run.series.latency === null
        ? `${labels[i]} (no successful attempt)`
        : run.series.latency.from === "attempt"
        ? `${labels[i]} (attempt)`
        : labels[i]
    ),
  };
}

function _maxOf(values: readonly number[]): number {
  return values.reduce((a, b) => Math.max(a, b), 0);
}
