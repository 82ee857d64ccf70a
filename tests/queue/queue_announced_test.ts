/**
 * A rate limit the server announces, seen by one worker, slows every worker
 * down: judged at the server, by the rate at which the requests arrive there.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startFakeApi } from "../../src/fake_api/server.ts";
import { readProgressLog } from "../../src/progress/log.ts";
import { sanitizedTest } from "../exec/_helpers.ts";
import {
  badChapters,
  CANON,
  enqueue,
  redisCommand,
  startRedis,
  startWorker,
  watch,
  type WorkerProcess,
  writeProfile,
} from "./_queue.ts";
import { buildPlan } from "../../src/plan/planner.ts";
import { resolveSelection } from "../../src/plan/selection.ts";
import type { ChapterNode } from "../../src/plan/types.ts";

const _sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

sanitizedTest(
  "a rate the server announces, seen by one of 2 workers, holds every worker to it at the server",
  async () => {
    const redis = await startRedis();
    // 20 requests in any second, announced on every answer (X-RateLimit-Limit: 20).
    const api = await startFakeApi({
      volumes: CANON.volumes,
      ratePerSecond: 20,
      rateLimitHeaders: true,
    });
    const dir = await Deno.makeTempDir({ prefix: "queue-announced-" });
    const workers: WorkerProcess[] = [];
    const meta = () => redisCommand(redis.port, "HGET importer:chapters:meta duration");
    try {
      // 200/s, one start per window: 10 times what the server allows.
      const profile = await writeProfile(dir, "eager", {
        delay: "0ms",
        requestsPerSecond: 200,
        burst: 2,
        maxInFlight: 4,
      });
      for (let i = 0; i < 2; i++) workers.push(await startWorker({ queue: redis.url, profile }));
      // The profile's window, shared in Redis: 1 start per 5 ms.
      assert.equal(await meta(), "$1\r\n5");
      const out = join(dir, "out");
      const only = ["ot/gen", "ot/ex"];
      const run = await enqueue(redis.url, api.apiUrl, out, "--only", only.join(","));
      let ended = false;
      const watching = watch(redis.url, run, profile).finally(() => (ended = true));
      // From the moment the shared window is the announced one (1 start per
      // 50 ms), the server counts afresh: what it sees is the workers' pace
      // after the announcement, not the first requests, sent before it.
      let lowered = false;
      while (!ended && !lowered) {
        lowered = (await meta()) === "$2\r\n50";
        if (lowered) api.resetStats();
        else await _sleep(5);
      }
      const watched = await watching;
      assert.equal(watched.code, 0, watched.stderr);
      assert.ok(lowered, "the shared window never became the announced rate's");
      const stats = api.stats();
      const summary = JSON.parse(watched.stdout);
      const chapters = _chapters(only);
      assert.equal(summary.chapters.imported, chapters.length);
      // Most of the run came after the announcement: several seconds at 20/s.
      assert.ok(stats.arrivals.count >= chapters.length - 20, JSON.stringify(stats.arrivals));
      // The rate the server saw: at most 20 in any second, give or take 10 %
      // for the requests' jitter on their way (measured: 20 or 21; 36 when
      // each worker kept its own window).
      assert.ok(stats.arrivals.peakPerSecond <= 22, JSON.stringify(stats.arrivals));
      assert.equal(stats.tooManyRequests, 0, "a request above 20/s after the announcement");
      // One worker lowered the shared rate, once, for all.
      const { records } = await readProgressLog(summary.log);
      const changes = records.filter((r) => r.type === "rate-change");
      assert.equal(changes.length, 1, JSON.stringify(changes));
      assert.ok(changes.every((r) => r.type === "rate-change" && r.cause === "announced"));
      assert.deepEqual(await badChapters(out, chapters), []);
      // A worker that joins the running ones keeps the lowered window.
      workers.push(await startWorker({ queue: redis.url, profile }));
      assert.equal(await meta(), "$2\r\n50");
    } finally {
      for (const worker of workers) await worker.stop();
      await api.close();
      await redis.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

function _chapters(only: readonly string[]): ChapterNode[] {
  const plan = buildPlan(CANON, resolveSelection(CANON, { only }));
  return plan.dag.nodes.filter((n): n is ChapterNode => n.kind === "chapter");
}
