import assert from "node:assert/strict";
import { compareRuns, type ReportRow } from "../../src/report/compare_runs.ts";
import { measureRun } from "../../src/report/measure_run.ts";
import { renderReport, runNote } from "../../src/report/render_report.ts";
import {
  CHAPTERS,
  clientDelayedRun,
  defaultRun,
  SEQUENTIAL,
  sequentialRun,
  SyntheticRun,
} from "./_synthetic_log.ts";

// Sequential: 4 chapters in 800 ms; default: the same in 400 ms, 2nd run of its log;
// then a sequential run killed after one chapter, its log's last line torn.
function rows(): ReportRow[] {
  const killed = new SyntheticRun(SEQUENTIAL, CHAPTERS).chapter("pgp/moses/1", 0, 200);
  return compareRuns([
    measureRun(sequentialRun().records(), { log: "runs/seq.ndjson" }),
    measureRun(defaultRun().records(), { log: "runs/default.ndjson", run: 2 }),
    measureRun(killed.records(), { log: "k.ndjson", tornLastLine: true }),
  ]);
}

Deno.test("the table fits 100 columns: no empty or all-zero column, and a log column only for repeated profiles", () => {
  const lines = renderReport(rows(), { format: "table" }).split("\n");
  assert.deepEqual(lines, [
    "profile     chapters  duration  speedup  requests  latency               minimum    eff.  note                        log",
    "sequential         4    800 ms    1.00x         4   200 ms  800 ms (concurrency)  100.0%                              seq.ndjson",
    "default            4    400 ms    2.00x         4   200 ms         350 ms (rate)   87.5%                              default.ndjson#2",
    "sequential         1    200 ms    1.00x         1   200 ms  200 ms (concurrency)  100.0%  no run-end; torn last line  k.ndjson",
    "",
  ]);
  const two = renderReport(rows().slice(0, 2), { format: "table" }).split("\n");
  assert.ok(two.every((line) => line.length <= 100), two.join("\n"));
  assert.ok(!two[0].includes("note"), "no column empty in every row");
  assert.ok(!two[0].includes("log"), "the profiles tell the rows apart");
  assert.ok(!two[0].includes("retries"), "no count that is 0 in every row");
});

Deno.test("a run's row shows the server's latency, what the client added, and the minimum at it", () => {
  const [row] = compareRuns([measureRun(clientDelayedRun().records(), { log: "delayed.ndjson" })]);
  const [header, , line] = renderReport([row], { format: "markdown" }).split("\n")
    .map((text) => text.split("|").slice(1, -1).map((c) => c.trim()));
  const cell = (name: string) => line[header.indexOf(name)];
  assert.equal(cell("latency"), "64 ms");
  assert.equal(cell("server"), "50 ms (ttfb)");
  assert.equal(cell("+client"), "+14 ms");
  assert.equal(cell("minimum"), "500 ms (concurrency)");
  assert.equal(cell("eff."), "78.1%");
  const [json] = JSON.parse(renderReport([row], { format: "json" })).runs;
  assert.equal(json.latency.serverMs, 50);
  assert.equal(json.latency.serverFrom, "ttfb");
  assert.equal(json.latency.clientAddedMs, 14);
});

Deno.test("the Markdown table is laid out as deno fmt would, numbers aligned right", () => {
  const markdown = renderReport(rows().slice(0, 2), { format: "markdown", logColumn: false });
  assert.deepEqual(markdown.split("\n"), [
    "| profile    | selection | chapters | duration | ch/s | speedup | requests | retries | 429s | failed | latency |           server | +client |              minimum |   eff. |      canon |",
    "| ---------- | --------- | -------: | -------: | ---: | ------: | -------: | ------: | ---: | -----: | ------: | ---------------: | ------: | -------------------: | -----: | ---------: |",
    "| sequential | pgp       |        4 |   800 ms |  5.0 |   1.00x |        4 |       0 |    0 |      0 |  200 ms | 200 ms (attempt) |   +0 ms | 800 ms (concurrency) | 100.0% | 5 min 17 s |",
    "| default    | pgp       |        4 |   400 ms | 10.0 |   2.00x |        4 |       0 |    0 |      0 |  200 ms | 200 ms (attempt) |   +0 ms |        350 ms (rate) |  87.5% | 2 min 38 s |",
    "",
  ]);
});

Deno.test("a pipe in a Markdown cell is escaped", () => {
  const row = { ...rows()[0], log: "a|b.ndjson" };
  const markdown = renderReport([row, row], { format: "markdown" });
  assert.ok(markdown.split("\n")[2].endsWith("| a\\|b.ndjson |"), markdown);
});

Deno.test("JSON holds every field of every row, an unlimited rate as null", () => {
  const parsed = JSON.parse(renderReport(rows(), { format: "json" }));
  assert.equal(parsed.runs.length, 3);
  const [sequential, fast] = parsed.runs;
  assert.equal(sequential.log, "runs/seq.ndjson");
  assert.equal(fast.run, 2);
  assert.equal(fast.speedup, 2);
  assert.equal(fast.baseline, "runs/seq.ndjson#1");
  assert.equal(fast.efficiency, 0.875);
  assert.equal(fast.bound.ms, 350);
  assert.equal(fast.bound.limitedBy, "rate");
  assert.equal(fast.canonEstimateMs, 158_400);
  assert.deepEqual(fast.chapters, {
    imported: 4,
    unchanged: 0,
    skipped: 0,
    failed: 0,
    cancelled: 0,
  });
  assert.equal(parsed.runs[2].tornLastLine, true);
  const unlimited = { ...rows()[0], bound: { ...rows()[0].bound!, rate: Infinity } };
  assert.equal(JSON.parse(renderReport([unlimited], { format: "json" })).runs[0].bound.rate, null);
});

Deno.test("a run without figures leaves out the columns it has no figure for", () => {
  const failed = new SyntheticRun(SEQUENTIAL, CHAPTERS).failed("pgp/moses/1", 0, 30).end(40);
  const [row] = compareRuns([measureRun(failed.records(), { log: "f.ndjson" })]);
  const line = renderReport([row], { format: "table", logColumn: false }).split("\n")[1];
  assert.equal(
    line,
    "sequential  pgp               0     40 ms   0.0         1       1",
  );
});

Deno.test("runNote names what is unusual about a run, or nothing", () => {
  const [row] = rows();
  assert.equal(runNote(row), "");
  assert.equal(runNote({ ...row, interrupted: true }), "interrupted");
  assert.equal(
    runNote({ ...row, ended: false, tornLastLine: true }),
    "no run-end; torn last line",
  );
});
