import assert from "node:assert/strict";
import type { Element } from "domhandler";
import { parseDocument } from "htmlparser2";
import { compareRuns, type ReportRow } from "../../src/report/compare_runs.ts";
import { measureRun } from "../../src/report/measure_run.ts";
import { renderHtml } from "../../src/report/render_html.ts";
import { renderReport } from "../../src/report/render_report.ts";
import { allElements, attr, elements, parseXml, textOf } from "./_markup.ts";
import { clientDelayedRun, defaultRun, largeRun, sequentialRun } from "./_synthetic_log.ts";

function rows(): ReportRow[] {
  return compareRuns([
    measureRun(sequentialRun().records(), { log: "runs/seq.ndjson" }),
    measureRun(defaultRun().records(), { log: "runs/default.ndjson" }),
    measureRun(clientDelayedRun().records(), { log: "runs/delayed.ndjson" }),
  ]);
}

function page(rows: readonly ReportRow[]) {
  const html = renderHtml(rows);
  return { html, document: parseDocument(html) };
}

Deno.test("the page is one document: a table and three charts, each SVG well-formed with a title, axes and a line per run", () => {
  const { html, document } = page(rows());
  assert.ok(html.startsWith('<!DOCTYPE html>\n<html lang="en">'));
  assert.equal(textOf(elements(document, "title")[0]), "Import report");
  const [meta] = elements(document, "p").filter((p) => attr(p, "class") === "meta");
  assert.equal(textOf(meta), "3 runs · speedup against sequential (seq.ndjson)");
  const svgs = elements(document, "svg");
  assert.equal(svgs.length, 3);
  // Each SVG is also XML on its own, as `--format svg` prints it.
  const sources = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
  assert.equal(sources.length, 3);
  for (const source of sources) parseXml(source);
  for (const svg of svgs) {
    assert.ok(textOf(elements(svg, "title")[0]).length > 0);
    const axes = elements(svg, "g").map((g) => attr(g, "data-axis")).filter(Boolean);
    assert.deepEqual(axes, ["y", "x"]);
    const series = elements(svg, "path").filter((p) => attr(p, "data-role") === "series");
    assert.equal(series.length, 3, attr(svg, "id"));
  }
  assert.deepEqual(svgs.map((s) => attr(s, "id")), [
    "chart-chapters",
    "chart-rate",
    "chart-latency",
  ]);
});

Deno.test("the page needs nothing from outside: no script, no external URL in a src or href", () => {
  const { html, document } = page(rows());
  assert.equal(elements(document, "script").length, 0);
  assert.equal(elements(document, "link").length, 0);
  const all = allElements(document);
  assert.ok(all.length > 100, "every element is looked at");
  const linked = (e: Element) => [attr(e, "src"), attr(e, "href"), attr(e, "xlink:href")];
  assert.deepEqual(all.flatMap(linked).filter((v) => v !== undefined), []);
  assert.doesNotMatch(html, /url\(|@import|https?:\/\/(?!www\.w3\.org\/2000\/svg")/);
});

// The cells of a document's table, header first.
function tableCells(document: ReturnType<typeof parseDocument>): string[][] {
  const [table] = elements(document, "table");
  return elements(table, "tr").map((tr) =>
    tr.children.filter((c): c is Element => c.type === "tag").map(textOf)
  );
}

Deno.test("the page's table has a row per run with the Markdown report's cells", () => {
  const runs = rows();
  const { document } = page(runs);
  const cells = tableCells(document);
  assert.equal(cells.length, 1 + runs.length);
  const markdown = renderReport(runs, { format: "markdown" }).trimEnd().split("\n")
    .filter((_, i) => i !== 1)
    .map((line) => line.split(" | ").map((c) => c.replace(/^\| ?| ?\|$/g, "").trim()));
  assert.deepEqual(cells, markdown);
});

Deno.test("the numbers in the page's table are compare_runs' figures", () => {
  const runs = rows();
  const [header, ...body] = tableCells(page(runs).document);
  const cell = (row: number, name: string) => body[row][header.indexOf(name)];
  runs.forEach((run, i) => {
    assert.equal(cell(i, "profile"), run.profile.name);
    assert.equal(cell(i, "chapters"), String(run.chapters.imported));
    assert.equal(cell(i, "ch/s"), run.chaptersPerSecond.toFixed(1));
    assert.equal(cell(i, "speedup"), `${run.speedup!.toFixed(2)}x`);
    assert.equal(cell(i, "eff."), `${(run.efficiency! * 100).toFixed(1)}%`);
    assert.equal(cell(i, "requests"), String(run.requests));
  });
  assert.deepEqual(body.map((_, i) => cell(i, "speedup")), ["1.00x", "2.00x", "31.25x"]);
  assert.deepEqual(body.map((_, i) => cell(i, "eff.")), ["100.0%", "87.5%", "78.1%"]);
  assert.equal(cell(2, "server"), "50 ms (ttfb)");
});

Deno.test("a 160,000-chapter run makes a page no larger than a 16,000-chapter one, give or take its digits", () => {
  const size = (chapters: number) => {
    const run = measureRun(largeRun(chapters).records(), { log: `${chapters}.ndjson` });
    return new TextEncoder().encode(renderHtml(compareRuns([run]))).length;
  };
  const small = size(16_000);
  const large = size(160_000);
  // Ten times the chapters: the same bins, the same percentiles; only numbers grow a digit.
  assert.ok(large < small * 1.1, `${large} bytes for 160,000 chapters, ${small} for 16,000`);
  assert.ok(large < 40_000, `${large} bytes`);
});

Deno.test("text in the page is escaped", () => {
  const [row] = rows();
  const odd = { ...row, profile: { ...row.profile, name: `<b>&"x"` } };
  const { html, document } = page([odd]);
  assert.ok(html.includes("&lt;b&gt;&amp;&quot;x&quot;"));
  assert.equal(tableCells(document)[1][0], `<b>&"x"`);
});
