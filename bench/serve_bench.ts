/**
 * What `--serve` costs a run: the same import through the CLI's `main`
 * against the in-process fake API, without the server (the baseline) and
 * with it, a stream client following `/events` from the start in another
 * process (bench/_sse_follower.ts: it reads and parses every event, as the
 * dashboard does; no browser) and `/metrics` scraped every second. `deno
 * bench` prints the ratio of the two.
 *
 *     deno bench --allow-all bench/serve_bench.ts
 *
 * The import is the whole canon (1,584 chapters) at 20 ms latency with no
 * rate limit and 64 requests in flight, so that the run is bound by the
 * client's own work (parsing, writing, the records) and not by a limit that
 * would hide any overhead: about 10 s a run here. `BENCH_SERVE_PACED=1`
 * imports it with the `default` profile (20 requests/s, about 80 s a run)
 * instead, as a user's run would go.
 *
 * Deno 2.9 calls the bench once untimed to warm up (one chapter each way,
 * without the follower), then twice timed (`n: 1`): the first
 * runs `BENCH_SERVE_PAIRS` pairs (default 3) in alternating order, the
 * second returns at once, so Deno's own time/iter means nothing here. On a
 * shared machine, compare the ratios of one run, never figures across runs.
 *
 * @module
 */

import { join } from "node:path";
import process from "node:process";
import { main } from "../src/cli.ts";
import { startFakeApi } from "../src/fake_api/server.ts";
import { loadManifest } from "../src/manifest/load.ts";

const root = new URL("..", import.meta.url).pathname;
const manifestFile = join(root, "import.yaml");
const canon = await loadManifest(manifestFile);
const paced = Deno.env.get("BENCH_SERVE_PACED") === "1";
const UNPACED = [
  "description: Unpaced, for the serve bench",
  "volumes: 5",
  "booksPerVolume: 10",
  "chaptersPerBook: 20",
  "maxInFlight: 64",
  "",
].join("\n");
const LATENCY_MS = 20;
const FOLLOWER = join(root, "bench", "_sse_follower.ts");

const api = await startFakeApi({ volumes: canon.volumes, latencyMs: LATENCY_MS });
const dir = await Deno.makeTempDir({ prefix: "serve-bench-" });
const profileFile = join(dir, "unpaced.yaml");
await Deno.writeTextFile(profileFile, UNPACED);
globalThis.addEventListener("unload", () => {
  Deno.removeSync(dir, { recursive: true });
});

let runs = 0;

/** One import through `main`; with `serve`, a stream client and a scraper follow it. */
async function importOnce(serve: boolean, warmUp: boolean) {
  const out = join(dir, `out-${runs++}`);
  const args = [
    "import",
    "-m",
    manifestFile,
    "-p",
    paced ? "default" : profileFile,
    "--api-url",
    api.apiUrl,
    "--out",
    out,
    "--log",
    join(dir, `log-${runs}.ndjson`),
    "--json",
    ...(warmUp ? ["--only", "bofm/1-ne/1"] : []),
    ...(serve ? ["--serve", "0"] : []),
  ];
  let stderr = "";
  let follower: Deno.ChildProcess | undefined;
  let scraper: ReturnType<typeof setInterval> | undefined;
  const scrapes: Promise<unknown>[] = [];
  const code = await main(args, {
    stdout: () => {},
    stderr: (text) => {
      stderr += text;
      const url = /Dashboard, metrics and controls: (\S+)/.exec(stderr)?.[1];
      // Not for the warm-up's one chapter: it ends before another process can connect.
      if (url !== undefined && follower === undefined && !warmUp) {
        follower = new Deno.Command(Deno.execPath(), {
          args: ["run", "--allow-net=127.0.0.1", FOLLOWER, `${url}events`],
          stdout: "piped",
        }).spawn();
        scraper = setInterval(() => {
          scrapes.push(fetch(`${url}metrics`).then((r) => r.text()).catch(() => ""));
        }, 1000);
      }
    },
  });
  clearInterval(scraper);
  await Promise.all(scrapes);
  if (follower !== undefined) {
    const read = JSON.parse(new TextDecoder().decode((await follower.output()).stdout));
    if (read.end !== "run-end") throw new Error("The stream client missed run-end");
    if (!warmUp) console.log(`stream client: ${read.events} events`);
  }
  if (code !== 0) throw new Error(`Cannot bench --serve: the import exited ${code}: ${stderr}`);
  await Deno.remove(out, { recursive: true });
}

const group = paced
  ? `serve: the canon, default profile, ${LATENCY_MS} ms`
  : `serve: the canon, unpaced, 64 in flight, ${LATENCY_MS} ms`;
const PAIRS = Number(Deno.env.get("BENCH_SERVE_PAIRS") ?? 3);

/** Wall and CPU ms of one import. */
async function measured(serve: boolean, warmUp: boolean) {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await importOnce(serve, warmUp);
  const used = process.cpuUsage(cpu);
  return { wallMs: performance.now() - t0, cpuMs: (used.user + used.system) / 1000 };
}

let calls = 0;
Deno.bench({
  name: `${PAIRS} pairs: without --serve, then with it (an SSE client, a scrape a second)`,
  group,
  n: 1,
  warmup: 0,
  async fn() {
    const call = calls++;
    if (call > 1) return;
    const warmUp = call === 0;
    const ratios: { wall: number; cpu: number }[] = [];
    // Pairs in alternating order, so that a change of the machine's load
    // between two runs weighs on both variants alike.
    for (let k = 0; k < (warmUp ? 1 : PAIRS); k++) {
      const order = k % 2 === 0 ? [false, true] : [true, false];
      const [a, b] = [await measured(order[0], warmUp), await measured(order[1], warmUp)];
      const [off, on] = order[0] ? [b, a] : [a, b];
      ratios.push({ wall: on.wallMs / off.wallMs, cpu: on.cpuMs / off.cpuMs });
      if (!warmUp) {
        console.log(
          `pair ${k + 1}: without ${(off.wallMs / 1000).toFixed(2)} s (CPU ${
            (off.cpuMs / 1000).toFixed(2)
          } s), ` +
            `with ${(on.wallMs / 1000).toFixed(2)} s (CPU ${(on.cpuMs / 1000).toFixed(2)} s)`,
        );
      }
    }
    if (warmUp) return;
    const median = (xs: number[]) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    console.log(
      `with/without --serve, median of ${PAIRS} pairs: wall ${
        median(ratios.map((r) => r.wall)).toFixed(3)
      }, ` +
        `CPU of the importer's process ${median(ratios.map((r) => r.cpu)).toFixed(3)}`,
    );
  },
});
