import assert from "node:assert/strict";
import {
  defaultLogPath,
  latestLogPath,
  ProgressLog,
  ProgressLogError,
  progressLogProblem,
  readProgressLog,
  unfinishedIds,
} from "../../src/progress/log.ts";
import { type LogRecord, toLogRecord } from "../../src/progress/log_record.ts";
import { EVERY_EVENT, HEADER, SUMMARY, T0 } from "./_fixtures.ts";
import { rateChange } from "./_helpers.ts";

async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "progress_log_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const RECORDS: readonly LogRecord[] = EVERY_EVENT.map(([, record]) => record);

async function writeLog(path: string, text: string): Promise<void> {
  await Deno.writeTextFile(path, text);
}

const lines = (records: readonly LogRecord[]) =>
  records.map((r) => JSON.stringify(r) + "\n").join("");

Deno.test("progress log writes every record type as one line, in order, and reads them back", async () => {
  await inTempDir(async (dir) => {
    const path = defaultLogPath(dir, new Date(EVERY_EVENT[0][0].at));
    const log = await ProgressLog.open(path);
    const sink = log.sink({ header: HEADER, summarize: () => SUMMARY });
    for (const [event] of EVERY_EVENT) sink(event);
    log.close();
    log.close();

    const text = await Deno.readTextFile(path);
    assert.equal(text, lines(RECORDS));
    assert.deepEqual(await readProgressLog(path), { records: RECORDS, tornLastLine: false });
  });
});

Deno.test("progress log appends to an existing file and refuses writes once closed", async () => {
  await inTempDir(async (dir) => {
    const path = `${dir}/a/b/run.ndjson`;
    for (const record of RECORDS.slice(0, 2)) {
      const log = await ProgressLog.open(path);
      log.write(record);
      log.close();
      assert.throws(() => log.write(record), {
        message: `Cannot write progress log "${path}": it is closed`,
      });
    }
    assert.deepEqual((await readProgressLog(path)).records, RECORDS.slice(0, 2));
  });
});

Deno.test("readProgressLog leaves out and reports a torn last line", async () => {
  await inTempDir(async (dir) => {
    const path = `${dir}/run.ndjson`;
    const whole = JSON.stringify(RECORDS[6]);
    await writeLog(path, lines(RECORDS.slice(0, 3)) + whole.slice(0, 40));
    assert.deepEqual(await readProgressLog(path), {
      records: RECORDS.slice(0, 3),
      tornLastLine: true,
    });
  });
});

Deno.test("readProgressLog keeps a whole last record that lost only its newline", async () => {
  await inTempDir(async (dir) => {
    const path = `${dir}/run.ndjson`;
    await writeLog(path, lines(RECORDS.slice(0, 3)) + JSON.stringify(RECORDS[3]));
    assert.deepEqual(await readProgressLog(path), {
      records: RECORDS.slice(0, 4),
      tornLastLine: false,
    });
  });
});

Deno.test("readProgressLog reads an empty file as no records", async () => {
  await inTempDir(async (dir) => {
    await writeLog(`${dir}/run.ndjson`, "");
    assert.deepEqual(await readProgressLog(`${dir}/run.ndjson`), {
      records: [],
      tornLastLine: false,
    });
  });
});

Deno.test("readProgressLog rejects a bad line that is not the torn last one, naming the line", async () => {
  const good = JSON.stringify(RECORDS[1]);
  const rows: [string, number, string][] = [
    [`${good}\n{"type":"scope-op\n${good}\n`, 2, "line 2 is not valid JSON: "],
    [`${good}\n${good}\n${good.slice(0, 30)}\n`, 3, "line 3 is not valid JSON: "],
    [`${good}\n\n${good}\n`, 2, "line 2 is not valid JSON: "],
    [`[1, 2]\n`, 1, "line 1 is not a JSON object"],
    [
      `${good}\n{"type":"task-paused","time":"x","at":1}\n`,
      2,
      'line 2 has an unknown record type "task-paused"',
    ],
    [`{"time":"x","at":1}\n`, 1, "line 1 has an unknown record type undefined"],
    [
      `${good}\n${JSON.stringify({ ...RECORDS[2], id: undefined })}\n`,
      2,
      'line 2 is not a "task-start" record: field "id" is undefined, expected string',
    ],
    [
      `${JSON.stringify({ ...RECORDS[1], at: "soon" })}\n${good}\n`,
      1,
      'line 1 is not a "scope-open" record: field "at" is string, expected number',
    ],
    [
      `${JSON.stringify({ ...RECORDS[11], summary: null })}\n`,
      1,
      'line 1 is not a "run-end" record: field "summary" is null, expected object',
    ],
  ];
  await inTempDir(async (dir) => {
    const path = `${dir}/run.ndjson`;
    for (const [text, line, detail] of rows) {
      await writeLog(path, text);
      await assert.rejects(readProgressLog(path), (error: unknown) => {
        assert.ok(error instanceof ProgressLogError);
        assert.equal(error.line, line);
        assert.ok(
          error.message.startsWith(`Cannot read progress log "${path}": ${detail}`),
          error.message,
        );
        return true;
      });
    }
  });
});

Deno.test("defaultLogPath names the log by its start time, safe for every file system", () => {
  const path = defaultLogPath("out", new Date(Date.UTC(2026, 10, 29, 12, 0, 0)));
  assert.equal(path, "out/.import/runs/2026-11-29T12-00-00.000Z.ndjson");
  assert.ok(!path.slice("out".length).includes(":"));
});

Deno.test("latestLogPath finds the newest log by name, and nothing when there is none", async () => {
  await inTempDir(async (dir) => {
    assert.equal(await latestLogPath(dir), undefined);
    const times = [
      Date.UTC(2026, 10, 29, 9, 59, 59),
      Date.UTC(2026, 10, 29, 12, 0, 0),
      Date.UTC(2026, 10, 28, 23, 0, 0),
    ];
    await Deno.mkdir(`${dir}/.import/runs`, { recursive: true });
    assert.equal(await latestLogPath(dir), undefined);
    for (const t of times) await writeLog(defaultLogPath(dir, new Date(t)), "");
    await writeLog(`${dir}/.import/runs/notes.txt`, "");
    assert.equal(await latestLogPath(dir), defaultLogPath(dir, new Date(times[1])));
  });
});

Deno.test("unfinishedIds lists the chapters the last run of a log failed or cancelled", () => {
  const stamp = { time: "2026-11-29T12:00:00.000Z", at: 0 };
  const failed = (id: string, kind: string): LogRecord => ({
    type: "task-failed",
    ...stamp,
    id,
    kind,
    reason: "HTTP 500",
    attempts: 4,
    permanent: false,
  });
  const cancelled = (id: string): LogRecord => ({
    type: "task-cancelled",
    ...stamp,
    id,
    kind: "chapter",
  });
  const records = [
    ...RECORDS,
    failed("ot/ps/119", "chapter"),
    failed("ot/manifest", "volume-manifest"),
    cancelled("ot/ps/120"),
  ];
  assert.deepEqual(unfinishedIds(records), [
    "bofm/1-ne/2",
    "bofm/1-ne/4",
    "ot/ps/119",
    "ot/ps/120",
  ]);
  assert.deepEqual(unfinishedIds(records, "volume-manifest"), ["ot/manifest"]);
  // A log appended to by a later run: only that run counts.
  const runStart = RECORDS.find((r) => r.type === "run-start")!;
  assert.deepEqual(unfinishedIds([...records, runStart, failed("nt/rev/1", "chapter")]), [
    "nt/rev/1",
  ]);
});

Deno.test("a log reopened after a torn last line ends that line before appending", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/run.ndjson`;
    const first = await ProgressLog.open(path);
    first.write(RECORDS[0]);
    first.close();
    await Deno.writeTextFile(path, '{"type":"task-st', { append: true });
    const second = await ProgressLog.open(path);
    second.write(RECORDS[0]);
    second.close();
    await assert.rejects(readProgressLog(path), /line 2/);
    const lines = (await Deno.readTextFile(path)).split("\n");
    assert.equal(lines.length, 4);
    assert.deepEqual(JSON.parse(lines[2]), RECORDS[0]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("progress log writes a rate-change record and reads it back, refusing one without its settings", async () => {
  const record = toLogRecord(rateChange(T0 + 5, 10, 20, { inFlight: 3, cause: "slow-start" }), {
    header: HEADER,
    summarize: () => SUMMARY,
  });
  await inTempDir(async (dir) => {
    const path = `${dir}/run.ndjson`;
    const log = await ProgressLog.open(path);
    log.write(record);
    log.close();
    assert.deepEqual((await readProgressLog(path)).records, [record]);
    await writeLog(
      path,
      `${JSON.stringify({ ...record, to: 20 })}\n{"type":"rate-resume","time":"x","at":1}\n`,
    );
    await assert.rejects(
      readProgressLog(path),
      /line 1 is not a "rate-change" record: field "to" is number, expected object/,
    );
  });
});

Deno.test("progressLogProblem accepts only a new, empty or progress-log file, and never echoes it", async () => {
  await inTempDir(async (dir) => {
    const runStart = JSON.stringify(
      toLogRecord({ type: "run-start", at: T0, nodes: 3, tasks: 1, sinks: 2 }, {
        header: HEADER,
        summarize: () => SUMMARY,
      }),
    );
    const taskStart = JSON.stringify({
      type: "task-start",
      time: "2026-11-29T12:00:00.000Z",
      at: T0,
      id: "pgp/moses/1",
      kind: "chapter",
      role: "task",
      attempt: 1,
    });
    const notALog = "it is not a progress log";
    const rows: [string, string | Uint8Array, string | undefined][] = [
      ["empty.ndjson", "", undefined],
      ["log.ndjson", `${runStart}\n${taskStart}\n`, undefined],
      ["one-record.ndjson", runStart, undefined],
      [
        "import.yaml",
        "volumes:\n  - id: secret-volume\n",
        `${notALog} (its first line is not a "run-start" record)`,
      ],
      [
        "manifest.json",
        '{"volume":"bofm"}\n',
        `${notALog} (its first line is not a "run-start" record)`,
      ],
      [
        "tail.ndjson",
        `${taskStart}\n${runStart}\n`,
        `${notALog} (its first line is not a "run-start" record)`,
      ],
      [
        "binary.bin",
        new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0xff, 0xfe, 0x0a]),
        `${notALog} (it is not UTF-8 text)`,
      ],
      ["huge.txt", "x".repeat(2 << 20), `${notALog} (no line ends in its first 1 MiB)`],
    ];
    for (const [name, content, expected] of rows) {
      const path = `${dir}/${name}`;
      if (typeof content === "string") await Deno.writeTextFile(path, content);
      else await Deno.writeFile(path, content);
      assert.equal(await progressLogProblem(path), expected, name);
    }
    // A device never ends when a later run reads the log back.
    assert.equal(await progressLogProblem("/dev/zero"), "it is not a regular file");
  });
});
