/** `--compress gzip` at enqueue: the workers store the chapters as an import in one process does. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { startFakeApi } from "../../src/fake_api/server.ts";
import { sanitizedTest } from "../exec/_helpers.ts";
import {
  CANON,
  enqueue,
  importInProcess,
  outputFiles,
  startRedis,
  watchWithWorker,
  writeProfile,
} from "./_queue.ts";

sanitizedTest(
  "a queue run enqueued with --compress gzip writes the files an import in one process writes",
  async () => {
    const redis = await startRedis();
    const api = await startFakeApi({ volumes: CANON.volumes });
    const dir = await Deno.makeTempDir({ prefix: "queue-compress-" });
    try {
      const profile = await writeProfile(dir, "shared", { delay: "0ms", maxInFlight: 4 });
      const out = join(dir, "out");
      const selection = ["--only", "pgp/abr", "--compress", "gzip"];
      const run = await enqueue(redis.url, api.apiUrl, out, ...selection);
      const plain = await enqueue(redis.url, api.apiUrl, join(dir, "x"), "--only", "pgp/abr");
      assert.notEqual(run.length, 0);
      assert.notEqual(plain, run);
      const watched = await watchWithWorker(redis.url, run, profile);
      assert.equal(watched.code, 0, watched.stderr);
      const summary = JSON.parse(watched.stdout);
      assert.equal(summary.chapters.imported, 5);

      const local = join(dir, "local");
      const inProcess = await importInProcess(profile, api.apiUrl, local, ...selection);
      assert.equal(inProcess.code, 0, inProcess.stderr);

      const files = await outputFiles(out);
      assert.deepEqual(files, await outputFiles(local));
      const chapters = files.filter((f) => f.endsWith(".json.gz"));
      assert.equal(chapters.length, 5);
      assert.equal(files.filter((f) => /\/\d+\.json$/.test(f)).length, 0, "a plain chapter file");
      // The same chapter, but for when it was fetched.
      const chapter = async (root: string, file: string) => {
        const text = new TextDecoder().decode(gunzipSync(await Deno.readFile(join(root, file))));
        const parsed = JSON.parse(text);
        assert.equal(typeof parsed.source.fetchedAt, "string");
        delete parsed.source.fetchedAt;
        return parsed;
      };
      for (const file of chapters) {
        assert.deepEqual(await chapter(out, file), await chapter(local, file), file);
      }
      // The summary's bytes on disk, as one process reports them: the files' own sizes.
      const bytes = async () => {
        let total = 0;
        for (const file of chapters) total += (await Deno.stat(join(out, file))).size;
        return total;
      };
      const onDisk = await bytes();
      assert.deepEqual(summary.disk, {
        compression: "gzip",
        beforeBytes: 0,
        afterBytes: onDisk,
        recoded: 0,
      });
      const localSummary = JSON.parse(inProcess.stdout);
      assert.deepEqual(Object.keys(summary.disk).sort(), Object.keys(localSummary.disk).sort());
      assert.equal(localSummary.disk.beforeBytes, 0);
      // A second run into the same folder starts from what the first left there.
      const again = await enqueue(redis.url, api.apiUrl, out, ...selection, "--run", "again");
      const second = await watchWithWorker(redis.url, again, profile);
      assert.equal(second.code, 0, second.stderr);
      assert.deepEqual(JSON.parse(second.stdout).disk, {
        compression: "gzip",
        beforeBytes: onDisk,
        afterBytes: await bytes(),
        recoded: 0,
      });
      const read = async (root: string, path: string) =>
        JSON.parse(await Deno.readTextFile(join(root, path)));
      const book = await read(out, "pgp/abr/manifest.json");
      const localBook = await read(local, "pgp/abr/manifest.json");
      const entry = (c: Record<string, unknown>) => [c.chapter, c.file, c.encoding, c.verses];
      // Manifests hold the same fields, whoever wrote them.
      assert.deepEqual(Object.keys(book).sort(), Object.keys(localBook).sort());
      assert.deepEqual(book.chapters.map(entry), localBook.chapters.map(entry));
      assert.ok(book.chapters.every((c: { encoding: string }) => c.encoding === "gzip"));
      assert.equal((await read(out, "manifest.json")).compression, "gzip");
      assert.equal((await read(local, "manifest.json")).compression, "gzip");
    } finally {
      await api.close();
      await redis.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
