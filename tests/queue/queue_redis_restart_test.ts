/** Redis restarted mid-run: the workers and the watcher reconnect and the run completes. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startFakeApi } from "../../src/fake_api/server.ts";
import { sanitizedTest } from "../exec/_helpers.ts";
import {
  badChapters,
  CANON,
  chaptersOf,
  enqueue,
  startGatedProxy,
  startRedis,
  startWorker,
  watch,
  type WorkerProcess,
  writeProfile,
} from "./_queue.ts";

sanitizedTest("a run survives a restart of Redis with jobs in flight", async () => {
  const redis = await startRedis();
  const api = await startFakeApi({ volumes: CANON.volumes, latencyMs: 5 });
  // Requests past the first 5 wait at the proxy while Redis restarts.
  const proxy = startGatedProxy(api.apiUrl, 5);
  const dir = await Deno.makeTempDir({ prefix: "queue-restart-" });
  const workers: WorkerProcess[] = [];
  try {
    const profile = await writeProfile(dir, "shared", { delay: "0ms", maxInFlight: 4 });
    for (let i = 0; i < 2; i++) workers.push(await startWorker({ queue: redis.url, profile }));
    const out = join(dir, "out");
    const run = await enqueue(redis.url, proxy.apiUrl, out, "-s", "pgp");
    const watching = watch(redis.url, run, profile);
    await proxy.holding;
    // Its data saved and loaded back (the tests' Redis keeps none otherwise).
    await redis.restart();
    proxy.release();
    const watched = await watching;
    assert.equal(watched.code, 0, watched.stderr);
    const summary = JSON.parse(watched.stdout);
    const chapters = chaptersOf(["pgp"]);
    assert.equal(summary.chapters.imported, chapters.length);
    assert.equal(summary.chapters.failed, 0);
    assert.deepEqual(await badChapters(out, chapters), []);
  } finally {
    for (const worker of workers) await worker.stop();
    await proxy.close();
    await api.close();
    await redis.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
