/**
 * A whole run on the queue, end to end: worker processes of the real CLI on
 * a Redis of the test's own, against the fake API in this process, which
 * judges the rate and the in-flight count as a server sees them.
 */
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
  "a whole-canon run across 3 worker processes never goes above the rate at the server",
  async () => {
    const redis = await startRedis();
    // The server's bucket holds a second of its rate: a 429 means more than
    // 40 requests arrived within some second. 40 in flight would go well
    // above 40/s without the shared limiter (3 workers, each of its own).
    const api = await startFakeApi({ volumes: CANON.volumes, ratePerSecond: 40 });
    const dir = await Deno.makeTempDir({ prefix: "queue-run-" });
    const workers: WorkerProcess[] = [];
    try {
      const profile = await writeProfile(dir, "shared", {
        delay: "0ms",
        requestsPerSecond: 40,
        burst: 8,
        maxInFlight: 40,
      });
      for (let i = 0; i < 3; i++) workers.push(await startWorker({ queue: redis.url, profile }));
      const out = join(dir, "out");
      const run = await enqueue(redis.url, api.apiUrl, out);
      const watched = await watch(redis.url, run, profile);
      assert.equal(watched.code, 0, watched.stderr);
      const summary = JSON.parse(watched.stdout);
      const chapters = chaptersOf();
      assert.equal(summary.chapters.imported, chapters.length);
      assert.equal(summary.chapters.failed, 0);

      const stats = api.stats();
      assert.equal(stats.tooManyRequests, 0, "a request above 40/s");
      assert.equal(summary.status429, 0);
      assert.equal(stats.duplicates.count, 0);
      assert.equal(stats.requests, chapters.length);
      assert.deepEqual(await badChapters(out, chapters), []);
      const root = JSON.parse(await Deno.readTextFile(join(out, "manifest.json")));
      assert.equal(root.complete, true);
    } finally {
      for (const worker of workers) await worker.stop();
      await api.close();
      await redis.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
