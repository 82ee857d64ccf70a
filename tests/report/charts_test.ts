import assert from "node:assert/strict";
import type { Element } from "domhandler";
import { CHART_KINDS, rateBins, renderChart } from "../../src/report/charts.ts";
import { compareRuns, type ReportRow } from "../../src/report/compare_runs.ts";
import { measureRun } from "../../src/report/measure_run.ts";
import { ticks } from "../../src/report/svg_plot.ts";
import { attr, elements, parseXml, textOf } from "./_markup.ts";
import { clientDelayedRun, defaultRun, sequentialRun, SyntheticRun } from "./_synthetic_log.ts";
import { ADAPTIVE, CHAPTERS, TEN_AT_ONCE } from "./_synthetic_log.ts";

// Sequential, default, and an adaptive run whose rate went 10 -> 20 -> 40/s.
function rows(): ReportRow[] {
  const adaptive = new SyntheticRun(ADAPTIVE, CHAPTERS).rateChange(0, 10, 20)
    .rateChange(200, 20, 40);
  CHAPTERS.forEach((id, i) => adaptive.chapter(id, i * 100, 80, 60));
  return compareRuns([
    measureRun(sequentialRun().records(), { log: "seq.ndjson" }),
    measureRun(defaultRun().records(), { log: "default.ndjson" }),
    measureRun(adaptive.end(400).records(), { log: "adaptive.ndjson" }),
  ]);
}

function svgOf(svg: string): Element {
  const [root] = elements(parseXml(svg), "svg");
  assert.ok(root !== undefined, "an <svg> root");
  return root;
}

const byRole = (root: Element, role: string) =>
  elements(root, "path").filter((p) => attr(p, "data-role") === role);

Deno.test("every chart is well-formed SVG with a title, two titled axes and one line per run", () => {
  for (const kind of CHART_KINDS) {
    const root = svgOf(renderChart(kind, rows()));
    assert.equal(attr(root, "xmlns"), "http://www.w3.org/2000/svg");
    assert.ok(textOf(elements(root, "title")[0]).length > 0, `${kind} has a title`);
    const axes = elements(root, "g").filter((g) => attr(g, "data-axis") !== undefined);
    assert.deepEqual(axes.map((g) => attr(g, "data-axis")), ["y", "x"], kind);
    for (const axis of axes) {
      assert.ok(elements(axis, "text").length >= 3, `${kind}: ticks labelled`);
    }
    const series = byRole(root, "series");
    assert.deepEqual(series.map((p) => attr(p, "data-series")), ["0", "1", "2"], kind);
    const legend = elements(root, "g").find((g) => attr(g, "data-role") === "legend")!;
    const labels = elements(legend, "text").map(textOf);
    assert.deepEqual(labels.slice(0, 3).map((l) => l.split(" ")[0]), [
      "sequential",
      "default",
      "adaptive",
    ]);
  }
});

Deno.test("the chapters chart climbs to each run's imported chapters at its end", () => {
  const root = svgOf(renderChart("chapters", rows()));
  const titles = byRole(root, "series").map((p) => textOf(p));
  assert.deepEqual(titles, [
    "sequential: 4 chapters in 800 ms",
    "default: 4 chapters in 400 ms",
    "adaptive: 4 chapters in 400 ms",
  ]);
  // The y axis ends at a round tick at or above the most chapters.
  const y = elements(root, "g").find((g) => attr(g, "data-axis") === "y")!;
  assert.deepEqual(elements(y, "text").map(textOf).slice(0, -1), ["0", "1", "2", "3", "4"]);
});

Deno.test("the rate chart adds a dashed limit line for the run whose rate changed, only", () => {
  const root = svgOf(renderChart("rate", rows()));
  const limits = byRole(root, "limit");
  assert.deepEqual(limits.map((p) => attr(p, "data-series")), ["2"]);
  assert.equal(attr(limits[0], "stroke-dasharray"), "6 4");
  assert.equal(textOf(limits[0]), "adaptive: rate limit 20.0-40.0/s");
  const legend = elements(root, "g").find((g) => attr(g, "data-role") === "legend")!;
  assert.ok(elements(legend, "text").map(textOf).includes("rate limit"));
  const noChange = svgOf(renderChart("rate", rows().slice(0, 2)));
  assert.equal(byRole(noChange, "limit").length, 0);
});

Deno.test("the latency chart marks each run's server latency, the minimum's L", () => {
  const delayed = compareRuns([measureRun(clientDelayedRun().records(), { log: "d.ndjson" })]);
  const root = svgOf(renderChart("latency", delayed));
  const markers = elements(root, "g").filter((g) => attr(g, "data-role") === "marker");
  assert.equal(markers.length, 1);
  assert.equal(
    textOf(elements(markers[0], "title")[0]),
    "ten: server latency 50 ms (ttfb), the minimum's L",
  );
  assert.match(textOf(elements(root, "title")[0]), /Latency/);
  const x = elements(root, "g").find((g) => attr(g, "data-axis") === "x")!;
  assert.equal(textOf(elements(x, "text").at(-1)!), "time to first byte (ms)");
});

Deno.test("a run without a successful attempt has no latency line but keeps its legend entry", () => {
  const failed = new SyntheticRun(TEN_AT_ONCE, CHAPTERS).failed("pgp/moses/1", 0, 30).end(40);
  const root = svgOf(
    renderChart("latency", [
      ...rows(),
      ...compareRuns([measureRun(failed.records(), { log: "f.ndjson" })]),
    ]),
  );
  assert.equal(byRole(root, "series").length, 3);
  const legend = elements(root, "g").find((g) => attr(g, "data-role") === "legend")!;
  assert.ok(elements(legend, "text").map(textOf).includes("ten (no successful attempt)"));
});

Deno.test("text in a chart is escaped", () => {
  const [row] = rows();
  const odd = { ...row, profile: { ...row.profile, name: `a<b & "c"` } };
  const svg = renderChart("chapters", [odd]);
  parseXml(svg);
  assert.ok(svg.includes("a&lt;b &amp; &quot;c&quot;"));
});

Deno.test("axis ticks are round and reach the largest value", () => {
  const cases: [number, "number" | "time", string[], string][] = [
    [4, "number", ["0", "1", "2", "3", "4"], ""],
    [160_000, "number", ["0", "50,000", "100,000", "150,000", "200,000"], ""],
    [0.3, "number", ["0.00", "0.05", "0.10", "0.15", "0.20", "0.25", "0.30"], ""],
    [800, "time", ["0", "200", "400", "600", "800"], "ms"],
    [12_300, "time", ["0", "5", "10", "15"], "s"],
    [5_400_000, "time", ["0", "15", "30", "45", "60", "75", "90"], "min"],
    [3 * 3_600_000, "time", ["0", "0.5", "1", "1.5", "2", "2.5", "3"], "h"],
    [0, "number", ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"], ""],
  ];
  for (const [max, kind, labels, unit] of cases) {
    const t = ticks(max, kind);
    assert.deepEqual(t.values.map(t.label), labels, `${max} ${kind}`);
    assert.equal(t.unit, unit);
  }
});

Deno.test("the rate chart's bins are chapters per second over at most 30 bins of the run", () => {
  const imported = Array.from({ length: 120 }, () => 2);
  const bins = rateBins({ binMs: 100, imported, latency: null }, 12_000);
  assert.equal(bins.length, 30);
  assert.ok(bins.every((b) => b.perSecond === 20 && b.toMs - b.fromMs === 400));
});

Deno.test("the strict parser the chart tests use refuses what is not well-formed", () => {
  for (const bad of ["<svg><g></svg>", "<svg></g></svg>", "<svg><text>a & b</text></svg>"]) {
    assert.throws(() => parseXml(bad), assert.AssertionError, bad);
  }
  parseXml(`<svg><g/><text>a &amp; b</text></svg>`);
});
