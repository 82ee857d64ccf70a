/**
 * The queue against the in-process executor, on a latency-bound server: the
 * fake API answers every request after 200 ms and limits nothing, and each
 * worker runs 10 jobs at once, as the in-process run keeps 10 in flight. So
 * the ideal speed-up of N workers is N, and what one worker loses against
 * the executor is the queue's cost per job.
 *
 *     deno bench --allow-all bench/queue_bench.ts
 *
 * Group `queue`: the Book of Mormon (239 chapters), in process (baseline),
 * then on the queue with 1, 2 and 4 worker processes (`deno task worker`) on
 * a redis-server of the bench's own. Each timed call enqueues a new run and
 * watches it to its root manifest; the workers are started before and
 * stopped after the timing. `BENCH_FULL=1` imports the whole canon.
 *
 * At the end a table gives, per setting, the mean duration, the speed-up
 * over the in-process run, and the overhead per job: the slot time a job
 * holds beyond what it holds in process, `(T × workers - T_in-process) × 10 / chapters`,
 * and the Redis commands served per job (all clients: workers, watcher,
 * enqueue; from `INFO commandstats`), which do not depend on the machine's load.
 *
 * @module
 */

import { join } from "node:path";
import { startFakeApi } from "../src/fake_api/server.ts";
import { runImport } from "../src/importer.ts";
import { loadProfile } from "../src/manifest/load.ts";
import type { Manifest } from "../src/manifest/types.ts";
import type { SelectionInput } from "../src/plan/selection.ts";
import { parseQueueAddress } from "../src/queue/connection.ts";
import { connect } from "../src/queue/redis_client.ts";
import { enqueueRun } from "../src/queue/enqueue.ts";
import { watchRun } from "../src/queue/watch.ts";
import {
  CANON,
  startRedis,
  startWorker,
  type WorkerProcess,
  writeProfile,
} from "../tests/queue/_queue.ts";

const LATENCY_MS = 200;
const PER_WORKER = 10;
const selection: SelectionInput = Deno.env.get("BENCH_FULL") === "1"
  ? { source: ["all"] }
  : { source: ["bofm"] };

const dir = await Deno.makeTempDir({ prefix: "queue-bench-" });
// Pages rendered off the bench's event loop, which also runs the watcher.
const api = await startFakeApi({
  volumes: CANON.volumes,
  latencyMs: LATENCY_MS,
  renderWorker: true,
});
const redis = await startRedis();
const address = parseQueueAddress(redis.url);
const profilePath = await writeProfile(dir, "latency-bound", { delay: "0ms" });
const inProcessPath = await writeProfile(dir, "in-process", {
  delay: "0ms",
  maxInFlight: PER_WORKER,
});
const manifest: Manifest = { ...CANON, source: { ...CANON.source, url: api.apiUrl } };
const profile = await loadProfile(profilePath, { profilesDir: dir });
const inProcess = await loadProfile(inProcessPath, { profilesDir: dir });

/** Redis commands served so far (every client), from INFO commandstats. */
async function redisCommands(): Promise<number> {
  const client = connect(address);
  try {
    const info = await client.info("commandstats");
    return [...info.matchAll(/calls=(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
  } finally {
    await client.quit();
  }
}

/** The most requests the server had in flight in the last run, by setting. */
const peakInFlight = new Map<string, number>();

/** Redis commands per chapter of the last queue run, by setting. */
const commandsPerJob = new Map<string, number>();

/** Mean ms of the timed calls, by setting. */
const durations = new Map<string, number[]>();
let chapters = 0;
let calls = 0;

/** Calls seen by setting: the first (deno bench's untimed warm-up) is not recorded. */
const seen = new Map<string, number>();

function record(name: string, ms: number) {
  const n = (seen.get(name) ?? 0) + 1;
  seen.set(name, n);
  if (n > 1) durations.set(name, [...(durations.get(name) ?? []), ms]);
}

Deno.bench({
  name: "in process, 10 in flight",
  group: "queue",
  baseline: true,
  n: 1,
  warmup: 0,
  async fn(b) {
    const out = join(dir, `in-process-${calls++}`);
    api.resetStats();
    b.start();
    const started = performance.now();
    const result = await runImport({ manifest, profile: inProcess, selection, outDir: out });
    const ms = performance.now() - started;
    b.end();
    chapters = result.summary.chapters.imported;
    record("in process", ms);
    peakInFlight.set("in process", api.stats().peakInFlight);
  },
});

for (const workers of [1, 2, 4]) {
  Deno.bench({
    name: `queue, ${workers} worker${workers === 1 ? "" : "s"} x 10`,
    group: "queue",
    n: 1,
    warmup: 0,
    async fn(b) {
      const started: WorkerProcess[] = [];
      for (let i = 0; i < workers; i++) {
        started.push(await startWorker({ queue: redis.url, profile: profilePath }));
      }
      try {
        const out = join(dir, `queue-${calls++}`);
        const commandsBefore = await redisCommands();
        api.resetStats();
        b.start();
        const t0 = performance.now();
        const { config } = await enqueueRun({
          address,
          manifest,
          selection,
          outDir: out,
          run: `bench-${calls}`,
        });
        const watched = await watchRun({ address, run: config.run, profile, log: false });
        const ms = performance.now() - t0;
        b.end();
        if (watched.summary.chapters.imported !== watched.plan.counts.chapters) {
          throw new Error(
            `Run ${config.run} imported ${watched.summary.chapters.imported} chapters`,
          );
        }
        record(`${workers}`, ms);
        peakInFlight.set(`${workers}`, api.stats().peakInFlight);
        // Every command of the run (enqueue, workers, watcher), per chapter.
        const commands = await redisCommands() - commandsBefore;
        commandsPerJob.set(`${workers}`, commands / watched.plan.counts.chapters);
      } finally {
        for (const worker of started) await worker.stop();
      }
    },
  });
}

Deno.bench({
  name: "(report and clean up)",
  group: "report",
  n: 1,
  warmup: 0,
  async fn() {
    if (durations.size < 4) return;
    const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
    const base = mean(durations.get("in process")!);
    const lines = [
      `${chapters} chapters at ${LATENCY_MS} ms, ${PER_WORKER} in flight per worker:`,
      `  in process      ${(base / 1000).toFixed(2)} s, ${
        peakInFlight.get("in process")
      } in flight at the server`,
    ];
    for (const workers of [1, 2, 4]) {
      const ms = mean(durations.get(`${workers}`)!);
      // Slot time per job on the queue (workers x 10 slots) less that in process (10 slots).
      const overhead = ((ms * workers - base) * PER_WORKER) / chapters;
      lines.push(
        `  queue ${workers} worker${workers === 1 ? " " : "s"}  ${(ms / 1000).toFixed(2)} s, ` +
          `speed-up x${(base / ms).toFixed(2)} (ideal x${workers}), overhead ${
            overhead.toFixed(0)
          } ms per job, ` +
          `${commandsPerJob.get(`${workers}`)!.toFixed(1)} Redis commands per job, ` +
          `${peakInFlight.get(`${workers}`)} in flight at the server`,
      );
    }
    console.log(lines.join("\n"));
    durations.clear();
    await api.close();
    await redis.stop();
    await Deno.remove(dir, { recursive: true });
  },
});
