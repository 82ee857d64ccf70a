/**
 * Redis restarted empty under a running worker: the worker puts the queue's
 * limits back, so the next run keeps the profile's rate at the server, and a
 * worker of another profile is refused again.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startFakeApi } from "../../src/fake_api/server.ts";
import { LIMITS_KEY } from "../../src/queue/names.ts";
import { sanitizedTest } from "../exec/_helpers.ts";
import {
  badChapters,
  CANON,
  enqueue,
  redisCommand,
  refusedWorker,
  startRedis,
  startWorker,
  watch,
  type WorkerProcess,
} from "./_queue.ts";
import { buildPlan } from "../../src/plan/planner.ts";
import { resolveSelection } from "../../src/plan/selection.ts";

const _sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

sanitizedTest(
  "after Redis restarts empty, a running worker keeps the profile's rate and check",
  async () => {
    const redis = await startRedis();
    // No limit of its own: what the server sees is the workers' pace.
    const api = await startFakeApi({ volumes: CANON.volumes });
    const dir = await Deno.makeTempDir({ prefix: "queue-empty-restart-" });
    let worker: WorkerProcess | undefined;
    try {
      // conservative: at most 10 requests/s, across all workers.
      worker = await startWorker({ queue: redis.url, profile: "conservative" });
      assert.match(await redisCommand(redis.port, `EXISTS ${LIMITS_KEY}`), /^:1$/);
      await redis.restart({ empty: true });
      const out = join(dir, "out");
      const only = ["ot/ex"];
      const run = await enqueue(redis.url, api.apiUrl, out, "--only", only.join(","));
      const watched = await watch(redis.url, run, "conservative");
      assert.equal(watched.code, 0, watched.stderr);
      const chapters = buildPlan(CANON, resolveSelection(CANON, { only })).dag.nodes
        .filter((n) => n.kind === "chapter");
      assert.equal(JSON.parse(watched.stdout).chapters.imported, chapters.length);
      assert.deepEqual(await badChapters(out, chapters), []);
      const { arrivals } = api.stats();
      // At most 10 in any second, give or take the requests' jitter on their
      // way (measured: 10 or 11; 100 and more with no window in Redis).
      assert.ok(arrivals.peakPerSecond <= 12, JSON.stringify(arrivals));
      assert.match(worker.stderr(), /limits were gone from Redis/);
      // The profile check holds again: another profile is refused.
      const other = await refusedWorker({ queue: redis.url, profile: "aggressive" });
      assert.equal(other.code, 2, other.stderr);
      assert.match(
        other.stderr,
        /Cannot start a worker with profile "aggressive".*profile "conservative"/s,
      );
    } finally {
      await worker?.stop();
      await api.close();
      await redis.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

sanitizedTest(
  "after Redis restarts empty, the adaptive leader sends its settings again and the profile is registered",
  async () => {
    const redis = await startRedis();
    let worker: WorkerProcess | undefined;
    const window = () => redisCommand(redis.port, "HGET importer:chapters:meta duration");
    try {
      worker = await startWorker({ queue: redis.url, profile: "adaptive" });
      await worker.waitFor(/Leading the adaptive rate control/);
      // The controller's start: 10/s, one start per 100 ms.
      assert.equal(await window(), "$3\r\n100");
      await redis.restart({ empty: true });
      // Back once the leader (or, later, a new election) sets it.
      while ((await window().catch(() => "")) !== "$3\r\n100") await _sleep(10);
      // Put back by the leader itself, with the profile registered first (its line may
      // reach the pipe after Redis has the window).
      await worker.waitFor(/the leader set its controller's again/);
      assert.match(await redisCommand(redis.port, `EXISTS ${LIMITS_KEY}`), /^:1$/);
      const other = await refusedWorker({ queue: redis.url, profile: "conservative" });
      assert.equal(other.code, 2, other.stderr);
      assert.match(other.stderr, /Cannot start a worker with profile "conservative"/);
    } finally {
      await worker?.stop();
      await redis.stop();
    }
  },
);
