/**
 * `--serve` on a queue run's watcher: the real CLI's watcher serving the
 * events of two worker processes, one after the other, read through
 * /api/state, /events and /metrics while the run goes and after it ended;
 * its controls refused, since a watcher has none.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startFakeApi } from "../../src/fake_api/server.ts";
import { readProgressLog } from "../../src/progress/log.ts";
import { sanitizedTest } from "../exec/_helpers.ts";
import { runMain } from "../_cli.ts";
import { control, state, untilState } from "../serve/_api.ts";
import { parsePromText, sampleValue } from "../serve/_prom_text.ts";
import { SseClient } from "../serve/_sse.ts";
import {
  CANON,
  chaptersOf,
  enqueue,
  MANIFEST_PATH,
  startGatedProxy,
  startRedis,
  startWatch,
  startWorker,
  type WatchProcess,
  type WorkerProcess,
  writeProfile,
} from "./_queue.ts";

const P = "scripture_importer_";
const NO_CONTROLS = /^Cannot control the run: controls are not available on a queue watcher/;

async function metrics(url: string) {
  const response = await fetch(`${url}metrics`);
  assert.equal(response.status, 200);
  return parsePromText(await response.text());
}

sanitizedTest(
  "the watcher's --serve shows every worker's chapters in /api/state, /events and /metrics, and refuses controls",
  async () => {
    const redis = await startRedis();
    const api = await startFakeApi({ volumes: CANON.volumes });
    // Three requests pass; the next ones wait at the proxy until released.
    const proxy = startGatedProxy(api.apiUrl, 3);
    const dir = await Deno.makeTempDir({ prefix: "queue-serve-" });
    const workers: WorkerProcess[] = [];
    let watcher: WatchProcess | undefined;
    let client: SseClient | undefined;
    try {
      const profile = await writeProfile(dir, "shared", { delay: "0ms", maxInFlight: 2 });
      const out = join(dir, "out");
      const run = await enqueue(redis.url, proxy.apiUrl, out, "-s", "pgp");
      const chapters = chaptersOf(["pgp"]);
      watcher = startWatch(redis.url, run, profile, "--serve", "0", "--serve-linger", "10m");
      const url = (await watcher.waitFor(/Dashboard and metrics: (\S+)/))[1];
      // Joined before the run can end: the stream's last record is the run's end.
      client = await SseClient.open(`${url}events`);

      const before = await state(url);
      assert.equal(before.chapters.total, chapters.length);
      assert.equal(before.chapters.imported, 0);
      assert.equal(before.run.controls, false, "a watcher has no controls");
      const refused = await control(url, { action: "pause" });
      assert.equal(refused.status, 409);
      assert.match(refused.reply.error, NO_CONTROLS);

      // The first worker: three chapters imported, two held at the proxy (its in-flight cap).
      const first = await startWorker({ queue: redis.url, profile });
      workers.push(first);
      await proxy.whenHeld(2);
      const during = await untilState(
        url,
        (s) => s.chapters.imported === 3 && s.chapters.inFlight === 2,
      );
      assert.equal(during.run.ended, false);
      assert.equal(during.requests.started, 5);
      const mid = await metrics(url);
      assert.equal(sampleValue(mid, `${P}chapters_total`, { outcome: "imported" }), 3);
      assert.equal(sampleValue(mid, `${P}tasks_in_flight`, { level: "chapter" }), 2);
      assert.equal(sampleValue(mid, `${P}requests_started_total`), 5);
      assert.equal(sampleValue(mid, `${P}run_done`), 0);

      // It stops: the two it holds end, it takes no more, and the run waits for another worker.
      const stopped = first.stop();
      await first.waitFor(/Worker stopping/);
      proxy.release();
      await stopped;
      const between = await untilState(
        url,
        (s) => s.chapters.imported >= 5 && s.chapters.inFlight === 0,
      );
      assert.equal(between.chapters.imported, 5, "the stopped worker took no job after its two");
      assert.equal(between.run.ended, false);

      // The second worker does the rest.
      workers.push(await startWorker({ queue: redis.url, profile }));
      await client.ended;
      const end = client.records[client.records.length - 1];
      assert.equal(end.type, "run-end");
      // deno-lint-ignore no-explicit-any
      const summary = end.summary as any;
      assert.equal(summary.chapters.imported, chapters.length);

      // Lingering after the end: the final state and metrics, both workers' chapters.
      const after = await state(url);
      assert.equal(after.run.ended, true);
      assert.deepEqual(
        { ...after.chapters },
        {
          total: chapters.length,
          imported: chapters.length,
          skipped: 0,
          failed: 0,
          cancelled: 0,
          inFlight: 0,
        },
      );
      assert.deepEqual(after.books, { total: 5, done: 5 });
      assert.equal(after.requests.started, chapters.length);
      const last = await metrics(url);
      for (const outcome of ["imported", "skipped", "failed", "cancelled"]) {
        assert.equal(
          sampleValue(last, `${P}chapters_total`, { outcome }),
          summary.chapters[outcome],
          outcome,
        );
      }
      assert.equal(sampleValue(last, `${P}requests_started_total`), chapters.length);
      assert.equal(sampleValue(last, `${P}tasks_in_flight`, { level: "chapter" }), 0);
      assert.equal(sampleValue(last, `${P}run_done`), 1);
      assert.equal(sampleValue(last, `${P}in_flight_limit_ceiling`), 2, "the watcher's -p");
      const late = await control(url, { action: "resume" });
      assert.equal(late.status, 409);
      assert.match(late.reply.error, NO_CONTROLS);

      await watcher.waitFor(/The run has ended; still serving/);
      const watched = await watcher.stop();
      watcher = undefined;
      assert.equal(watched.code, 0, watched.stderr);
      const printed = JSON.parse(watched.stdout);
      assert.deepEqual(printed.chapters, summary.chapters);
      // The log's header names the server, as an import in one process does.
      const log = await readProgressLog(printed.log);
      const header = log.records[0];
      assert.equal(header.type, "run-start");
      assert.deepEqual((header as { serve?: unknown }).serve, { url });
    } finally {
      await client?.close();
      await watcher?.stop();
      for (const worker of workers) await worker.stop();
      await proxy.close();
      await api.close();
      await redis.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test("--serve is refused with --enqueue and on a worker, and checked on a watcher (exit 2)", async () => {
  const cases: [string[], RegExp][] = [
    [
      [
        "import",
        "-m",
        MANIFEST_PATH,
        "--queue",
        "redis://127.0.0.1:1",
        "--enqueue",
        "--serve",
        "0",
      ],
      /^Cannot use --serve with --enqueue: serve the run from its watcher \(--watch RUN --serve \[HOST:\]PORT\)/,
    ],
    // Checked on a watcher as on an import in one process, before Redis is asked anything.
    [
      [
        "import",
        "-m",
        MANIFEST_PATH,
        "--queue",
        "redis://127.0.0.1:1",
        "--watch",
        "r1",
        "--serve",
        "0.0.0.0:0",
      ],
      /it is not a loopback address, so --serve-token TOKEN is required/,
    ],
    [
      [
        "import",
        "-m",
        MANIFEST_PATH,
        "--queue",
        "redis://127.0.0.1:1",
        "--watch",
        "r1",
        "--serve-linger",
        "1m",
      ],
      /^Cannot use --serve-linger without --serve/,
    ],
    [
      ["worker", "-m", MANIFEST_PATH, "--queue", "redis://127.0.0.1:1", "--serve", "0"],
      /^Cannot use --serve on a worker: serve the run from its watcher/,
    ],
    [
      ["worker", "-m", MANIFEST_PATH, "--queue", "redis://127.0.0.1:1", "--serve-linger", "1m"],
      /^Cannot use --serve-linger on a worker: serve the run from its watcher/,
    ],
  ];
  for (const [args, message] of cases) {
    const result = await runMain(args);
    assert.equal(result.code, 2, args.join(" "));
    assert.match(result.stderr, message);
  }
});
