/**
 * Whole imports against the in-process fake API at a fixed 150 ms latency,
 * once per shipped profile, with `sequential` as the baseline, so `deno bench`
 * prints how many times faster each profile is:
 *
 * - group `import`: no server limit; every profile is held back only by its
 *   own limits;
 * - group `import-429`: 1 Nephi (22 chapters) from a fake API that allows
 *   20 requests/s (burst 5) and answers `429` with `Retry-After: 1` above it:
 *   where more concurrency stops helping.
 *
 *     deno bench --allow-read --allow-write --allow-net --allow-env bench/import_bench.ts
 *
 * The `import` group imports the small plates of the Book of Mormon (1 Nephi
 * to Words of Mormon, 66 chapters), so the file runs in about 70 s on 2 cores.
 * `BENCH_BOFM=1` imports the Book of Mormon (239 chapters, about 3 min);
 * `BENCH_FULL=1` the whole canon (1,584 chapters, about 18 min).
 *
 * Deno 2.9 calls each bench once untimed to warm up and then `n + 1` times
 * timed, even with `n: 1, warmup: 0`. The warm-up call therefore imports a
 * single chapter, and each timed call a whole selection, printing its summary
 * (each profile's import is timed twice and averaged). For one import per
 * profile with its efficiency, run `deno task bench:profiles`.
 *
 * @module
 */

import { join } from "node:path";
import { startFakeApi } from "../src/fake_api/server.ts";
import { runImport } from "../src/importer.ts";
import { loadManifest, loadProfile } from "../src/manifest/load.ts";
import type { Profile } from "../src/manifest/types.ts";
import type { SelectionInput } from "../src/plan/selection.ts";
import { formatDuration } from "../src/progress/format.ts";

const root = new URL("..", import.meta.url).pathname;
const canon = await loadManifest(join(root, "import.yaml"));
const profileNames = ["sequential", "conservative", "default", "aggressive"] as const;
const profiles = await Promise.all(
  profileNames.map((name) => loadProfile(name, { profilesDir: join(root, "profiles") })),
);

const LATENCY_MS = 150;
const SMALL_PLATES = ["1-ne", "2-ne", "jacob", "enos", "jarom", "omni", "w-of-m"];
const main: { label: string; selection: SelectionInput } = Deno.env.get("BENCH_FULL") === "1"
  ? { label: "the whole canon", selection: { source: ["all"] } }
  : Deno.env.get("BENCH_BOFM") === "1"
  ? { label: "the Book of Mormon", selection: { source: ["bofm"] } }
  : {
    label: "the small plates (1 Nephi-Words of Mormon)",
    selection: { only: SMALL_PLATES.map((book) => `bofm/${book}`) },
  };
const WARM_UP: SelectionInput = { only: ["bofm/1-ne/1"] };

interface ImportBenchOptions {
  readonly group: string;
  readonly selection: SelectionInput;
  /** The fake API's rate limit. */
  readonly fakeRateLimit?: { readonly ratePerSecond: number; readonly burst: number };
}

function importBench(profile: Profile, options: ImportBenchOptions): void {
  let calls = 0;
  Deno.bench({
    name: profile.name,
    group: options.group,
    baseline: profile.name === "sequential",
    n: 1,
    warmup: 0,
    async fn(bench) {
      // The first call is Deno's untimed warm-up (see the module doc).
      const warmUp = calls++ === 0;
      const out = await Deno.makeTempDir({ prefix: "import-bench-" });
      const api = await startFakeApi({
        volumes: canon.volumes,
        latencyMs: LATENCY_MS,
        ratePerSecond: options.fakeRateLimit?.ratePerSecond,
        burst: options.fakeRateLimit?.burst,
      });
      try {
        bench.start();
        const result = await runImport({
          manifest: { ...canon, source: { ...canon.source, url: api.apiUrl } },
          profile,
          selection: warmUp ? WARM_UP : options.selection,
          outDir: out,
          log: false,
        });
        bench.end();
        const s = result.summary;
        if (s.chapters.imported + s.chapters.failed !== s.chapters.total) {
          throw new Error(`Cannot bench profile "${profile.name}": the import did not finish`);
        }
        if (warmUp) return;
        const pct = s.efficiency === null ? "—" : `${Math.round(s.efficiency * 100)}%`;
        console.log(
          `${s.chapters.imported} chapters in ${formatDuration(s.durationMs)}, ` +
            `${s.chaptersPerSecond.toFixed(1)}/s, efficiency ${pct}` +
            (s.bound ? ` of ${formatDuration(s.bound.ms)} (${s.bound.limitedBy})` : "") +
            `, 429s ${s.status429}, failed ${s.chapters.failed}`,
        );
      } finally {
        await api.close();
        await Deno.remove(out, { recursive: true });
      }
    },
  });
}

for (const profile of profiles) {
  importBench(profile, { group: `import ${main.label} at 150 ms`, selection: main.selection });
}
for (const profile of profiles) {
  importBench(profile, {
    group: "import-429 1 Nephi at 150 ms from a server allowing 20 requests/s",
    selection: { only: ["bofm/1-ne"] },
    fakeRateLimit: { ratePerSecond: 20, burst: 5 },
  });
}
