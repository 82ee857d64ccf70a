import assert from "node:assert/strict";
import { join } from "node:path";
import { expectedChapter, fakeChapter } from "../src/fake_api/fake_chapter.ts";
import { type FakeApi, type FakeApiOptions, startFakeApi } from "../src/fake_api/server.ts";
import { ImportSetupError, runImport } from "../src/importer.ts";
import { loadManifest, loadProfile } from "../src/manifest/load.ts";
import type { Manifest } from "../src/manifest/types.ts";
import type { BookManifest, RootManifest, VolumeManifest } from "../src/output/manifest_types.ts";
import { verifyChapterFile } from "../src/output/chapter_file.ts";
import { readProgressLog } from "../src/progress/log.ts";
import type { ChapterFile } from "../src/output/chapter_file.ts";
import { sanitizedTest } from "./exec/_helpers.ts";

const root = new URL("..", import.meta.url).pathname;
const canon = await loadManifest(join(root, "import.yaml"));
const aggressive = await loadProfile("aggressive", { profilesDir: join(root, "profiles") });
// The rate limit is the executor's own tested business; here it only slows the test down.
const fast = { ...aggressive, delayMs: 0 };

function against(manifest: Manifest, apiUrl: string): Manifest {
  return {
    ...manifest,
    source: { ...manifest.source, url: apiUrl },
    retry: { ...manifest.retry, baseDelayMs: 5, maxDelayMs: 50, maxRetries: 6 },
  };
}

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await Deno.readTextFile(path)) as T;
}

async function filesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) found.push(...await filesUnder(path));
    else found.push(path);
  }
  return found;
}

/** Starts the fake API and makes an output directory for `fn`; always closes and removes both. */
async function withFake(
  options: FakeApiOptions,
  fn: (api: FakeApi, out: string) => Promise<void>,
): Promise<void> {
  const api = await startFakeApi(options);
  const out = await Deno.makeTempDir();
  try {
    await fn(api, out);
  } finally {
    await api.close();
    await Deno.remove(out, { recursive: true });
  }
}

/** Matches an ImportSetupError whose message matches `pattern`. */
const setupError = (pattern: RegExp) => (error: unknown) =>
  error instanceof ImportSetupError && pattern.test(error.message);

sanitizedTest(
  "a full-canon import writes 1,584 valid chapters and manifests that match the canon",
  async () => {
    await withFake({ volumes: canon.volumes }, async (api, out) => {
      const result = await runImport({
        manifest: against(canon, api.apiUrl),
        profile: fast,
        outDir: out,
        log: false,
      });
      assert.equal(result.exitCode, 0);
      assert.equal(result.summary.chapters.imported, 1584);
      assert.equal(api.stats().requests, 1584);
      assert.equal(api.stats().duplicates.count, 0);

      const rootManifest = await readJson<RootManifest>(join(out, "manifest.json"));
      assert.deepEqual(rootManifest.totals, {
        volumes: 5,
        books: 88,
        expectedChapters: 1584,
        importedChapters: 1584,
        failedChapters: 0,
        cancelledChapters: 0,
        verses: 41_995,
      });
      assert.equal(rootManifest.complete, true);
      for (const volume of canon.volumes) {
        const vm = await readJson<VolumeManifest>(join(out, volume.id, "manifest.json"));
        assert.equal(vm.totals.importedChapters, volume.books.reduce((s, b) => s + b.chapters, 0));
        for (const book of volume.books) {
          const bm = await readJson<BookManifest>(join(out, volume.id, book.id, "manifest.json"));
          assert.equal(bm.importedChapters, book.chapters, `${volume.id}/${book.id}`);
          assert.equal(bm.expectedChapters, book.chapters);
          for (const entry of bm.chapters) {
            const served = api.canon.verseCount(volume.id, book.id, entry.chapter);
            assert.equal(entry.verses, served, entry.uri);
          }
        }
      }
      // Every file on disk is a valid chapter or a manifest; no temporary file is left.
      const files = (await filesUnder(out)).filter((f) => /\/\d+\.json$/.test(f));
      assert.deepEqual((await filesUnder(out)).filter((f) => f.endsWith(".tmp")), []);
      assert.equal(files.length, 1584);
      for (const file of files) {
        const check = await verifyChapterFile(file);
        assert.ok(check.ok, check.ok ? "" : check.reason);
      }
      // The written text is what the fake invented, header fields and id-less paragraphs too.
      // Each file names its book and verses as import.yaml's abbreviations make them.
      for (
        const [uri, bookTitle, reference] of [
          ["/scriptures/bofm/1-ne/3", "1 Nephi", "1 Ne. 3"],
          ["/scriptures/dc-testament/dc/76", "Sections", "D&C 76"],
          ["/scriptures/dc-testament/od/2", "Official Declarations", "OD 2"],
          ["/scriptures/pgp/a-of-f/1", "Articles of Faith", "A of F 1"],
        ]
      ) {
        const written = await readJson<ChapterFile>(
          join(out, `${uri.slice("/scriptures/".length)}.json`),
        );
        const { title, number, subtitle, intro, studyIntro, summary, paragraphs } = written;
        const verses = written.verses.map(({ number, text, paragraphStart }) => ({
          number,
          text,
          paragraphStart,
        }));
        assert.deepEqual(
          { title, number, subtitle, intro, studyIntro, summary, verses, paragraphs },
          expectedChapter(fakeChapter(api.canon, uri)!),
          uri,
        );
        assert.deepEqual([written.bookTitle, written.reference], [bookTitle, reference], uri);
        assert.deepEqual(
          written.verses.map((verse) => [verse.reference, verse.key]),
          written.verses.map((verse) => [
            `${reference}:${verse.number}`,
            `${uri.slice("/scriptures/".length)}/${verse.number}`,
          ]),
          uri,
        );
      }
    });
  },
);

sanitizedTest(
  "with 5% 503s and 1% dropped connections every chapter still arrives, each written once",
  async () => {
    await withFake({
      volumes: canon.volumes,
      errorRate: 0.05,
      resetRate: 0.01,
      seed: 7,
    }, async (api, out) => {
      const log = join(out, "run.ndjson");
      const result = await runImport({
        manifest: against(canon, api.apiUrl),
        profile: fast,
        outDir: out,
        log,
      });
      assert.equal(result.exitCode, 0);
      assert.equal(result.summary.chapters.imported, 1584);
      assert.ok(result.summary.retries > 0, "the faults were met and retried");
      const stats = api.stats();
      assert.ok((stats.byStatus["503"] ?? 0) > 0 && stats.resets > 0);

      const { records } = await readProgressLog(log);
      const done = records.filter((r) => r.type === "task-done" && r.kind === "chapter");
      assert.equal(done.length, 1584);
      assert.equal(new Set(done.map((r) => (r as { id: string }).id)).size, 1584);
      const files = await filesUnder(out);
      assert.equal(files.filter((f) => f.endsWith(".tmp")).length, 0);
      assert.equal(files.filter((f) => /\/\d+\.json$/.test(f)).length, 1584);
    });
  },
);

sanitizedTest(
  "a chapter answered with another page fails with that reason, and its book manifest lists it",
  async () => {
    // The importer asks for 1 Nephi 23, which the server does not have: it answers
    // 200 with a table of contents, as the real API can.
    const served = canon.volumes.filter((v) => v.id === "bofm");
    const asked: Manifest = {
      ...canon,
      volumes: served.map((v) => ({
        ...v,
        books: v.books.map((b) => b.id === "1-ne" ? { ...b, chapters: 23 } : b),
      })),
    };
    await withFake({ volumes: served }, async (api, out) => {
      const result = await runImport({
        manifest: against(asked, api.apiUrl),
        profile: fast,
        outDir: out,
        selection: { only: ["bofm/1-ne", "bofm/enos"] },
        log: false,
      });
      assert.equal(result.exitCode, 1);
      assert.equal(result.summary.chapters.imported, 23);
      assert.equal(result.summary.failures.length, 1);
      const failure = result.summary.failures[0];
      assert.equal(failure.id, "bofm/1-ne/23");
      assert.match(failure.reason, /the server answered with another page/);
      assert.equal(failure.attempts, 1, "a wrong page is permanent, not retried");

      const book = await readJson<BookManifest>(join(out, "bofm", "1-ne", "manifest.json"));
      assert.equal(book.importedChapters, 22);
      assert.deepEqual(book.missingChapters, [23]);
      assert.equal(book.failed.length, 1);
      assert.equal(book.failed[0].chapter, 23);
      assert.match(book.failed[0].reason, /another page/);
      assert.equal(book.complete, false);
      await assert.rejects(Deno.stat(join(out, "bofm", "1-ne", "23.json")), Deno.errors.NotFound);
    });
  },
);

sanitizedTest("a second run skips every chapter already on disk and requests nothing", async () => {
  await withFake({ volumes: canon.volumes }, async (api, out) => {
    const options = {
      manifest: against(canon, api.apiUrl),
      profile: fast,
      outDir: out,
      selection: { source: ["pgp"] },
    };
    assert.equal((await runImport(options)).summary.chapters.imported, 16);
    api.resetStats();
    const again = await runImport(options);
    assert.equal(again.exitCode, 0);
    assert.equal(again.summary.chapters.skipped, 16);
    assert.equal(api.stats().requests, 0);
    // A corrupted file is fetched again; --force fetches everything.
    await Deno.writeTextFile(join(out, "pgp", "moses", "3.json"), "{ torn");
    const repaired = await runImport(options);
    assert.equal(repaired.summary.chapters.imported, 1);
    assert.deepEqual(Object.keys(api.stats().byUri), ["/scriptures/pgp/moses/3"]);
    const forced = await runImport({ ...options, force: true });
    assert.equal(forced.summary.chapters.imported, 16);
  });
});

sanitizedTest(
  "a run with nothing to fetch leaves every manifest as it was, whatever its profile and URL",
  async () => {
    await withFake({ volumes: canon.volumes }, async (api, out) => {
      const options = {
        manifest: against(canon, api.apiUrl),
        profile: fast,
        outDir: out,
        selection: { source: ["pgp"] },
      };
      await runImport(options);
      const manifests = (await filesUnder(out)).filter((f) => f.endsWith("manifest.json")).sort();
      assert.equal(manifests.length, 1 + 1 + 5, "the root, pgp and its five books");
      const before = await Promise.all(manifests.map((f) => Deno.readTextFile(f)));
      const other = await startFakeApi({ volumes: canon.volumes });
      try {
        const again = await runImport({
          ...options,
          manifest: against(canon, other.apiUrl),
          profile: { ...fast, name: "another" },
        });
        assert.equal(again.exitCode, 0);
        assert.equal(again.summary.requests, 0);
        assert.equal(again.report.skipped, 16 + 5 + 1 + 1, "chapters and manifests alike");
        const after = await Promise.all(manifests.map((f) => Deno.readTextFile(f)));
        assert.deepEqual(after, before);
        // One chapter fetched again: its book, volume and the root are rewritten, no other book.
        await Deno.remove(join(out, "pgp", "abr", "2.json"));
        const repaired = await runImport(options);
        assert.equal(repaired.summary.chapters.imported, 1);
        const changed = manifests.filter((f, k) => Deno.readTextFileSync(f) !== before[k]);
        assert.deepEqual(
          changed.map((f) => f.slice(out.length + 1)).sort(),
          ["manifest.json", "pgp/abr/manifest.json", "pgp/manifest.json"],
        );
      } finally {
        await other.close();
      }
    });
  },
);

sanitizedTest(
  "a refresh asks after every chapter: 304s keep their files, a changed page is fetched again",
  async () => {
    await withFake({ volumes: canon.volumes }, async (api, out) => {
      const options = {
        manifest: against(canon, api.apiUrl),
        profile: fast,
        outDir: out,
        selection: { source: ["pgp"] },
      };
      await runImport(options);
      const book = await readJson<BookManifest>(join(out, "pgp", "moses", "manifest.json"));
      assert.ok(book.chapters.every((c) => c.etag?.startsWith('"') && c.lastModified));
      const file = join(out, "pgp", "moses", "2.json");
      const { mtime } = await Deno.stat(file);
      const firstBytes = api.stats().bytesSent;

      api.resetStats();
      const unchanged = await runImport({ ...options, refresh: true });
      assert.equal(unchanged.exitCode, 0);
      assert.deepEqual(
        [unchanged.summary.chapters.unchanged, unchanged.summary.chapters.imported],
        [16, 0],
      );
      assert.deepEqual(api.stats().byStatus, { "304": 16 });
      assert.equal(
        api.stats().bytesSent,
        0,
        `a refresh of ${firstBytes} bytes transferred no body`,
      );
      assert.deepEqual((await Deno.stat(file)).mtime, mtime, "an unchanged file is not rewritten");

      api.touch("/scriptures/pgp/moses/2");
      api.resetStats();
      const changed = await runImport({ ...options, refresh: true });
      assert.deepEqual(
        [changed.summary.chapters.unchanged, changed.summary.chapters.imported],
        [15, 1],
      );
      assert.deepEqual(api.stats().byStatus, { "200": 1, "304": 15 });
      const after = await readJson<BookManifest>(join(out, "pgp", "moses", "manifest.json"));
      const before2 = book.chapters.find((c) => c.chapter === 2)!;
      const after2 = after.chapters.find((c) => c.chapter === 2)!;
      assert.notEqual(after2.sha256, before2.sha256);
      assert.notEqual(after2.etag, before2.etag);
      assert.equal(
        after.chapters.find((c) => c.chapter === 3)?.etag,
        book.chapters.find((c) => c.chapter === 3)?.etag,
        "a chapter found unchanged keeps its validators",
      );
    });
  },
);

sanitizedTest(
  "chapters written with the log elsewhere, or none, are vouched for inside the output folder",
  async () => {
    await withFake({ volumes: canon.volumes }, async (api, out) => {
      const data = join(out, "data");
      const options = {
        manifest: against(canon, api.apiUrl),
        profile: fast,
        outDir: data,
        selection: { source: ["pgp"] },
      };
      // A log outside the output folder, in a directory that does not exist yet.
      const outside = join(out, "logs", "not-made-yet", "run.ndjson");
      const first = await runImport({ ...options, log: outside });
      assert.equal(first.exitCode, 0);
      assert.equal(first.summary.chapters.imported, 16);
      assert.equal((await readProgressLog(outside)).records.at(-1)?.type, "run-end");
      await assert.rejects(Deno.stat(join(data, ".import", "runs")), Deno.errors.NotFound);
      // Not even the book manifests are needed: the journal under <out>/.import vouches.
      for (const book of canon.volumes.find((v) => v.id === "pgp")!.books) {
        await Deno.remove(join(data, "pgp", book.id, "manifest.json"));
      }
      api.resetStats();
      const again = await runImport({ ...options, log: false });
      assert.equal(again.summary.chapters.skipped, 16);
      assert.equal(api.stats().requests, 0);
      // Without any log: a chapter rewritten by --force is vouched for too.
      await runImport({
        ...options,
        log: false,
        force: true,
        selection: { only: ["pgp/moses/2"] },
      });
      api.resetStats();
      assert.equal((await runImport({ ...options, log: false })).summary.chapters.skipped, 16);
      assert.equal(api.stats().requests, 0);
    });
  },
);

sanitizedTest(
  "two imports into one output directory: the second is refused while the first runs",
  async () => {
    await withFake({ volumes: canon.volumes, latencyMs: 20 }, async (api, out) => {
      const options = {
        manifest: against(canon, api.apiUrl),
        profile: fast,
        outDir: out,
        selection: { source: ["pgp"] },
        log: false as const,
      };
      const first = runImport(options);
      // Once the server has seen a request, the first run holds the lock.
      for (let i = 0; i < 1000 && api.stats().requests === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await assert.rejects(
        runImport(options),
        setupError(/another import \(pid \d+\) is running there/),
      );
      assert.equal((await first).exitCode, 0);
      assert.equal((await runImport(options)).summary.chapters.skipped, 16, "the lock is released");
    });
  },
);

Deno.test("an output path that is a file, or holds another language, is refused before anything is written", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "a-file");
    await Deno.writeTextFile(file, "");
    const options = { manifest: canon, profile: fast, selection: { only: ["pgp/js-h"] } };
    await assert.rejects(
      runImport({ ...options, outDir: file }),
      setupError(/it is not a directory/),
    );
    await Deno.writeTextFile(
      join(dir, "manifest.json"),
      JSON.stringify({ source: { url: "x", lang: "spa" } }),
    );
    await assert.rejects(
      runImport({ ...options, outDir: dir }),
      setupError(/Cannot import "eng" into ".*": it holds an import in "spa"/),
    );
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
      "a-file",
      "manifest.json",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

sanitizedTest(
  "a book whose chapters all arrive but whose verses do not add up makes the run exit 1",
  async () => {
    // The server invents verses for Moses that add up to 300; import.yaml declares 356.
    const pgp = canon.volumes.filter((v) => v.id === "pgp");
    const served = pgp.map((v) => ({
      ...v,
      books: v.books.map((b) => b.id === "moses" ? { ...b, verses: 300 } : b),
    }));
    await withFake({ volumes: served }, async (api, out) => {
      const result = await runImport({
        manifest: against(canon, api.apiUrl),
        profile: fast,
        outDir: out,
        selection: { only: ["pgp/moses"] },
        log: false,
      });
      assert.equal(result.summary.chapters.imported, 8);
      assert.deepEqual(result.warnings, [
        "pgp/moses: 300 verses imported, import.yaml declares 356",
      ]);
      assert.equal(result.exitCode, 1);
      const book = await readJson<BookManifest>(join(out, "pgp", "moses", "manifest.json"));
      assert.equal(book.complete, false);
    });
  },
);

const adaptive = await loadProfile("adaptive", { profilesDir: join(root, "profiles") });

sanitizedTest(
  "an adaptive import paces by the limit the server announces and logs each rate change with its reason",
  async () => {
    await withFake({
      volumes: canon.volumes,
      ratePerSecond: 200,
      rateLimitHeaders: true,
    }, async (api, out) => {
      const result = await runImport({
        manifest: against(canon, api.apiUrl),
        profile: adaptive,
        selection: { source: ["pgp"] },
        outDir: out,
      });
      assert.equal(result.exitCode, 0);
      const { records } = await readProgressLog(result.logPath!);
      const start = records.find((r) => r.type === "run-start");
      assert.ok(start?.type === "run-start");
      assert.deepEqual(start.profile.adaptive, { startRate: 10, minRate: 0.5 });
      const changes = records.flatMap((r) => r.type === "rate-change" ? [r] : []);
      assert.deepEqual(changes.slice(0, 2).map((c) => [c.cause, c.to.maxInFlight]), [
        ["start", 1],
        ["announced", 1],
      ]);
      assert.equal(changes[1].reason, "the server announces 200.0/s: at most 196.0/s");
      assert.equal(changes[1].to.ratePerSecond, 196);
      // The first answer lifts the one-request limit (Little's law, within the profile's 10).
      assert.equal(changes[2].cause, "start");
      assert.ok(changes[2].to.maxInFlight! > 1 && changes[2].to.maxInFlight! <= 10);
      const startIndex = records.indexOf(changes[0]);
      const firstTask = records.findIndex((r) => r.type === "task-start" && r.role === "task");
      assert.ok(startIndex < firstTask, "the controller's start comes before the first request");
      assert.equal(result.summary.rate?.changes, changes.length);
      assert.equal(api.stats().beforeRetryAfter, 0);
    });
  },
);

sanitizedTest(
  "a fixed profile is capped at the limit the server announces from its first answer, and only then",
  async () => {
    await withFake({
      volumes: canon.volumes,
      ratePerSecond: 20,
      rateLimitHeaders: true,
    }, async (api, out) => {
      const result = await runImport({
        manifest: against(canon, api.apiUrl),
        profile: { ...aggressive, delayMs: 10, maxInFlight: 1 },
        selection: { only: ["pgp/moses"] },
        outDir: out,
      });
      assert.equal(result.exitCode, 0);
      const { records } = await readProgressLog(result.logPath!);
      const changes = records.flatMap((r) => r.type === "rate-change" ? [r] : []);
      assert.deepEqual(changes.map((c) => [c.cause, c.from, c.to]), [[
        "announced",
        { ratePerSecond: 100, maxInFlight: 1 },
        { ratePerSecond: 19.6, maxInFlight: 1 },
      ]]);
      // Every request after the cap starts at least 1/19.6 s after the one before.
      const capAt = changes[0].at;
      const starts = records.flatMap((r) =>
        r.type === "task-start" && r.role === "task" ? [r.at] : []
      );
      const after = starts.filter((at) => at > capAt);
      assert.ok(after.length >= 6);
      for (let i = 1; i < after.length; i++) assert.ok(after[i] - after[i - 1] >= 1000 / 19.6 - 1);
    });
  },
);

sanitizedTest(
  "a fixed profile against a server that announces nothing changes nothing",
  async () => {
    await withFake({ volumes: canon.volumes, ratePerSecond: 1000 }, async (api, out) => {
      const result = await runImport({
        manifest: against(canon, api.apiUrl),
        profile: fast,
        selection: { only: ["pgp/moses"] },
        outDir: out,
      });
      assert.equal(result.exitCode, 0);
      const { records } = await readProgressLog(result.logPath!);
      assert.equal(records.filter((r) => r.type === "rate-change").length, 0);
      assert.equal(result.summary.rate, undefined);
    });
  },
);

sanitizedTest(
  "an answer saying the quota is used up holds every start until its reset, for a fixed profile too",
  async () => {
    await withFake({ volumes: canon.volumes }, async (api, out) => {
      let answers = 0;
      // The third answer says none of the quota is left for a second; it names no rate.
      const quotaFetch: typeof fetch = async (input, init) => {
        const response = await fetch(input, init);
        if (++answers !== 3) return response;
        const headers = new Headers(response.headers);
        headers.set("RateLimit", '"default";r=0;t=1');
        const { status, statusText } = response;
        return new Response(response.body, { status, statusText, headers });
      };
      const result = await runImport({
        manifest: against(canon, api.apiUrl),
        profile: { ...fast, maxInFlight: 1 },
        selection: { only: ["pgp/moses"] },
        outDir: out,
        fetch: quotaFetch,
      });
      assert.equal(result.exitCode, 0);
      const { records } = await readProgressLog(result.logPath!);
      const pauses = records.flatMap((r) => r.type === "rate-pause" ? [r] : []);
      assert.equal(pauses.length, 1);
      assert.equal(pauses[0].reason, "the server's quota is used up: it resets in 1000 ms");
      // The pause is stamped a moment after the answer's arrival it is counted from.
      const length = pauses[0].untilAt - pauses[0].at;
      assert.ok(length > 990 && length <= 1000, `a pause of ${length} ms`);
      const starts = records.flatMap((r) =>
        r.type === "task-start" && r.role === "task" ? [r.at] : []
      );
      assert.equal(starts.length, 8);
      assert.deepEqual(
        starts.filter((at) => at > pauses[0].at && at < pauses[0].untilAt),
        [],
        "no request inside the pause",
      );
      assert.equal(starts.filter((at) => at >= pauses[0].untilAt).length, 5);
      assert.equal(records.filter((r) => r.type === "rate-change").length, 0, "no rate named");
    });
  },
);

sanitizedTest(
  "every imported chapter carries its time to first byte into the log, and the bound is at it",
  async () => {
    await withFake({ volumes: canon.volumes, latencyMs: 20 }, async (api, out) => {
      const log = join(out, "run.ndjson");
      const result = await runImport({
        manifest: against(canon, api.apiUrl),
        profile: fast,
        outDir: out,
        selection: { only: ["pgp/abr"] },
        log,
      });
      assert.equal(result.exitCode, 0);
      const { records } = await readProgressLog(log);
      const done = records.flatMap((r) =>
        r.type === "task-done" && r.kind === "chapter" ? [r] : []
      );
      assert.equal(done.length, 5);
      for (const record of done) {
        assert.equal(typeof record.ttfbMs, "number", record.id);
        assert.ok(record.ttfbMs! > 0 && record.ttfbMs! <= record.durationMs, record.id);
      }
      const { latency } = result.summary;
      assert.equal(latency.serverFrom, "ttfb");
      assert.equal(latency.serverMs, Math.min(...done.map((r) => r.ttfbMs!)));
      const end = records.findLast((r) => r.type === "run-end");
      assert.deepEqual(end?.summary.latency, latency);
    });
  },
);
