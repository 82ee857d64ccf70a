/**
 * A line plot as an SVG string: two linear axes with round ticks and titles,
 * grid lines, lines and markers, a legend and a title. Styled by presentation
 * attributes alone, so the same SVG reads the same in a page or on its own.
 *
 * @module
 */

import { ROUND_DURATIONS_MS } from "./run_series.ts";

/** Plot size, px. */
export const PLOT_WIDTH = 720;
const _MARGIN = { left: 64, right: 24, top: 40, bottom: 52 } as const;
const _PLOT_HEIGHT = 240;
const _LEGEND_ROW = 18;
const _LEGEND_ITEM = 236;

/** A line colour per series, in order (Okabe-Ito, told apart with colour blindness), then again. */
export const SERIES_COLORS = [
  "#0072b2",
  "#d55e00",
  "#009e73",
  "#cc79a7",
  "#e69f00",
  "#56b4e9",
  "#000000",
] as const;

/** One axis: its title, and its range from 0. */
export interface PlotAxis {
  readonly title: string;
  /** The largest value shown; the axis ends at the first tick at or above it. */
  readonly max: number;
  /** `time`: ms, ticked at round durations and labelled in one unit (named in the title). @default "number" */
  readonly kind?: "number" | "time";
}

/** A line of the plot: points in axis units; `null` breaks the line. */
export interface PlotLine {
  readonly points: readonly ([number, number] | null)[];
  /** The index of the series (its colour, its legend entry). */
  readonly series: number;
  /** `series`: the series' data (one per series); `limit`: a dashed line beside it. */
  readonly role: "series" | "limit";
  /** Its tooltip. */
  readonly title: string;
}

/** A marker: a dashed drop line from the x axis to a point, with a dot there. */
export interface PlotMarker {
  readonly at: [number, number];
  readonly series: number;
  readonly title: string;
}

/** What {@linkcode plotSvg} draws. */
export interface Plot {
  /** Unique in a page: the prefix of the SVG's element ids. */
  readonly id: string;
  readonly title: string;
  /** A sentence on what is drawn, for the SVG's `<desc>`. */
  readonly description: string;
  readonly x: PlotAxis;
  readonly y: PlotAxis;
  readonly lines: readonly PlotLine[];
  readonly markers?: readonly PlotMarker[];
  /** A dotted horizontal guide across the plot at `y`, labelled. */
  readonly guide?: { readonly y: number; readonly label: string };
  /** The legend's labels, one per series. */
  readonly legend: readonly string[];
  /** Legend entries for the line styles, after the series': e.g. `["rate limit"]` for `limit` lines. */
  readonly styleLegend?: readonly { readonly role: PlotLine["role"]; readonly label: string }[];
}

/** Round tick values from 0, ending at or above `max`, and the unit of a time axis. */
export interface Ticks {
  readonly values: readonly number[];
  readonly label: (value: number) => string;
  /** For a time axis: `ms`, `s`, `min` or `h`; empty for a number axis. */
  readonly unit: string;
}

const _TIME_STEPS = ROUND_DURATIONS_MS;
const _TIME_UNITS = [[3_600_000, "h"], [60_000, "min"], [1000, "s"], [1, "ms"]] as const;

/**
 * Ticks for an axis from 0 to `max`: 4 to 8 of them at steps of 1, 2 or 5
 * times a power of ten (a number), or at round durations (ms).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ticks } from "./svg_plot.ts";
 * assert.deepEqual(ticks(1584, "number").values, [0, 500, 1000, 1500, 2000]);
 * const time = ticks(95_000, "time");
 * assert.deepEqual(time.values.map(time.label), ["0", "0.5", "1", "1.5", "2"]);
 * assert.equal(time.unit, "min");
 * ```
 */
export function ticks(max: number, kind: "number" | "time"): Ticks {
  const top = Number.isFinite(max) && max > 0 ? max : 1;
  let step: number;
  if (kind === "time") {
    step = _TIME_STEPS.find((s) => top / s <= 6) ??
      Math.ceil(top / 6 / 43_200_000) * 43_200_000;
  } else {
    const power = 10 ** Math.floor(Math.log10(top / 6));
    step = [1, 2, 5, 10].map((m) => m * power).find((s) => top / s <= 6)!;
  }
  const count = Math.ceil(top / step - 1e-9);
  const values = Array.from({ length: count + 1 }, (_, i) => i * step);
  if (kind === "number") {
    const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
    return {
      values,
      unit: "",
      label: (v) => decimals === 0 ? _thousands(v) : v.toFixed(decimals),
    };
  }
  const last = values[values.length - 1];
  const [scale, unit] = _TIME_UNITS.find(([s]) => last >= 2 * s) ?? _TIME_UNITS[3];
  return { values, unit, label: (v) => _trim(v / scale) };
}

/**
 * The plot as a standalone SVG document (no XML declaration, so it also
 * inlines in HTML): a `<title>`, a `<desc>`, a `<g data-axis="x|y">` per axis,
 * a `<path data-role="series|limit" data-series="i">` per line, markers, and
 * a legend.
 */
export function plotSvg(plot: Plot): string {
  const xTicks = ticks(plot.x.max, plot.x.kind ?? "number");
  const yTicks = ticks(plot.y.max, plot.y.kind ?? "number");
  const xMax = xTicks.values[xTicks.values.length - 1];
  const yMax = yTicks.values[yTicks.values.length - 1];
  const left = _MARGIN.left;
  const top = _MARGIN.top;
  const width = PLOT_WIDTH - _MARGIN.left - _MARGIN.right;
  const bottom = top + _PLOT_HEIGHT;
  const sx = (v: number) => _n(left + (Math.min(v, xMax) / xMax) * width);
  const sy = (v: number) => _n(bottom - (Math.min(v, yMax) / yMax) * _PLOT_HEIGHT);
  const legend = [
    ...plot.legend.map((label, series) => ({ label, series, role: "series" as const })),
    ...(plot.styleLegend ?? []).map((s) => ({ ...s, series: -1 })),
  ];
  const perRow = Math.floor((PLOT_WIDTH - left) / _LEGEND_ITEM);
  const legendTop = bottom + _MARGIN.bottom + 10;
  const height = legendTop + Math.ceil(legend.length / perRow) * _LEGEND_ROW + 8;
  const titleId = `${plot.id}-title`;
  const descId = `${plot.id}-desc`;
  const unit = (axis: PlotAxis, t: Ticks) =>
    t.unit === "" ? axis.title : `${axis.title} (${t.unit})`;

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" id="${
      escapeXml(plot.id)
    }" viewBox="0 0 ${PLOT_WIDTH} ${height}" ` +
    `width="${PLOT_WIDTH}" height="${height}" role="img" aria-labelledby="${titleId} ${descId}" ` +
    `font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="12" fill="#222">`,
    `<title id="${titleId}">${escapeXml(plot.title)}</title>`,
    `<desc id="${descId}">${escapeXml(plot.description)}</desc>`,
    `<rect width="${PLOT_WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="${left}" y="24" font-size="15" font-weight="600">${escapeXml(plot.title)}</text>`,
    // The y axis: grid lines at its ticks, labels to their left, the title turned.
    `<g data-axis="y">`,
    ...yTicks.values.map((v) =>
      `<line x1="${left}" x2="${left + width}" y1="${sy(v)}" y2="${sy(v)}" stroke="#e4e4e4"/>` +
      `<text x="${left - 6}" y="${_n(sy(v) + 4)}" text-anchor="end">${yTicks.label(v)}</text>`
    ),
    `<line x1="${left}" x2="${left}" y1="${top}" y2="${bottom}" stroke="#444"/>`,
    `<text transform="translate(16 ${
      _n(top + _PLOT_HEIGHT / 2)
    }) rotate(-90)" text-anchor="middle">${escapeXml(unit(plot.y, yTicks))}</text>`,
    `</g>`,
    `<g data-axis="x">`,
    `<line x1="${left}" x2="${left + width}" y1="${bottom}" y2="${bottom}" stroke="#444"/>`,
    ...xTicks.values.map((v) =>
      `<line x1="${sx(v)}" x2="${sx(v)}" y1="${bottom}" y2="${bottom + 5}" stroke="#444"/>` +
      `<text x="${sx(v)}" y="${bottom + 18}" text-anchor="middle">${xTicks.label(v)}</text>`
    ),
    `<text x="${_n(left + width / 2)}" y="${bottom + 40}" text-anchor="middle">${
      escapeXml(unit(plot.x, xTicks))
    }</text>`,
    `</g>`,
  ];
  if (plot.guide !== undefined) {
    out.push(
      `<g data-role="guide"><line x1="${left}" x2="${left + width}" y1="${sy(plot.guide.y)}" ` +
        `y2="${sy(plot.guide.y)}" stroke="#888" stroke-dasharray="1 3"/>` +
        `<text x="${left + width - 4}" y="${_n(sy(plot.guide.y) - 4)}" text-anchor="end" ` +
        `fill="#555">${escapeXml(plot.guide.label)}</text></g>`,
    );
  }
  for (const line of plot.lines) {
    const d = _pathData(line.points.map((p) => p === null ? null : [sx(p[0]), sy(p[1])]));
    if (d === "") continue;
    out.push(
      `<path data-role="${line.role}" data-series="${line.series}" d="${d}" fill="none" ` +
        `stroke="${_color(line.series)}" ${_lineStyle(line.role)} stroke-linejoin="round">` +
        `<title>${escapeXml(line.title)}</title></path>`,
    );
  }
  for (const marker of plot.markers ?? []) {
    const [x, y] = [sx(marker.at[0]), sy(marker.at[1])];
    const color = _color(marker.series);
    out.push(
      `<g data-role="marker" data-series="${marker.series}"><title>${
        escapeXml(marker.title)
      }</title>` +
        `<line x1="${x}" x2="${x}" y1="${bottom}" y2="${y}" stroke="${color}" stroke-dasharray="3 3"/>` +
        `<circle cx="${x}" cy="${y}" r="4" fill="#fff" stroke="${color}" stroke-width="2"/></g>`,
    );
  }
  out.push(`<g data-role="legend">`);
  legend.forEach((entry, i) => {
    const x = left + (i % perRow) * _LEGEND_ITEM;
    const y = legendTop + Math.floor(i / perRow) * _LEGEND_ROW;
    const color = entry.series < 0 ? "#444" : _color(entry.series);
    out.push(
      `<line x1="${x}" x2="${x + 22}" y1="${y - 4}" y2="${y - 4}" stroke="${color}" ${
        _lineStyle(entry.role)
      }/>` +
        `<text x="${x + 28}" y="${y}">${escapeXml(_clip(entry.label, 34))}</text>`,
    );
  });
  out.push(`</g>`, `</svg>`);
  return out.join("\n") + "\n";
}

// "M x y L x y …", a new "M" after each gap.
function _pathData(points: readonly ([number, number] | null)[]): string {
  let d = "";
  let pen = false;
  for (const point of points) {
    if (point === null) {
      pen = false;
      continue;
    }
    d += `${d === "" ? "" : " "}${pen ? "L" : "M"}${point[0]} ${point[1]}`;
    pen = true;
  }
  return d;
}

function _lineStyle(role: PlotLine["role"]): string {
  return role === "series" ? `stroke-width="2"` : `stroke-width="1.5" stroke-dasharray="6 4"`;
}

function _color(series: number): string {
  return SERIES_COLORS[series % SERIES_COLORS.length];
}

// One decimal: enough for a pixel, and the page's size stays in proportion to its points.
function _n(value: number): number {
  return Math.round(value * 10) / 10;
}

function _trim(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}

function _thousands(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function _clip(label: string, length: number): string {
  return label.length <= length ? label : label.slice(0, length - 1) + "…";
}

/**
 * Text escaped for XML or HTML, in an element or a quoted attribute.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { escapeXml } from "./svg_plot.ts";
 * assert.equal(escapeXml(`a<b & "c"`), "a&lt;b &amp; &quot;c&quot;");
 * ```
 */
export function escapeXml(value: string): string {
  return value.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}
