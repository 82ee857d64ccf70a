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

/** Whether `element`'s class list holds `className`. */
export function hasClass(element: Element, className: string): boolean {
  const classes = element.attribs.class;
  return classes !== undefined && classes.split(/\s+/).includes(className);
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
  _collect(node, parts);
  return normaliseSpace(parts.join(""));
}

function _collect(node: AnyNode, parts: string[]): void {
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
    if (apart) parts.push(" ");
    for (const child of node.children) _collect(child, parts);
    if (apart) parts.push(" ");
    return;
  }
  // Documents and CDATA hold children; comments and directives hold no text.
  if (hasChildren(node)) {
    for (const child of node.children) _collect(child, parts);
  }
}

function _isDropped(element: Element): boolean {
  return _DROPPED_CLASSES.some((className) => hasClass(element, className));
}
