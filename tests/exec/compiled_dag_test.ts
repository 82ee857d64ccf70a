import assert from "node:assert/strict";
import { CompiledDag } from "../../src/exec/compiled_dag.ts";
import { Dag } from "../../src/exec/dag.ts";
import { sink, task } from "./_helpers.ts";

const work = () => Promise.resolve();

Deno.test("a compiled DAG lists each node's dependents and counts the deps it waits for", () => {
  const dag = Dag.from([
    task("a", ["b"]),
    task("b", ["b"]),
    task("c", ["b"], ["a"]),
    sink("s", ["a", "b", "c"]),
  ]);
  const compiled = new CompiledDag(dag, {
    tasks: { work },
    sinks: { record: work },
    limits: { scopes: [1], tasksPerScope: 1 },
    preResolved: new Map([["b", "cached"]]),
  });
  const dependentsOf = (
    i: number,
  ) => [
    ...compiled.dependents.subarray(compiled.dependentsFrom[i], compiled.dependentsFrom[i + 1]),
  ];
  assert.deepEqual([0, 1, 2, 3].map(dependentsOf), [[2, 3], [3], [3], []]);
  assert.deepEqual(
    [...compiled.waitingDeps],
    [0, 0, 1, 2],
    "b is preResolved: nobody waits for it",
  );
  assert.deepEqual([...compiled.preResolved], [0, 1, 0, 0]);
  assert.equal(compiled.leaf[0]?.id, "b");
  assert.equal(compiled.leaf[1], undefined, "a preResolved task takes no place in its scope");
  assert.equal(compiled.leaf[3], undefined);
  assert.equal(compiled.indexOf("c"), 2);
});

Deno.test("compiling names the node, its role and the known kinds when a handler is missing", () => {
  const dag = Dag.from([task("a", ["b"]), sink("s", ["a"], "book")]);
  assert.throws(
    () =>
      new CompiledDag(dag, {
        tasks: { work },
        sinks: { volume: work, root: work },
        limits: { scopes: [], tasksPerScope: 1 },
      }),
    new TypeError('Cannot run node "s": no sink handler for kind "book" (known: "volume", "root")'),
  );
});
