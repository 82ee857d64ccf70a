/**
 * Renders report rows as an aligned text table, a Markdown table or JSON.
 *
 * @module
 */

import { formatCount, formatDuration } from "../progress/format.ts";
import type { ReportRow } from "./compare_runs.ts";
import type { RateTrace } from "./rate_trace.ts";

/** The output formats of the report. */
export const REPORT_FORMATS = ["table", "markdown", "json"] as const;

/** One of {@linkcode REPORT_FORMATS}. */
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Options of {@linkcode renderReport}. */
export interface RenderReportOptions {
  readonly format: ReportFormat;
  /**
   * Add a last column naming each run's log file (and `#n` for the n-th run of
   * a log holding several) when the profile names alone do not tell the rows
   * apart. Ignored by `json`, which always has `log` and `run`.
   * @default true
   */
  readonly logColumn?: boolean;
}

interface _Column {
  readonly header: string;
  readonly align: "left" | "right";
  readonly cell: (row: ReportRow) => string;
  /** A count the text table leaves out when it is 0 in every row. */
  readonly zeroHidden?: boolean;
  /** Left out of the text table, lowest first, while it is wider than {@linkcode REPORT_WIDTH}. */
  readonly fitOrder?: number;
  /** With `fitOrder`: left out only when it holds the same value in every row. */
  readonly onlyIfSame?: boolean;
  /** A narrower form the text table takes first when it is too wide. */
  readonly compact?: _Column;
}

/** The width the text table fits in when it can: a terminal, less than a screen's half. */
export const REPORT_WIDTH = 100;

const _COLUMNS: readonly _Column[] = [
  { header: "profile", align: "left", cell: (r) => r.profile.name },
  {
    header: "selection",
    align: "left",
    cell: (r) => r.selection.join(","),
    fitOrder: 3,
    onlyIfSame: true,
  },
  {
    header: "chapters",
    align: "right",
    cell: (r) => formatCount(r.chapters.imported),
    fitOrder: 5,
    onlyIfSame: true,
  },
  { header: "duration", align: "right", cell: (r) => formatDuration(r.durationMs) },
  {
    header: "ch/s",
    align: "right",
    cell: (r) => r.chaptersPerSecond.toFixed(1),
    fitOrder: 6,
  },
  {
    header: "speedup",
    align: "right",
    cell: (r) => r.speedup === null ? "—" : `${r.speedup.toFixed(2)}x`,
  },
  { header: "requests", align: "right", cell: (r) => formatCount(r.requests) },
  { header: "retries", align: "right", cell: (r) => formatCount(r.retries), zeroHidden: true },
  { header: "429s", align: "right", cell: (r) => formatCount(r.status429), zeroHidden: true },
  {
    header: "failed",
    align: "right",
    cell: (r) => formatCount(r.chapters.failed),
    zeroHidden: true,
  },
  {
    header: "latency",
    align: "right",
    cell: (r) => r.latencyMeanMs === null ? "—" : formatDuration(r.latencyMeanMs),
  },
  {
    // The minimum's L, and what it was taken from: `ttfb`, or `attempt` for
    // a log without times to first byte.
    header: "server",
    align: "right",
    fitOrder: 2,
    cell: (r) =>
      r.latency.serverMs === null
        ? "—"
        : `${formatDuration(r.latency.serverMs)} (${r.latency.serverFrom})`,
  },
  {
    header: "+client",
    align: "right",
    fitOrder: 1,
    cell: (r) =>
      r.latency.clientAddedMs === null ? "—" : `+${formatDuration(r.latency.clientAddedMs)}`,
  },
  {
    header: "minimum",
    align: "right",
    cell: (r) => r.bound === null ? "—" : `${formatDuration(r.bound.ms)} (${r.bound.limitedBy})`,
  },
  {
    header: "eff.",
    align: "right",
    cell: (r) => r.efficiency === null ? "—" : `${(r.efficiency * 100).toFixed(1)}%`,
  },
  {
    header: "canon",
    align: "right",
    fitOrder: 4,
    cell: (r) => r.canonEstimateMs === null ? "—" : formatDuration(r.canonEstimateMs),
  },
  { header: "note", align: "left", cell: runNote },
];

/** Shown only when some run's rate changed: a sparkline and the range. */
const _RATE_COLUMN: _Column = {
  header: "rate",
  align: "left",
  cell: (r) => r.rate === null ? "—" : `${r.rate.sparkline} ${rateRange(r.rate)}`,
  compact: {
    header: "rate",
    align: "left",
    cell: (r) => r.rate === null ? "—" : rateRange(r.rate),
  },
};

const _LOG_COLUMN: _Column = { header: "log", align: "left", cell: logLabel };

/**
 * A run's log as the report names it: the file's name, and `#n` for the n-th
 * run of a log holding several.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { logLabel } from "./render_report.ts";
 * assert.equal(logLabel({ log: "data/.import/runs/a.ndjson", run: 2 }), "a.ndjson#2");
 * ```
 */
export function logLabel(run: { readonly log: string; readonly run: number }): string {
  return `${run.log.split(/[\\/]/).pop()}${run.run > 1 ? `#${run.run}` : ""}`;
}

/**
 * What is unusual about a run, for the `note` column: `interrupted` (its
 * summary says so), `no run-end` (the process died before writing it),
 * `torn last line`; empty when nothing is.
 */
export function runNote(row: ReportRow): string {
  const notes: string[] = [];
  if (row.interrupted) notes.push("interrupted");
  if (!row.ended) notes.push("no run-end");
  if (row.tornLastLine) notes.push("torn last line");
  return notes.join("; ");
}

/**
 * Renders the rows; text formats end with a newline.
 *
 * - `table`: columns aligned with spaces, numbers to the right;
 * - `markdown`: a table as `deno fmt` lays it out, ready to paste;
 * - `json`: `{ "runs": [...] }`, every field of every row (an unlimited
 *   rate in `bound.rate` is `null`), with each rate change in `rate.changes`.
 *
 * When some run's rate changed (an adaptive profile, an announced limit), the
 * text formats add a `rate` column before `note`: a sparkline of the rate over
 * the run and the range of the rates set, e.g. `▃▆██▇▇▇▇ 10.0-40.1/s`.
 *
 * Both text formats leave out a column that is empty (or `—`) in every row.
 * The `table` also leaves out retries, 429s and failed when they are 0 in
 * every row, and then, while it is wider than {@linkcode REPORT_WIDTH}, what
 * the JSON and Markdown still hold: the client's added latency, the server's
 * latency, the selection when it is the same in every row, the whole-canon
 * estimate, the chapters when the same in every row, chapters per second;
 * and the rate column shows the range alone.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderReport } from "./render_report.ts";
 * assert.equal(renderReport([], { format: "json" }), '{\n  "runs": []\n}\n');
 * ```
 */
export function renderReport(rows: readonly ReportRow[], options: RenderReportOptions): string {
  if (options.format === "json") return JSON.stringify({ runs: rows }, null, 2) + "\n";
  const table = reportTable(rows, { ...options, layout: options.format });
  const columns = table.columns;
  const cells = [columns.map((c) => c.header), ...table.rows];
  if (options.format === "markdown") {
    const escaped = cells.map((line) => line.map((cell) => cell.replaceAll("|", "\\|")));
    const widths = _widths(escaped, 3);
    const rule = columns.map((c, i) =>
      c.align === "right" ? "-".repeat(widths[i] - 1) + ":" : "-".repeat(widths[i])
    );
    const lines = [escaped[0], rule, ...escaped.slice(1)].map((line, n) =>
      "| " + line.map((cell, i) => n === 1 ? cell : _pad(cell, widths[i], columns[i].align))
        .join(" | ") +
      " |"
    );
    return lines.join("\n") + "\n";
  }
  const widths = _widths(cells, 0);
  return cells.map((line) =>
    line.map((cell, i) => _pad(cell, widths[i], columns[i].align)).join("  ").trimEnd()
  ).join("\n") + "\n";
}

/** Options of {@linkcode reportTable}. */
export interface ReportTableOptions extends Pick<RenderReportOptions, "logColumn"> {
  /**
   * `table`: the columns the text table prints (fitted to {@linkcode REPORT_WIDTH});
   * `markdown`: every column with a figure in some row, as Markdown and HTML print them.
   */
  readonly layout: "table" | "markdown";
}

/** The report's table: its columns and each row's cells, as the text formats print them. */
export interface ReportTable {
  readonly columns: readonly { readonly header: string; readonly align: "left" | "right" }[];
  /** One line per row, a cell per column. */
  readonly rows: readonly (readonly string[])[];
}

/**
 * The columns and cells of the report of `rows` (see {@linkcode renderReport}
 * for which columns each layout keeps), for a format that lays them out its
 * own way.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reportTable } from "./render_report.ts";
 * assert.deepEqual(reportTable([], { layout: "markdown" }).rows, []);
 * ```
 */
export function reportTable(rows: readonly ReportRow[], options: ReportTableOptions): ReportTable {
  const rate = rows.some((row) => row.rate !== null) ? [_RATE_COLUMN] : [];
  const names = rows.map((row) => row.profile.name);
  const log = options.logColumn === false || new Set(names).size === names.length
    ? []
    : [_LOG_COLUMN];
  const columns = _fit(
    [..._COLUMNS.slice(0, -1), ...rate, ..._COLUMNS.slice(-1), ...log],
    rows,
    options.layout,
  );
  return {
    columns: columns.map(({ header, align }) => ({ header, align })),
    rows: rows.map((row) => columns.map((c) => c.cell(row))),
  };
}

// The columns worth printing: none empty in every row; the table's within REPORT_WIDTH if it can.
function _fit(
  columns: readonly _Column[],
  rows: readonly ReportRow[],
  format: "table" | "markdown",
): _Column[] {
  const cellsOf = (column: _Column) => rows.map(column.cell);
  const blank = (cell: string) => cell === "" || cell === "—";
  let kept = columns.filter((column) => rows.length === 0 || !cellsOf(column).every(blank));
  if (format === "markdown") return kept;
  kept = kept.filter((column) => !column.zeroHidden || cellsOf(column).some((c) => c !== "0"));
  const width = (list: readonly _Column[]) =>
    list.reduce(
      (sum, column) =>
        sum + Math.max(column.header.length, ...cellsOf(column).map((c) => c.length)),
      2 * (list.length - 1),
    );
  if (width(kept) > REPORT_WIDTH) kept = kept.map((column) => column.compact ?? column);
  const droppable = kept.filter((column) =>
    column.fitOrder !== undefined &&
    (!column.onlyIfSame || new Set(cellsOf(column)).size <= 1)
  ).sort((a, b) => a.fitOrder! - b.fitOrder!);
  for (const column of droppable) {
    if (width(kept) <= REPORT_WIDTH) break;
    kept = kept.filter((c) => c !== column);
  }
  return kept;
}

/** The range of the rates a run had, `10.0-40.1/s`; `unlimited at times` when some had no limit. */
export function rateRange(rate: RateTrace): string {
  const { minPerSecond: min, maxPerSecond: max } = rate;
  if (min === null || max === null) return "unlimited at times";
  return min === max ? `${min.toFixed(1)}/s` : `${min.toFixed(1)}-${max.toFixed(1)}/s`;
}

function _widths(cells: readonly (readonly string[])[], min: number): number[] {
  return cells[0].map((_, i) => Math.max(min, ...cells.map((line) => line[i].length)));
}

function _pad(cell: string, width: number, align: "left" | "right"): string {
  return align === "right" ? cell.padStart(width) : cell.padEnd(width);
}
