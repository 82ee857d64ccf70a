/** Deterministic job ids: a run enqueued twice is fetched once. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startFakeApi } from "../../src/fake_api/server.ts";
import { sanitizedTest } from "../exec/_helpers.ts";
import {
  badChapters,
  CANON,
  chaptersOf,
  enqueue,
  redisCommand,
  startRedis,
  startWorker,
  watch,
  writeProfile,
} from "./_queue.ts";

sanitizedTest("a run enqueued twice, and again once done, fetches each chapter once", async () => {
  const redis = await startRedis();
  const api = await startFakeApi({ volumes: CANON.volumes });
  const dir = await Deno.makeTempDir({ prefix: "queue-enqueue-" });
  try {
    const profile = await writeProfile(dir, "shared", { delay: "0ms", maxInFlight: 4 });
    const out = join(dir, "out");
    const first = await enqueue(redis.url, api.apiUrl, out, "-s", "pgp");
    const second = await enqueue(redis.url, api.apiUrl, out, "-s", "pgp");
    assert.equal(second, first, "the same import names the same run");
    const chapters = chaptersOf(["pgp"]);
    assert.equal(
      await redisCommand(redis.port, "LLEN importer:chapters:wait"),
      `:${chapters.length}`,
    );

    const worker = await startWorker({ queue: redis.url, profile });
    try {
      const watched = await watch(redis.url, first, profile);
      assert.equal(watched.code, 0, watched.stderr);
      assert.equal(JSON.parse(watched.stdout).chapters.imported, chapters.length);
    } finally {
      await worker.stop();
    }
    // With no worker running, a third enqueue of the finished run adds no job.
    assert.equal(await enqueue(redis.url, api.apiUrl, out, "-s", "pgp"), first);
    assert.equal(await redisCommand(redis.port, "LLEN importer:chapters:wait"), ":0");
    assert.equal(await redisCommand(redis.port, "LLEN importer:manifests:wait"), ":0");

    const stats = api.stats();
    assert.equal(stats.requests, chapters.length);
    assert.equal(stats.duplicates.count, 0);
    assert.deepEqual(await badChapters(out, chapters), []);
  } finally {
    await api.close();
    await redis.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
