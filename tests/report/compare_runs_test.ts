import assert from "node:assert/strict";
import { compareRuns, isSequential } from "../../src/report/compare_runs.ts";
import { type MeasuredRun, measureRun } from "../../src/report/measure_run.ts";
import {
  CHAPTERS,
  DEFAULT,
  defaultRun,
  SEQUENTIAL,
  sequentialRun,
  SyntheticRun,
} from "./_synthetic_log.ts";

const measure = (run: SyntheticRun, log: string, selection?: string[]): MeasuredRun => {
  const measured = measureRun(run.records(), { log });
  return selection === undefined ? measured : { ...measured, selection };
};

Deno.test("a default run twice as fast as the sequential run has a speedup of 2", () => {
  const rows = compareRuns([
    measure(defaultRun(), "default.ndjson"),
    measure(sequentialRun(), "seq.ndjson"),
  ]);
  assert.deepEqual(rows.map((r) => [r.profile.name, r.speedup, r.baseline]), [
    ["default", 2, "seq.ndjson#1"],
    ["sequential", 1, "seq.ndjson#1"],
  ]);
});

Deno.test("without a sequential run there is no speedup", () => {
  const rows = compareRuns([measure(defaultRun(), "default.ndjson")]);
  assert.deepEqual([rows[0].speedup, rows[0].baseline], [null, null]);
});

Deno.test("each run is compared with the sequential run of its own selection", () => {
  const slowBofm = new SyntheticRun(SEQUENTIAL, CHAPTERS);
  CHAPTERS.forEach((id, i) => slowBofm.chapter(id, i * 400, 400));
  const rows = compareRuns([
    measure(sequentialRun(), "seq-pgp.ndjson", ["pgp"]),
    measure(slowBofm.end(1600), "seq-bofm.ndjson", ["bofm"]),
    measure(defaultRun(), "default-bofm.ndjson", ["bofm"]),
    measure(defaultRun(), "default-ot.ndjson", ["ot"]),
  ]);
  assert.deepEqual(rows.map((r) => [r.log, r.speedup, r.baseline]), [
    ["seq-pgp.ndjson", 1, "seq-pgp.ndjson#1"],
    ["seq-bofm.ndjson", 1, "seq-bofm.ndjson#1"],
    // 10 chapters/s against 2.5.
    ["default-bofm.ndjson", 4, "seq-bofm.ndjson#1"],
    // No sequential run of "ot": the first sequential run that ended normally.
    ["default-ot.ndjson", 2, "seq-pgp.ndjson#1"],
  ]);
});

Deno.test("a sequential run that ended normally is preferred to an interrupted one", () => {
  const stopped = new SyntheticRun(SEQUENTIAL, CHAPTERS).chapter("pgp/moses/1", 0, 400).end(
    400,
    true,
  );
  const rows = compareRuns([
    measure(stopped, "stopped.ndjson"),
    measure(sequentialRun(), "seq.ndjson"),
    measure(defaultRun(), "default.ndjson"),
  ]);
  assert.deepEqual(rows.map((r) => r.baseline), Array(3).fill("seq.ndjson#1"));
  assert.equal(rows[0].speedup, 2.5 / 5);
});

Deno.test("a profile of one request at a time is the baseline when none is named sequential", () => {
  const single = new SyntheticRun({ ...DEFAULT, name: "one", maxInFlight: 1 }, CHAPTERS);
  CHAPTERS.forEach((id, i) => single.chapter(id, i * 200, 200));
  const rows = compareRuns([
    measure(defaultRun(), "default.ndjson"),
    measure(single.end(800), "one.ndjson"),
  ]);
  assert.deepEqual(rows.map((r) => r.speedup), [2, 1]);
});

Deno.test("a baseline that imported nothing gives no speedup", () => {
  const failed = new SyntheticRun(SEQUENTIAL, CHAPTERS).failed("pgp/moses/1", 0, 30).end(40);
  const rows = compareRuns([
    measure(failed, "failed.ndjson"),
    measure(defaultRun(), "default.ndjson"),
  ]);
  assert.deepEqual(rows.map((r) => [r.speedup, r.baseline]), [
    [null, "failed.ndjson#1"],
    [null, "failed.ndjson#1"],
  ]);
});

Deno.test("isSequential: by name, by maxInFlight 1, or by limits of 1 at every level", () => {
  const rows: [MeasuredRun["profile"], boolean][] = [
    [SEQUENTIAL, true],
    [{ ...DEFAULT, name: "sequential" }, true],
    [{ ...DEFAULT, maxInFlight: 1 }, true],
    [{ ...SEQUENTIAL, name: "single" }, true],
    [{ ...SEQUENTIAL, name: "two", chaptersPerBook: 2 }, false],
    [DEFAULT, false],
  ];
  for (const [profile, expected] of rows) {
    assert.equal(isSequential(profile), expected, profile.name);
  }
});
