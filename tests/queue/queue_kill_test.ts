/** A worker killed with kill -9 mid-job: the others take its jobs over. */
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

sanitizedTest(
  "a run completes with every chapter whole after kill -9 of a worker holding jobs",
  async () => {
    const redis = await startRedis();
    const api = await startFakeApi({ volumes: CANON.volumes, latencyMs: 5 });
    // The first 5 requests pass; the next ones wait at the proxy, so the
    // worker is killed with requests of its own in flight.
    const proxy = startGatedProxy(api.apiUrl, 5);
    const dir = await Deno.makeTempDir({ prefix: "queue-kill-" });
    const workers: WorkerProcess[] = [];
    try {
      const profile = await writeProfile(dir, "shared", { delay: "0ms", maxInFlight: 4 });
      // A short stall timeout: the killed worker's jobs are taken over soon.
      const stallTimeout = "2s";
      const doomed = await startWorker({ queue: redis.url, profile, stallTimeout });
      const out = join(dir, "out");
      const run = await enqueue(redis.url, proxy.apiUrl, out, "-s", "pgp");
      await proxy.holding;
      await doomed.kill9();
      for (let i = 0; i < 2; i++) {
        workers.push(await startWorker({ queue: redis.url, profile, stallTimeout }));
      }
      proxy.release();
      const watched = await watch(redis.url, run, profile);
      assert.equal(watched.code, 0, watched.stderr);
      const summary = JSON.parse(watched.stdout);
      const chapters = chaptersOf(["pgp"]);
      assert.equal(summary.chapters.imported, chapters.length);
      assert.equal(summary.chapters.failed, 0);
      // The killed worker's held requests reached the server, and so did the
      // same chapters again from the workers that took its jobs over.
      assert.ok(api.stats().duplicates.count >= 1, "no job of the killed worker was taken over");
      assert.deepEqual(await badChapters(out, chapters), []);
    } finally {
      for (const worker of workers) await worker.stop();
      await proxy.close();
      await api.close();
      await redis.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
