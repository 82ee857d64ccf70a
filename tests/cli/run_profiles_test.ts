import assert from "node:assert/strict";
import { join } from "node:path";
import { listProfiles, loadManifest, loadProfile } from "../../src/manifest/load.ts";
import { compareRuns } from "../../src/report/compare_runs.ts";
import { readRunLogs } from "../../src/report/read_logs.ts";
import { renderReport } from "../../src/report/render_report.ts";
import { orderByPace, runProfiles } from "../../src/cli/run_profiles.ts";
import { sanitizedTest } from "../exec/_helpers.ts";

const root = new URL("../..", import.meta.url).pathname;
const profilesDir = join(root, "profiles");
const canon = await loadManifest(join(root, "import.yaml"));

sanitizedTest(
  "two profiles import 1 Nephi's first chapters from the fake API and the report measures them",
  async () => {
    const out = await Deno.makeTempDir();
    try {
      const profiles = [
        await loadProfile("sequential", { profilesDir }),
        await loadProfile("default", { profilesDir }),
      ];
      const started: string[] = [];
      const runs = await runProfiles({
        manifest: canon,
        profiles,
        selection: { only: ["bofm/1-ne/1-4"] },
        latencyMs: 0,
        outDir: out,
        onStart: (profile) => started.push(profile.name),
      });
      assert.deepEqual(started, ["sequential", "default"]);
      assert.deepEqual(runs.map((r) => r.result.exitCode), [0, 0]);
      for (const run of runs) {
        assert.ok(run.logPath.startsWith(join(out, run.profile.name, ".import", "runs")));
        const chapter = join(out, run.profile.name, "bofm", "1-ne", "4.json");
        assert.equal(JSON.parse(await Deno.readTextFile(chapter)).uri, "/scriptures/bofm/1-ne/4");
      }

      const rows = compareRuns(await readRunLogs(runs.map((r) => r.logPath)));
      assert.deepEqual(rows.map((r) => [r.profile.name, r.chapters.imported, r.requests]), [
        ["sequential", 4, 4],
        ["default", 4, 4],
      ]);
      // Read back from the log, each run measures what its own summary said.
      rows.forEach((row, i) => {
        const summary = runs[i].result.summary;
        assert.equal(row.durationMs, summary.durationMs);
        assert.equal(row.latencyMeanMs, summary.latency.meanMs);
        assert.deepEqual({ ms: row.bound?.ms, limitedBy: row.bound?.limitedBy }, summary.bound);
        assert.equal(row.efficiency, summary.efficiency);
        assert.deepEqual([row.ended, row.interrupted, row.tornLastLine], [true, false, false]);
      });
      assert.equal(rows[0].speedup, 1);
      assert.equal(rows[1].speedup, rows[1].chaptersPerSecond / rows[0].chaptersPerSecond);
      const table = renderReport(rows, { format: "markdown", logColumn: false }).split("\n");
      assert.equal(table.length, 5);
      assert.match(table[2], /^\| sequential \| bofm\/1-ne\/1-4 \| +4 \|/);
      assert.match(table[3], /^\| default {4}\| bofm\/1-ne\/1-4 \| +4 \|/);
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
);

sanitizedTest("an aborted signal runs no profile", async () => {
  const controller = new AbortController();
  controller.abort();
  const runs = await runProfiles({
    manifest: canon,
    profiles: [await loadProfile("default", { profilesDir })],
    outDir: "unused",
    signal: controller.signal,
  });
  assert.deepEqual(runs, []);
});

Deno.test("the shipped profiles order from the slowest-paced to the fastest", async () => {
  const profiles = await Promise.all(
    (await listProfiles(profilesDir)).map((name) => loadProfile(name, { profilesDir })),
  );
  assert.deepEqual(orderByPace(profiles).map((p) => p.name), [
    "sequential",
    "conservative",
    "default",
    "aggressive",
    "adaptive",
  ]);
});

Deno.test("profiles of equal pace order by how many requests they let run at once", () => {
  const p = (name: string, requestsPerSecond: number | undefined, maxInFlight?: number) => ({
    name,
    file: "",
    volumes: 2,
    booksPerVolume: 2,
    chaptersPerBook: 2,
    delayMs: 0,
    requestsPerSecond,
    maxInFlight,
  });
  const names = orderByPace([p("wide", undefined), p("narrow", undefined, 3), p("paced", 5)])
    .map((profile) => profile.name);
  assert.deepEqual(names, ["paced", "narrow", "wide"]);
});
