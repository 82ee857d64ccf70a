/// <reference lib="dom" />
/**
 * The dashboard's browser script, as typed functions. {@linkcode dashboardPage}
 * inlines the source of every function exported here (`Function.prototype.toString`
 * of the module Deno already stripped of its types) and calls
 * {@linkcode startDashboard}. So each function must stand alone: it may call
 * the others by name, but must not use anything else of this module's scope
 * (no module constants, no imports but `import type`).
 *
 * The pure parts (progress and ETA, a book's cell, the SVG charts, the limits
 * form) are tested in Deno; the DOM part in a real browser.
 *
 * @module
 */

import type { RunState, RunStateBook, RunStateStep } from "../progress/run_state.ts";

/** Overall progress of a run, as the header shows it. */
export interface DashboardProgress {
  /** Chapters that ended: imported, skipped, failed or cancelled. */
  readonly ended: number;
  readonly total: number;
  /** 0 to 100, one decimal. */
  readonly percent: number;
  /** Ms until every chapter ended at the recent rate; `null` when unknown or ended. */
  readonly etaMs: number | null;
  /** `running`, `done`, `done with failures`, `interrupted` or `waiting`. */
  readonly phase: "waiting" | "running" | "paused" | "done" | "done with failures" | "interrupted";
}

/**
 * A duration for people: `45 s`, `3 m 05 s`, `2 h 07 m`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatSpan } from "./dashboard_script.ts";
 * assert.equal(formatSpan(185_000), "3 m 05 s");
 * ```
 */
export function formatSpan(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const pad = (n: number) => String(n).padStart(2, "0");
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} m ${pad(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))} m`;
}

/**
 * Chapters ended per second lately: over the last steps of the series that
 * span at least `windowMs` (the last one only as far as the run got).
 * `null` before anything ended.
 */
export function recentEndRate(state: RunState, windowMs = 10_000): number | null {
  const elapsed = state.run.elapsedMs;
  let ended = 0;
  let span = 0;
  for (let k = state.series.length - 1; k >= 0 && span < windowMs; k--) {
    const step = state.series[k];
    ended += step.imported;
    span += Math.max(0, Math.min(step.widthMs, elapsed - step.atMs));
  }
  if (ended > 0 && span > 0) return ended / (span / 1000);
  // Skips and failures are not in the series; the run's mean covers them.
  const all = state.chapters.imported + state.chapters.skipped + state.chapters.failed;
  return all > 0 && elapsed > 0 ? all / (elapsed / 1000) : null;
}

/**
 * The progress, the ETA at the recent rate, and the phase of the run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { progressOf } from "./dashboard_script.ts";
 * const state = {
 *   run: { startedAt: "x", elapsedMs: 10_000, ended: false, interrupted: false },
 *   chapters: { total: 200, imported: 100, skipped: 0, failed: 0, cancelled: 0, inFlight: 2 },
 *   series: [{ atMs: 0, widthMs: 10_000, imported: 100 }],
 * } as never;
 * assert.deepEqual(progressOf(state), {
 *   ended: 100, total: 200, percent: 50, etaMs: 10_000, phase: "running",
 * });
 * ```
 */
export function progressOf(state: RunState): DashboardProgress {
  const c = state.chapters;
  const ended = c.imported + c.skipped + c.failed + c.cancelled;
  const total = c.total;
  const percent = total === 0 ? (state.run.ended ? 100 : 0) : Math.floor(1000 * ended / total) / 10;
  const phase: DashboardProgress["phase"] = state.run.ended
    ? (state.run.interrupted ? "interrupted" : c.failed > 0 ? "done with failures" : "done")
    : state.run.startedAt === null
    ? "waiting"
    : state.run.held
    ? "paused"
    : "running";
  let etaMs: number | null = null;
  if (phase === "running") {
    const rate = recentEndRate(state);
    if (rate !== null && rate > 0) etaMs = Math.round(1000 * (total - ended) / rate);
  }
  return { ended, total, percent, etaMs, phase };
}

/** What a book's cell shows. */
export interface BookCell {
  /** The short name: the book's id without its volume. */
  readonly name: string;
  /** How much of the cell is filled: chapters ended of the book's, 0 to 100. */
  readonly fillPercent: number;
  /** `12/50`: chapters ended of the book's. */
  readonly count: string;
  /** A symbol for the state, so it does not rest on colour: ✓ ✗ ▶ · ⊘. */
  readonly mark: string;
  /** The whole cell in words, for its tooltip and screen readers. */
  readonly label: string;
}

/**
 * A book's cell.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bookCell } from "./dashboard_script.ts";
 * const cell = bookCell({
 *   id: "bofm/alma", title: "Alma", state: "running", total: 63,
 *   imported: 20, skipped: 1, failed: 0, cancelled: 0, inFlight: 4,
 * });
 * assert.equal(cell.count, "21/63");
 * assert.equal(cell.label, "Alma: running, 21 of 63 chapters ended (20 imported, 1 skipped), 4 in flight");
 * ```
 */
export function bookCell(book: RunStateBook): BookCell {
  const ended = book.imported + book.skipped + book.failed + book.cancelled;
  const marks = { pending: "·", running: "▶", done: "✓", failed: "✗", cancelled: "⊘" };
  const parts = [`${book.imported} imported`];
  if (book.skipped > 0) parts.push(`${book.skipped} skipped`);
  if (book.failed > 0) parts.push(`${book.failed} failed`);
  if (book.cancelled > 0) parts.push(`${book.cancelled} cancelled`);
  const flight = book.inFlight > 0 ? `, ${book.inFlight} in flight` : "";
  return {
    name: book.id.slice(book.id.indexOf("/") + 1),
    fillPercent: book.total === 0 ? 100 : Math.round(1000 * ended / book.total) / 10,
    count: `${ended}/${book.total}`,
    mark: marks[book.state],
    label: `${book.title}: ${book.state}, ${ended} of ${book.total} chapters ended (${
      parts.join(", ")
    })${flight}`,
  };
}

/** Escapes text for HTML and SVG markup. */
export function escapeMarkup(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * An SVG path through the points, `M x y L x y ...`, two decimals; a `null`
 * y breaks the line (no limit there).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { linePath } from "./dashboard_script.ts";
 * assert.equal(linePath([[0, 1], [2, null], [3, 4], [5, 6.125]]), "M0 1M3 4L5 6.13");
 * ```
 */
export function linePath(points: readonly (readonly [number, number | null])[]): string {
  let d = "";
  let open = false;
  const n = (v: number) => String(Math.round(v * 100) / 100);
  for (const [x, y] of points) {
    if (y === null) {
      open = false;
      continue;
    }
    d += `${open ? "L" : "M"}${n(x)} ${n(y)}`;
    open = true;
  }
  return d;
}

/** A step's per-second rates: the last step counts only the part the run reached. */
export function stepRates(
  step: RunStateStep,
  elapsedMs: number,
): { imported: number; starts: number } {
  const seconds = Math.max(0.001, Math.min(step.widthMs, elapsedMs - step.atMs) / 1000);
  return { imported: step.imported / seconds, starts: step.starts / seconds };
}

/**
 * The rate chart: imported/s and request starts/s per step, the rate limit as
 * a dashed step line, and the server's pauses as shaded bands whose darkness
 * is the paused share of the step. Its size is the series' (at most 600 steps),
 * whatever the number of chapters.
 */
export function rateChartSvg(
  series: readonly RunStateStep[],
  elapsedMs: number,
  size: { readonly width: number; readonly height: number } = { width: 640, height: 180 },
): string {
  const { width, height } = size;
  const left = 40;
  const bottom = height - 18;
  const top = 8;
  const spanMs = series.length === 0
    ? 1000
    : Math.max(1, series[series.length - 1].atMs + series[series.length - 1].widthMs);
  const rates = series.map((s) => stepRates(s, elapsedMs));
  let max = 1;
  for (let k = 0; k < series.length; k++) {
    max = Math.max(max, rates[k].imported, rates[k].starts, series[k].limitPerSecond ?? 0);
  }
  max *= 1.1;
  const x = (ms: number) => left + (width - left - 4) * ms / spanMs;
  const y = (rate: number) => bottom - (bottom - top) * rate / max;
  const mid = (k: number) => x(series[k].atMs + series[k].widthMs / 2);
  const shades = series
    .map((s) =>
      s.pausedMs > 0
        ? `<rect class="paused" x="${x(s.atMs).toFixed(2)}" y="${top}" width="${
          Math.max(0.5, x(s.atMs + s.widthMs) - x(s.atMs)).toFixed(2)
        }" height="${bottom - top}" opacity="${
          Math.min(1, s.pausedMs / s.widthMs).toFixed(2)
        }"><title>server pause: ${Math.round(s.pausedMs)} ms</title></rect>`
        : ""
    )
    .join("");
  const limit: [number, number | null][] = [];
  for (const s of series) {
    const v = s.limitPerSecond === null ? null : y(s.limitPerSecond);
    limit.push([x(s.atMs), v], [x(s.atMs + s.widthMs), v]);
  }
  const imported = linePath(series.map((_, k) => [mid(k), y(rates[k].imported)]));
  const starts = linePath(series.map((_, k) => [mid(k), y(rates[k].starts)]));
  const ticks = [0, max / 1.1 / 2, max / 1.1]
    .map((v) =>
      `<text class="tick" x="${left - 4}" y="${y(v) + 4}" text-anchor="end">${Math.round(v)}</text>`
    )
    .join("");
  return `<svg viewBox="0 0 ${width} ${height}" width="100%" role="img" ` +
    `aria-label="Rate over time: imported per second, request starts per second and the limit">` +
    shades +
    `<line class="axis" x1="${left}" y1="${bottom}" x2="${width - 4}" y2="${bottom}"/>` +
    `<line class="axis" x1="${left}" y1="${top}" x2="${left}" y2="${bottom}"/>` + ticks +
    `<text class="tick" x="${left}" y="${height - 4}">0</text>` +
    `<text class="tick" x="${width - 4}" y="${height - 4}" text-anchor="end">${
      escapeMarkup(formatSpan(spanMs))
    }</text>` +
    `<path class="limit" d="${linePath(limit)}"/>` +
    `<path class="starts" d="${starts}"/>` +
    `<path class="imported" d="${imported}"/></svg>`;
}

/**
 * The status mix as one stacked bar, each class labelled with its count.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { statusMixSvg } from "./dashboard_script.ts";
 * const svg = statusMixSvg({ "2xx": 3, "3xx": 0, "4xx": 1, "5xx": 0, error: 0 });
 * assert.match(svg, /2xx: 3/);
 * assert.doesNotMatch(svg, /3xx/);
 * ```
 */
export function statusMixSvg(byClass: RunState["requests"]["byClass"]): string {
  const classes = ["2xx", "3xx", "4xx", "5xx", "error"] as const;
  const total = classes.reduce((sum, c) => sum + byClass[c], 0);
  if (total === 0) return `<p class="muted">No answer yet.</p>`;
  let at = 0;
  let bars = "";
  let legend = "";
  for (const c of classes) {
    const n = byClass[c];
    if (n === 0) continue;
    const w = 100 * n / total;
    bars += `<rect class="c${c}" x="${at.toFixed(2)}%" y="0" width="${
      w.toFixed(2)
    }%" height="16"><title>${c}: ${n}</title></rect>`;
    legend += `<li><span class="swatch c${c}"></span>${c}: ${n} (${
      (Math.round(w * 10) / 10).toFixed(1)
    } %)</li>`;
    at += w;
  }
  return `<svg width="100%" height="16" role="img" aria-label="Status mix">${bars}</svg>` +
    `<ul class="legend">${legend}</ul>`;
}

/** One row of the in-flight chart: tasks open at a level and the limit on them. */
export interface InFlightRow {
  readonly level: "volumes" | "books" | "chapters";
  readonly value: number;
  /** `null`: no limit. */
  readonly limit: number | null;
}

/**
 * Tasks open per level against their limits: volumes against the volumes
 * limit, books against volumes × books per volume, chapters against the
 * in-flight cap (or volumes × books × chapters when there is none).
 */
export function inFlightRows(state: RunState): InFlightRow[] {
  const c = state.limits.ceilings;
  const books = c.volumes * c.booksPerVolume;
  return [
    { level: "volumes", value: state.inFlight.volumes, limit: c.volumes },
    { level: "books", value: state.inFlight.books, limit: books },
    {
      level: "chapters",
      value: state.inFlight.chapters,
      limit: state.limits.maxInFlight ?? books * c.chaptersPerBook,
    },
  ];
}

/** The body of a `limits` control, or what is wrong with the form. */
export type LimitsForm =
  | { readonly body: Record<string, unknown> }
  | { readonly error: string };

/**
 * Turns the limits form's fields into a `limits` control body. An empty field
 * is left out; `none` sets no limit (rate and in-flight only). The server
 * checks the values against the profile's rules and ceilings.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { limitsBody } from "./dashboard_script.ts";
 * assert.deepEqual(limitsBody({ ratePerSecond: "12.5", maxInFlight: "none", volumes: "" }), {
 *   body: { action: "limits", ratePerSecond: 12.5, maxInFlight: null },
 * });
 * assert.deepEqual(limitsBody({ booksPerVolume: "2.5" }), {
 *   error: 'Books per volume must be a whole number of at least 1, not "2.5"',
 * });
 * ```
 */
export function limitsBody(fields: Readonly<Record<string, string>>): LimitsForm {
  const body: Record<string, unknown> = { action: "limits" };
  const names: Record<string, string> = {
    ratePerSecond: "Rate",
    maxInFlight: "Max in flight",
    volumes: "Volumes",
    booksPerVolume: "Books per volume",
    chaptersPerBook: "Chapters per book",
  };
  for (const key of Object.keys(names)) {
    const text = (fields[key] ?? "").trim();
    if (text === "") continue;
    const nullable = key === "ratePerSecond" || key === "maxInFlight";
    if (nullable && text.toLowerCase() === "none") {
      body[key] = null;
      continue;
    }
    const value = Number(text);
    if (key === "ratePerSecond") {
      if (!Number.isFinite(value) || value <= 0) {
        return { error: `${names[key]} must be a number above 0 or "none", not "${text}"` };
      }
    } else if (!Number.isInteger(value) || value < 1) {
      const orNone = nullable ? ' or "none"' : "";
      return {
        error: `${names[key]} must be a whole number of at least 1${orNone}, not "${text}"`,
      };
    }
    body[key] = value;
  }
  if (Object.keys(body).length === 1) return { error: "Fill in at least one limit" };
  return { body };
}

/**
 * One line of the live log for a progress-log record: its time, type and the
 * fields that say what happened.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { recordLine } from "./dashboard_script.ts";
 * assert.equal(
 *   recordLine({ type: "task-failed", time: "2026-01-01T10:00:00.250Z", id: "pgp/abr/5", reason: "Gone", status: 404 }),
 *   "10:00:00.250 task-failed pgp/abr/5 HTTP 404: Gone",
 * );
 * ```
 */
export function recordLine(record: Readonly<Record<string, unknown>>): string {
  const time = typeof record.time === "string" ? record.time.slice(11, 23) : "";
  const parts = [time, String(record.type)];
  for (const key of ["id", "scope", "action", "source", "cause"]) {
    if (typeof record[key] === "string") parts.push(record[key] as string);
  }
  if (typeof record.attempt === "number" && record.attempt > 1) {
    parts.push(`attempt ${record.attempt}`);
  }
  if (typeof record.durationMs === "number") parts.push(`${Math.round(record.durationMs)} ms`);
  let line = parts.filter((p) => p !== "").join(" ");
  if (typeof record.status === "number") line += ` HTTP ${record.status}`;
  if (typeof record.reason === "string") line += `: ${record.reason}`;
  return line;
}

/**
 * Runs the dashboard in the page: reads the state, follows `./events`, draws,
 * and wires the controls. Drawing is throttled to one frame per 250 ms at
 * most; the grid is built once and each cell touched only when its book changed.
 */
export function startDashboard(): void {
  const token = new URLSearchParams(location.search).get("token");
  const query = token === null ? "" : `?token=${encodeURIComponent(token)}`;
  const $ = (id: string) => document.getElementById(id)!;
  let state: RunState | null = null;
  let dirty = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const cells = new Map<string, { el: HTMLElement; key: string }>();
  let gridKey = "";
  let failuresKey = "";
  let changesKey = "";
  const pendingLines: string[] = [];
  const LOG_LINES = 40;

  const schedule = () => {
    if (timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      if (dirty && state !== null) {
        dirty = false;
        draw(state);
      }
      flushLog();
    }, 250);
  };

  const flushLog = () => {
    if (pendingLines.length === 0) return;
    const list = $("log");
    // Newest first, as the failures and decisions, so the latest is in view.
    for (const line of pendingLines.splice(0).slice(-LOG_LINES)) {
      const li = document.createElement("li");
      li.textContent = line;
      list.prepend(li);
    }
    while (list.children.length > LOG_LINES) list.lastElementChild!.remove();
  };

  const buildGrid = (s: RunState) => {
    const grid = $("grid");
    grid.textContent = "";
    cells.clear();
    for (const volume of s.volumes) {
      const section = document.createElement("section");
      section.className = "volume";
      const h = document.createElement("h3");
      h.textContent = `${volume.title} (${volume.id})`;
      const list = document.createElement("div");
      list.className = "books";
      list.setAttribute("role", "list");
      for (const book of volume.books) {
        const el = document.createElement("div");
        el.setAttribute("role", "listitem");
        el.dataset.book = book.id;
        el.innerHTML =
          `<span class="fill"></span><span class="mark"></span> <span class="name"></span> <span class="count"></span>`;
        list.append(el);
        cells.set(book.id, { el, key: "" });
      }
      section.append(h, list);
      grid.append(section);
    }
  };

  const drawGrid = (s: RunState) => {
    const key = s.volumes.map((v) => `${v.id}:${v.books.length}`).join(",");
    if (key !== gridKey) {
      gridKey = key;
      buildGrid(s);
    }
    for (const volume of s.volumes) {
      for (const book of volume.books) {
        const cell = cells.get(book.id)!;
        const bookKey =
          `${book.state}|${book.imported}|${book.skipped}|${book.failed}|${book.cancelled}|${book.inFlight}`;
        if (cell.key === bookKey) continue;
        cell.key = bookKey;
        const view = bookCell(book);
        cell.el.className = `book s-${book.state}`;
        cell.el.dataset.state = book.state;
        cell.el.dataset.fill = String(view.fillPercent);
        cell.el.title = view.label;
        cell.el.setAttribute("aria-label", view.label);
        (cell.el.children[0] as HTMLElement).style.width = `${view.fillPercent}%`;
        cell.el.children[1].textContent = view.mark;
        cell.el.children[2].textContent = view.name;
        cell.el.children[3].textContent = view.count;
      }
    }
  };

  const draw = (s: RunState) => {
    const p = progressOf(s);
    const bar = $("progress") as HTMLProgressElement;
    bar.max = Math.max(1, p.total);
    bar.value = p.ended;
    const eta = p.etaMs === null ? "" : ` · ETA ${formatSpan(p.etaMs)}`;
    $("progress-text").textContent = `${p.percent.toFixed(1)} % · ${p.ended} of ${p.total} ` +
      `chapters ended (${s.chapters.imported} imported, ${s.chapters.skipped} skipped, ` +
      `${s.chapters.failed} failed, ${s.chapters.cancelled} cancelled)${eta}`;
    const phase = $("phase");
    phase.textContent = p.phase.charAt(0).toUpperCase() + p.phase.slice(1);
    phase.dataset.phase = p.phase;
    $("run").textContent = [
      s.run.profile === null ? "" : `profile ${s.run.profile}`,
      s.run.selection.length === 0 ? "" : `selection ${s.run.selection.join(" ")}`,
      `elapsed ${formatSpan(s.run.elapsedMs)}`,
      `${s.books.done} of ${s.books.total} books ended`,
    ].filter((t) => t !== "").join(" · ");
    drawGrid(s);

    const last = s.series.length === 0
      ? null
      : stepRates(s.series[s.series.length - 1], s.run.elapsedMs);
    $("rate-chart").innerHTML = rateChartSvg(s.series, s.run.elapsedMs);
    const limit = s.limits.ratePerSecond === null ? "none" : `${s.limits.ratePerSecond}/s`;
    const pause = s.pause === null ? "" : ` · server pause now: ${s.pause.reason}`;
    $("rate-text").textContent =
      (last === null
        ? "No request yet"
        : `Now ${last.imported.toFixed(1)} imported/s, ${last.starts.toFixed(1)} starts/s`) +
      ` · limit ${limit} · paused by the server ${formatSpan(s.pausedMs)} in all${pause}`;

    const l = s.latency;
    $("latency").textContent = l.p50Ms === null
      ? "No answer yet"
      : `p50 ${Math.round(l.p50Ms)} ms · p95 ${Math.round(l.p95Ms ?? l.p50Ms)} ms (of ${l.count})`;
    $("status-mix").innerHTML = statusMixSvg(s.requests.byClass) +
      `<p>${s.requests.started} requests started, ${s.requests.retries} retries, ` +
      `${s.requests.status429} answered 429, ${s.requests.timedOut} timed out</p>`;

    $("in-flight").innerHTML = inFlightRows(s).map((row) => {
      const share = row.limit === null || row.limit === 0 ? 0 : Math.min(1, row.value / row.limit);
      const of = row.limit === null ? "no limit" : `limit ${row.limit}`;
      return `<div class="row"><span class="level">${row.level}</span>` +
        `<span class="meter"><span style="width:${(100 * share).toFixed(1)}%"></span></span>` +
        `<span>${row.value} (${of})</span></div>`;
    }).join("");

    // Record times are the run's clock (epoch ms); the start is the run-start's.
    const startAt = s.run.startedAt === null ? NaN : Date.parse(s.run.startedAt);
    const sinceStart = (at: number) =>
      Number.isNaN(startAt)
        ? ""
        : `<span class="when">+${escapeMarkup(formatSpan(at - startAt))}</span>`;
    const fk = s.recentFailures.map((f) => `${f.at}${f.id}`).join(",");
    if (fk !== failuresKey) {
      failuresKey = fk;
      $("failures").innerHTML = s.recentFailures.length === 0
        ? `<li class="muted">None</li>`
        : s.recentFailures.slice().reverse().map((f) =>
          `<li>${sinceStart(f.at)} <strong>${escapeMarkup(f.id)}</strong>${
            f.status === undefined ? "" : ` HTTP ${f.status}`
          }: ${escapeMarkup(f.reason)}</li>`
        ).join("");
    }
    const ck = s.rateChanges.map((c) => String(c.at)).join(",");
    if (ck !== changesKey) {
      changesKey = ck;
      const fmt = (r: { ratePerSecond: number | null; maxInFlight: number | null }) =>
        `${r.ratePerSecond === null ? "no rate limit" : `${r.ratePerSecond}/s`}, ${
          r.maxInFlight === null ? "no in-flight cap" : `${r.maxInFlight} in flight`
        }`;
      $("rate-changes").innerHTML = s.rateChanges.length === 0
        ? `<li class="muted">None</li>`
        : s.rateChanges.slice().reverse().map((c) =>
          `<li>${sinceStart(c.at)} ` +
          `${escapeMarkup(fmt(c.from))} → ${escapeMarkup(fmt(c.to))} ` +
          `(${escapeMarkup(c.cause)}): ${escapeMarkup(c.reason)}</li>`
        ).join("");
    }
    // A queue run's watcher takes no control: its panel gives way to a note saying so.
    $("control-panel").hidden = !s.run.controls;
    $("controls-off").hidden = s.run.controls;
    for (const b of document.querySelectorAll<HTMLButtonElement>("#controls button")) {
      b.disabled = s.run.ended || !s.run.controls;
    }
  };

  const setState = (s: RunState) => {
    state = s;
    dirty = true;
    schedule();
  };

  const answer = $("control-answer");
  const post = async (body: Record<string, unknown>) => {
    answer.textContent = `Sending ${String(body.action)}…`;
    try {
      const response = await fetch(`./api/control${query}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        },
        body: JSON.stringify(body),
      });
      const reply = await response.json().catch(() => ({})) as {
        error?: string;
        state?: RunState;
      };
      if (response.ok) {
        answer.textContent = `The server accepted ${String(body.action)}.`;
        answer.dataset.outcome = "accepted";
        if (reply.state) setState(reply.state);
      } else {
        answer.textContent = `The server refused ${
          String(body.action)
        } (HTTP ${response.status}): ${reply.error ?? response.statusText}`;
        answer.dataset.outcome = "refused";
      }
    } catch (error) {
      answer.textContent = `Cannot reach the server: ${(error as Error).message}`;
      answer.dataset.outcome = "unreachable";
    }
  };

  $("pause").addEventListener("click", () => post({ action: "pause" }));
  $("resume").addEventListener("click", () => post({ action: "resume" }));
  $("cancel").addEventListener("click", () => {
    if (confirm("Cancel the run? Chapters in flight are stopped; what was written is kept.")) {
      post({ action: "cancel" });
    }
  });
  $("limits").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const fields: Record<string, string> = {};
    for (const [key, value] of form) fields[key] = String(value);
    const parsed = limitsBody(fields);
    if ("error" in parsed) {
      answer.textContent = parsed.error;
      answer.dataset.outcome = "invalid";
    } else post(parsed.body);
  });

  const events = new EventSource(`./events${query}`);
  events.addEventListener("state", (event) => {
    const s = JSON.parse((event as MessageEvent<string>).data) as RunState;
    setState(s);
    // The server ends the stream after the final state; no reconnecting then.
    if (s.run.ended) {
      events.close();
      $("connection").textContent = "Run ended";
    }
  });
  events.addEventListener("record", (event) => {
    pendingLines.push(recordLine(JSON.parse((event as MessageEvent<string>).data)));
    if (pendingLines.length > LOG_LINES) pendingLines.splice(0, pendingLines.length - LOG_LINES);
    schedule();
  });
  events.addEventListener("error", () => {
    $("connection").textContent = events.readyState === EventSource.CLOSED
      ? (state?.run.ended ? "Run ended" : "Disconnected")
      : "Reconnecting…";
  });
  events.addEventListener("open", () => {
    $("connection").textContent = "Live";
  });
  fetch(
    `./api/state${query}`,
    token === null ? {} : { headers: { authorization: `Bearer ${token}` } },
  )
    .then((r) => (r.ok ? r.json() : null))
    .then((s: RunState | null) => {
      if (s !== null && state === null) setState(s);
    })
    .catch(() => {});
}
