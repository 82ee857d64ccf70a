/**
 * The importer when its output or its records fail: a disk that fills up
 * (an injected writer), a progress log that cannot be written, a sink of the
 * run's events that throws.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type FakeApi, startFakeApi } from "../src/fake_api/server.ts";
import { MAX_CHAPTERS_BEHIND, runImport } from "../src/importer.ts";
import { loadManifest, loadProfile } from "../src/manifest/load.ts";
import type { Manifest } from "../src/manifest/types.ts";
import { type WriteFile, writeFileAtomic } from "../src/output/atomic_write.ts";
import { verifyChapterFile } from "../src/output/chapter_file.ts";
import type { BookManifest, RootManifest } from "../src/output/manifest_types.ts";
import { WriteFileError } from "../src/output/write_error.ts";
import { readProgressLog } from "../src/progress/log.ts";
import { mountTmpfs } from "./_tmpfs.ts";
import { sanitizedTest } from "./exec/_helpers.ts";

const root = new URL("..", import.meta.url).pathname;
const canon = await loadManifest(join(root, "import.yaml"));
const aggressive = await loadProfile("aggressive", { profilesDir: join(root, "profiles") });
const MAX_IN_FLIGHT = 8;
const profile = { ...aggressive, delayMs: 0, maxInFlight: MAX_IN_FLIGHT };

function against(apiUrl: string): Manifest {
  return { ...canon, source: { ...canon.source, url: apiUrl } };
}

/** What the kernel throws on a full disk, as writeFileAtomic passes it on. */
function diskFull(path: string): WriteFileError {
  const cause = Object.assign(new Error("No space left on device (os error 28)"), {
    code: "ENOSPC",
  });
  return new WriteFileError(path, cause.message, { cause });
}

async function withFake(fn: (api: FakeApi, out: string) => Promise<void>): Promise<void> {
  const api = await startFakeApi({ volumes: canon.volumes, latencyMs: 1 });
  const out = await Deno.makeTempDir();
  try {
    await fn(api, out);
  } finally {
    await api.close();
    await Deno.remove(out, { recursive: true });
  }
}

sanitizedTest(
  "a disk that fills up stops the run at the first write error; the files written and the manifests stay valid",
  async () => {
    await withFake(async (api, out) => {
      // Room for 10 chapter files; the manifests, small, still fit.
      const ROOM = 10;
      let chapterWrites = 0;
      const manifestWrites: string[] = [];
      const writeFile: WriteFile = (path, data, options) => {
        if (path.endsWith("/manifest.json")) {
          manifestWrites.push(path);
        } else if (++chapterWrites > ROOM) {
          return Promise.reject(diskFull(path));
        }
        return writeFileAtomic(path, data, options);
      };
      const result = await runImport({
        manifest: against(api.apiUrl),
        profile,
        outDir: out,
        log: false,
        writeFile,
      });

      assert.equal(result.exitCode, 1);
      assert.match(
        result.stopped?.reason ?? "",
        /^Cannot write ".*\/\d+\.json": no space left on device \(ENOSPC: the disk is full\)$/,
      );
      assert.equal(result.report.fatal?.id, result.stopped?.id);
      // Stopped at the first write error: only the attempts already in flight
      // went on (requests, and chapters fetched but not yet written).
      assert.ok(
        api.stats().requests <= ROOM + MAX_IN_FLIGHT + MAX_CHAPTERS_BEHIND,
        `${api.stats().requests} chapters fetched after the disk filled up at ${ROOM}`,
      );
      assert.equal(result.report.retries, 0);
      assert.equal(result.summary.chapters.imported, ROOM);
      assert.ok(result.summary.chapters.cancelled > 1500);

      // Every manifest was still written, and lists exactly the valid files on disk.
      const books = canon.volumes.flatMap((v) => v.books.map((b) => ({ volume: v.id, book: b })));
      assert.equal(manifestWrites.length, books.length + canon.volumes.length + 1);
      let onDisk = 0;
      for (const { volume, book } of books) {
        const manifest: BookManifest = JSON.parse(
          await Deno.readTextFile(join(out, volume, book.id, "manifest.json")),
        );
        for (const chapter of manifest.chapters) {
          const check = await verifyChapterFile(join(out, volume, book.id, chapter.file));
          assert.ok(check.ok, check.ok ? "" : check.reason);
          assert.equal(check.sha256, chapter.sha256);
          onDisk++;
        }
      }
      assert.equal(onDisk, ROOM);
      const rootManifest: RootManifest = JSON.parse(
        await Deno.readTextFile(join(out, "manifest.json")),
      );
      assert.equal(rootManifest.totals.importedChapters, ROOM);
      assert.equal(rootManifest.complete, false);
    });
  },
);

sanitizedTest(
  "a progress log on a full disk does not end the run: the import completes, the log keeps the records before, and says so",
  async () => {
    // One page: the log fills it within the run.
    await using disk = await mountTmpfs(4);
    const log = join(disk.dir, "run.ndjson");
    await withFake(async (api, out) => {
      const result = await runImport({
        manifest: against(api.apiUrl),
        profile,
        outDir: out,
        selection: { source: ["pgp"] },
        log,
      });
      assert.equal(result.summary.chapters.imported, 16);
      assert.equal(result.report.failed, 0);
      assert.deepEqual(result.recordFailures, [
        `Cannot write progress log "${log}": No space left on device (os error 28) ` +
        "(it holds the records before it, none after)",
      ]);
      assert.equal(result.exitCode, 1);
      const { records } = await readProgressLog(log);
      assert.equal(records[0].type, "run-start");
      assert.ok(records.length > 5 && records.at(-1)?.type !== "run-end");
    });
  },
);

sanitizedTest(
  "a sink of the run's events that throws does not end the run, and is reported once",
  async () => {
    await withFake(async (api, out) => {
      let events = 0;
      const result = await runImport({
        manifest: against(api.apiUrl),
        profile,
        outDir: out,
        selection: { only: ["pgp/moses"] },
        log: false,
        onEvent: () => {
          if (++events === 3) throw new Error("stderr is closed");
        },
      });
      assert.equal(events, 3, "a sink that threw gets no event after it");
      assert.equal(result.summary.chapters.imported, 8);
      assert.deepEqual(result.recordFailures, [
        "Cannot show the run's progress: stderr is closed (no event shown after it)",
      ]);
      assert.equal(result.exitCode, 1);
    });
  },
);
