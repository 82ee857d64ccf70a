/**
 * A chapter that fails for good on the queue: reported by the watcher with
 * its reason, left out of its book manifest, and the watch exits 1, as an
 * import in one process does.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startFakeApi } from "../../src/fake_api/server.ts";
import { sanitizedTest } from "../exec/_helpers.ts";
import {
  CANON,
  enqueue,
  importInProcess,
  startFaultProxy,
  startRedis,
  watchWithWorker,
  writeProfile,
} from "./_queue.ts";

const _NOT_FOUND = "/scriptures/pgp/abr/2";
const _SERVER_ERROR = "/scriptures/pgp/abr/4";

sanitizedTest(
  "a chapter failing for good on the queue is a failure of the watch, missing from its book manifest",
  async () => {
    const redis = await startRedis();
    const api = await startFakeApi({ volumes: CANON.volumes });
    const proxy = startFaultProxy(api.apiUrl, { [_NOT_FOUND]: 404, [_SERVER_ERROR]: 500 });
    const dir = await Deno.makeTempDir({ prefix: "queue-failed-" });
    try {
      const profile = await writeProfile(dir, "shared", { delay: "0ms", maxInFlight: 4 });
      const out = join(dir, "out");
      const run = await enqueue(redis.url, proxy.apiUrl, out, "--only", "pgp/abr");
      const watched = await watchWithWorker(redis.url, run, profile);
      assert.equal(watched.code, 1, watched.stderr);
      const summary = JSON.parse(watched.stdout);
      assert.equal(summary.chapters.imported, 3);
      assert.equal(summary.chapters.failed, 2);
      const failures = Object.fromEntries(
        summary.failures.map((f: { id: string; reason: string; attempts: number }) => [f.id, f]),
      );
      assert.deepEqual(Object.keys(failures).sort(), ["pgp/abr/2", "pgp/abr/4"]);
      assert.match(failures["pgp/abr/2"].reason, /404/);
      assert.equal(failures["pgp/abr/2"].attempts, 1, "a 404 is not retried");
      assert.match(failures["pgp/abr/4"].reason, /500/);
      assert.equal(failures["pgp/abr/4"].attempts, 4, "a 500 is retried maxRetries (3) times");
      assert.equal(proxy.refused.get(_NOT_FOUND), 1);
      assert.equal(proxy.refused.get(_SERVER_ERROR), 4);

      const book = JSON.parse(await Deno.readTextFile(join(out, "pgp", "abr", "manifest.json")));
      assert.deepEqual(book.chapters.map((c: { chapter: number }) => c.chapter), [1, 3, 5]);
      assert.deepEqual(book.missingChapters, [2, 4]);
      assert.equal(book.complete, false);
      const root = JSON.parse(await Deno.readTextFile(join(out, "manifest.json")));
      assert.equal(root.complete, false);

      // The same import in one process writes the same failures into the book manifest.
      const local = join(dir, "local");
      const inProcess = await importInProcess(profile, proxy.apiUrl, local, "--only", "pgp/abr");
      assert.equal(inProcess.code, 1, inProcess.stderr);
      const localBook = JSON.parse(
        await Deno.readTextFile(join(local, "pgp", "abr", "manifest.json")),
      );
      assert.deepEqual(book.failed, localBook.failed);
      const localSummary = JSON.parse(inProcess.stdout);
      const pick = (f: { id: string; kind: string; reason: string; attempts: number }) => ({
        id: f.id,
        kind: f.kind,
        reason: f.reason,
        attempts: f.attempts,
      });
      assert.deepEqual(summary.failures.map(pick), localSummary.failures.map(pick));

      // The queue run's failed chapters, fetched in one process into its folder once the
      // server serves them: the workers' files are trusted, only the two failed are asked for.
      const before = api.stats().byUri;
      const retried = await importInProcess(profile, api.apiUrl, out, "--only", "pgp/abr");
      assert.equal(retried.code, 0, retried.stderr);
      const after = api.stats().byUri;
      const asked = Object.keys(after).filter((uri) => after[uri] !== before[uri]).sort();
      assert.deepEqual(asked, [_NOT_FOUND, _SERVER_ERROR]);
      const mended = JSON.parse(await Deno.readTextFile(join(out, "pgp", "abr", "manifest.json")));
      assert.deepEqual(mended.missingChapters, []);
      assert.equal(mended.complete, true);
    } finally {
      await proxy.close();
      await api.close();
      await redis.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
