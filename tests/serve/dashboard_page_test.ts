import assert from "node:assert/strict";
import { dashboardPage, dashboardScript } from "../../src/serve/dashboard_page.ts";
import * as script from "../../src/serve/dashboard_script.ts";
import { bigPlanTracker, importChapters, started } from "./_states.ts";

Deno.test("the page names no URL of any kind: nothing to load from elsewhere", () => {
  const page = dashboardPage();
  assert.match(page, /^<!doctype html>\n<html lang="en">/);
  for (
    const pattern of [
      /https?:/i,
      /\bsrc\s*=/i,
      /\bhref\s*=/i,
      /@import/i,
      /url\(/i,
      /\/\/[a-z0-9.-]+\.[a-z]{2,}/i,
    ]
  ) {
    assert.doesNotMatch(page, pattern);
  }
  assert.equal(page.match(/<script>/g)?.length, 1, "one inline script");
  assert.equal(page.match(/<\/script>/g)?.length, 1, "which nothing inside ends early");
});

Deno.test("the page's script is every function of the dashboard script, without its types", () => {
  const source = dashboardScript();
  const functions = Object.entries(script).filter(([, v]) => typeof v === "function");
  assert.ok(functions.length >= 10, String(functions.length));
  for (const [name] of functions) assert.match(source, new RegExp(`\\bfunction ${name}\\(`), name);
  assert.match(source, /\nstartDashboard\(\);\n$/);
  // Type annotations would be syntax errors in a browser: the source must parse as JavaScript.
  assert.doesNotMatch(source, /: RunState\b|\bas const\b|<HTMLElement>/);
  new Function(source);
});

Deno.test("the inlined functions stand alone: evaluated apart from their module, they give the module's results", () => {
  const names = Object.keys(script).filter((k) => k !== "startDashboard");
  const body = dashboardScript().replace(/startDashboard\(\);\n$/, "") +
    `return { ${names.join(", ")} };`;
  const inlined = new Function(body)() as typeof script;
  const tracker = bigPlanTracker(2, 5);
  started(tracker, Date.parse("2026-01-01T10:00:00Z"));
  importChapters(tracker, "l1-v2/b3", 4, Date.parse("2026-01-01T10:00:01Z"), 300);
  const state = tracker.state();
  const book = state.volumes[7].books[3];
  assert.equal(book.state, "running");
  const calls: [string, (m: typeof script) => unknown][] = [
    ["progressOf", (m) => m.progressOf(state)],
    ["recentEndRate", (m) => m.recentEndRate(state)],
    ["bookCell", (m) => m.bookCell(book)],
    ["rateChartSvg", (m) => m.rateChartSvg(state.series, state.run.elapsedMs)],
    ["statusMixSvg", (m) => m.statusMixSvg(state.requests.byClass)],
    ["inFlightRows", (m) => m.inFlightRows(state)],
    ["limitsBody", (m) => [m.limitsBody({ volumes: "2" }), m.limitsBody({ volumes: "x" })]],
    ["recordLine", (m) => m.recordLine({ type: "task-failed", id: "a/b/1", reason: "<x>" })],
    ["escapeMarkup", (m) => m.escapeMarkup("<&>")],
    ["formatSpan", (m) => m.formatSpan(4_000_000)],
    ["linePath", (m) => m.linePath([[0, 1], [2, null], [3, 4]])],
    ["stepRates", (m) => m.stepRates(state.series[0], state.run.elapsedMs)],
  ];
  assert.deepEqual(calls.map(([name]) => name).sort(), names.sort(), "every function is compared");
  for (const [name, call] of calls) assert.deepEqual(call(inlined), call(script), name);
});
