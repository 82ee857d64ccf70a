import assert from "node:assert/strict";
import { type KeyedEntry, KeyedHeap, MinHeap } from "../../src/exec/heap.ts";
import { seededRandom } from "./_helpers.ts";

Deno.test("MinHeap pops its entries in ascending order", () => {
  const random = seededRandom(3);
  const values = Array.from({ length: 500 }, () => Math.floor(random() * 100));
  const heap = new MinHeap<number>((a, b) => a < b);
  for (const value of values) heap.push(value);
  const popped: number[] = [];
  while (heap.size > 0) popped.push(heap.pop()!);
  assert.deepEqual(popped, [...values].sort((a, b) => a - b));
  assert.equal(heap.pop(), undefined);
});

Deno.test("KeyedHeap keeps its order when keys change and entries leave", () => {
  const random = seededRandom(5);
  const entries: KeyedEntry[] = Array.from(
    { length: 200 },
    () => ({ key: random(), heapIndex: -1 }),
  );
  const heap = new KeyedHeap<KeyedEntry>();
  for (const entry of entries) heap.push(entry);
  for (let i = 0; i < 200; i += 3) {
    entries[i].key = random();
    heap.update(entries[i]);
  }
  for (let i = 1; i < 200; i += 4) heap.remove(entries[i]);
  const kept = entries.filter((_entry, i) => i % 4 !== 1);
  assert.equal(heap.size, kept.length);
  const popped: number[] = [];
  while (heap.top !== undefined) {
    const top = heap.top;
    popped.push(top.key);
    heap.remove(top);
    assert.equal(top.heapIndex, -1);
  }
  assert.deepEqual(popped, kept.map((entry) => entry.key).sort((a, b) => a - b));
  assert.equal(heap.topKey, Infinity);
});
