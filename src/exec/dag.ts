/**
 * A validated DAG: unique ids, known dependencies, no cycles.
 *
 * @module
 */

import type { DagNode } from "./types.ts";
import { UserError } from "./user_error.ts";

/** Thrown when nodes do not form a valid DAG. The message names the nodes. */
export class DagError extends UserError {
  /** Creates the error; `message` names the offending nodes. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DagError";
  }
}

/**
 * Nodes in plan order, checked to form a DAG.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Dag } from "./dag.ts";
 * const dag = Dag.from([
 *   { id: "a", kind: "work", deps: [], scope: ["s"], role: "task" },
 *   { id: "b", kind: "sum", deps: ["a"], scope: ["s"], role: "sink" },
 * ]);
 * assert.ok(dag.get("b")?.deps[0] === "a");
 * ```
 */
export class Dag<N extends DagNode = DagNode> {
  /** Every node, in plan order. */
  readonly nodes: readonly N[];
  readonly #byId: ReadonlyMap<string, N>;

  private constructor(nodes: readonly N[], byId: ReadonlyMap<string, N>) {
    this.nodes = nodes;
    this.#byId = byId;
  }

  /**
   * Validates `nodes` and returns them as a DAG.
   *
   * @throws {DagError} on a duplicate id, an unknown dependency or a cycle.
   */
  static from<N extends DagNode>(nodes: readonly N[]): Dag<N> {
    const byId = new Map<string, N>();
    // When every dependency comes earlier in the list (as in every plan the
    // planner makes), there can be no cycle and no unknown dependency: this one
    // pass replaces both checks.
    let ordered = true;
    for (const node of nodes) {
      if (byId.has(node.id)) throw new DagError(`Cannot build DAG: duplicate node id "${node.id}"`);
      if (ordered) { for (const dep of node.deps) if (!byId.has(dep)) ordered = false; }
      byId.set(node.id, node);
    }
    if (!ordered) {
      for (const node of nodes) {
        for (const dep of node.deps) {
          if (!byId.has(dep)) {
            throw new DagError(
              `Cannot build DAG: node "${node.id}" depends on unknown node "${dep}"`,
            );
          }
        }
      }
      _assertAcyclic(nodes, byId);
    }
    return new Dag(nodes, byId);
  }

  /** The node with this id, if any. */
  get(id: string): N | undefined {
    return this.#byId.get(id);
  }

  /** Number of nodes. */
  get size(): number {
    return this.nodes.length;
  }
}

// Iterative three-colour DFS, so a million-node chain cannot overflow the stack.
function _assertAcyclic<N extends DagNode>(nodes: readonly N[], byId: ReadonlyMap<string, N>) {
  const WHITE = 0, GREY = 1, BLACK = 2;
  const colour = new Map<string, number>();
  for (const root of nodes) {
    if ((colour.get(root.id) ?? WHITE) !== WHITE) continue;
    const stack: { node: N; next: number }[] = [{ node: root, next: 0 }];
    colour.set(root.id, GREY);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1];
      if (frame.next < frame.node.deps.length) {
        const dep = byId.get(frame.node.deps[frame.next++])!;
        const c = colour.get(dep.id) ?? WHITE;
        if (c === GREY) {
          const start = stack.findIndex((f) => f.node.id === dep.id);
          const cycle = [...stack.slice(start).map((f) => f.node.id), dep.id];
          throw new DagError(
            `Cannot build DAG: cycle ${cycle.map((id) => `"${id}"`).join(" -> ")}`,
          );
        }
        if (c === WHITE) {
          colour.set(dep.id, GREY);
          stack.push({ node: dep, next: 0 });
        }
      } else {
        colour.set(frame.node.id, BLACK);
        stack.pop();
      }
    }
  }
}
