/**
 * A run of several languages against the in-process fake API at no latency
 * and no pacing: the memory a run holds as its languages grow, and what the
 * rate limit shared by all costs nothing extra per language.
 *
 * Prints, for 2 and then 8 languages of the small plates of the Book of
 * Mormon (66 chapters each), the chapters, the time, the RSS and heap growth
 * over the run and per chapter, and the progress log's bytes. The heap per
 * chapter staying flat as the languages grow is what "bounded by the plan"
 * means: nothing is kept per chapter beyond its node, its outcome and the
 * summary's id sets (see docs/languages.md#scale-100-languages).
 *
 *     deno bench --allow-read --allow-write --allow-net --allow-env bench/languages_bench.ts
 *
 * With `--v8-flags=--expose-gc` the heap is measured after a collection, on
 * both sides, and holds what the run keeps (the report's outcomes, the
 * summary's ids, the journal's entries) rather than garbage.
 *
 * @module
 */

import { join } from "node:path";
import { startFakeApi } from "../src/fake_api/server.ts";
import { runImport } from "../src/importer.ts";
import { loadManifest, loadProfile } from "../src/manifest/load.ts";
import type { Profile } from "../src/manifest/types.ts";

const root = new URL("..", import.meta.url).pathname;
const canon = await loadManifest(join(root, "import.yaml"));
const aggressive = await loadProfile("aggressive", { profilesDir: join(root, "profiles") });
const SMALL_PLATES = ["1-ne", "2-ne", "jacob", "enos", "jarom", "omni", "w-of-m"];
const selection = { only: SMALL_PLATES.map((book) => `bofm/${book}`) };

/** `count` made-up language codes the fake serves whole. */
function languages(count: number): string[] {
  return Array.from(
    { length: count },
    (_, i) => `x${String.fromCharCode(97 + i / 26 | 0, 97 + i % 26)}`,
  );
}

const gc = (globalThis as { gc?: () => void }).gc;

async function importLanguages(count: number, profile: Profile): Promise<string> {
  const langs = languages(count);
  const api = await startFakeApi({
    volumes: canon.volumes,
    languages: Object.fromEntries(langs.map((lang) => [lang, "all" as const])),
  });
  const out = await Deno.makeTempDir();
  try {
    const manifest = {
      ...canon,
      source: { ...canon.source, url: api.apiUrl, lang: langs[0], langs },
    };
    const log = join(out, "run.ndjson");
    gc?.();
    const heapBefore = Deno.memoryUsage().heapUsed;
    const rssBefore = Deno.memoryUsage().rss;
    const started = performance.now();
    const result = await runImport({ manifest, profile, selection, outDir: out, log });
    const ms = performance.now() - started;
    // What the run's result holds is what it kept; collected with it in hand.
    gc?.();
    const heap = Deno.memoryUsage().heapUsed - heapBefore;
    const rss = Deno.memoryUsage().rss - rssBefore;
    const chapters = result.summary.chapters.imported;
    const logBytes = (await Deno.stat(log)).size;
    const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
    return `${count} languages: ${chapters} chapters in ${(ms / 1000).toFixed(1)} s ` +
      `(${(chapters / (ms / 1000)).toFixed(0)}/s, ${result.summary.requests} requests), ` +
      `heap ${gc ? "kept" : "grew"} +${mib(heap)} (${
        (heap / chapters / 1024).toFixed(1)
      } KiB a chapter), ` +
      `RSS +${mib(rss)}, log ${mib(logBytes)}, exit ${result.exitCode}`;
  } finally {
    await api.close();
    await Deno.remove(out, { recursive: true });
  }
}

const profile: Profile = { ...aggressive, delayMs: 0, languages: 4 };
for (const count of [2, 8, 32]) console.log(await importLanguages(count, profile));

Deno.bench(
  "import 2 languages of the small plates (132 chapters)",
  { n: 1, warmup: 0 },
  async () => {
    await importLanguages(2, profile);
  },
);
