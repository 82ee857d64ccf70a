import assert from "node:assert/strict";
import { join } from "node:path";
import { readRunLogs, ReportInputError } from "../../src/report/read_logs.ts";
import {
  CHAPTERS,
  defaultRun,
  SEQUENTIAL,
  sequentialRun,
  SyntheticRun,
  writeLog,
} from "./_synthetic_log.ts";

async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("logs are measured in the order given, one run each", async () => {
  await inTempDir(async (dir) => {
    const fast = await writeLog(dir, "b.ndjson", defaultRun().ndjson());
    const slow = await writeLog(dir, "a.ndjson", sequentialRun().ndjson());
    const runs = await readRunLogs([fast, slow]);
    assert.deepEqual(runs.map((r) => [r.log, r.run, r.profile.name, r.durationMs]), [
      [fast, 1, "default", 400],
      [slow, 1, "sequential", 800],
    ]);
  });
});

Deno.test("a directory stands for its .ndjson files in name order", async () => {
  await inTempDir(async (dir) => {
    await writeLog(dir, "2026-11-29T12-05-00.000Z.ndjson", defaultRun().ndjson());
    await writeLog(dir, "2026-11-29T12-00-00.000Z.ndjson", sequentialRun().ndjson());
    await writeLog(dir, "notes.txt", "not a log");
    const runs = await readRunLogs([dir]);
    assert.deepEqual(runs.map((r) => r.profile.name), ["sequential", "default"]);
  });
});

Deno.test("a log appended to by two runs gives two runs, numbered", async () => {
  await inTempDir(async (dir) => {
    const log = await writeLog(
      dir,
      "both.ndjson",
      sequentialRun().ndjson() + defaultRun(5_000).ndjson(),
    );
    const runs = await readRunLogs([log]);
    assert.deepEqual(runs.map((r) => [r.run, r.profile.name, r.chapters.imported, r.durationMs]), [
      [1, "sequential", 4, 800],
      [2, "default", 4, 400],
    ]);
  });
});

Deno.test("a killed run's log with a torn last line is measured and marked", async () => {
  await inTempDir(async (dir) => {
    const killed = new SyntheticRun(SEQUENTIAL, CHAPTERS)
      .chapter("pgp/moses/1", 0, 200)
      .chapter("pgp/moses/2", 200, 200);
    const log = await writeLog(dir, "killed.ndjson", killed.ndjson() + '{"type":"task-st');
    const [run] = await readRunLogs([log]);
    assert.equal(run.chapters.imported, 2);
    assert.equal(run.durationMs, 400);
    assert.deepEqual([run.ended, run.tornLastLine], [false, true]);
  });
});

Deno.test("only the last run of a log can have the torn line", async () => {
  await inTempDir(async (dir) => {
    const log = await writeLog(
      dir,
      "two.ndjson",
      sequentialRun().ndjson() + defaultRun(5_000).ndjson() + "{",
    );
    const runs = await readRunLogs([log]);
    assert.deepEqual(runs.map((r) => r.tornLastLine), [false, true]);
  });
});

Deno.test("bad input is refused with a message naming the path and the problem", async () => {
  await inTempDir(async (dir) => {
    const cases: [string, string][] = [
      [
        join(dir, "missing.ndjson"),
        `Cannot read progress log "${dir}/missing.ndjson": no such file`,
      ],
      [
        await writeLog(dir, "README.md", "# Title\n"),
        `Cannot read progress log "${dir}/README.md": line 1 is not valid JSON: ` +
        `Unexpected token '#', "# Title" is not valid JSON (is it a progress log?)`,
      ],
      [
        await writeLog(dir, "other.ndjson", '{"type":"hello","time":"x","at":0}\n'),
        `Cannot read progress log "${dir}/other.ndjson": line 1 has an unknown record type "hello" (is it a progress log?)`,
      ],
      [
        await writeLog(dir, "empty.ndjson", ""),
        `Cannot report progress log "${dir}/empty.ndjson": it holds no record`,
      ],
      [
        await writeLog(dir, "torn.ndjson", '{"type":"run-st'),
        `Cannot report progress log "${dir}/torn.ndjson": it holds no record (only a torn line)`,
      ],
      [
        await writeLog(
          dir,
          "headless.ndjson",
          sequentialRun().ndjson().split("\n").slice(1).join("\n"),
        ),
        `Cannot report progress log "${dir}/headless.ndjson": line 1 is a "task-start" record, expected "run-start"`,
      ],
    ];
    for (const [path, message] of cases) {
      await assert.rejects(readRunLogs([path]), (error: unknown) => {
        assert.ok(error instanceof ReportInputError, String(error));
        assert.equal(error.message, message);
        return true;
      });
    }
    const empty = join(dir, "runs");
    await Deno.mkdir(empty);
    await assert.rejects(
      readRunLogs([empty]),
      new ReportInputError(
        `Cannot read progress logs in "${empty}": the directory has no .ndjson file ` +
          `(nor has its .import/runs, nor any <folder>/.import/runs in it)`,
      ),
    );
  });
});
