/** The in-flight cap holds across workers, as the server counts requests in flight. */
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
  "3 workers of a 4-in-flight profile have exactly 4 requests at the server at most",
  async () => {
    const redis = await startRedis();
    // Slow answers, so that every job started holds its request at the server:
    // each worker alone would keep 4 in flight, 12 together without the shared cap.
    const api = await startFakeApi({ volumes: CANON.volumes, latencyMs: 500 });
    const dir = await Deno.makeTempDir({ prefix: "queue-in-flight-" });
    const workers: WorkerProcess[] = [];
    try {
      const profile = await writeProfile(dir, "capped", { delay: "0ms", maxInFlight: 4 });
      for (let i = 0; i < 3; i++) workers.push(await startWorker({ queue: redis.url, profile }));
      const out = join(dir, "out");
      const run = await enqueue(redis.url, api.apiUrl, out, "-s", "pgp");
      const watched = await watch(redis.url, run, profile);
      assert.equal(watched.code, 0, watched.stderr);
      assert.equal(JSON.parse(watched.stdout).chapters.imported, chaptersOf(["pgp"]).length);
      assert.equal(api.stats().peakInFlight, 4);
      assert.deepEqual(await badChapters(out, chaptersOf(["pgp"])), []);
    } finally {
      for (const worker of workers) await worker.stop();
      await api.close();
      await redis.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
