/**
 * End to end against the fake API: chapter files stored gzipped, switching
 * compression on an existing folder (re-encoded on disk, never fetched),
 * resume, --force, --refresh and export over `.json.gz` files.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type FakeApi, startFakeApi } from "../src/fake_api/server.ts";
import { type ImportOptions, runImport } from "../src/importer.ts";
import { loadManifest, loadProfile } from "../src/manifest/load.ts";
import type { Manifest } from "../src/manifest/types.ts";
import type { BookManifest, RootManifest } from "../src/output/manifest_types.ts";
import { verifyChapterFile } from "../src/output/chapter_file.ts";
import { type WriteFile, writeFileAtomic } from "../src/output/atomic_write.ts";
import { readChapterJournal } from "../src/output/chapter_journal.ts";
import { gunzip, gzip } from "../src/output/gzip.ts";
import { openOutputFolder } from "../src/export/output_folder.ts";
import { exportFolder } from "../src/export/export_folder.ts";
import type { RecodeGroup } from "../src/recode.ts";
import { sanitizedTest } from "./exec/_helpers.ts";

const root = new URL("..", import.meta.url).pathname;
const canon = await loadManifest(join(root, "import.yaml"));
const aggressive = await loadProfile("aggressive", { profilesDir: join(root, "profiles") });
const fast = { ...aggressive, delayMs: 0 };
/** The Pearl of Great Price: 16 chapters in 5 books, 635 verses. */
const PGP_CHAPTERS = 16;

function against(manifest: Manifest, apiUrl: string): Manifest {
  return { ...manifest, source: { ...manifest.source, url: apiUrl } };
}

/** Every file under `dir` (relative paths, sorted), the import's own folder left out. */
async function chapterFilesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (at: string, prefix: string) => {
    for await (const entry of Deno.readDir(at)) {
      if (entry.name === ".import") continue;
      const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory) await walk(join(at, entry.name), rel);
      else if (/^\d+\.json(\.gz)?$/.test(entry.name)) found.push(rel);
    }
  };
  await walk(dir, "");
  return found.sort();
}

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await Deno.readTextFile(path)) as T;
}

async function sha256Of(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function withPgp(
  fn: (api: FakeApi, options: ImportOptions, out: string) => Promise<void>,
): Promise<void> {
  const api = await startFakeApi({ volumes: canon.volumes });
  const out = await Deno.makeTempDir();
  try {
    await fn(api, {
      manifest: against(canon, api.apiUrl),
      profile: fast,
      outDir: out,
      selection: { source: ["pgp"] },
      log: false,
    }, out);
  } finally {
    await api.close();
    await Deno.remove(out, { recursive: true });
  }
}

sanitizedTest(
  "a gzip import stores every chapter as .json.gz, checksummed over the stored bytes, with each file's encoding in its manifest",
  async () => {
    await withPgp(async (api, options, out) => {
      const result = await runImport({ ...options, compress: "gzip" });
      assert.equal(result.exitCode, 0);
      assert.equal(result.summary.chapters.imported, PGP_CHAPTERS);
      const files = await chapterFilesUnder(out);
      assert.equal(files.length, PGP_CHAPTERS);
      assert.ok(files.every((f) => f.endsWith(".json.gz")), files.join(", "));

      const book = await readJson<BookManifest>(join(out, "pgp", "moses", "manifest.json"));
      assert.equal(book.complete, true, "the verse checks pass on gzipped files");
      const journal = await readChapterJournal(join(out, ".import", "chapters.ndjson"));
      for (const entry of book.chapters) {
        assert.equal(entry.file, `${entry.chapter}.json.gz`);
        assert.equal(entry.encoding, "gzip");
        const path = join(out, "pgp", "moses", entry.file);
        const stored = await Deno.readFile(path);
        assert.equal(entry.bytes, stored.length);
        assert.equal(entry.sha256, await sha256Of(path));
        assert.equal(journal.entries.get(`pgp/moses/${entry.chapter}`), entry.sha256);
        // The JSON inside is a chapter file like any other.
        const json = JSON.parse(new TextDecoder().decode(await gunzip(stored)));
        assert.equal(json.uri, `/scriptures/pgp/moses/${entry.chapter}`);
      }
      const rootManifest = await readJson<RootManifest>(join(out, "manifest.json"));
      assert.equal(rootManifest.compression, "gzip");
      assert.equal(rootManifest.volumes.find((v) => v.volume === "pgp")?.complete, true);
      const disk = result.summary.disk!;
      assert.deepEqual([disk.compression, disk.beforeBytes, disk.recoded], ["gzip", 0, 0]);
      const sizes = await Promise.all(files.map(async (f) => (await Deno.stat(join(out, f))).size));
      assert.equal(disk.afterBytes, sizes.reduce((a, b) => a + b, 0));

      // Resumed: every gzipped file is trusted, nothing is fetched again.
      api.resetStats();
      const again = await runImport(options);
      assert.equal(again.summary.chapters.skipped, PGP_CHAPTERS);
      assert.equal(api.stats().requests, 0);
      assert.equal(again.summary.disk?.compression, "gzip", "the folder's compression is kept");
      assert.deepEqual(await chapterFilesUnder(out), files);
    });
  },
);

sanitizedTest(
  "switching an existing folder to gzip re-encodes its files on disk without a request, and back",
  async () => {
    await withPgp(async (api, options, out) => {
      await runImport(options);
      const plain = await chapterFilesUnder(out);
      assert.ok(plain.every((f) => f.endsWith(".json")));
      const before = await readJson<BookManifest>(join(out, "pgp", "moses", "manifest.json"));
      const plainText = await Deno.readFile(join(out, "pgp", "moses", "2.json"));

      api.resetStats();
      const told: RecodeGroup[][] = [];
      const packed = await runImport({
        ...options,
        compress: "gzip",
        onRecode: (groups) => told.push([...groups]),
      });
      assert.equal(packed.exitCode, 0);
      assert.equal(api.stats().requests, 0, "converting fetches nothing");
      assert.deepEqual(told, [[{ from: "none", to: "gzip", chapters: PGP_CHAPTERS }]]);
      assert.deepEqual(await chapterFilesUnder(out), plain.map((f) => `${f}.gz`));
      assert.deepEqual(
        await gunzip(await Deno.readFile(join(out, "pgp", "moses", "2.json.gz"))),
        plainText,
        "the same JSON text, gzipped",
      );
      const disk = packed.summary.disk!;
      assert.equal(disk.recoded, PGP_CHAPTERS);
      assert.ok(
        disk.afterBytes * 2 < disk.beforeBytes,
        `${disk.afterBytes} bytes after, ${disk.beforeBytes} before`,
      );
      const after = await readJson<BookManifest>(join(out, "pgp", "moses", "manifest.json"));
      for (const entry of after.chapters) {
        const old = before.chapters.find((c) => c.chapter === entry.chapter)!;
        assert.equal(entry.encoding, "gzip");
        assert.notEqual(entry.sha256, old.sha256);
        assert.equal(entry.etag, old.etag, "a re-encoded file keeps its page's validators");
        assert.equal(entry.lastModified, old.lastModified);
      }
      const journal = await readChapterJournal(join(out, ".import", "chapters.ndjson"));
      assert.equal(
        journal.entries.get("pgp/moses/2"),
        after.chapters.find((c) => c.chapter === 2)!.sha256,
      );

      // A refresh over re-encoded files still asks with their validators.
      api.resetStats();
      const refreshed = await runImport({ ...options, refresh: true });
      assert.equal(refreshed.summary.chapters.unchanged, PGP_CHAPTERS);
      assert.deepEqual(api.stats().byStatus, { "304": PGP_CHAPTERS });
      assert.equal(api.stats().bytesSent, 0);

      api.resetStats();
      const back = await runImport({ ...options, compress: "none" });
      assert.equal(api.stats().requests, 0);
      assert.equal(back.summary.disk?.recoded, PGP_CHAPTERS);
      assert.deepEqual(await chapterFilesUnder(out), plain);
      assert.deepEqual(await Deno.readFile(join(out, "pgp", "moses", "2.json")), plainText);
    });
  },
);

sanitizedTest(
  "import.yaml's output.compress applies, and --compress (the option) overrides it",
  async () => {
    await withPgp(async (_api, options, out) => {
      const gzipped = { ...options.manifest, output: { dir: out, compress: "gzip" as const } };
      await runImport({ ...options, manifest: gzipped, selection: { only: ["pgp/moses/1"] } });
      assert.deepEqual(await chapterFilesUnder(out), ["pgp/moses/1.json.gz"]);
      await runImport({
        ...options,
        manifest: gzipped,
        compress: "none",
        selection: { only: ["pgp/moses/1-2"] },
      });
      assert.deepEqual(await chapterFilesUnder(out), ["pgp/moses/1.json", "pgp/moses/2.json"]);
    });
  },
);

sanitizedTest(
  "--force with gzip fetches every chapter again and leaves no .json beside its .json.gz",
  async () => {
    await withPgp(async (api, options, out) => {
      await runImport(options);
      api.resetStats();
      const forced = await runImport({ ...options, compress: "gzip", force: true });
      assert.equal(forced.summary.chapters.imported, PGP_CHAPTERS);
      assert.equal(forced.summary.disk?.recoded, 0);
      assert.equal(api.stats().requests, PGP_CHAPTERS);
      const files = await chapterFilesUnder(out);
      assert.equal(files.length, PGP_CHAPTERS);
      assert.ok(files.every((f) => f.endsWith(".json.gz")), files.join(", "));
    });
  },
);

sanitizedTest(
  "a damaged .json.gz is fetched again; a hand-made one, never recorded, is not trusted",
  async () => {
    await withPgp(async (api, options, out) => {
      await runImport({ ...options, compress: "gzip" });
      const torn = join(out, "pgp", "moses", "3.json.gz");
      const bytes = await Deno.readFile(torn);
      await Deno.writeFile(torn, bytes.subarray(0, bytes.length - 8));
      const other = join(out, "pgp", "moses", "4.json.gz");
      const text = await gunzip(await Deno.readFile(other));
      // Same JSON, compressed otherwise: bytes the journal never recorded.
      await Deno.writeFile(other, await gzip(new Uint8Array([...text, 0x20])));

      api.resetStats();
      const resumed = await runImport(options);
      assert.equal(resumed.summary.chapters.imported, 2);
      assert.deepEqual(Object.keys(api.stats().byUri).sort(), [
        "/scriptures/pgp/moses/3",
        "/scriptures/pgp/moses/4",
      ]);
      for (const path of [torn, other]) {
        const check = await verifyChapterFile(path);
        assert.ok(check.ok && check.compression === "gzip", check.ok ? "" : check.reason);
      }
    });
  },
);

sanitizedTest(
  "a conversion killed between its steps leaves one trusted file, and the next run leaves one file per chapter",
  async () => {
    await withPgp(async (api, options, out) => {
      await runImport(options);
      const dir = join(out, "pgp", "moses");
      // Killed after writing 1.json.gz, before recording it: the journal vouches for 1.json.
      const one = await Deno.readFile(join(dir, "1.json"));
      await Deno.writeFile(join(dir, "1.json.gz"), await gzip(one));
      // Killed after recording 2.json.gz, before removing 2.json.
      await runImport({ ...options, compress: "gzip", selection: { only: ["pgp/moses/2"] } });
      await Deno.writeFile(join(dir, "2.json"), new TextEncoder().encode("left over"));

      api.resetStats();
      const told: RecodeGroup[][] = [];
      const result = await runImport({
        ...options,
        compress: "gzip",
        onRecode: (groups) => told.push([...groups]),
      });
      assert.equal(result.exitCode, 0);
      assert.equal(api.stats().requests, 0);
      // Chapter 2 was converted already; the 15 others (chapter 1 among them) now.
      assert.deepEqual(told, [[{ from: "none", to: "gzip", chapters: PGP_CHAPTERS - 1 }]]);
      const files = await chapterFilesUnder(out);
      assert.equal(files.length, PGP_CHAPTERS, files.join(", "));
      assert.ok(files.every((f) => f.endsWith(".json.gz")));
      const book = await readJson<BookManifest>(join(dir, "manifest.json"));
      assert.equal(book.complete, true);
      assert.deepEqual(book.invalidFiles, []);
    });
  },
);

sanitizedTest(
  "an export of a gzipped folder holds every verse its manifests count",
  async () => {
    await withPgp(async (_api, options, out) => {
      await runImport({ ...options, compress: "gzip" });
      const folder = await openOutputFolder(out, { volumes: ["pgp"] });
      const file = join(out, "verses.ndjson");
      const exported = await exportFolder(folder, { format: "ndjson", out: file });
      assert.equal(exported.chapters, PGP_CHAPTERS);
      assert.equal(exported.verses, folder.expected.verses);
      assert.equal(exported.chaptersLeftOut, 0);
      const rows = (await Deno.readTextFile(file)).trimEnd().split("\n").map((l) => JSON.parse(l));
      assert.equal(rows.filter((r) => r.kind === "verse").length, folder.expected.verses);
      assert.ok(rows.some((r) => r.key === "pgp/moses/1/1"));
    });
  },
);

sanitizedTest(
  "a file that cannot be re-encoded keeps its old file, trusted and listed as stored, and the run exits 1",
  async () => {
    await withPgp(async (api, options, out) => {
      await runImport(options);
      api.resetStats();
      const full: WriteFile = (path, data, writeOptions) =>
        path.endsWith(".json.gz")
          ? Promise.reject(new Error(`Cannot write file "${path}": No space left on device`))
          : writeFileAtomic(path, data, writeOptions);
      const result = await runImport({ ...options, compress: "gzip", writeFile: full });
      assert.equal(result.exitCode, 1);
      assert.equal(api.stats().requests, 0);
      assert.equal(result.recodeFailures.length, PGP_CHAPTERS);
      assert.match(result.recodeFailures[0].reason, /No space left on device/);
      assert.equal(result.summary.disk?.recoded, 0);
      const files = await chapterFilesUnder(out);
      assert.equal(files.length, PGP_CHAPTERS);
      assert.ok(files.every((f) => f.endsWith(".json")), files.join(", "));
      const book = await readJson<BookManifest>(join(out, "pgp", "moses", "manifest.json"));
      assert.equal(book.complete, true);
      assert.ok(book.chapters.every((c) => c.encoding === "none" && c.file.endsWith(".json")));

      // With room again, the next run converts them.
      const again = await runImport({ ...options, compress: "gzip" });
      assert.equal(again.exitCode, 0);
      assert.equal(again.summary.disk?.recoded, PGP_CHAPTERS);
    });
  },
);
