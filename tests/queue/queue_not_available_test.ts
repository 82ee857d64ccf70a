/**
 * A language that lacks volumes, on the queue: what one worker learnt is
 * missing is in the root manifest another worker writes, and the run writes
 * the files and manifests an import in one process writes.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startFakeApi } from "../../src/fake_api/server.ts";
import { sanitizedTest } from "../exec/_helpers.ts";
import {
  CANON,
  enqueue,
  importInProcess,
  outputFiles,
  redisCommand,
  startGatedProxy,
  startRedis,
  startWorker,
  watch,
  type WorkerProcess,
  writeProfile,
} from "./_queue.ts";

const _sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

sanitizedTest(
  "a queue run of a language that lacks volumes writes the manifests one process writes, whichever worker learnt what",
  async () => {
    const redis = await startRedis();
    // tpi has the Book of Mormon only: the Old Testament and the Pearl of Great Price answer 404.
    const api = await startFakeApi({ volumes: CANON.volumes });
    const missing = ["/scriptures/ot/ruth/1", "/scriptures/pgp/js-h/1"];
    // Two of the chapters tpi lacks go through; every other request is held.
    const proxy = startGatedProxy(api.apiUrl, 0, { alwaysPass: missing });
    const dir = await Deno.makeTempDir({ prefix: "queue-not-available-" });
    const workers: WorkerProcess[] = [];
    try {
      const profile = await writeProfile(dir, "shared", { delay: "0ms", maxInFlight: 4 });
      const stallTimeout = "2s";
      const first = await startWorker({ queue: redis.url, profile, stallTimeout });
      const out = join(dir, "out");
      const selection = ["--only", "ot/ruth/1-2,pgp/js-h,bofm/enos", "--lang", "tpi"];
      const run = await enqueue(redis.url, proxy.apiUrl, out, ...selection);
      // The first worker learns that tpi lacks both volumes, then is killed
      // while it waits for Ruth 2 and Enos: another worker takes them over,
      // ends the run and writes its root manifest, without having asked for
      // a missing chapter itself. (Killed once the Pearl of Great Price's
      // manifests are written: a kill mid-write would leave a temporary file.)
      const finished = (job: string) =>
        redisCommand(redis.port, `HEXISTS importer:${job} finishedOn`);
      await proxy.holding;
      for (
        const job of [
          `chapters:${run}:tpi:/scriptures/ot/ruth/1`,
          `manifests:${run}:tpi:/scriptures/pgp`,
        ]
      ) {
        while ((await finished(job)) !== ":1") await _sleep(20);
      }
      await first.kill9();
      workers.push(await startWorker({ queue: redis.url, profile, stallTimeout }));
      proxy.release();
      const watched = await watch(redis.url, run, profile);
      assert.equal(watched.code, 0, watched.stderr);
      const summary = JSON.parse(watched.stdout);
      assert.equal(summary.chapters.imported, 1);
      assert.equal(summary.chapters.notAvailable, 3);
      assert.equal(summary.chapters.cancelled, 0);
      // Ruth 2 was asked for once, by the killed worker (its held request);
      // the worker that took it over knew the volume missing and did not ask.
      assert.equal(api.stats().byUri["/scriptures/ot/ruth/2"], 1);
      assert.equal(api.stats().byUri["/scriptures/bofm/enos/1"], 2);

      const local = join(dir, "local");
      const inProcess = await importInProcess(profile, proxy.apiUrl, local, ...selection);
      assert.equal(inProcess.code, 0, inProcess.stderr);
      const files = await outputFiles(out);
      assert.deepEqual(files, await outputFiles(local));
      assert.ok(files.includes("bofm/enos/1.json"), files.join(" "));
      // Every manifest holds what one process's holds, but for when it was written.
      const comparable = async (root: string, path: string) => {
        const manifest = JSON.parse(await Deno.readTextFile(join(root, path)));
        const { updatedAt: _, generatedAt: _at, ...rest } = manifest;
        return JSON.parse(JSON.stringify(rest, (key, value) => key === "sha256" ? "" : value));
      };
      const manifests = files.filter((f) => f.endsWith("manifest.json"));
      assert.ok(manifests.includes("ot/ruth/manifest.json"), manifests.join(" "));
      for (const path of manifests) {
        assert.deepEqual(await comparable(out, path), await comparable(local, path), path);
      }
      const root = await comparable(out, "manifest.json");
      assert.deepEqual(root.notAvailable.map((e: { scope: string }) => e.scope), ["ot", "pgp"]);
    } finally {
      for (const worker of workers) await worker.stop();
      await proxy.close();
      await api.close();
      await redis.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
