/** A server's Retry-After, seen by one worker, pauses every worker's requests. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startFakeApi } from "../../src/fake_api/server.ts";
import { sanitizedTest } from "../exec/_helpers.ts";
import {
  badChapters,
  CANON,
  chaptersOf,
  enqueue,
  startRedis,
  startWorker,
  watch,
  type WorkerProcess,
  writeProfile,
} from "./_queue.ts";

sanitizedTest(
  "no worker sends a request before a Retry-After another worker was given runs out",
  async () => {
    const redis = await startRedis();
    // A server stricter than the profile: it refuses, with Retry-After.
    // A request counts as too early when it arrives more than the grace after
    // the 429: requests another worker had started before it are on their way.
    const api = await startFakeApi({
      volumes: CANON.volumes,
      ratePerSecond: 10,
      burst: 3,
      latencyMs: 10,
      retryAfterGraceMs: 500,
    });
    const dir = await Deno.makeTempDir({ prefix: "queue-retry-after-" });
    const workers: WorkerProcess[] = [];
    try {
      const profile = await writeProfile(dir, "eager", {
        delay: "0ms",
        requestsPerSecond: 200,
        burst: 20,
        maxInFlight: 6,
      });
      for (let i = 0; i < 2; i++) workers.push(await startWorker({ queue: redis.url, profile }));
      const out = join(dir, "out");
      const run = await enqueue(redis.url, api.apiUrl, out, "-s", "pgp");
      const watched = await watch(redis.url, run, profile);
      assert.equal(watched.code, 0, watched.stderr);
      const summary = JSON.parse(watched.stdout);
      const chapters = chaptersOf(["pgp"]);
      assert.equal(summary.chapters.imported, chapters.length);

      const stats = api.stats();
      assert.ok(stats.tooManyRequests > 0, "the server never refused: nothing was tested");
      assert.equal(summary.status429, stats.tooManyRequests);
      assert.equal(stats.beforeRetryAfter, 0, "a request arrived before a Retry-After ran out");
      assert.deepEqual(await badChapters(out, chapters), []);
    } finally {
      for (const worker of workers) await worker.stop();
      await api.close();
      await redis.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
