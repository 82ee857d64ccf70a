/**
 * End-to-end: the real CLI as a subprocess against the fake API over
 * loopback, stopped by SIGKILL and SIGINT, then run again.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startFakeApi } from "../src/fake_api/server.ts";
import { MAX_CHAPTERS_BEHIND } from "../src/importer.ts";
import { loadManifest } from "../src/manifest/load.ts";
import type { BookManifest } from "../src/output/manifest_types.ts";
import { verifyChapterFile } from "../src/output/chapter_file.ts";
import { readProgressLog } from "../src/progress/log.ts";

const root = new URL("..", import.meta.url).pathname;
const canon = await loadManifest(join(root, "import.yaml"));
const MAX_IN_FLIGHT = 8;

/** A profile with no delay and a small global cap, so a kill can lose at most 8 chapters. */
async function fastProfile(dir: string): Promise<string> {
  const file = join(dir, "fast.yaml");
  await Deno.writeTextFile(
    file,
    `volumes: 5\nbooksPerVolume: 10\nchaptersPerBook: 20\nmaxInFlight: ${MAX_IN_FLIGHT}\ndelay: 0\n`,
  );
  return file;
}

function spawnImport(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-net",
      "--allow-env",
      "src/cli.ts",
      "import",
      ...args,
    ],
    cwd: root,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
}

async function waitFor(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

async function chapterFiles(out: string): Promise<string[]> {
  const files: string[] = [];
  for (const volume of canon.volumes) {
    for (const book of volume.books) {
      for (let c = 1; c <= book.chapters; c++) {
        const path = join(out, volume.id, book.id, `${c}.json`);
        try {
          await Deno.stat(path);
          files.push(path);
        } catch {
          // not there yet
        }
      }
    }
  }
  return files;
}

Deno.test({
  name:
    "after kill -9 at several points the next run completes the import, fetching again at most the chapters in flight",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const api = await startFakeApi({ volumes: canon.volumes, latencyMs: 2 });
    const dir = await Deno.makeTempDir();
    const out = join(dir, "data");
    const args = [
      "--api-url",
      api.apiUrl,
      "--out",
      out,
      "--profile",
      await fastProfile(dir),
      "--quiet",
    ];
    try {
      const kills = [150, 700, 1200];
      for (const after of kills) {
        const child = spawnImport(args);
        await waitFor(() => api.stats().requests >= after, `${after} requests`);
        child.kill("SIGKILL");
        const { code } = await child.output();
        assert.notEqual(code, 0);
      }
      const last = await spawnImport(args).output();
      assert.equal(last.code, 0, new TextDecoder().decode(last.stderr));

      const files = await chapterFiles(out);
      assert.equal(files.length, 1584);
      for (const file of files) {
        const check = await verifyChapterFile(file);
        assert.ok(check.ok, check.ok ? "" : check.reason);
      }
      const stats = api.stats();
      // In flight: the requests, and the chapters fetched but not yet written.
      const lost = MAX_IN_FLIGHT + MAX_CHAPTERS_BEHIND;
      assert.ok(
        stats.duplicates.count <= kills.length * lost,
        `${stats.duplicates.count} chapters fetched twice; at most ${lost} per kill may be`,
      );
      assert.equal(Object.keys(stats.byUri).length, 1584);
      const rootManifest = JSON.parse(await Deno.readTextFile(join(out, "manifest.json")));
      assert.equal(rootManifest.totals.importedChapters, 1584);
      assert.equal(rootManifest.complete, true);
    } finally {
      await api.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "SIGINT stops the import with exit code 130, a log ending in run-end and manifests matching the files",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const api = await startFakeApi({ volumes: canon.volumes, latencyMs: 20 });
    const dir = await Deno.makeTempDir();
    const out = join(dir, "data");
    const log = join(dir, "run.ndjson");
    try {
      const child = spawnImport([
        "--api-url",
        api.apiUrl,
        "--out",
        out,
        "--profile",
        await fastProfile(dir),
        "--log",
        log,
        "--source",
        "bofm",
      ]);
      await waitFor(() => api.stats().requests >= 60, "60 requests");
      child.kill("SIGINT");
      const { code, stdout } = await child.output();
      assert.equal(code, 130);
      assert.match(new TextDecoder().decode(stdout), /Chapters: \d+ imported/);

      const { records, tornLastLine } = await readProgressLog(log);
      assert.equal(tornLastLine, false);
      const end = records.at(-1);
      assert.ok(end?.type === "run-end");
      assert.equal(end.summary.interrupted, true);
      assert.ok(end.summary.chapters.cancelled > 0);
      assert.ok(end.summary.chapters.imported >= 50);

      // Each book manifest written lists exactly the chapter files on disk.
      const bofm = canon.volumes.find((v) => v.id === "bofm")!;
      let manifests = 0;
      for (const book of bofm.books) {
        const path = join(out, "bofm", book.id, "manifest.json");
        let manifest: BookManifest;
        try {
          manifest = JSON.parse(await Deno.readTextFile(path));
        } catch {
          continue; // a book not started has no manifest
        }
        manifests++;
        const onDisk: number[] = [];
        for (let c = 1; c <= book.chapters; c++) {
          try {
            await Deno.stat(join(out, "bofm", book.id, `${c}.json`));
            onDisk.push(c);
          } catch {
            // missing
          }
        }
        assert.deepEqual(manifest.chapters.map((c) => c.chapter), onDisk, book.id);
      }
      assert.ok(manifests > 0);
      const rootManifest = JSON.parse(await Deno.readTextFile(join(out, "manifest.json")));
      assert.equal(rootManifest.complete, false);
    } finally {
      await api.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
