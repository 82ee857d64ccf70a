/**
 * Parses the markup of a chapter into a DOM, refusing markup nested deeper
 * than any chapter is.
 *
 * @module
 */

import { type Document, DomHandler } from "domhandler";
import { Parser } from "htmlparser2";
import { TaskError } from "../exec/types.ts";

/**
 * The deepest element nesting accepted in `content.body`. Real chapters nest
 * fewer than 10 elements deep. The limit bounds the parser's own work:
 * htmlparser2 shifts its whole stack of open elements at every start tag, so
 * each tag costs time in proportion to its depth and 100,000 nested elements
 * take seconds to parse; under the limit a tag costs at most 256 steps.
 */
export const MAX_MARKUP_DEPTH = 256;

/** Options of {@link parseMarkup}. */
export interface ParseMarkupOptions {
  /** Named in error messages: the chapter URI. */
  readonly what: string;
  /** Deepest element nesting accepted. @default MAX_MARKUP_DEPTH */
  readonly maxDepth?: number;
}

/**
 * The DOM of `html` (htmlparser2, HTML mode), parsing stopped at the first
 * element nested deeper than `maxDepth`.
 *
 * @throws {TaskError} Permanent when an element is nested deeper than
 * `maxDepth`, naming the element and its character offset in `html`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseMarkup } from "./parse_markup.ts";
 *
 * const document = parseMarkup("<p>Spring Hill</p>", { what: "/x" });
 * assert.equal(document.children.length, 1);
 * assert.throws(
 *   () => parseMarkup("<div>".repeat(300), { what: "/x" }),
 *   /nests elements deeper than 256: a <div> at character 1280/,
 * );
 * ```
 */
export function parseMarkup(html: string, options: ParseMarkupOptions): Document {
  const handler = new _DepthLimitedHandler(options.maxDepth ?? MAX_MARKUP_DEPTH);
  try {
    new Parser(handler).end(html);
  } catch (error) {
    if (!(error instanceof _TooDeep)) throw error;
    throw new TaskError(
      `Cannot parse chapter "${options.what}": content.body nests elements deeper than ` +
        `${error.maxDepth}: a <${error.tag}> at character ${error.offset}`,
      { retryable: false },
    );
  }
  return handler.root;
}

/** Thrown out of the parser to stop it at once; never leaves this module. */
class _TooDeep extends Error {
  constructor(readonly maxDepth: number, readonly tag: string, readonly offset: number) {
    super("too deep");
  }
}

class _DepthLimitedHandler extends DomHandler {
  readonly #maxDepth: number;
  #parser: Parameters<DomHandler["onparserinit"]>[0] | null = null;

  constructor(maxDepth: number) {
    super();
    this.#maxDepth = maxDepth;
  }

  override onparserinit(parser: Parameters<DomHandler["onparserinit"]>[0]): void {
    this.#parser = parser;
    super.onparserinit(parser);
  }

  override onopentag(name: string, attribs: Record<string, string>): void {
    // tagStack holds the document and the open elements: the new one's depth is its length.
    if (this.tagStack.length > this.#maxDepth) {
      throw new _TooDeep(this.#maxDepth, name, this.#parser?.startIndex ?? -1);
    }
    super.onopentag(name, attribs);
  }
}
