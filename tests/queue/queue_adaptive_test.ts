/**
 * An adaptive profile on the queue: one controller, run by the worker that
 * holds the leader lock, sets every worker's rate and in-flight cap from all
 * their outcomes; another worker takes over when the leader dies.
 */
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
  startGatedProxy,
  startRedis,
  startWorker,
  watch,
  type WorkerProcess,
} from "./_queue.ts";

const LEADS = /Leading the adaptive rate control of the queue \(worker ([^)]+)\)/;

sanitizedTest(
  "2 workers of an adaptive profile: one leader sets the rate for both, under the server's limit",
  async () => {
    const redis = await startRedis();
    // A strict server: 25/s with a bucket of 5. Each worker alone would find
    // the limit and the two together send twice it.
    const limit = 25;
    const api = await startFakeApi({
      volumes: CANON.volumes,
      ratePerSecond: limit,
      burst: 5,
      latencyMs: 20,
    });
    const dir = await Deno.makeTempDir({ prefix: "queue-adaptive-" });
    const workers: WorkerProcess[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        workers.push(await startWorker({ queue: redis.url, profile: "adaptive" }));
      }
      const out = join(dir, "out");
      const run = await enqueue(redis.url, api.apiUrl, out, "-s", "bofm");
      const watched = await watch(redis.url, run, "adaptive");
      assert.equal(watched.code, 0, watched.stderr);
      const summary = JSON.parse(watched.stdout);
      const chapters = chaptersOf(["bofm"]);
      assert.equal(summary.chapters.imported, chapters.length);
      assert.deepEqual(await badChapters(out, chapters), []);

      // One leader, the first worker; the other never set a limit.
      const [leader, other] = workers.map((worker) => worker.stderr());
      const token = leader.match(LEADS)?.[1];
      assert.ok(token !== undefined, `the first worker did not lead: ${leader}`);
      assert.doesNotMatch(other, /Leading|Adaptive rate/, other);
      const changes = leader.split("\n").filter((line) => line.startsWith("Adaptive rate"));
      assert.ok(changes.every((line) => line.includes(`(leader ${token})`)));
      // The controller acted through the run: it raised the rate past the
      // start, and the run's log has its changes.
      const { records } = await readProgressLog(summary.log);
      const logged = records.filter((r) => r.type === "rate-change");
      assert.ok(logged.length >= 2, `${logged.length} rate-change records`);
      assert.ok(logged.length <= changes.length, "a rate change no leader made");

      const stats = api.stats();
      const seconds = summary.durationMs / 1000;
      const sent = stats.requests / seconds;
      const refused = stats.tooManyRequests / stats.requests;
      console.log(
        `adaptive on 2 workers: ${stats.requests} requests in ${seconds.toFixed(1)} s ` +
          `(${sent.toFixed(1)}/s sent, limit ${limit}/s), ${stats.tooManyRequests} refused ` +
          `(${(refused * 100).toFixed(1)} %), ${changes.length} rate changes`,
      );
      assert.ok(sent <= limit, `${sent.toFixed(1)} requests/s sent, above the limit`);
      assert.ok(refused < 0.1, `${(refused * 100).toFixed(1)} % of the requests refused`);
    } finally {
      for (const worker of workers) await worker.stop();
      await api.close();
      await redis.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

sanitizedTest(
  "after kill -9 of the adaptive leader another worker takes the lead and the run completes",
  async () => {
    const redis = await startRedis();
    const api = await startFakeApi({
      volumes: CANON.volumes,
      ratePerSecond: 40,
      burst: 5,
      latencyMs: 10,
    });
    // The first 8 requests pass; the next wait at the proxy, where the
    // leader is killed with requests in flight.
    const proxy = startGatedProxy(api.apiUrl, 8);
    const dir = await Deno.makeTempDir({ prefix: "queue-adaptive-kill-" });
    const workers: WorkerProcess[] = [];
    try {
      // The lock outlives a dead leader by the stall timeout.
      const stallTimeout = "2s";
      for (let i = 0; i < 2; i++) {
        workers.push(await startWorker({ queue: redis.url, profile: "adaptive", stallTimeout }));
      }
      const [leader, heir] = workers;
      assert.match(leader.stderr(), LEADS);
      assert.doesNotMatch(heir.stderr(), LEADS);
      const out = join(dir, "out");
      const run = await enqueue(redis.url, proxy.apiUrl, out, "-s", "pgp");
      await proxy.holding;
      await leader.kill9();
      // The held requests go on once the other worker leads, after the dead one's lock expired.
      await heir.waitFor(LEADS);
      proxy.release();
      const watched = await watch(redis.url, run, "adaptive");
      assert.equal(watched.code, 0, watched.stderr);
      const summary = JSON.parse(watched.stdout);
      const chapters = chaptersOf(["pgp"]);
      assert.equal(summary.chapters.imported, chapters.length);
      assert.deepEqual(await badChapters(out, chapters), []);
      // The heir's own controller heard the answers that came after the takeover.
      const text = heir.stderr();
      const token = text.match(LEADS)![1];
      assert.match(text, new RegExp(`Adaptive rate \\(leader ${token}\\): .*first answer`));
    } finally {
      for (const worker of workers.slice(1)) await worker.stop();
      await proxy.close();
      await api.close();
      await redis.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
