/** A rate limit the server announces, seen by one worker, lowers every worker's limiter. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startFakeApi } from "../../src/fake_api/server.ts";
import { readProgressLog } from "../../src/progress/log.ts";
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
  type WorkerProcess,
  writeProfile,
} from "./_queue.ts";

sanitizedTest("a lower rate the server announces becomes the limiter of every worker", async () => {
  const redis = await startRedis();
  const api = await startFakeApi({
    volumes: CANON.volumes,
    ratePerSecond: 20,
    rateLimitHeaders: true,
  });
  const dir = await Deno.makeTempDir({ prefix: "queue-announced-" });
  const workers: WorkerProcess[] = [];
  try {
    const profile = await writeProfile(dir, "eager", {
      delay: "0ms",
      requestsPerSecond: 200,
      burst: 20,
      maxInFlight: 4,
    });
    for (let i = 0; i < 2; i++) workers.push(await startWorker({ queue: redis.url, profile }));
    // The profile's own limiter: 10 starts per 50 ms.
    assert.equal(
      await redisCommand(redis.port, "HGET importer:chapters:meta duration"),
      "$2\r\n50",
    );
    const out = join(dir, "out");
    const run = await enqueue(redis.url, api.apiUrl, out, "-s", "pgp");
    const watched = await watch(redis.url, run, profile);
    assert.equal(watched.code, 0, watched.stderr);
    const summary = JSON.parse(watched.stdout);
    assert.equal(summary.chapters.imported, chaptersOf(["pgp"]).length);
    // 20/s announced: 10 starts per 500 ms, in Redis, for every worker.
    assert.equal(
      await redisCommand(redis.port, "HGET importer:chapters:meta duration"),
      "$3\r\n500",
    );
    const { records } = await readProgressLog(summary.log);
    const changes = records.filter((r) => r.type === "rate-change");
    assert.ok(changes.length >= 1, "no rate-change in the log");
    assert.ok(changes.every((r) => r.type === "rate-change" && r.cause === "announced"));
    assert.deepEqual(await badChapters(out, chaptersOf(["pgp"])), []);
  } finally {
    for (const worker of workers) await worker.stop();
    await api.close();
    await redis.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
