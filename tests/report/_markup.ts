// Parsing the report's page and charts back, strictly: htmlparser2 forgives
// what a browser would forgive, so unclosed or crossed tags and bare "&" are
// caught here first.

import assert from "node:assert/strict";
import type { Document, Element } from "domhandler";
import { DomUtils, parseDocument, Parser } from "htmlparser2";

/**
 * Parses `text` as XML and fails on an element not closed in order, an end
 * tag without its start, or an `&` that starts no entity.
 */
export function parseXml(text: string): Document {
  const open: string[] = [];
  let closed = 0;
  const parser: Parser = new Parser({
    onopentag: (name) => void open.push(name),
    onclosetag: (name, implied) => {
      // A self-closing element is closed "implied", at its "/>".
      const selfClosing = text.slice(parser.endIndex - 1, parser.endIndex + 1) === "/>";
      assert.ok(!implied || selfClosing, `<${name}> is not closed`);
      assert.equal(open.pop(), name, `</${name}> closes another element`);
      closed++;
    },
  }, { xmlMode: true });
  parser.end(text);
  assert.deepEqual(open, [], "every element is closed");
  // Self-closing elements have no "</": the rest of the end tags each closed one.
  const selfClosed = text.match(/\/>/g)?.length ?? 0;
  assert.equal(text.split("</").length - 1, closed - selfClosed, "no stray end tag");
  assert.deepEqual(
    text.match(/&(?!(?:amp|lt|gt|quot|#\d+);)/g) ?? [],
    [],
    "every & starts an entity",
  );
  return parseDocument(text, { xmlMode: true });
}

/** Every element named `name` under `root`. */
export function elements(root: Document | Element, name: string): Element[] {
  return DomUtils.findAll((e) => e.name === name, root.children);
}

/** The element's attribute, or undefined. */
export function attr(element: Element, name: string): string | undefined {
  return element.attribs[name];
}

/** The text of an element and its descendants. */
export function textOf(element: Element): string {
  return DomUtils.textContent(element);
}

/** Every element under `root`. */
export function allElements(root: Document | Element): Element[] {
  return DomUtils.findAll(() => true, root.children);
}
