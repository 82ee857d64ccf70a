/**
 * YAML text parsed with source positions, so that every problem found later
 * (by the schema or by cross-field checks) can point at its line and column.
 *
 * @module
 */

import {
  type Document,
  type ErrorCode,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  parseDocument,
} from "yaml";
import { quote } from "./describe.ts";
import { type Diagnostic, formatPath, type PathSegment } from "./diagnostic.ts";

/** Our wording where the library's would confuse a user. */
const _YAML_MESSAGES: Partial<Record<ErrorCode, string>> = {
  MULTIPLE_DOCS: "expected one document, found another after ---",
};

/**
 * YAML syntax problems reported one by one; past them the file is likely not
 * YAML at all (a README, a script), and one line says how many more there are.
 */
const _MAX_SYNTAX_PROBLEMS = 10;

/** A problem found in the parsed value, not yet located in the text. */
export interface Finding {
  /** Path of the node the problem is about (for a key problem: its mapping). */
  readonly path: readonly PathSegment[];
  /** The diagnostic text. */
  readonly message: string;
  /** Point at this key of the mapping at `path` rather than at the node itself. */
  readonly key?: string;
}

/** A parsed YAML file. */
export interface LocatedYaml {
  /**
   * The document as plain data (`null` for an empty document), or `undefined`
   * when the text is not usable YAML.
   */
  readonly value: unknown;
  /** Problems of the YAML itself: syntax, duplicate keys, unresolved aliases. */
  readonly problems: readonly Diagnostic[];
  /** Turns a finding into a diagnostic that points into the text. */
  locate(finding: Finding): Diagnostic;
}

/**
 * Parses YAML text, keeping source positions.
 *
 * Syntax errors make the value unusable; duplicate keys do not (the last one
 * wins, as in `toJS`), so that schema problems are reported along with them.
 *
 * @param text The YAML source.
 * @param file The file name diagnostics carry, as the caller gave it.
 */
export function parseLocatedYaml(text: string, file: string): LocatedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const at = (offset: number, path: readonly PathSegment[], message: string): Diagnostic => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, path: formatPath(path), line, column: col, message };
  };

  const problems: Diagnostic[] = [];
  const seen = new Set<number>();
  let unreported: { offset: number; count: number } | undefined;
  for (const error of [...doc.errors, ...doc.warnings]) {
    // One mistake often yields several errors at the same offset; keep the first.
    if (seen.has(error.pos[0])) continue;
    seen.add(error.pos[0]);
    if (seen.size > _MAX_SYNTAX_PROBLEMS) {
      unreported ??= { offset: error.pos[0], count: 0 };
      unreported.count++;
      continue;
    }
    const message = _YAML_MESSAGES[error.code] ?? _shortenQuotes(_lowerFirst(error.message));
    problems.push(at(error.pos[0], [], `invalid YAML: ${message}`));
  }
  if (unreported !== undefined) {
    const { offset, count } = unreported;
    const more = `${count} more YAML syntax error${count === 1 ? "" : "s"} from here on`;
    problems.push(at(offset, [], `invalid YAML: ${more}: is this a YAML file?`));
  }
  let fatal = doc.errors.length > 0;
  const lineOf = (node: Node) => lineCounter.linePos(node.range?.[0] ?? 0).line;
  _walk(doc, doc.contents, [], lineOf, (node, path, message, isFatal) => {
    problems.push(at(node.range?.[0] ?? 0, path, message));
    fatal ||= isFatal;
  });

  let value: unknown = undefined;
  if (!fatal) {
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      problems.push(at(0, [], `invalid YAML: ${_lowerFirst((error as Error).message)}`));
    }
  }

  return {
    value,
    problems,
    locate(finding) {
      const offset = _offsetOf(doc, finding) ?? 0;
      return at(offset, finding.path, finding.message);
    },
  };
}

type _Report = (node: Node, path: readonly PathSegment[], message: string, fatal: boolean) => void;

/** Reports duplicate keys, keys that are not scalars and aliases without an anchor. */
function _walk(
  doc: Document,
  node: unknown,
  path: PathSegment[],
  lineOf: (node: Node) => number,
  report: _Report,
): void {
  if (isAlias(node)) {
    if (node.resolve(doc) === undefined) {
      const alias = quote(`*${node.source}`);
      report(node, path, `unresolved alias ${alias}: define the anchor before it`, true);
    }
  } else if (isMap(node)) {
    const firstPair = new Map<string, Pair>();
    for (const pair of node.items) {
      if (!isScalar(pair.key)) {
        const keyNode = (pair.key ?? node) as Node;
        report(keyNode, path, "expected a plain key, got a collection used as a key", true);
        continue;
      }
      const key = String(pair.key.value);
      const first = firstPair.get(key);
      if (first !== undefined) {
        const line = lineOf(first.key as Node);
        report(pair.key, path, `duplicate key ${quote(key)} (first at line ${line})`, false);
      } else {
        firstPair.set(key, pair);
      }
      _walk(doc, pair.value, [...path, key], lineOf, report);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => _walk(doc, item, [...path, index], lineOf, report));
  }
}

/** The offset a finding points at: its node, its key, or its nearest existing ancestor. */
function _offsetOf(doc: Document, finding: Finding): number | undefined {
  let node: unknown = doc.contents;
  let keyNode: Node | undefined;
  for (const segment of finding.path) {
    const resolved = isAlias(node) ? node.resolve(doc) : node;
    let next: { value: unknown; key?: Node } | undefined;
    if (isMap(resolved)) {
      const pair = _lastPair(resolved.items, String(segment));
      if (pair !== undefined) next = { value: pair.value, key: pair.key as Node };
    } else if (isSeq(resolved) && typeof segment === "number") {
      if (segment < resolved.items.length) next = { value: resolved.items[segment] };
    }
    // A missing step: point at the deepest node that exists.
    if (next === undefined) return _start(node) ?? _start(keyNode);
    node = next.value;
    keyNode = next.key;
  }
  if (finding.key !== undefined) {
    const resolved = isAlias(node) ? node.resolve(doc) : node;
    const pair = isMap(resolved) ? _lastPair(resolved.items, finding.key) : undefined;
    if (pair !== undefined) return _start(pair.key);
  }
  // An empty value (`chapters:`) has no text of its own; point at its key.
  const start = _start(node);
  const empty = start === undefined || (node as Node).range?.[1] === start;
  return empty ? _start(keyNode) ?? start : start;
}

function _lastPair(items: Pair[], key: string): Pair | undefined {
  return items.findLast((pair) => isScalar(pair.key) && String(pair.key.value) === key);
}

function _start(node: unknown): number | undefined {
  return (node as Node | null | undefined)?.range?.[0];
}

/** The library quotes the offending source (JSON style): a few words of it are enough. */
function _shortenQuotes(message: string): string {
  return message.replace(/"(?:[^"\\]|\\.)*"/g, (quoted) => {
    try {
      return quote(JSON.parse(quoted));
    } catch {
      return quoted;
    }
  });
}

function _lowerFirst(text: string): string {
  // Keep acronyms such as "YAML" as written.
  return /^[A-Z][a-z]/.test(text) ? text[0].toLowerCase() + text.slice(1) : text;
}
