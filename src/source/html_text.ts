/**
 * Plain text of a piece of chapter markup: what a reader sees, without
 * footnote markers, paragraph marks or verse numbers, with whitespace
 * collapsed.
 *
 * @module
 */

import type { AnyNode, Element } from "domhandler";
import { hasChildren, isTag, isText } from "domhandler";

/**
 * Classes of inline elements whose text is not part of the verse, on any tag:
 * footnote markers (an empty `sup.marker` in the real markup, a letter or `*`
 * in others), the `¶ ` mark and the verse number.
 */
const _DROPPED_CLASSES: readonly string[] = ["marker", "para-mark", "verse-number"];

/** Elements that separate words even when the markup has no whitespace around them. */
const _BLOCKS = new Set([
  "address",
  "article",
  "aside",
  "blockquote",
  "dd",
  "div",
  "dl",
  "dt",
  "figcaption",
  "figure",
  "footer",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "header",
  "li",
  "ol",
  "p",
  "section",
  "table",
  "td",
  "th",
  "tr",
  "ul",
]);

/** Elements whose content is never verse text (`rt`/`rp`: ruby annotations such as furigana). */
const _SKIPPED = new Set(["script", "style", "template", "img", "video", "audio", "rt", "rp"]);

/**
 * Whether `element`'s class list holds `className`: searched in place, with
 * whitespace (as `\s` matches it) around it, not by splitting the list into an
 * array for every element of every chapter.
 */
export function hasClass(element: Element, className: string): boolean {
  const classes = element.attribs.class;
  if (classes === undefined || className.length === 0) return false;
  for (let at = classes.indexOf(className); at !== -1; at = classes.indexOf(className, at + 1)) {
    const end = at + className.length;
    if (
      (at === 0 || _isSpace(classes, at - 1)) && (end === classes.length || _isSpace(classes, end))
    ) {
      return true;
    }
  }
  return false;
}

const _SPACE = /\s/;

/** Whether the character of `text` at `index` is whitespace, as `\s` matches it. */
function _isSpace(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  if (code === 0x20 || (code >= 0x09 && code <= 0x0d)) return true;
  return code > 0x7f && _SPACE.test(text[index]);
}

/**
 * Collapses every run of whitespace, including non-breaking and other Unicode
 * spaces, to one ASCII space, and trims.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { normaliseSpace } from "./html_text.ts";
 *
 * assert.equal(normaliseSpace(" the\n\u00a0Lord\u2009God "), "the Lord God");
 * ```
 */
export function normaliseSpace(text: string): string {
  return text.replace(/\s+/gu, " ").trim();
}

/**
 * The plain text of `node`: entities decoded, footnote markers, `¶` marks and
 * verse numbers dropped, poetry lines and `<br>` joined by one space, all other
 * inline elements (divine names, clarity words, footnote links) kept as
 * written, whitespace normalised.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDocument } from "htmlparser2";
 * import { plainText } from "./html_text.ts";
 *
 * const doc = parseDocument(
 *   '<p><span class="verse-number">1 </span>the\n<span class="small-caps">Lord</span> ' +
 *     '<a><sup class="marker" data-value="a"></sup>spake</a></p>',
 * );
 * assert.equal(plainText(doc), "the Lord spake");
 * ```
 */
export function plainText(node: AnyNode): string {
  const parts: string[] = [];
  // An explicit stack, not recursion: markup of any depth is read in one
  // linear pass without running out of call stack. A string on the stack is
  // a separator to emit once the elements above it are done.
  const stack: (AnyNode | string)[] = [node];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (typeof next === "string") parts.push(next);
    else _step(next, parts, stack);
  }
  return normaliseSpace(parts.join(""));
}

/** Emits the text of `node`, or pushes what of it is still to be read. */
function _step(node: AnyNode, parts: string[], stack: (AnyNode | string)[]): void {
  if (isText(node)) {
    parts.push(node.data);
    return;
  }
  if (isTag(node)) {
    if (node.name === "br") {
      parts.push(" ");
      return;
    }
    if (_SKIPPED.has(node.name) || _isDropped(node)) return;
    // A poetry line or a block stands apart from its neighbours: the markup
    // often writes `<span class="line">…</span><span class="line">…</span>`.
    const apart = _BLOCKS.has(node.name) || hasClass(node, "line");
    if (apart) {
      parts.push(" ");
      stack.push(" ");
    }
    _pushChildren(node.children, stack);
    return;
  }
  // Documents and CDATA hold children; comments and directives hold no text.
  if (hasChildren(node)) _pushChildren(node.children, stack);
}

/**
 * All the text of `node` as written, nothing dropped and whitespace kept
 * (what `textContent` gives), read without recursion.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDocument } from "htmlparser2";
 * import { rawText } from "./html_text.ts";
 *
 * assert.equal(rawText(parseDocument('<span class="verse-number">1<b>2</b> </span>')), "12 ");
 * ```
 */
export function rawText(node: AnyNode): string {
  const parts: string[] = [];
  const stack: AnyNode[] = [node];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (isText(next)) parts.push(next.data);
    else if (hasChildren(next)) _pushChildren(next.children, stack);
  }
  return parts.join("");
}

/**
 * The first element below `root` (in document order, `root` itself left out)
 * that passes `test`, or null; read without recursion.
 */
export function findElement(root: AnyNode, test: (element: Element) => boolean): Element | null {
  const stack: AnyNode[] = [];
  if (hasChildren(root)) _pushChildren(root.children, stack);
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (isTag(next) && test(next)) return next;
    if (hasChildren(next)) _pushChildren(next.children, stack);
  }
  return null;
}

/** Pushes `children` so that they pop in document order. */
function _pushChildren<T>(children: readonly AnyNode[], stack: (AnyNode | T)[]): void {
  for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
}

function _isDropped(element: Element): boolean {
  return _DROPPED_CLASSES.some((className) => hasClass(element, className));
}
