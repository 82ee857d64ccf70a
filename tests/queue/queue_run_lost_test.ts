/** A watcher whose Redis restarts empty says the run is gone and exits 1, instead of waiting forever. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startFakeApi } from "../../src/fake_api/server.ts";
import { sanitizedTest } from "../exec/_helpers.ts";
import { CANON, enqueue, redisCommand, startRedis, startWatch } from "./_queue.ts";

const _sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

sanitizedTest("a watcher whose Redis restarts without the run says so and exits 1", async () => {
  const redis = await startRedis();
  const api = await startFakeApi({ volumes: CANON.volumes });
  const dir = await Deno.makeTempDir({ prefix: "queue-run-lost-" });
  try {
    // No worker: the run waits, and its watcher with it.
    const run = await enqueue(redis.url, api.apiUrl, join(dir, "out"), "-s", "pgp");
    const log = join(dir, "watch.ndjson");
    const watching = startWatch(redis.url, run, "default", "--log", log);
    // The log is opened once the run's settings are read, before the events are.
    while (!(await exists(log))) await _sleep(20);
    // Restarted empty: what it saves and loads back is nothing.
    assert.equal(await redisCommand(redis.port, "FLUSHALL"), "+OK");
    await redis.restart();
    const watched = await watching.done;
    assert.equal(watched.code, 1, watched.stderr);
    // Besides what the connections logged while Redis was down (one line each, if any).
    const lines = watched.stderr.split("\n").filter((l) => l !== "" && !l.startsWith("Redis at "));
    assert.deepEqual(lines, [
      `Run ${run} is no longer in Redis (restarted without its data?): enqueue it again`,
    ]);
  } finally {
    await api.close();
    await redis.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

sanitizedTest("a watcher stops at the first SIGTERM while Redis is down", async () => {
  const redis = await startRedis();
  const api = await startFakeApi({ volumes: CANON.volumes });
  const dir = await Deno.makeTempDir({ prefix: "queue-watch-down-" });
  try {
    const run = await enqueue(redis.url, api.apiUrl, join(dir, "out"), "-s", "pgp");
    const watching = startWatch(redis.url, run, "default", "--log", join(dir, "watch.ndjson"));
    while (!(await exists(join(dir, "watch.ndjson")))) await _sleep(20);
    let stopped: Awaited<ReturnType<typeof watching.stop>> | undefined;
    await redis.restart({
      whileDown: async () => {
        await watching.waitFor(/ECONNREFUSED.*\(reconnecting\)\n/);
        stopped = await watching.stop();
      },
    });
    assert.equal(stopped!.code, 130, stopped!.stderr);
    assert.equal(JSON.parse(stopped!.stdout).run, run);
    assert.ok(!/Unhandled|^\s+at /m.test(stopped!.stderr), stopped!.stderr);
  } finally {
    await api.close();
    await redis.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
