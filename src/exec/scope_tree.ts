/**
 * The scope tree: which scopes are open, how many tasks run in each, and
 * which ready task to start next.
 *
 * Every scope keeps a heap of its own ready tasks (by plan index) and two
 * heaps of its child scopes that have startable work, one for open children
 * and one for closed ones, each keyed by the earliest startable plan index in
 * the child's subtree. A scope's own key is then the minimum of at most three
 * heap tops, so starting or ending a task re-sorts only the scopes on that
 * task's path: O(depth × log width), never a scan over all nodes.
 *
 * @module
 */

import { KeyedHeap, MinHeap } from "./heap.ts";

const _lessNumber = (a: number, b: number): boolean => a < b;

/** One scope of the tree (the root has depth -1 and id ""). */
export class Scope {
  /** The scope id, unique across the DAG. */
  readonly id: string;
  /** 0 for a top-level scope. */
  readonly depth: number;
  readonly parent: Scope | undefined;
  /** Opened by its first task start, closed when all its tasks have ended. */
  open = false;
  /** Open child scopes. */
  openChildren = 0;
  /** Running tasks whose innermost scope is this one. */
  running = 0;
  /** Tasks in the subtree that have not ended. */
  pending = 0;
  /** Plan indices of ready tasks whose innermost scope is this one. */
  readonly ready: MinHeap<number> = new MinHeap(_lessNumber);
  readonly openKids: KeyedHeap<Scope> = new KeyedHeap();
  readonly closedKids: KeyedHeap<Scope> = new KeyedHeap();
  /** The earliest plan index startable in the subtree, `Infinity` if none. */
  key = Infinity;
  heapIndex = -1;
  /** The parent heap holding this scope, if any. */
  heap: KeyedHeap<Scope> | undefined;

  constructor(id: string, parent: Scope | undefined) {
    this.id = id;
    this.parent = parent;
    this.depth = parent === undefined ? -1 : parent.depth + 1;
  }
}

/** Limits the scope tree enforces. */
export interface ScopeLimits {
  /** Open scopes per level, outermost first; a level without an entry is unlimited. */
  readonly scopes: readonly number[];
  /** Running tasks per innermost scope. */
  readonly tasksPerScope: number;
}

/** Scope bookkeeping and plan-order selection of the next task to start. */
export class ScopeTree {
  readonly root: Scope = new Scope("", undefined);
  readonly #byId = new Map<string, Scope>();
  /** Every scope, parents before children. */
  readonly #all: Scope[] = [];
  #limits: readonly number[];
  #tasksPerScope: number;
  #lastLeaf: Scope = this.root;

  constructor(limits: ScopeLimits) {
    this.#limits = limits.scopes;
    this.#tasksPerScope = limits.tasksPerScope;
  }

  /** The limits in force. */
  get limits(): ScopeLimits {
    return { scopes: this.#limits, tasksPerScope: this.#tasksPerScope };
  }

  /**
   * Changes the limits while tasks run. A lower limit closes nothing: open
   * scopes and running tasks go on, and no new one opens or starts until it fits.
   */
  setLimits(limits: ScopeLimits): void {
    this.#limits = [...limits.scopes];
    this.#tasksPerScope = limits.tasksPerScope;
    this.rebuild();
  }

  /** Whether some ready task fits the scope limits now. */
  get hasStartable(): boolean {
    return this.root.key < Infinity;
  }

  /**
   * Registers one task with scope path `path` and returns its innermost scope.
   *
   * @throws {TypeError} when a scope id appears under two different parents.
   */
  addTask(nodeId: string, path: readonly string[]): Scope {
    const leaf = this.#matchesLast(path) ? this.#lastLeaf : this.#resolve(nodeId, path);
    this.#lastLeaf = leaf;
    for (let s: Scope | undefined = leaf; s !== undefined; s = s.parent) s.pending++;
    return leaf;
  }

  /** Queues a ready task. With `refresh` false (bulk loading) call {@linkcode rebuild} after. */
  enqueue(leaf: Scope, index: number, refresh = true): void {
    leaf.ready.push(index);
    if (refresh) this.#refresh(leaf);
  }

  /** Computes every key from scratch, after bulk {@linkcode enqueue} calls. */
  rebuild(): void {
    for (let i = this.#all.length - 1; i >= 0; i--) this.#place(this.#all[i]);
    this.root.key = this.#keyOf(this.root);
  }

  /** Removes and returns the plan index of the earliest ready task that fits the limits. */
  takeNext(): number {
    let scope = this.root;
    for (;;) {
      const direct = scope.running < this.#tasksPerScope
        ? scope.ready.peek() ?? Infinity
        : Infinity;
      const openKey = scope.openKids.topKey;
      const closedKey = this.#mayOpenChild(scope) ? scope.closedKids.topKey : Infinity;
      if (direct <= openKey && direct <= closedKey) {
        if (direct === Infinity) throw new Error("Cannot take a task: none is startable");
        return scope.ready.pop()!;
      }
      scope = openKey < closedKey ? scope.openKids.top! : scope.closedKids.top!;
    }
  }

  /** A task of `leaf` starts: opens the closed scopes on its path, outermost first. */
  start(leaf: Scope, onOpen?: (scope: Scope) => void): void {
    leaf.running++;
    if (!leaf.open && leaf !== this.root) this.#open(leaf, onOpen);
    this.#refresh(leaf);
  }

  /** A running task of `leaf` stops without ending (it waits for a retry). */
  release(leaf: Scope): void {
    leaf.running--;
    this.#refresh(leaf);
  }

  /** A task of `leaf` ends; closes the scopes it leaves empty, innermost first. */
  end(leaf: Scope, wasRunning: boolean, onClose?: (scope: Scope) => void): void {
    if (wasRunning) leaf.running--;
    for (let s: Scope | undefined = leaf; s !== undefined; s = s.parent) {
      if (--s.pending === 0 && s.open) {
        s.open = false;
        s.parent!.openChildren--;
        onClose?.(s);
      }
    }
    this.#refresh(leaf);
  }

  #open(scope: Scope, onOpen?: (scope: Scope) => void): void {
    const parent = scope.parent!;
    if (!parent.open && parent !== this.root) this.#open(parent, onOpen);
    scope.open = true;
    parent.openChildren++;
    onOpen?.(scope);
  }

  #mayOpenChild(scope: Scope): boolean {
    return scope.openChildren < (this.#limits[scope.depth + 1] ?? Infinity);
  }

  #keyOf(scope: Scope): number {
    let key = scope.running < this.#tasksPerScope ? scope.ready.peek() ?? Infinity : Infinity;
    const openKey = scope.openKids.topKey;
    if (openKey < key) key = openKey;
    if (this.#mayOpenChild(scope)) {
      const closedKey = scope.closedKids.topKey;
      if (closedKey < key) key = closedKey;
    }
    return key;
  }

  /** Recomputes the key of `scope` and files it in the right heap of its parent. */
  #place(scope: Scope): void {
    scope.key = this.#keyOf(scope);
    const parent = scope.parent!;
    const target = scope.key === Infinity
      ? undefined
      : scope.open
      ? parent.openKids
      : parent.closedKids;
    if (scope.heap === target) {
      if (target !== undefined) target.update(scope);
      return;
    }
    scope.heap?.remove(scope);
    scope.heap = target;
    target?.push(scope);
  }

  #refresh(leaf: Scope): void {
    let scope = leaf;
    while (scope.parent !== undefined) {
      this.#place(scope);
      scope = scope.parent;
    }
    scope.key = this.#keyOf(scope);
  }

  // Consecutive tasks usually share a scope path: compare ids up the chain instead of hashing.
  #matchesLast(path: readonly string[]): boolean {
    let scope = this.#lastLeaf;
    for (let d = path.length - 1; d >= 0; d--) {
      if (scope.parent === undefined || scope.id !== path[d]) return false;
      scope = scope.parent;
    }
    return scope === this.root;
  }

  #resolve(nodeId: string, path: readonly string[]): Scope {
    let scope = this.root;
    for (const id of path) {
      let child = this.#byId.get(id);
      if (child === undefined) {
        child = new Scope(id, scope);
        this.#byId.set(id, child);
        this.#all.push(child);
      } else if (child.parent !== scope) {
        throw new TypeError(
          `Cannot place node "${nodeId}" in scope "${id}": the scope is under ` +
            `${_describe(scope)} here but under ${_describe(child.parent!)} elsewhere`,
        );
      }
      scope = child;
    }
    return scope;
  }
}

function _describe(scope: Scope): string {
  return scope.parent === undefined ? "the top level" : `"${scope.id}"`;
}
