/**
 * End-to-end: the real CLI as a subprocess against the fake API over
 * loopback, stopped by SIGKILL and SIGINT, then run again.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cliArgs } from "./_cli.ts";
import { randomInt, seededRandom } from "../src/fake_api/random.ts";
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
    args: cliArgs("import", ...args),
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
  name: "kill -9 during a gzip import and during its conversion back, then resuming, leaves one " +
    "trusted file per chapter and refetches at most the chapters in flight",
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
      "--source",
      "bofm",
      "--quiet",
    ];
    const bofm = canon.volumes.find((v) => v.id === "bofm")!;
    const filesOf = async () => {
      const names: string[] = [];
      for (const book of bofm.books) {
        for await (const entry of Deno.readDir(join(out, "bofm", book.id))) {
          if (entry.name !== "manifest.json") names.push(`${book.id}/${entry.name}`);
        }
      }
      return names.sort();
    };
    try {
      const kills = [40, 120];
      for (const after of kills) {
        const child = spawnImport([...args, "--compress", "gzip"]);
        await waitFor(() => api.stats().requests >= after, `${after} requests`);
        child.kill("SIGKILL");
        assert.notEqual((await child.output()).code, 0);
      }
      const last = await spawnImport([...args, "--compress", "gzip"]).output();
      assert.equal(last.code, 0, new TextDecoder().decode(last.stderr));
      const packed = await filesOf();
      assert.equal(packed.length, 239);
      assert.ok(packed.every((name) => name.endsWith(".json.gz")), packed.join(", "));
      const lost = MAX_IN_FLIGHT + MAX_CHAPTERS_BEHIND;
      assert.ok(api.stats().duplicates.count <= kills.length * lost);

      // Killed while converting back to .json (no request is made), then resumed.
      api.resetStats();
      const child = spawnImport([...args, "--compress", "none"]);
      await waitFor(() => {
        try {
          return [...Deno.readDirSync(join(out, "bofm", "alma"))].some((e) =>
            e.name.endsWith(".json")
          );
        } catch {
          return false;
        }
      }, "a converted file");
      child.kill("SIGKILL");
      await child.output();
      const resumed = await spawnImport([...args, "--compress", "none"]).output();
      assert.equal(resumed.code, 0, new TextDecoder().decode(resumed.stderr));
      assert.equal(api.stats().requests, 0, "converting fetches nothing, killed or not");
      assert.deepEqual(await filesOf(), packed.map((name) => name.slice(0, -".gz".length)));
      for (const name of await filesOf()) {
        const check = await verifyChapterFile(join(out, "bofm", name));
        assert.ok(check.ok, check.ok ? "" : check.reason);
      }
      const volume = JSON.parse(await Deno.readTextFile(join(out, "bofm", "manifest.json")));
      assert.equal(volume.complete, true);
    } finally {
      await api.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** Extra serves: every time the fake answered a chapter it had answered before. */
function servedAgain(byUri: Readonly<Record<string, number>>): number {
  return Object.values(byUri).reduce((sum, count) => sum + count - 1, 0);
}

/** Waits until `ready()` or until `child` ends; says which. */
async function killPoint(
  child: Deno.ChildProcess,
  ready: () => boolean | Promise<boolean>,
): Promise<"ready" | "exited"> {
  let exited = false;
  child.status.then(() => exited = true);
  for (let i = 0; i < 3000; i++) {
    if (exited) return "exited";
    if (await ready()) return "ready";
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error("Timed out waiting for a kill point");
}

Deno.test({
  name: "kill -9 at random points, with the log outside the output folder or none, then resuming " +
    "with another log, fetches again at most the chapters in flight at each kill",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    // KILL_SEED=<n> reproduces a failing sequence of kill points.
    const seed = Number(Deno.env.get("KILL_SEED") ?? 12);
    const random = seededRandom("kill -9 resume", seed);
    // The Book of Mormon's 15 books and the D&C, whose one book of 138 sections
    // gets no book manifest before the last of them is written.
    const volumes = canon.volumes.filter((v) => v.id === "bofm" || v.id === "dc-testament");
    const expected = volumes.flatMap((v) => v.books).reduce((sum, b) => sum + b.chapters, 0);
    const api = await startFakeApi({ volumes: canon.volumes, latencyMs: 20, jitterMs: 10 });
    const dir = await Deno.makeTempDir();
    const out = join(dir, "data");
    const profile = await fastProfile(dir);
    const base = [
      "--api-url",
      api.apiUrl,
      "--out",
      out,
      "--profile",
      profile,
      "--source",
      "bofm,dc",
    ];
    // Each run logs somewhere else than every run before it: outside the
    // output folder in a directory not made yet, outside it in the test's
    // directory, or with no --log (the default, inside it).
    const logArgs = (run: number): string[] => {
      switch (run % 3) {
        case 0:
          return ["--log", join(dir, "logs", `run-${run}`, "import.ndjson")];
        case 1:
          return ["--log", join(dir, `run-${run}.ndjson`)];
        default:
          return [];
      }
    };
    const context = (what: string) => `seed ${seed}: ${what}`;
    try {
      let kills = 0;
      const points: string[] = [];
      for (let run = 0; run < 10; run++) {
        const before = api.stats().requests;
        const byDelay = random() < 0.25;
        const delayMs = randomInt(random, 0, 700);
        const progress = randomInt(random, 10, 45);
        const spawnedAt = Date.now();
        const child = spawnImport([...base, ...logArgs(run), "--quiet"]);
        const point = await killPoint(
          child,
          () =>
            byDelay ? Date.now() - spawnedAt >= delayMs : api.stats().requests >= before + progress,
        );
        if (point === "exited") {
          const { code, stderr } = await child.output();
          assert.equal(code, 0, context(new TextDecoder().decode(stderr)));
          points.push(`run ${run} ended by itself`);
          break;
        }
        child.kill("SIGKILL");
        await child.output();
        kills++;
        points.push(
          byDelay
            ? `run ${run} killed after ${delayMs} ms`
            : `run ${run} killed after ${progress} requests`,
        );
      }
      const last = await spawnImport([...base, "--quiet"]).output();
      assert.equal(last.code, 0, context(new TextDecoder().decode(last.stderr)));

      const stats = api.stats();
      assert.ok(kills >= 5, context(`only ${kills} kills landed before the import ended`));
      assert.equal(Object.keys(stats.byUri).length, expected);
      // In flight: the requests, and the chapters fetched but not yet written.
      const lost = MAX_IN_FLIGHT + MAX_CHAPTERS_BEHIND;
      assert.ok(
        servedAgain(stats.byUri) <= kills * lost,
        context(
          `${servedAgain(stats.byUri)} chapters served again after ${kills} kills ` +
            `(at most ${lost} per kill may be): ${points.join(", ")}`,
        ),
      );

      // Every chapter file is valid, and each book manifest lists exactly the files on disk.
      for (const { id: volume, books } of volumes) {
        for (const book of books) {
          const manifest: BookManifest = JSON.parse(
            await Deno.readTextFile(join(out, volume, book.id, "manifest.json")),
          );
          const onDisk = [];
          for (let chapter = 1; chapter <= book.chapters; chapter++) {
            const path = join(out, volume, book.id, `${chapter}.json`);
            const check = await verifyChapterFile(path, undefined, {
              expected: { volume, book: book.id, chapter, lang: canon.source.lang },
            });
            assert.ok(check.ok, check.ok ? "" : check.reason);
            onDisk.push({ chapter, sha256: check.sha256 });
          }
          assert.deepEqual(
            manifest.chapters.map(({ chapter, sha256 }) => ({ chapter, sha256 })),
            onDisk,
            `${volume}/${book.id}`,
          );
          assert.equal(manifest.complete, true, `${volume}/${book.id}`);
        }
        const volumeManifest = JSON.parse(
          await Deno.readTextFile(join(out, volume, "manifest.json")),
        );
        assert.equal(volumeManifest.complete, true, volume);
      }
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
      // 60 served: all imported but the requests in flight, which the
      // interrupt cancels (chapters fetched and not yet written are written).
      assert.ok(end.summary.chapters.imported >= 60 - MAX_IN_FLIGHT);

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
