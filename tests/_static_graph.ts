/**
 * The static import graph of a module, as `deno info` reads it: what
 * `deno run` loads (and, on a worker, loads again) before the module runs.
 *
 * @module
 */

import assert from "node:assert/strict";

interface _GraphModule {
  readonly specifier: string;
  readonly dependencies?: readonly {
    readonly code?: { readonly specifier: string };
    readonly isDynamic?: boolean;
  }[];
}

const _root = new URL("..", import.meta.url);

/**
 * The modules `deno run <path>` loads before running it: static imports, not
 * types, not dynamic ones. `path` is relative to the project's root.
 */
export async function staticGraph(path: string): Promise<string[]> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", new URL(path, _root).pathname],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(output.success, new TextDecoder().decode(output.stderr));
  const graph: { roots: string[]; modules: _GraphModule[] } = JSON.parse(
    new TextDecoder().decode(output.stdout),
  );
  const bySpecifier = new Map(graph.modules.map((module) => [module.specifier, module]));
  const seen = new Set<string>();
  const visit = (specifier: string) => {
    if (seen.has(specifier)) return;
    seen.add(specifier);
    for (const dependency of bySpecifier.get(specifier)?.dependencies ?? []) {
      if (dependency.code !== undefined && !dependency.isDynamic) visit(dependency.code.specifier);
    }
  };
  graph.roots.forEach(visit);
  return [...seen];
}
