/**
 * The report as one self-contained HTML page: the efficiency table and the
 * charts, with inline CSS and SVG, no script and no external resource, so it
 * opens offline and can be mailed or kept as one file.
 *
 * @module
 */

import { CHART_KINDS, chartPlot, runLabels } from "./charts.ts";
import type { ReportRow } from "./compare_runs.ts";
import { logLabel, reportTable } from "./render_report.ts";
import { escapeXml, plotSvg } from "./svg_plot.ts";

/** Options of {@linkcode renderHtml}. */
export interface RenderHtmlOptions {
  /** The page's title. @default "Import report" */
  readonly title?: string;
  /** When the page was made, shown under the title; left out when not given (pages compare as text). */
  readonly generatedAt?: Date;
}

const _STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222;
  margin: 2rem auto; max-width: 1100px; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; }
h2 { font-size: 1.15rem; margin-top: 2rem; }
p.meta { color: #555; margin-top: 0; }
.table { overflow-x: auto; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: .3rem .6rem; border-bottom: 1px solid #ddd; white-space: nowrap; }
th { background: #f4f4f4; text-align: left; }
td.right, th.right { text-align: right; }
figure { margin: 1.5rem 0; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: #555; max-width: 720px; }
`.trim();

/**
 * The page of the report of `rows`: the table (the columns and cells of the
 * Markdown report), then the chapters, rate and latency charts, each with
 * its caption. Its size grows with the runs, not with their chapters.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderHtml } from "./render_html.ts";
 * const page = renderHtml([]);
 * assert.ok(page.startsWith("<!DOCTYPE html>"));
 * assert.ok(!page.includes("<script"));
 * ```
 */
export function renderHtml(rows: readonly ReportRow[], options: RenderHtmlOptions = {}): string {
  const title = options.title ?? "Import report";
  const table = reportTable(rows, { layout: "markdown" });
  const head = table.columns.map((c) =>
    `<th scope="col"${c.align === "right" ? ` class="right"` : ""}>${escapeXml(c.header)}</th>`
  ).join("");
  const body = table.rows.map((cells) =>
    `<tr>${
      cells.map((cell, i) =>
        `<td${table.columns[i].align === "right" ? ` class="right"` : ""}>${escapeXml(cell)}</td>`
      ).join("")
    }</tr>`
  ).join("\n");
  // The baseline by the name the legends give it, not its whole path.
  const labels = runLabels(rows);
  const id = rows.find((row) => row.baseline !== null)?.baseline;
  const baseline = rows.findIndex((row) => `${row.log}#${row.run}` === id);
  const meta = [
    `${rows.length} run${rows.length === 1 ? "" : "s"}`,
    ...(baseline < 0 ? [] : [`speedup against ${labels[baseline]} (${logLabel(rows[baseline])})`]),
    ...(options.generatedAt === undefined ? [] : [`made ${options.generatedAt.toISOString()}`]),
  ].join(" · ");
  const figures = CHART_KINDS.map((kind) => {
    const plot = chartPlot(kind, rows);
    return `<figure>\n${plotSvg(plot)}<figcaption>${
      escapeXml(plot.description)
    }</figcaption>\n</figure>`;
  });
  return [
    "<!DOCTYPE html>",
    `<html lang="en">`,
    "<head>",
    `<meta charset="utf-8">`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<title>${escapeXml(title)}</title>`,
    `<style>\n${_STYLE}\n</style>`,
    "</head>",
    "<body>",
    `<h1>${escapeXml(title)}</h1>`,
    `<p class="meta">${escapeXml(meta)}</p>`,
    "<h2>Speed and efficiency</h2>",
    `<div class="table"><table>`,
    `<thead><tr>${head}</tr></thead>`,
    `<tbody>\n${body}\n</tbody>`,
    "</table></div>",
    "<h2>Charts</h2>",
    ...figures,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}
