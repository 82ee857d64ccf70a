/**
 * Test helpers: DOM trees of any depth built without the parser, and a count
 * of the work a function does on them (every read of a node's `children` or
 * `parent`, the only ways to move through a domhandler tree), so tests
 * compare work, not time.
 *
 * @module
 */

import { type AnyNode, Document, Element, hasChildren, Text } from "domhandler";

/** An element holding `children`, linked to them as the parser links them. */
export function element(
  name: string,
  attribs: Record<string, string>,
  children: AnyNode[] = [],
): Element {
  return _link(new Element(name, attribs, children));
}

/** A document holding `children`. */
export function documentOf(children: AnyNode[]): Document {
  return _link(new Document(children));
}

export function text(data: string): Text {
  return new Text(data);
}

function _link<T extends Element | Document>(parent: T): T {
  parent.children.forEach((child, i, all) => {
    child.parent = parent;
    child.prev = all[i - 1] ?? null;
    child.next = all[i + 1] ?? null;
  });
  return parent;
}

/**
 * `depth` nested `name` elements around `inner`, built bottom-up (no
 * recursion); `level(i)` adds children before the nested one at depth `i`.
 */
export function nested(
  depth: number,
  inner: AnyNode[],
  options: { name?: string; attribs?: Record<string, string>; level?: (i: number) => AnyNode[] } =
    {},
): Element {
  let children = inner;
  let current: Element | undefined;
  for (let i = depth; i >= 1; i--) {
    current = element(options.name ?? "div", options.attribs ?? {}, [
      ...(options.level?.(i) ?? []),
      ...children,
    ]);
    children = [current];
  }
  if (current === undefined) throw new RangeError("nested() needs a depth of at least 1");
  return current;
}

/**
 * Makes every read of `children` or `parent` on every node under `root`
 * count, and returns the counter. The tree behaves as before.
 */
export function countReads(root: AnyNode): { reads: number } {
  const counter = { reads: 0 };
  const all: AnyNode[] = [root];
  for (let i = 0; i < all.length; i++) {
    const node = all[i];
    if (hasChildren(node)) all.push(...node.children);
  }
  for (const node of all) {
    for (const key of ["children", "parent"] as const) {
      if (!Object.hasOwn(node, key)) continue;
      let value = (node as unknown as Record<string, unknown>)[key];
      Object.defineProperty(node, key, {
        configurable: true,
        enumerable: true,
        get() {
          counter.reads++;
          return value;
        },
        set(next) {
          value = next;
        },
      });
    }
  }
  return counter;
}
