/**
 * A DAG compiled for one run: handlers resolved by kind, the dependents of
 * each node as compressed rows, how many dependencies each node waits for,
 * and the innermost scope of each task.
 *
 * @module
 */

import type { Dag } from "./dag.ts";
import { type Scope, type ScopeLimits, ScopeTree } from "./scope_tree.ts";
import type { DagNode, SinkHandler, SinkHandlers, TaskHandler, TaskHandlers } from "./types.ts";

/** What compiling needs from the run options. */
export interface CompileOptions<N extends DagNode> {
  readonly tasks: TaskHandlers<N>;
  readonly sinks?: SinkHandlers<N>;
  readonly limits: ScopeLimits;
  readonly preResolved?: ReadonlyMap<string, unknown>;
}

/** The run-time shape of a DAG; nodes are known by their plan index. */
export class CompiledDag<N extends DagNode> {
  readonly nodes: readonly N[];
  readonly tasks: ReadonlyMap<string, TaskHandler<N>>;
  readonly sinks: ReadonlyMap<string, SinkHandler<N>>;
  readonly scopes: ScopeTree;
  /** The innermost scope of each task to run (undefined for sinks and preResolved nodes). */
  readonly leaf: (Scope | undefined)[];
  /** 1 for each preResolved node. */
  readonly preResolved: Uint8Array;
  /** Dependencies each node waits for; preResolved ones have ended already. */
  readonly waitingDeps: Int32Array;
  /** Dependents of node i: `dependents[dependentsFrom[i] .. dependentsFrom[i + 1])`. */
  readonly dependentsFrom: Int32Array;
  readonly dependents: Int32Array;
  /** Plan index of each node that some node depends on. */
  readonly #indexOf = new Map<string, number>();

  /**
   * @throws {TypeError} when a node's kind has no handler, or a scope id sits under two parents.
   */
  constructor(dag: Dag<N>, options: CompileOptions<N>) {
    const nodes = dag.nodes;
    const n = nodes.length;
    this.nodes = nodes;
    // The one place where a handler typed to its kind is widened: the run
    // calls it only with nodes of that kind.
    this.tasks = new Map(Object.entries(options.tasks) as [string, TaskHandler<N>][]);
    this.sinks = new Map(Object.entries(options.sinks ?? {}) as [string, SinkHandler<N>][]);
    this.scopes = new ScopeTree(options.limits);
    this.leaf = new Array(n);
    this.preResolved = new Uint8Array(n);
    this.waitingDeps = new Int32Array(n);
    this.dependentsFrom = new Int32Array(n + 1);

    // Only ids that some node depends on need an index: a DAG without deps builds no map.
    const indexOf = this.#indexOf;
    let depCount = 0;
    for (const node of nodes) {
      for (const dep of node.deps) indexOf.set(dep, -1);
      depCount += node.deps.length;
    }
    const preResolved = options.preResolved;
    for (let i = 0; i < n; i++) {
      const node = nodes[i];
      if (depCount > 0 && indexOf.has(node.id)) indexOf.set(node.id, i);
      this.#checkHandler(node);
      if (preResolved?.has(node.id)) this.preResolved[i] = 1;
      else if (node.role === "task") this.leaf[i] = this.scopes.addTask(node.id, node.scope);
    }

    // Dependents as compressed rows: two passes over the deps, no per-node arrays.
    const from = this.dependentsFrom;
    this.dependents = new Int32Array(depCount);
    for (const node of nodes) for (const dep of node.deps) from[indexOf.get(dep)! + 1]++;
    for (let i = 0; i < n; i++) from[i + 1] += from[i];
    const fill = from.slice(0, n);
    for (let i = 0; i < n; i++) {
      for (const dep of nodes[i].deps) {
        const d = indexOf.get(dep)!;
        this.dependents[fill[d]++] = i;
        if (this.preResolved[d] === 0) this.waitingDeps[i]++;
      }
    }
  }

  /** The plan index of `id`, which some node depends on. */
  indexOf(id: string): number {
    return this.#indexOf.get(id)!;
  }

  #checkHandler(node: N): void {
    const handlers: ReadonlyMap<string, unknown> = node.role === "task" ? this.tasks : this.sinks;
    if (handlers.has(node.kind)) return;
    const known = [...handlers.keys()].map((kind) => `"${kind}"`).join(", ") || "none";
    throw new TypeError(
      `Cannot run node "${node.id}": no ${node.role} handler for kind "${node.kind}" (known: ${known})`,
    );
  }
}
