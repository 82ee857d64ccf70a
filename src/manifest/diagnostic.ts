/**
 * Located problems in a manifest or profile, and the error that carries them.
 *
 * @module
 */

import { quote } from "./describe.ts";
import { UserError } from "../exec/user_error.ts";

/** One step of a YAML path: a mapping key or a list index. */
export type PathSegment = string | number;

/** A problem at one place of a YAML file. */
export interface Diagnostic {
  /** The file, as the caller named it. */
  readonly file: string;
  /** The YAML path, e.g. `volumes[2].books[4].chapters`; "" for the document itself. */
  readonly path: string;
  /** 1-based line of the offending value (or of its key or parent mapping). */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
  /** What is wrong, starting in lower case: `expected a positive integer, got 0`. */
  readonly message: string;
}

/**
 * Renders a diagnostic the way compilers do: `file:line:column: path: message`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderDiagnostic } from "./diagnostic.ts";
 *
 * const text = renderDiagnostic({
 *   file: "import.yaml",
 *   path: "volumes[2].books[4].chapters",
 *   line: 41,
 *   column: 18,
 *   message: "expected a positive integer, got 0",
 * });
 * assert.equal(text, "import.yaml:41:18: volumes[2].books[4].chapters: expected a positive integer, got 0");
 * ```
 */
export function renderDiagnostic(diagnostic: Diagnostic): string {
  const { file, path, line, column, message } = diagnostic;
  return `${file}:${line}:${column}: ${path === "" ? "" : `${path}: `}${message}`;
}

/**
 * Writes a path the way a reader finds it in the file: `volumes[2].books[4].id`.
 * Keys that are not plain identifiers are quoted: `source["my key"]`.
 */
export function formatPath(path: readonly PathSegment[]): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) text += text === "" ? segment : `.${segment}`;
    else text += `[${quote(segment)}]`;
  }
  return text;
}

/**
 * A manifest or profile that cannot be used. Carries every problem found, not
 * just the first; its message is the rendered diagnostics, one per line.
 * A file that cannot be read at all has no diagnostics and says why in the
 * message.
 */
export class ManifestError extends UserError {
  /** Every problem found, in file order. */
  readonly diagnostics: Diagnostic[];

  /** Creates the error from its problems; the message renders each as `file:line:col: ...` unless `options.message` is given. */
  constructor(diagnostics: Diagnostic[], options: { message?: string; cause?: unknown } = {}) {
    super(options.message ?? diagnostics.map(renderDiagnostic).join("\n"), {
      cause: options.cause,
    });
    this.name = "ManifestError";
    this.diagnostics = diagnostics;
  }
}

/** A profile name with no file in the profiles folder. */
export class ProfileNotFoundError extends ManifestError {
  /** The name or path asked for. */
  readonly profile: string;
  /** The profile names that do exist, sorted. */
  readonly known: readonly string[];

  constructor(
    profile: string,
    message: string,
    options: { known: readonly string[]; cause?: unknown },
  ) {
    super([], { message, cause: options.cause });
    this.name = "ProfileNotFoundError";
    this.profile = profile;
    this.known = options.known;
  }
}
