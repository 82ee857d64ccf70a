/**
 * Planner benchmarks: the full canon from import.yaml, the canon in 100
 * languages (158,400 chapter tasks; target: under a second), and a synthetic
 * manifest of 1,000,000 chapters (target: under 3 s and under 1 GB).
 */
import { loadManifest } from "../src/manifest/load.ts";
import type { Manifest } from "../src/manifest/types.ts";
import { buildPlan } from "../src/plan/planner.ts";
import { resolveSelection } from "../src/plan/selection.ts";

const canon = await loadManifest(new URL("../import.yaml", import.meta.url).pathname);

// 10 volumes x 100 books x 1,000 chapters.
const million: Manifest = {
  ...canon,
  volumes: Array.from({ length: 10 }, (_, v) => ({
    id: `v${v}`,
    title: `Volume ${v}`,
    books: Array.from({ length: 100 }, (_, b) => ({
      id: `b${b}`,
      title: `Book ${b}`,
      chapters: 1000,
    })),
  })),
};

// 100 made-up three-letter codes: the canon in each is a run of 158,400 tasks.
const hundred: Manifest = {
  ...canon,
  source: {
    ...canon.source,
    langs: Array.from(
      { length: 100 },
      (_, i) => `l${String.fromCharCode(97 + i / 26 | 0, 97 + i % 26)}`,
    ),
  },
};

Deno.bench("plan the full canon (1,584 chapters)", { group: "planner" }, () => {
  buildPlan(canon, resolveSelection(canon, {}));
});

Deno.bench(
  "plan the canon in 100 languages (158,400 chapters)",
  { group: "planner-languages" },
  () => {
    const plan = buildPlan(hundred, resolveSelection(hundred, {}));
    if (plan.counts.chapters !== 158_400) throw new Error("Wrong plan size");
  },
);

// Memory is measured once, before any benchmark has churned the heap: the RSS
// of a process holding one 100-language plan, then one million-chapter plan.
{
  const before = Deno.memoryUsage().rss;
  const started = performance.now();
  const plan = buildPlan(hundred, resolveSelection(hundred, {}));
  const ms = performance.now() - started;
  const rss = Deno.memoryUsage().rss;
  console.log(
    `one plan of ${plan.counts.languages} languages, ` +
      `${plan.counts.chapters.toLocaleString("en-US")} chapters: ${ms.toFixed(0)} ms, ` +
      `RSS ${(rss / 2 ** 20).toFixed(0)} MiB (${
        ((rss - before) / 2 ** 20).toFixed(0)
      } MiB for the plan)`,
  );
}
{
  const before = Deno.memoryUsage().rss;
  const started = performance.now();
  const plan = buildPlan(million, resolveSelection(million, {}));
  const ms = performance.now() - started;
  const rss = Deno.memoryUsage().rss;
  console.log(
    `one plan of ${plan.counts.chapters.toLocaleString("en-US")} chapters: ${ms.toFixed(0)} ms, ` +
      `RSS ${(rss / 2 ** 20).toFixed(0)} MiB (${
        ((rss - before) / 2 ** 20).toFixed(0)
      } MiB for the plan)`,
  );
}

Deno.bench(
  "plan a synthetic manifest of 1,000,000 chapters",
  { group: "planner-million", n: 1, warmup: 0 },
  () => {
    const plan = buildPlan(million, resolveSelection(million, {}));
    if (plan.counts.chapters !== 1_000_000) throw new Error("Wrong plan size");
  },
);
