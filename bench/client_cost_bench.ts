/**
 * The client's own cost: `deno task import` as a user runs it (a process of
 * its own with the task's flags, start-up included) against the fake API in another process
 * answering every request in 50 ms, with no rate limit and 10 requests in
 * flight. Nothing but the client can then stand between the theoretical
 * minimum, ceil(N / 10) × 50 ms, and the time the import takes; each timed
 * import prints its ratio to that bound, with and without start-up, and its
 * peak resident memory.
 *
 *     deno bench --allow-read --allow-write --allow-net --allow-env --allow-run bench/client_cost_bench.ts
 *
 * The Old Testament (929 chapters, a bound of 4.65 s) by default, about 20 s
 * in all; `BENCH_FULL=1` the whole canon (1,584 chapters, a bound of 7.95 s),
 * the acceptance load, about 35 s. Deno 2.9 calls each bench once untimed (here
 * one chapter) and then twice timed. Peak memory is read from
 * `/proc/<pid>/status` (Linux only; elsewhere it is left out).
 *
 * @module
 */

import { join } from "node:path";
import { startFakeApiProcess } from "../src/fake_api/process.ts";

const root = new URL("..", import.meta.url).pathname;
const LATENCY_MS = 50;
const IN_FLIGHT = 10;
const full = Deno.env.get("BENCH_FULL") === "1";
const load = full
  ? { label: "the whole canon", chapters: 1584, args: [] as string[] }
  : { label: "the Old Testament", chapters: 929, args: ["--source", "ot"] };
const WARM_UP = ["--only", "bofm/1-ne/1"];

const PROFILE = `description: the client-cost bench's load
volumes: 5
booksPerVolume: 10
chaptersPerBook: 20
maxInFlight: ${IN_FLIGHT}
delay: 0ms
`;

/** What one import in a process of its own took. */
interface ImportRun {
  readonly wallMs: number;
  /** The run's own duration, from its summary (no start-up). */
  readonly runMs: number;
  readonly imported: number;
  readonly failed: number;
  /** Peak resident set, bytes; undefined where /proc is not there. */
  readonly peakRssBytes?: number;
}

async function importInProcess(
  apiUrl: string,
  profile: string,
  selection: readonly string[],
): Promise<ImportRun> {
  const out = await Deno.makeTempDir({ prefix: "client-cost-bench-" });
  try {
    const started = performance.now();
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        ...TASK_FLAGS,
        join(root, "src/cli.ts"),
        "import",
        "--manifest",
        join(root, "import.yaml"),
        "--api-url",
        apiUrl,
        "--out",
        out,
        "--profile",
        profile,
        "--json",
        ...selection,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let peakRssBytes: number | undefined;
    const sample = async () => {
      try {
        const status = await Deno.readTextFile(`/proc/${child.pid}/status`);
        const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
        if (kb > 0) peakRssBytes = Math.max(peakRssBytes ?? 0, kb * 1024);
      } catch {
        // Gone already, or no /proc here.
      }
    };
    const sampler = setInterval(sample, 50);
    const [status, stdout, stderr] = await Promise.all([
      child.status,
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
    ]).finally(() => clearInterval(sampler));
    const wallMs = performance.now() - started;
    if (!status.success) {
      throw new Error(`Cannot bench the import: it exited ${status.code}: ${stderr}`);
    }
    const summary = JSON.parse(stdout);
    return {
      wallMs,
      runMs: summary.durationMs,
      imported: summary.chapters.imported,
      failed: summary.chapters.failed,
      peakRssBytes,
    };
  } finally {
    await Deno.remove(out, { recursive: true });
  }
}

/** The flags `deno task import` runs with (permissions, V8 settings), read from deno.json. */
const TASK_FLAGS: readonly string[] = (() => {
  const config = JSON.parse(Deno.readTextFileSync(join(root, "deno.json")));
  // A task is its command, or an object with a description and its command.
  const entry = config.tasks.import;
  const task: string = typeof entry === "string" ? entry : entry.command;
  const match = /^deno run (.*) src\/cli\.ts import$/.exec(task);
  if (match === null) throw new Error(`Cannot read the flags of the import task: "${task}"`);
  return match[1].split(/\s+/);
})();

const boundMs = Math.ceil(load.chapters / IN_FLIGHT) * LATENCY_MS;
const profileDir = await Deno.makeTempDir({ prefix: "client-cost-profile-" });
const profilePath = join(profileDir, "bench.yaml");
await Deno.writeTextFile(profilePath, PROFILE);
let calls = 0;

Deno.bench({
  name: `${load.label}, ${IN_FLIGHT} in flight, server answering in ${LATENCY_MS} ms`,
  group: "client-cost",
  n: 1,
  warmup: 0,
  async fn(bench) {
    // The first call is Deno's untimed warm-up: one chapter.
    const warmUp = calls++ === 0;
    const api = await startFakeApiProcess(["--latency", String(LATENCY_MS)]);
    try {
      bench.start();
      const run = await importInProcess(api.apiUrl, profilePath, warmUp ? WARM_UP : load.args);
      bench.end();
      if (warmUp) return;
      if (run.imported !== load.chapters) {
        throw new Error(`Cannot bench: ${run.imported} of ${load.chapters} imported`);
      }
      const rss = run.peakRssBytes === undefined
        ? ""
        : `, peak RSS ${(run.peakRssBytes / 2 ** 20).toFixed(0)} MB`;
      console.log(
        `${run.imported} chapters: ${(run.wallMs / boundMs).toFixed(3)}x the bound of ` +
          `${(boundMs / 1000).toFixed(2)} s with start-up, ` +
          `${(run.runMs / boundMs).toFixed(3)}x without${rss}`,
      );
    } finally {
      await api.close();
    }
  },
});

globalThis.addEventListener("unload", () => {
  Deno.removeSync(profileDir, { recursive: true });
});
