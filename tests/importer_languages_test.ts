import assert from "node:assert/strict";
import { join } from "node:path";
import { type FakeApi, type FakeApiOptions, startFakeApi } from "../src/fake_api/server.ts";
import { VirtualClock } from "../src/exec/virtual_clock.ts";
import { ImportSetupError, runImport } from "../src/importer.ts";
import { loadManifest, loadProfile } from "../src/manifest/load.ts";
import type { Manifest, Profile } from "../src/manifest/types.ts";
import type { LanguagesManifest, RootManifest } from "../src/output/manifest_types.ts";
import { readProgressLog } from "../src/progress/log.ts";
import { runMain } from "./_cli.ts";
import { sanitizedTest } from "./exec/_helpers.ts";

const root = new URL("..", import.meta.url).pathname;
const canon = await loadManifest(join(root, "import.yaml"));
const aggressive = await loadProfile("aggressive", { profilesDir: join(root, "profiles") });
const fast: Profile = { ...aggressive, delayMs: 0, languages: 3 };

/** A few chapters of every kind of availability: ceb lacks ot and pgp/js-h; tpi has bofm only. */
const ONLY = ["bofm/enos", "pgp/js-h", "pgp/moses/1", "ot/obad"];

function against(manifest: Manifest, apiUrl: string, langs: readonly string[]): Manifest {
  return {
    ...manifest,
    source: { ...manifest.source, url: apiUrl, lang: langs[0], langs },
    retry: { ...manifest.retry, baseDelayMs: 5, maxDelayMs: 50, maxRetries: 6 },
  };
}

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await Deno.readTextFile(path)) as T;
}

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

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

sanitizedTest(
  "eng, ceb and tpi in one run: each language in its folder, what a language lacks counted apart from failures, exit 0",
  async () => {
    await withFake({ volumes: canon.volumes }, async (api, out) => {
      const manifest = against(canon, api.apiUrl, ["eng", "ceb", "tpi"]);
      const log = join(out, "run.ndjson");
      const result = await runImport({
        manifest,
        profile: fast,
        selection: { only: ONLY },
        outDir: out,
        log,
      });
      assert.equal(result.exitCode, 0);
      const { chapters } = result.summary;
      // eng: 4; ceb: enos and moses 1; tpi: enos. Not available: ceb obad, js-h; tpi obad, js-h, moses 1.
      assert.deepEqual(
        [chapters.total, chapters.imported, chapters.failed, chapters.notAvailable],
        [12, 7, 0, 5],
      );
      assert.deepEqual(result.notAvailable, [
        "ceb ot: HTTP 404 (929 chapters in import.yaml)",
        "ceb pgp/js-h: table of contents (1 chapter in import.yaml)",
        "tpi ot: HTTP 404 (929 chapters in import.yaml)",
        "tpi pgp: HTTP 404 (16 chapters in import.yaml)",
      ]);
      assert.deepEqual(result.warnings, []);
      // At most one request per chapter, none retried (the chapters of a volume a
      // language lacks that leave before its first 404 comes back are asked too).
      assert.equal(result.summary.retries, 0);
      assert.ok(api.stats().requests <= 12, `${api.stats().requests} requests`);

      // The layout: <out>/<lang>/<volume>/<book>/<chapter>.json, and nothing at the top but languages.
      for (const lang of ["eng", "ceb", "tpi"]) {
        assert.ok(await exists(join(out, lang, "bofm", "enos", "1.json")), lang);
      }
      assert.ok(await exists(join(out, "eng", "ot", "obad", "1.json")));
      assert.ok(!await exists(join(out, "ceb", "ot", "obad", "1.json")));
      assert.ok(!await exists(join(out, "bofm")));

      const top = await readJson<LanguagesManifest>(join(out, "manifest.json"));
      assert.equal(top.layout, "languages");
      assert.deepEqual(
        top.languages.map((l) => [l.lang, l.importedChapters, l.notAvailableChapters]),
        [["eng", 4, 0], ["ceb", 2, 930], ["tpi", 1, 945]],
      );
      const ceb = await readJson<RootManifest>(join(out, "ceb", "manifest.json"));
      assert.equal(ceb.source.lang, "ceb");
      assert.deepEqual(ceb.notAvailable?.map((n) => n.scope), ["ot", "pgp/js-h"]);
      const tpi = await readJson<RootManifest>(join(out, "tpi", "manifest.json"));
      assert.deepEqual(tpi.notAvailable?.map((n) => n.scope), ["ot", "pgp"]);

      // Ids carry the language; the log records what is not available, apart from failures.
      const { records } = await readProgressLog(log);
      const start = records.find((r) => r.type === "run-start");
      assert.ok(start?.type === "run-start" && start.langs?.join() === "eng,ceb,tpi");
      const absent = records.filter((r) =>
        (r.type === "task-done" || r.type === "task-skipped") && r.notAvailable !== undefined
      ).map((r) => (r as { id: string }).id).sort();
      assert.deepEqual(absent, [
        "ceb/ot/obad/1",
        "ceb/pgp/js-h/1",
        "tpi/ot/obad/1",
        "tpi/pgp/js-h/1",
        "tpi/pgp/moses/1",
      ]);
      assert.equal(records.filter((r) => r.type === "task-failed").length, 0);
    });
  },
);

sanitizedTest(
  "a run of several languages resumes: nothing asked again, what is not available remembered; --force asks again",
  async () => {
    await withFake({ volumes: canon.volumes }, async (api, out) => {
      const manifest = against(canon, api.apiUrl, ["eng", "ceb", "tpi"]);
      const run = (force = false) =>
        runImport({
          manifest,
          profile: fast,
          selection: { only: ONLY },
          outDir: out,
          log: false,
          force,
        });
      assert.equal((await run()).exitCode, 0);

      api.resetStats();
      const again = await run();
      assert.equal(again.exitCode, 0);
      assert.equal(api.stats().requests, 0, "nothing asked again");
      assert.deepEqual(
        [again.summary.chapters.skipped, again.summary.chapters.notAvailable],
        [7, 5],
      );

      // One file lost: only it is fetched again.
      await Deno.remove(join(out, "ceb", "bofm", "enos", "1.json"));
      api.resetStats();
      const repaired = await run();
      assert.deepEqual(Object.keys(api.stats().byUri), ["/scriptures/bofm/enos/1"]);
      assert.equal(api.stats().requests, 1);
      assert.equal(repaired.summary.chapters.imported, 1);

      // --force asks again, what is not available too (once per volume or book a language lacks).
      api.resetStats();
      const forced = await run(true);
      assert.equal(forced.exitCode, 0);
      assert.equal(forced.summary.chapters.notAvailable, 5);
      assert.ok(api.stats().byStatus["404"] >= 2, JSON.stringify(api.stats().byStatus));
    });
  },
);

sanitizedTest(
  "a language's verse counts that differ from import.yaml's English ones are reported, not failed",
  async () => {
    await withFake({ volumes: canon.volumes }, async (api, out) => {
      // The fake serves English's counts; import.yaml here declares one verse more for Enos.
      const volumes = canon.volumes.map((v) => ({
        ...v,
        books: v.books.map((b) => b.id === "enos" ? { ...b, verses: b.verses! + 1 } : b),
      }));
      const manifest = against({ ...canon, volumes }, api.apiUrl, ["ceb", "tpi"]);
      const result = await runImport({
        manifest,
        profile: fast,
        selection: { only: ["bofm/enos"] },
        outDir: out,
        log: false,
      });
      assert.equal(result.exitCode, 0);
      assert.deepEqual(result.warnings, []);
      assert.deepEqual(result.differences, [
        "ceb bofm/enos: 27 verses imported, import.yaml declares 28 (English's)",
        "tpi bofm/enos: 27 verses imported, import.yaml declares 28 (English's)",
      ]);
    });
  },
);

sanitizedTest(
  "no more languages are in progress at once than the profile's languages allow",
  async () => {
    await withFake({ volumes: canon.volumes }, async (api, out) => {
      // Each language has one request in flight at most (one chapter per book,
      // one book, one volume): in flight at once = languages open at once.
      const profile: Profile = {
        ...fast,
        languages: 2,
        volumes: 1,
        booksPerVolume: 1,
        chaptersPerBook: 1,
      };
      const held: { lang: string; release: () => void }[] = [];
      const inFlight = new Map<string, number>();
      let most = 0;
      const gatedFetch: typeof fetch = async (input, init) => {
        const url = new URL(input instanceof Request ? input.url : String(input));
        const lang = url.searchParams.get("lang") ?? "";
        inFlight.set(lang, (inFlight.get(lang) ?? 0) + 1);
        most = Math.max(most, [...inFlight.values()].filter((n) => n > 0).length);
        await new Promise<void>((release) => held.push({ lang, release }));
        try {
          return await fetch(input, init);
        } finally {
          inFlight.set(lang, inFlight.get(lang)! - 1);
        }
      };
      const manifest = against(canon, api.apiUrl, ["eng", "spa", "por"]);
      const running = runImport({
        manifest,
        profile,
        selection: { only: ["bofm/1-ne/1-3"] },
        outDir: out,
        log: false,
        fetch: gatedFetch,
      });
      // eng and spa open first, one chapter at a time each; por only once one of them is done.
      const expected = [["eng", "spa"], ["eng", "spa"], ["eng", "spa"], ["por"], ["por"], ["por"]];
      const seen: string[][] = [];
      for (const step of expected) {
        while (held.length < step.length) await new Promise((resolve) => setTimeout(resolve, 2));
        // A request the limits let through too would be here by now.
        for (let i = 0; i < 10; i++) await new Promise((resolve) => setTimeout(resolve, 0));
        const batch = held.splice(0);
        seen.push(batch.map((h) => h.lang).sort());
        for (const h of batch) h.release();
      }
      const done = running;
      const result = await done;
      assert.equal(result.exitCode, 0);
      assert.equal(result.summary.chapters.imported, 9);
      assert.deepEqual(seen, expected);
      assert.equal(most, 2, `languages in flight at once: ${JSON.stringify(seen)}`);
    });
  },
);

sanitizedTest(
  "the one rate limit holds across languages: the fake sees requests of all languages one delay apart",
  async () => {
    const clock = new VirtualClock(Date.parse("2026-01-01T00:00:00Z"));
    // The fake refuses any request less than a second after the one before.
    await withFake(
      { volumes: canon.volumes, clock, ratePerSecond: 1, burst: 1 },
      async (api, out) => {
        const profile: Profile = { ...fast, delayMs: 1_000, languages: 3 };
        const manifest = against(canon, api.apiUrl, ["eng", "spa", "por"]);
        const running = runImport({
          manifest,
          profile,
          selection: { only: ["bofm/enos", "bofm/jarom"] },
          outDir: out,
          log: false,
          clock,
        });
        let finished = false;
        const done = running.finally(() => (finished = true));
        let seen = 0;
        while (!finished) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          const stats = api.stats();
          // Time moves a second only once the request started is answered.
          // (Never more: an attempt still being written would time out on virtual time.)
          if (stats.inFlight > 0 || stats.requests === seen) continue;
          seen = stats.requests;
          await clock.advance(1_000);
        }
        const result = await done;
        assert.equal(result.exitCode, 0);
        const stats = api.stats();
        assert.equal(stats.requests, 6, JSON.stringify(stats));
        assert.equal(stats.tooManyRequests, 0);
        assert.equal(stats.arrivals.minGapMs, 1_000);
        assert.deepEqual(
          Object.keys(stats.byUri).sort(),
          ["/scriptures/bofm/enos/1", "/scriptures/bofm/jarom/1"],
        );
      },
    );
  },
);

sanitizedTest(
  "a run of several languages into a folder laid out for one is refused, nothing moved or written",
  async () => {
    await withFake({ volumes: canon.volumes }, async (api, out) => {
      const one = against(canon, api.apiUrl, ["eng"]);
      await runImport({
        manifest: one,
        profile: fast,
        selection: { only: ["bofm/enos"] },
        outDir: out,
        log: false,
      });
      const before = [...Deno.readDirSync(out)].map((e) => e.name).sort();
      await assert.rejects(
        runImport({
          manifest: against(canon, api.apiUrl, ["eng", "spa"]),
          profile: fast,
          selection: { only: ["bofm/enos"] },
          outDir: out,
          log: false,
        }),
        (error: unknown) =>
          error instanceof ImportSetupError &&
          error.message.includes(`it is laid out for one language ("eng")`) &&
          error.message.includes(`move everything in it into ${join(out, "eng")}`),
      );
      assert.deepEqual([...Deno.readDirSync(out)].map((e) => e.name).sort(), before);

      // Laid out anew as the message says, the same folder takes the run and resumes English.
      await Deno.mkdir(join(out, "eng"));
      for (const name of before) await Deno.rename(join(out, name), join(out, "eng", name));
      api.resetStats();
      const result = await runImport({
        manifest: against(canon, api.apiUrl, ["eng", "spa"]),
        profile: fast,
        selection: { only: ["bofm/enos"] },
        outDir: out,
        log: false,
      });
      assert.equal(result.exitCode, 0);
      assert.deepEqual([result.summary.chapters.skipped, result.summary.chapters.imported], [1, 1]);
    });
  },
);

sanitizedTest(
  "the CLI refuses --lang eng,spa into a one-language folder with exit 2, and a bad code with exit 2",
  async () => {
    await withFake({ volumes: canon.volumes }, async (api, out) => {
      const base = [
        "import",
        "-m",
        join(root, "import.yaml"),
        "--api-url",
        api.apiUrl,
        "--out",
        out,
      ];
      const first = await runMain([...base, "--only", "bofm/enos", "-q"]);
      assert.equal(first.code, 0, first.stderr);
      const refused = await runMain([...base, "--only", "bofm/enos", "--lang", "eng,spa"]);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /laid out for one language \("eng"\)/);
      const bad = await runMain([...base, "--lang", "eng,Spanish"]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /Invalid --lang "eng,Spanish": "Spanish" is not a 2-3 letter/);
    });
  },
);

sanitizedTest(
  "export reads a folder of several languages: every language or those of --lang, what a language lacks is no problem",
  async () => {
    await withFake({ volumes: canon.volumes }, async (api, out) => {
      // ceb lacks pgp/js-h, tpi the whole Pearl of Great Price.
      const manifest = against(canon, api.apiUrl, ["eng", "ceb", "tpi"]);
      const selection = { source: ["pgp"] };
      assert.equal(
        (await runImport({ manifest, profile: fast, selection, outDir: out, log: false })).exitCode,
        0,
      );
      const file = join(out, "verses.ndjson");
      const all = await runMain(["export", out, "--format", "ndjson", "--out", file, "-s", "pgp"]);
      assert.equal(all.code, 0, all.stderr);
      assert.equal(all.stderr, "");
      const rows = (await Deno.readTextFile(file)).trim().split("\n").map((line) =>
        JSON.parse(line)
      );
      const roots = await Promise.all(
        ["eng", "ceb"].map((lang) => readJson<RootManifest>(join(out, lang, "manifest.json"))),
      );
      // Rows of each language equal the verses its manifests count.
      assert.deepEqual(
        ["eng", "ceb"].map((lang) =>
          rows.filter((r) => r.lang === lang && r.kind === "verse").length
        ),
        roots.map((root) => root.totals.verses),
      );
      assert.equal(rows.filter((r) => r.lang === "tpi").length, 0);
      assert.equal(rows.filter((r) => r.lang === "ceb" && r.book === "js-h").length, 0);
      // The same verse in two languages shares its key.
      assert.equal(rows.filter((r) => r.key === "pgp/moses/1/3").length, 2);

      const cebFile = join(out, "ceb.ndjson");
      const ceb = await runMain([
        "export",
        out,
        "--format",
        "ndjson",
        "--out",
        cebFile,
        "--lang",
        "ceb",
        "-s",
        "pgp",
      ]);
      assert.equal(ceb.code, 0, ceb.stderr);
      const cebRows = (await Deno.readTextFile(cebFile)).trim().split("\n").map((l) =>
        JSON.parse(l)
      );
      assert.ok(cebRows.length > 0 && cebRows.every((r) => r.lang === "ceb"));

      const absent = await runMain([
        "export",
        out,
        "--format",
        "ndjson",
        "--out",
        join(out, "x"),
        "--lang",
        "fra",
      ]);
      assert.equal(absent.code, 2);
      assert.match(absent.stderr, /Cannot export --lang fra: ".*" holds eng, ceb, tpi only/);
    });
  },
);

sanitizedTest(
  "a volume a language lacks costs one request, not one per chapter: the rest is settled without a turn",
  async () => {
    await withFake({ volumes: canon.volumes }, async (api, out) => {
      const manifest = against(canon, api.apiUrl, ["ceb"]);
      const oneAtATime: Profile = { ...fast, volumes: 1, booksPerVolume: 1, chaptersPerBook: 1 };
      const result = await runImport({
        manifest,
        profile: oneAtATime,
        selection: { only: ["ot/obad", "ot/jonah", "ot/micah"] },
        outDir: out,
        log: false,
      });
      assert.equal(result.exitCode, 0);
      assert.equal(api.stats().requests, 1);
      assert.deepEqual(
        [
          result.summary.chapters.notAvailable,
          result.summary.chapters.failed,
          result.summary.requests,
        ],
        [12, 0, 1],
      );
      // A run of one language other than English keeps the one-language layout.
      const root = await readJson<RootManifest>(join(out, "manifest.json"));
      assert.deepEqual([root.source.lang, root.notAvailable?.map((n) => n.scope)], ["ceb", ["ot"]]);
    });
  },
);

sanitizedTest(
  "--retry-failed after a run of several languages runs again only the chapters that failed",
  async () => {
    await withFake({ volumes: canon.volumes }, async (api, out) => {
      const base = [
        "import",
        "-m",
        join(root, "import.yaml"),
        "--api-url",
        api.apiUrl,
        "--out",
        out,
        "--lang",
        "eng,spa",
        "-q",
      ];
      // English's Enos answers 404 this once: a failure for English (its counts are import.yaml's).
      const failing: typeof fetch = (input, init) => {
        const url = String(input instanceof Request ? input.url : input);
        if (url.includes("lang=eng") && url.includes("enos")) {
          return Promise.resolve(new Response("gone", { status: 404 }));
        }
        return fetch(input, init);
      };
      const first = await runMain([...base, "--only", "bofm/enos,bofm/jarom"], { fetch: failing });
      assert.equal(first.code, 1, first.stdout);
      assert.match(first.stdout, /eng\/bofm\/enos\/1/);
      api.resetStats();
      const retried = await runMain([...base, "--retry-failed"]);
      assert.equal(retried.code, 0, retried.stdout + retried.stderr);
      assert.deepEqual(api.stats().byUri, { "/scriptures/bofm/enos/1": 1 });
      assert.ok(await exists(join(out, "eng", "bofm", "enos", "1.json")));
    });
  },
);
