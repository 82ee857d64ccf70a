/**
 * The dashboard of `--serve`: one self-contained HTML page (inline CSS, the
 * script of {@link ./dashboard_script.ts} inlined, charts drawn as inline SVG)
 * that follows a run over Server-Sent Events and steers it through
 * `./api/control`. It loads nothing from anywhere: no CDN, no font, no image.
 *
 * @module
 */

import * as script from "./dashboard_script.ts";

/**
 * The source of the page's script: every function of the dashboard script
 * (Deno has already stripped their types), then the call that starts it.
 * A `</script` in the source would end the element early; none may stay.
 */
export function dashboardScript(): string {
  const functions = Object.values(script)
    .filter((value): value is (...args: never[]) => unknown => typeof value === "function")
    .map((fn) => fn.toString());
  const source = `"use strict";\n${functions.join("\n\n")}\n\nstartDashboard();\n`;
  return source.replace(/<\/(script)/gi, "<\\/$1");
}

/**
 * The dashboard page, served at `GET /`. It reads its token from its own
 * URL's `?token=` and passes it on to `./api/state`, `./events` and
 * `./api/control`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dashboardPage } from "./dashboard_page.ts";
 * const page = dashboardPage();
 * assert.match(page, /^<!doctype html>/);
 * assert.doesNotMatch(page, /https?:|src=|href=/);
 * ```
 */
export function dashboardPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Import dashboard</title>
<style>${_STYLE}</style>
</head>
<body>
<header>
  <h1>Import <span id="phase" data-phase="waiting">Waiting</span></h1>
  <p id="run" class="muted">Waiting for the run's state…</p>
  <p class="muted">Connection: <span id="connection">connecting…</span></p>
</header>
<main>
<section aria-labelledby="h-progress">
  <h2 id="h-progress">Progress</h2>
  <progress id="progress" value="0" max="1" aria-describedby="progress-text"></progress>
  <p id="progress-text">0.0 %</p>
</section>
<section id="controls" aria-labelledby="h-controls">
  <h2 id="h-controls">Controls</h2>
  <p id="controls-off" class="muted" hidden>This is a queue run's watcher: it shows every worker's progress and cannot steer the run, which goes on in its workers.</p>
  <div id="control-panel">
  <button id="pause" type="button">Pause new requests</button>
  <button id="resume" type="button">Resume</button>
  <button id="cancel" type="button">Cancel the run…</button>
  <form id="limits">
    <fieldset>
      <legend>Change the limits (empty: unchanged; <kbd>none</kbd>: no limit)</legend>
      <label>Rate, requests/s <input name="ratePerSecond" inputmode="decimal" size="6"></label>
      <label>Max in flight <input name="maxInFlight" inputmode="numeric" size="5"></label>
      <label>Volumes at once <input name="volumes" inputmode="numeric" size="4"></label>
      <label>Books per volume <input name="booksPerVolume" inputmode="numeric" size="4"></label>
      <label>Chapters per book <input name="chaptersPerBook" inputmode="numeric" size="4"></label>
      <button type="submit">Apply</button>
    </fieldset>
  </form>
  <p id="control-answer" role="status" aria-live="polite"></p>
  </div>
</section>
<section aria-labelledby="h-grid">
  <h2 id="h-grid">Volumes and books</h2>
  <ul class="legend">
    <li><span class="swatch s-pending"></span>· pending</li>
    <li><span class="swatch s-running"></span>▶ running</li>
    <li><span class="swatch s-done"></span>✓ done</li>
    <li><span class="swatch s-failed"></span>✗ failed</li>
    <li><span class="swatch s-cancelled"></span>⊘ cancelled</li>
  </ul>
  <div id="grid"></div>
</section>
<div class="columns">
<section aria-labelledby="h-rate">
  <h2 id="h-rate">Rate over time</h2>
  <ul class="legend">
    <li><span class="swatch imported"></span>imported/s</li>
    <li><span class="swatch starts"></span>request starts/s</li>
    <li><span class="swatch limit"></span>rate limit (dashed)</li>
    <li><span class="swatch paused"></span>server pause (shaded)</li>
  </ul>
  <div id="rate-chart"></div>
  <p id="rate-text"></p>
</section>
<section aria-labelledby="h-requests">
  <h2 id="h-requests">Requests</h2>
  <h3>Latency</h3>
  <p id="latency">No answer yet</p>
  <h3>Status mix</h3>
  <div id="status-mix"></div>
  <h3>In flight per level</h3>
  <div id="in-flight"></div>
</section>
</div>
<div class="columns">
<section aria-labelledby="h-failures">
  <h2 id="h-failures">Recent failures</h2>
  <ul id="failures"><li class="muted">None</li></ul>
</section>
<section aria-labelledby="h-changes">
  <h2 id="h-changes">Rate decisions</h2>
  <ul id="rate-changes"><li class="muted">None</li></ul>
</section>
</div>
<section aria-labelledby="h-log">
  <h2 id="h-log">Live log</h2>
  <ol id="log" class="log" reversed></ol>
</section>
</main>
<script>${dashboardScript()}</script>
</body>
</html>
`;
}

const _STYLE = `
:root { --pending: #9aa0a6; --running: #1a73e8; --done: #188038; --failed: #d93025;
  --cancelled: #e37400; --ink: #202124; --muted: #5f6368; }
body { font: 14px/1.4 system-ui, sans-serif; color: var(--ink); margin: 0 1.5rem 2rem; }
h1 { font-size: 1.4rem; margin: 1rem 0 0.2rem; }
h2 { font-size: 1.1rem; margin: 1.2rem 0 0.4rem; }
h3 { font-size: 0.95rem; margin: 0.6rem 0 0.2rem; }
.muted { color: var(--muted); }
#phase { font-weight: normal; }
#phase[data-phase="done"] { color: var(--done); }
#phase[data-phase="done with failures"], #phase[data-phase="interrupted"] { color: var(--failed); }
progress { width: 100%; height: 1.2rem; }
.columns { display: flex; flex-wrap: wrap; gap: 0 2rem; }
.columns > section { flex: 1 1 24rem; min-width: 0; }
.volume h3 { margin-top: 0.8rem; }
.books { display: flex; flex-wrap: wrap; gap: 3px; }
.book { position: relative; width: 7.5rem; padding: 2px 4px; font-size: 12px; white-space: nowrap;
  overflow: hidden; border: 1px solid var(--pending); border-radius: 3px; background: #f1f3f4; }
.book .fill { position: absolute; left: 0; top: 0; bottom: 0; opacity: 0.25; z-index: 0; }
.book > :not(.fill) { position: relative; }
.book .count { float: right; color: var(--muted); }
.s-pending { border-color: var(--pending); } .s-pending .fill { background: var(--pending); }
.s-running { border-color: var(--running); } .s-running .fill { background: var(--running); }
.s-done { border-color: var(--done); } .s-done .fill { background: var(--done); }
.s-failed { border-color: var(--failed); } .s-failed .fill { background: var(--failed); }
.s-cancelled { border-color: var(--cancelled); } .s-cancelled .fill { background: var(--cancelled); }
.legend { list-style: none; padding: 0; margin: 0.2rem 0; display: flex; flex-wrap: wrap; gap: 0 1rem; }
.swatch { display: inline-block; width: 0.8rem; height: 0.8rem; margin-right: 0.3rem;
  vertical-align: -1px; border-radius: 2px; }
.swatch.s-pending { background: var(--pending); } .swatch.s-running { background: var(--running); }
.swatch.s-done { background: var(--done); } .swatch.s-failed { background: var(--failed); }
.swatch.s-cancelled { background: var(--cancelled); }
svg .axis { stroke: var(--muted); stroke-width: 1; }
svg .tick { font-size: 10px; fill: var(--muted); }
svg path { fill: none; stroke-width: 1.5; }
svg .imported, .swatch.imported { stroke: var(--done); background: var(--done); }
svg .starts, .swatch.starts { stroke: var(--running); background: var(--running); }
svg .limit { stroke: var(--failed); stroke-dasharray: 4 3; } .swatch.limit { background: var(--failed); }
svg .paused, .swatch.paused { fill: #fbbc04; background: #fbbc04; }
svg .paused { fill-opacity: 0.35; }
.c2xx { fill: var(--done); background: var(--done); } .c3xx { fill: #12b5cb; background: #12b5cb; }
.c4xx { fill: var(--cancelled); background: var(--cancelled); }
.c5xx { fill: var(--failed); background: var(--failed); }
.cerror { fill: #a142f4; background: #a142f4; }
#in-flight .row { display: flex; gap: 0.5rem; align-items: center; }
#in-flight .level { width: 5rem; }
.meter { flex: 0 0 10rem; height: 0.7rem; background: #e8eaed; border-radius: 2px; overflow: hidden; }
.meter span { display: block; height: 100%; background: var(--running); }
.when { color: var(--muted); font-variant-numeric: tabular-nums; }
.log { font: 12px/1.35 ui-monospace, monospace; max-height: 18rem; overflow-y: auto;
  padding-left: 0; list-style: none; background: #f8f9fa; }
#control-answer[data-outcome="refused"], #control-answer[data-outcome="invalid"] { color: var(--failed); }
fieldset { border: 1px solid #dadce0; margin-top: 0.6rem; }
label { margin-right: 0.8rem; white-space: nowrap; }
`;
