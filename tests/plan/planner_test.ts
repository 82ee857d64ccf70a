import assert from "node:assert/strict";
import { Dag, DagError } from "../../src/exec/dag.ts";
import { buildPlan } from "../../src/plan/planner.ts";
import { resolveSelection } from "../../src/plan/selection.ts";
import { smallManifest } from "./_fixtures.ts";

const manifest = smallManifest();

Deno.test("planner makes a chapter task per chapter and a manifest sink per book, volume and root", () => {
  const plan = buildPlan(manifest, resolveSelection(manifest, {}));
  assert.deepEqual(plan.counts, {
    languages: 1,
    volumes: 2,
    books: 4,
    chapters: 163,
    bookManifests: 4,
    volumeManifests: 2,
    rootManifests: 1,
    sinks: 7,
  });
  const chapter = plan.dag.get("dc-testament/od/2");
  assert.ok(chapter?.kind === "chapter");
  assert.equal(chapter.uri, "/scriptures/dc-testament/od/2");
  assert.deepEqual(chapter.scope, ["dc-testament", "dc-testament/od"]);
  assert.equal(chapter.role, "task");
});

Deno.test("book manifests depend on their chapters, volumes on books, the root on volumes", () => {
  const plan = buildPlan(manifest, resolveSelection(manifest, { source: ["bofm"] }));
  assert.deepEqual(plan.dag.get("bofm/enos/manifest")?.deps, ["bofm/enos/1"]);
  assert.equal(plan.dag.get("bofm/1-ne/manifest")?.deps.length, 22);
  assert.deepEqual(plan.dag.get("bofm/manifest")?.deps, [
    "bofm/1-ne/manifest",
    "bofm/enos/manifest",
  ]);
  assert.deepEqual(plan.dag.get("manifest")?.deps, ["bofm/manifest"]);
  assert.equal(plan.dag.get("dc-testament/manifest"), undefined);
});

Deno.test("plan order is depth-first: a book's chapters, then its manifest, then the next book", () => {
  const plan = buildPlan(
    manifest,
    resolveSelection(manifest, { only: ["bofm/1-ne/1-2", "bofm/enos"] }),
  );
  assert.deepEqual(plan.dag.nodes.map((n) => n.id), [
    "bofm/1-ne/1",
    "bofm/1-ne/2",
    "bofm/1-ne/manifest",
    "bofm/enos/1",
    "bofm/enos/manifest",
    "bofm/manifest",
    "manifest",
  ]);
});

Deno.test("every dependency of every node comes before it in plan order", () => {
  const plan = buildPlan(manifest, resolveSelection(manifest, {}));
  const seen = new Set<string>();
  for (const node of plan.dag.nodes) {
    for (const dep of node.deps) assert.ok(seen.has(dep), `${node.id} before ${dep}`);
    seen.add(node.id);
  }
});

Deno.test("the DAG type rejects cycles, naming the nodes of the cycle", () => {
  const node = (id: string, deps: string[]) => ({
    id,
    kind: "k",
    deps,
    scope: [],
    role: "task" as const,
  });
  assert.throws(
    () => Dag.from([node("a", ["c"]), node("b", ["a"]), node("c", ["b"])]),
    new DagError('Cannot build DAG: cycle "a" -> "c" -> "b" -> "a"'),
  );
  assert.throws(
    () => Dag.from([node("a", ["ghost"])]),
    new DagError('Cannot build DAG: node "a" depends on unknown node "ghost"'),
  );
  assert.throws(
    () => Dag.from([node("a", []), node("a", [])]),
    new DagError('Cannot build DAG: duplicate node id "a"'),
  );
});
