import assert from "node:assert/strict";
import { type Scope, ScopeTree } from "../../src/exec/scope_tree.ts";

/** A tree with tasks 0..n-1 of the given paths, all ready. */
function readyTree(paths: readonly (readonly string[])[], scopes: number[], tasksPerScope: number) {
  const tree = new ScopeTree({ scopes, tasksPerScope });
  const leaves = paths.map((path, i) => tree.addTask(`t${i}`, path));
  leaves.forEach((leaf, i) => tree.enqueue(leaf, i, false));
  tree.rebuild();
  return { tree, leaves };
}

/** Takes and starts every startable task; returns their indices. */
function startAll(tree: ScopeTree, leaves: readonly Scope[], opened: string[] = []): number[] {
  const started: number[] = [];
  while (tree.hasStartable) {
    const index = tree.takeNext();
    tree.start(leaves[index], (scope) => opened.push(scope.id));
    started.push(index);
  }
  return started;
}

Deno.test("the scope tree offers tasks in plan order within the limits of every level", () => {
  const paths = [
    ["v1", "v1/a"],
    ["v1", "v1/a"],
    ["v1", "v1/b"],
    ["v1", "v1/c"],
    ["v2", "v2/a"],
    ["v3", "v3/a"],
  ];
  const { tree, leaves } = readyTree(paths, [2, 2], 1);
  const opened: string[] = [];
  assert.deepEqual(startAll(tree, leaves, opened), [0, 2, 4]);
  assert.deepEqual(opened, ["v1", "v1/a", "v1/b", "v2", "v2/a"]);
});

Deno.test("ending a task frees its slot and closes the scopes it leaves empty, innermost first", () => {
  const { tree, leaves } = readyTree([["v1", "v1/a"], ["v1", "v1/a"], ["v2", "v2/a"]], [1, 1], 1);
  assert.deepEqual(startAll(tree, leaves), [0]);
  const closed: string[] = [];
  tree.end(leaves[0], true, (scope) => closed.push(scope.id));
  assert.equal(closed.length, 0);
  assert.deepEqual(startAll(tree, leaves), [1]);
  tree.end(leaves[1], true, (scope) => closed.push(scope.id));
  assert.deepEqual(closed, ["v1/a", "v1"]);
  assert.deepEqual(startAll(tree, leaves), [2]);
});

Deno.test("a released task frees its running slot but keeps its scope open", () => {
  const { tree, leaves } = readyTree([["v1"], ["v1"], ["v2"]], [1], 1);
  assert.deepEqual(startAll(tree, leaves), [0]);
  tree.release(leaves[0]);
  assert.equal(leaves[0].open, true);
  assert.deepEqual(startAll(tree, leaves), [1]);
  tree.enqueue(leaves[0], 0);
  tree.end(leaves[1], true);
  assert.deepEqual(startAll(tree, leaves), [0], "v2 still waits: v1 is open");
});

Deno.test("a task queued again takes its plan position before later tasks", () => {
  const { tree, leaves } = readyTree([["b"], ["b"], ["b"]], [], 1);
  assert.deepEqual(startAll(tree, leaves), [0]);
  tree.release(leaves[0]);
  assert.deepEqual(startAll(tree, leaves), [1]);
  tree.enqueue(leaves[0], 0);
  tree.end(leaves[1], true);
  assert.deepEqual(startAll(tree, leaves), [0]);
});

Deno.test("a level without a limit entry is unlimited", () => {
  const { tree, leaves } = readyTree([["v1", "a"], ["v1", "b"], ["v1", "c"]], [1], 1);
  assert.deepEqual(startAll(tree, leaves), [0, 1, 2]);
});

Deno.test("the scope tree rejects a scope id seen under two parents", () => {
  const tree = new ScopeTree({ scopes: [], tasksPerScope: 1 });
  tree.addTask("t1", ["v1", "shared"]);
  assert.throws(
    () => tree.addTask("t2", ["shared"]),
    new TypeError(
      'Cannot place node "t2" in scope "shared": the scope is under the top level here but under "v1" elsewhere',
    ),
  );
});

Deno.test("takeNext with nothing startable throws", () => {
  const tree = new ScopeTree({ scopes: [], tasksPerScope: 1 });
  assert.throws(() => tree.takeNext(), new Error("Cannot take a task: none is startable"));
});
