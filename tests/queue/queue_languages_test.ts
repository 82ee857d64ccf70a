/** `--lang eng,spa` at enqueue: one queue run of two languages, laid out as in one process. */
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
  startRedis,
  watchWithWorker,
  writeProfile,
} from "./_queue.ts";

sanitizedTest(
  "a queue run of two languages writes each into <out>/<lang>/ with the languages manifest, as one process does",
  async () => {
    const redis = await startRedis();
    const api = await startFakeApi({ volumes: CANON.volumes });
    const dir = await Deno.makeTempDir({ prefix: "queue-languages-" });
    try {
      const profile = await writeProfile(dir, "shared", { delay: "0ms", maxInFlight: 4 });
      const out = join(dir, "out");
      const selection = ["--only", "pgp/abr", "--lang", "eng,spa"];
      const run = await enqueue(redis.url, api.apiUrl, out, ...selection);
      // Each language's chapters are jobs of their own, named by their language.
      const spa = await redisCommand(
        redis.port,
        `EXISTS importer:chapters:${run}:spa:/scriptures/pgp/abr/1`,
      );
      assert.equal(spa, ":1");
      const watched = await watchWithWorker(redis.url, run, profile);
      assert.equal(watched.code, 0, watched.stderr);
      const summary = JSON.parse(watched.stdout);
      assert.equal(summary.chapters.imported, 10);
      assert.equal(api.stats().requests, 10);

      const local = join(dir, "local");
      const inProcess = await importInProcess(profile, api.apiUrl, local, ...selection);
      assert.equal(inProcess.code, 0, inProcess.stderr);

      const files = await outputFiles(out);
      assert.deepEqual(files, await outputFiles(local));
      assert.ok(files.includes("spa/pgp/abr/3.json"), files.join(" "));
      assert.ok(files.includes("eng/pgp/abr/3.json"), files.join(" "));
      const read = async (root: string, path: string) =>
        JSON.parse(await Deno.readTextFile(join(root, path)));
      const languages = await read(out, "languages.json").catch(() => read(out, "manifest.json"));
      const localLanguages = await read(local, "languages.json").catch(() =>
        read(local, "manifest.json")
      );
      // The same fields and counts; the checksums are of root manifests written at other times.
      const comparable = (manifest: Record<string, unknown>) => {
        const { updatedAt: _, generatedAt: _at, ...rest } = manifest;
        return JSON.parse(JSON.stringify(rest, (key, value) => key === "sha256" ? "" : value));
      };
      assert.deepEqual(comparable(languages), comparable(localLanguages));
      assert.equal(languages.layout, "languages");
      for (const lang of ["eng", "spa"]) {
        const root = await read(out, `${lang}/manifest.json`);
        const localRoot = await read(local, `${lang}/manifest.json`);
        assert.equal(root.totals.importedChapters, 5, lang);
        assert.deepEqual(root.totals, localRoot.totals, lang);
        assert.equal(root.lang, localRoot.lang);
      }
    } finally {
      await api.close();
      await redis.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
