/**
 * The shape of the code, checked: no import cycle among the modules of src/,
 * and the arrows between the layers point one way (docs/architecture.md, "Code map").
 *
 * The graph is read from the source text (static `import`/`export ... from` and
 * dynamic `import("...")` specifiers, type-only imports included), so a moved or
 * added file is covered without a list to keep in step.
 */
import assert from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";
import { ROOT } from "./_cli.ts";

/** Module path relative to the root (`src/exec/dag.ts`) -> the src/ modules it imports. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']+)["']/gm;

/** Every relative specifier of a module's source, comments and doc examples excluded. */
export function relativeSpecifiers(source: string): string[] {
  const code = source
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
  return [...code.matchAll(SPECIFIER)].map((m) => m[1]);
}

async function* walk(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* walk(path);
    else if (entry.isFile && path.endsWith(".ts")) yield path;
  }
}

async function readGraph(root: string): Promise<ImportGraph> {
  const graph = new Map<string, string[]>();
  for await (const file of walk(join(root, "src"))) {
    const from = relative(root, file);
    const targets = relativeSpecifiers(await Deno.readTextFile(file))
      .map((spec) => relative(root, resolve(dirname(file), spec)))
      .filter((to) => to.startsWith("src/"));
    graph.set(from, [...new Set(targets)].sort());
  }
  return graph;
}

/** The cycles of the graph, each as the path that closes it (`a -> b -> a`). */
export function findCycles(graph: ImportGraph): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const seen = state.get(next);
      if (seen === "open") cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (seen === undefined) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

/** A layer and what it must never import. */
interface Arrow {
  readonly from: string;
  readonly never: readonly string[];
}

const IMPORTER_LAYERS = [
  "src/manifest/",
  "src/plan/",
  "src/source/",
  "src/output/",
  "src/progress/",
  "src/report/",
  "src/offload/",
  "src/export/",
  "src/serve/",
  "src/cli/",
  "src/cli.ts",
  "src/importer.ts",
  "src/import_setup.ts",
  "src/import_languages.ts",
  "src/resume.ts",
  "src/queue/",
  "src/recode.ts",
];

/**
 * The rule of the arrows. Layers from the bottom: exec (generic, knows nothing of
 * scriptures), manifest, source, plan, output, progress, report, cli. A layer
 * imports only layers below it; the importer and cli compose them.
 */
export const ARROWS: readonly Arrow[] = [
  { from: "src/exec/", never: IMPORTER_LAYERS },
  {
    from: "src/plan/",
    never: [
      "src/progress/",
      "src/output/",
      "src/report/",
      "src/cli/",
      "src/cli.ts",
      "src/importer.ts",
    ],
  },
  {
    from: "src/report/",
    never: ["src/importer.ts", "src/import_setup.ts", "src/cli/", "src/cli.ts"],
  },
  {
    from: "src/export/",
    never: [
      "src/plan/",
      "src/progress/",
      "src/report/",
      "src/cli/",
      "src/cli.ts",
      "src/importer.ts",
      "src/import_setup.ts",
    ],
  },
  {
    // The server shows and steers a run through its records and its control: it never runs one.
    from: "src/serve/",
    never: [
      "src/importer.ts",
      "src/import_setup.ts",
      "src/resume.ts",
      "src/cli/",
      "src/cli.ts",
      "src/fake_api/",
      "src/report/",
    ],
  },
  {
    from: "src/manifest/",
    never: ["src/plan/", "src/output/", "src/progress/", "src/report/", "src/cli/"],
  },
];

/**
 * Edges the rule forbids that the code still has, each with the reason it is
 * allowed for now. Empty is the goal; an entry that no longer matches fails.
 */
export const KNOWN_EXCEPTIONS: ReadonlyMap<string, string> = new Map<string, string>([]);

/** Every forbidden edge of the graph, as `from -> to`. */
export function brokenArrows(graph: ImportGraph, arrows: readonly Arrow[]): string[] {
  const broken: string[] = [];
  for (const [from, targets] of graph) {
    for (const arrow of arrows) {
      if (!from.startsWith(arrow.from)) continue;
      for (const to of targets) {
        if (arrow.never.some((layer) => to === layer || to.startsWith(layer))) {
          broken.push(`${from} -> ${to}`);
        }
      }
    }
  }
  return broken.sort();
}

Deno.test("no module of src/ takes part in an import cycle", async () => {
  const graph = await readGraph(ROOT);
  assert.ok(graph.size > 50, `read only ${graph.size} modules`);
  const cycles = findCycles(graph).map((c) => c.join(" -> "));
  assert.deepEqual(cycles, []);
});

Deno.test("the arrows between the layers point one way", async () => {
  const graph = await readGraph(ROOT);
  const broken = brokenArrows(graph, ARROWS);
  const unexplained = broken.filter((edge) => !KNOWN_EXCEPTIONS.has(edge));
  assert.deepEqual(unexplained, []);
  const stale = [...KNOWN_EXCEPTIONS.keys()].filter((edge) => !broken.includes(edge));
  assert.deepEqual(stale, [], "an exception the code no longer needs: remove it");
});

Deno.test("the graph reader sees static, type-only, re-export and dynamic imports", () => {
  const source = [
    `import { a } from "./a.ts";`,
    `import type { B } from "../b.ts";`,
    `export { c } from "./c.ts";`,
    `import "./side.ts";`,
    `const d = await import("./d.ts");`,
    `// import { e } from "./commented.ts";`,
    `/** import { f } from "./doc.ts"; */`,
    `import { g } from "npm:yaml";`,
  ].join("\n");
  assert.deepEqual(relativeSpecifiers(source), [
    "./a.ts",
    "../b.ts",
    "./c.ts",
    "./side.ts",
    "./d.ts",
  ]);
});

Deno.test("a cycle and a forbidden edge are found", () => {
  const graph: ImportGraph = new Map([
    ["src/exec/a.ts", ["src/exec/b.ts"]],
    ["src/exec/b.ts", ["src/exec/a.ts", "src/progress/format.ts"]],
    ["src/progress/format.ts", []],
  ]);
  assert.deepEqual(findCycles(graph), [["src/exec/a.ts", "src/exec/b.ts", "src/exec/a.ts"]]);
  assert.deepEqual(brokenArrows(graph, ARROWS), ["src/exec/b.ts -> src/progress/format.ts"]);
});
