/**
 * Binary min-heaps for the scheduler: a plain one ordered by a `less`
 * function, and a keyed one whose entries know their position, so an entry
 * whose key changed can be moved or removed in O(log n).
 *
 * @module
 */

/**
 * A binary min-heap ordered by `less`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MinHeap } from "./heap.ts";
 * const heap = new MinHeap<number>((a, b) => a < b);
 * heap.push(3);
 * heap.push(1);
 * assert.equal(heap.pop(), 1);
 * ```
 */
export class MinHeap<T> {
  readonly #items: T[] = [];
  readonly #less: (a: T, b: T) => boolean;

  /** @param less whether `a` comes before `b`. */
  constructor(less: (a: T, b: T) => boolean) {
    this.#less = less;
  }

  /** Number of entries. */
  get size(): number {
    return this.#items.length;
  }

  /** The smallest entry, or `undefined` when empty. */
  peek(): T | undefined {
    return this.#items[0];
  }

  /** Adds an entry. */
  push(item: T): void {
    const items = this.#items;
    let i = items.length;
    items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(item, items[parent])) break;
      items[i] = items[parent];
      i = parent;
    }
    items[i] = item;
  }

  /** Removes and returns the smallest entry, or `undefined` when empty. */
  pop(): T | undefined {
    const items = this.#items;
    if (items.length === 0) return undefined;
    const top = items[0];
    const last = items.pop()!;
    if (items.length > 0) {
      const n = items.length;
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && this.#less(items[child + 1], items[child])) child++;
        if (!this.#less(items[child], last)) break;
        items[i] = items[child];
        i = child;
      }
      items[i] = last;
    }
    return top;
  }

  /** Removes every entry. */
  clear(): void {
    this.#items.length = 0;
  }
}

/** An entry of a {@linkcode KeyedHeap}: the heap keeps `heapIndex` up to date. */
export interface KeyedEntry {
  /** The sort key; smaller comes first. Must not be NaN. */
  key: number;
  /** Position in the heap that holds the entry, -1 when in none. */
  heapIndex: number;
}

/**
 * A binary min-heap by `key` whose entries track their own position, so an
 * entry can be re-sorted after its key changed, or removed, in O(log n).
 * An entry may be in at most one keyed heap at a time.
 */
export class KeyedHeap<T extends KeyedEntry> {
  readonly #items: T[] = [];

  /** Number of entries. */
  get size(): number {
    return this.#items.length;
  }

  /** The entry with the smallest key, or `undefined` when empty. */
  get top(): T | undefined {
    return this.#items[0];
  }

  /** The smallest key, `Infinity` when empty. */
  get topKey(): number {
    const items = this.#items;
    return items.length === 0 ? Infinity : items[0].key;
  }

  /** Adds an entry that is in no heap. */
  push(entry: T): void {
    this.#items.push(entry);
    this.#up(entry, this.#items.length - 1);
  }

  /** Removes an entry that is in this heap. */
  remove(entry: T): void {
    const items = this.#items;
    const i = entry.heapIndex;
    const last = items.pop()!;
    entry.heapIndex = -1;
    if (last === entry) return;
    items[i] = last;
    last.heapIndex = i;
    this.update(last);
  }

  /** Restores the order after the key of `entry` (which is in this heap) changed. */
  update(entry: T): void {
    const i = entry.heapIndex;
    if (i > 0 && entry.key < this.#items[(i - 1) >> 1].key) this.#up(entry, i);
    else this.#down(entry, i);
  }

  #up(entry: T, i: number): void {
    const items = this.#items;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = items[parent];
      if (above.key <= entry.key) break;
      items[i] = above;
      above.heapIndex = i;
      i = parent;
    }
    items[i] = entry;
    entry.heapIndex = i;
  }

  #down(entry: T, i: number): void {
    const items = this.#items;
    const n = items.length;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && items[child + 1].key < items[child].key) child++;
      const below = items[child];
      if (below.key >= entry.key) break;
      items[i] = below;
      below.heapIndex = i;
      i = child;
    }
    items[i] = entry;
    entry.heapIndex = i;
  }
}
