import assert from "node:assert/strict";
import { join } from "node:path";
import { loadManifest } from "../../src/manifest/load.ts";
import type { Manifest } from "../../src/manifest/types.ts";
import { buildPlan, planLimits } from "../../src/plan/planner.ts";
import { resolveSelection } from "../../src/plan/selection.ts";
import { smallManifest } from "./_fixtures.ts";

const withLangs = (manifest: Manifest, langs: readonly string[]): Manifest => ({
  ...manifest,
  source: { ...manifest.source, lang: langs[0], langs },
});

Deno.test("a plan of several languages leads every id and scope with the language, one manifest per language and one over them", () => {
  const manifest = withLangs(smallManifest(), ["eng", "spa"]);
  const plan = buildPlan(manifest, resolveSelection(manifest, { source: ["dc-testament"] }));
  assert.equal(plan.multilingual, true);
  const chapter = plan.dag.get("spa/dc-testament/od/2");
  assert.ok(chapter?.kind === "chapter");
  assert.deepEqual(
    [chapter.lang, chapter.uri, chapter.scope],
    ["spa", "/scriptures/dc-testament/od/2", ["spa", "spa/dc-testament", "spa/dc-testament/od"]],
  );
  assert.deepEqual(plan.dag.get("spa/manifest")?.deps, ["spa/dc-testament/manifest"]);
  assert.deepEqual(plan.dag.get("manifest")?.deps, ["eng/manifest", "spa/manifest"]);
  assert.equal(plan.dag.get("manifest")?.kind, "languages-manifest");
  assert.equal(plan.counts.languages, 2);
  assert.equal(plan.counts.rootManifests, 3);
  // The limits gain the language level above volumes.
  const profile = { volumes: 3, booksPerVolume: 5, chaptersPerBook: 10, delayMs: 0 };
  const limits = planLimits(plan, { name: "p", file: "p", ...profile, languages: 2 });
  assert.deepEqual(limits.executor.scopes, [2, 3, 5]);
});

Deno.test("a plan of one language keeps the ids, scopes and limits of every earlier run", () => {
  const manifest = withLangs(smallManifest(), ["spa"]);
  const plan = buildPlan(manifest, resolveSelection(manifest, {}));
  assert.equal(plan.multilingual, false);
  const chapter = plan.dag.get("dc-testament/od/2");
  assert.ok(chapter?.kind === "chapter" && chapter.lang === "spa");
  assert.deepEqual(chapter.scope, ["dc-testament", "dc-testament/od"]);
  assert.equal(plan.dag.get("manifest")?.kind, "root-manifest");
  const profile = { volumes: 3, booksPerVolume: 5, chaptersPerBook: 10, delayMs: 0 };
  assert.deepEqual(planLimits(plan, { name: "p", file: "p", ...profile }).executor.scopes, [3, 5]);
});

Deno.test("a plan of 100 languages x the canon holds 158,400 chapter tasks, sharing one scope array per book and one deps array", async () => {
  const canon = await loadManifest(join(new URL("../..", import.meta.url).pathname, "import.yaml"));
  const langs = Array.from(
    { length: 100 },
    (_, i) => String.fromCharCode(97 + Math.floor(i / 26) % 26, 97 + i % 26, 97 + (i * 7) % 26),
  );
  assert.equal(new Set(langs).size, 100);
  const manifest = withLangs(canon, langs);
  const plan = buildPlan(manifest, resolveSelection(manifest, {}));
  assert.deepEqual(plan.counts, {
    languages: 100,
    volumes: 500,
    books: 8_800,
    chapters: 158_400,
    bookManifests: 8_800,
    volumeManifests: 500,
    rootManifests: 101,
    sinks: 9_401,
  });
  assert.equal(plan.dag.nodes.length, 158_400 + 9_401);
  // What the build allocates per chapter is its node alone: the scope array
  // is its book's, the (empty) deps array one for all, the URI its book's.
  const scopes = new Set<readonly string[]>();
  const deps = new Set<readonly string[]>();
  for (const node of plan.dag.nodes) {
    if (node.kind !== "chapter") continue;
    scopes.add(node.scope);
    deps.add(node.deps);
  }
  assert.equal(scopes.size, 8_800);
  assert.equal(deps.size, 1);
});
