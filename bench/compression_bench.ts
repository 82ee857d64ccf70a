/**
 * What compression and refresh cost and save, against the in-process fake
 * API with no latency and no pacing (so the client's own work is what is
 * timed):
 *
 * - group `store`: an import into a new folder with `compress: none` (the
 *   baseline) and with `gzip`: time, and bytes of the chapter files on disk;
 *   and re-encoding that folder on disk from `.json` to `.json.gz` (no request);
 * - group `refresh`: a full import (the baseline) against `--refresh` of the
 *   same selection, unchanged on the server: time, and bytes received (the
 *   fake's `bytesSent`: page bodies, none for a `304`).
 *
 *     deno bench --allow-read --allow-write --allow-net --allow-env bench/compression_bench.ts
 *
 * The Book of Mormon (239 chapters) by default; `BENCH_FULL=1` the whole canon
 * (1,584 chapters). Each timed call prints its figures. As in import_bench.ts,
 * Deno's untimed warm-up call imports one chapter only.
 *
 * @module
 */

import { join } from "node:path";
import { type FakeApi, startFakeApi } from "../src/fake_api/server.ts";
import { type ImportOptions, runImport } from "../src/importer.ts";
import { loadManifest, loadProfile } from "../src/manifest/load.ts";
import type { SelectionInput } from "../src/plan/selection.ts";
import { formatBytes, formatDuration } from "../src/progress/format.ts";

const root = new URL("..", import.meta.url).pathname;
const canon = await loadManifest(join(root, "import.yaml"));
const aggressive = await loadProfile("aggressive", { profilesDir: join(root, "profiles") });
/** No pacing: the fake has no latency, so the client's work is what is measured. */
const profile = { ...aggressive, delayMs: 0 };
const full = Deno.env.get("BENCH_FULL") === "1";
const label = full ? "the whole canon" : "the Book of Mormon";
const selection: SelectionInput = { source: [full ? "all" : "bofm"] };
const WARM_UP: SelectionInput = { only: ["bofm/1-ne/1"] };

/** One bench: `prepare` fills the folder untimed, `run` is timed and returns what to print. */
interface Case {
  readonly name: string;
  readonly group: string;
  readonly baseline?: boolean;
  readonly prepare?: (options: ImportOptions) => Promise<unknown>;
  readonly run: (options: ImportOptions, api: FakeApi) => Promise<string>;
}

function bench(spec: Case): void {
  let calls = 0;
  Deno.bench({
    name: spec.name,
    group: spec.group,
    baseline: spec.baseline ?? false,
    n: 1,
    warmup: 0,
    async fn(context) {
      const warmUp = calls++ === 0;
      const out = await Deno.makeTempDir({ prefix: "compression-bench-" });
      const api = await startFakeApi({ volumes: canon.volumes, latencyMs: 0 });
      const options: ImportOptions = {
        manifest: { ...canon, source: { ...canon.source, url: api.apiUrl } },
        profile,
        selection: warmUp ? WARM_UP : selection,
        outDir: out,
        log: false,
      };
      try {
        await spec.prepare?.(options);
        api.resetStats();
        context.start();
        const line = await spec.run(options, api);
        context.end();
        if (!warmUp) console.log(`${spec.name}: ${line}`);
      } finally {
        await api.close();
        await Deno.remove(out, { recursive: true });
      }
    },
  });
}

async function imported(options: ImportOptions): Promise<Awaited<ReturnType<typeof runImport>>> {
  const result = await runImport(options);
  if (result.exitCode !== 0) throw new Error(`Cannot bench: the import exited ${result.exitCode}`);
  return result;
}

const store = `store ${label}`;
for (const compress of ["none", "gzip"] as const) {
  bench({
    name: `import, compress ${compress}`,
    group: store,
    baseline: compress === "none",
    run: async (options) => {
      const { summary } = await imported({ ...options, compress });
      return `${summary.chapters.imported} chapters in ${formatDuration(summary.durationMs)}, ` +
        `${formatBytes(summary.disk!.afterBytes)} on disk (${summary.disk!.afterBytes} bytes)`;
    },
  });
}
bench({
  name: "re-encode .json as .json.gz on disk",
  group: store,
  prepare: (options) => imported({ ...options, compress: "none" }),
  run: async (options, api) => {
    const { summary } = await imported({ ...options, compress: "gzip" });
    const disk = summary.disk!;
    return `${disk.recoded} chapters re-encoded, ${formatBytes(disk.beforeBytes)} -> ` +
      `${formatBytes(disk.afterBytes)}, ${api.stats().requests} requests`;
  },
});

const refresh = `refresh ${label}`;
bench({
  name: "full import",
  group: refresh,
  baseline: true,
  run: async (options, api) => {
    const { summary } = await imported(options);
    return `${summary.chapters.imported} chapters, ${formatBytes(api.stats().bytesSent)} ` +
      `received (${api.stats().bytesSent} bytes)`;
  },
});
bench({
  name: "refresh, nothing changed",
  group: refresh,
  prepare: (options) => imported(options),
  run: async (options, api) => {
    const { summary } = await imported({ ...options, refresh: true });
    return `${summary.chapters.unchanged} unchanged, ${formatBytes(api.stats().bytesSent)} ` +
      `received (${api.stats().bytesSent} bytes), ${api.stats().requests} requests`;
  },
});
