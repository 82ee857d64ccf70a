/**
 * The adaptive controller against the in-process fake API at 50 ms latency
 * behind a limit of 40 requests/s (`429` with a whole-second `Retry-After`
 * above it), at most 10 requests in flight, behind two bucket shapes: one
 * holding a second of tokens (40 in any second, as the `RateLimit-Policy`
 * the fake announces says) and a strict one holding 100 ms (4):
 *
 * - groups `retry-after-only`: the server says nothing but 429 and
 *   Retry-After; the `adaptive` profile has to find the limit;
 * - groups `on-429`: the server says `X-RateLimit-Limit: 40` on its 429s
 *   only; `adaptive` and the fixed `aggressive` (40 requests/s, exactly the
 *   limit) are both paced by it once refused;
 * - group `announced`: the server announces its limit in `RateLimit-Policy`,
 *   `RateLimit` and `X-RateLimit-*` on every answer (one-second bucket).
 *
 *     deno bench --allow-read --allow-write --allow-net --allow-env bench/adaptive_bench.ts
 *
 * Each timed import prints its duration against N/R (chapters / 40 per second),
 * its 429s, the requests the fake saw before a Retry-After it sent had run
 * out (always 0: the executor pauses every start), and how the rate moved.
 * Deno 2.9 calls each bench once untimed (here one chapter) and then twice
 * timed. 1 and 2 Nephi (55 chapters) by default, about 40 s; `BENCH_BOFM=1`
 * the Book of Mormon (239 chapters), about two minutes; `BENCH_FULL=1` the
 * whole canon (1,584 chapters, the acceptance run), about 10 minutes. Client
 * and fake share one event loop here, so their timing jitter is larger than
 * with `deno task fake-api` in a process of its own.
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
const profilesDir = join(root, "profiles");
const adaptive = await loadProfile("adaptive", { profilesDir });
const aggressive = await loadProfile("aggressive", { profilesDir });

const LATENCY_MS = 50;
const LIMIT_PER_SECOND = 40;
// Small by default so that the whole of `deno task bench` stays under two minutes.
const selection: SelectionInput = Deno.env.get("BENCH_FULL") === "1"
  ? { source: ["all"] }
  : Deno.env.get("BENCH_BOFM") === "1"
  ? { source: ["bofm"] }
  : { only: ["bofm/1-ne", "bofm/2-ne"] };
const WARM_UP: SelectionInput = { only: ["bofm/1-ne/1"] };

/** How the fake limits and what it says. */
interface _Server {
  /** The bucket's capacity (default: a second's worth). */
  readonly burst?: number;
  readonly rateLimitHeaders: boolean | "on-429";
}

function adaptiveBench(profile: Profile, group: string, server: _Server): void {
  let calls = 0;
  Deno.bench({
    name: profile.name,
    group,
    n: 1,
    warmup: 0,
    async fn(bench) {
      // The first call is Deno's untimed warm-up (see the module doc).
      const warmUp = calls++ === 0;
      const out = await Deno.makeTempDir({ prefix: "adaptive-bench-" });
      const api = await startFakeApi({
        volumes: canon.volumes,
        latencyMs: LATENCY_MS,
        ratePerSecond: LIMIT_PER_SECOND,
        burst: server.burst,
        rateLimitHeaders: server.rateLimitHeaders,
      });
      try {
        bench.start();
        const result = await runImport({
          manifest: { ...canon, source: { ...canon.source, url: api.apiUrl } },
          profile,
          selection: warmUp ? WARM_UP : selection,
          outDir: out,
          log: false,
        });
        bench.end();
        const s = result.summary;
        if (s.chapters.imported !== s.chapters.total) {
          throw new Error(
            `Cannot bench profile "${profile.name}": ${s.chapters.imported} of ${s.chapters.total} imported`,
          );
        }
        if (warmUp) return;
        const stats = api.stats();
        const ideal = (s.chapters.total / LIMIT_PER_SECOND) * 1000;
        const rate = s.rate === undefined
          ? "rate unchanged"
          : `${s.rate.changes} rate changes, last ${s.rate.lastPerSecond?.toFixed(1)}/s`;
        console.log(
          `${s.chapters.imported} chapters in ${formatDuration(s.durationMs)} = ` +
            `${(s.durationMs / ideal).toFixed(2)} x N/R (${formatDuration(ideal)}); ` +
            `${s.status429} of ${s.requests} requests answered 429 ` +
            `(${((100 * s.status429) / s.requests).toFixed(1)} %); ` +
            `${stats.beforeRetryAfter} before a Retry-After ran out; ${rate}`,
        );
      } finally {
        await api.close();
        await Deno.remove(out, { recursive: true });
      }
    },
  });
}

const SECOND = {};
const STRICT = { burst: LIMIT_PER_SECOND / 10 };
for (const [shape, bucket] of [["1 s bucket", SECOND], ["100 ms bucket", STRICT]] as const) {
  adaptiveBench(adaptive, `retry-after-only: 40/s, ${shape}, 429 + Retry-After, 50 ms`, {
    ...bucket,
    rateLimitHeaders: false,
  });
  for (const profile of [adaptive, aggressive]) {
    adaptiveBench(profile, `on-429: 40/s, ${shape}, X-RateLimit-Limit on 429s only, 50 ms`, {
      ...bucket,
      rateLimitHeaders: "on-429",
    });
  }
}
adaptiveBench(adaptive, "announced: 40/s in RateLimit headers, 50 ms", { rateLimitHeaders: true });
adaptiveBench(aggressive, "announced: 40/s in RateLimit headers, 50 ms", {
  rateLimitHeaders: true,
});
