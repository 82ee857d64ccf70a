/**
 * Turns zod issues into findings worded for a YAML author: `expected a list,
 * got a mapping`, `missing required key "chapters"`, `unknown key "chapter";
 * did you mean "chapters"?`.
 *
 * @module
 */

import type { z } from "zod";
import { describeValue, quote, quoteList } from "./describe.ts";
import type { PathSegment } from "./diagnostic.ts";
import { suggestionSuffix } from "./did_you_mean.ts";
import type { Finding } from "./located_yaml.ts";

/** How messages name the types zod expects. */
const _TYPE_NAMES: Record<string, string> = {
  array: "a list",
  object: "a mapping",
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "true or false",
};

/**
 * The parse-level error map: words the issues that no schema-level message
 * covers (type mismatches of collections, enum values, list lengths).
 * Pass it as `schema.safeParse(value, { error: issueMessage, reportInput: true })`.
 */
export function issueMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case "invalid_type":
      return `expected ${_TYPE_NAMES[issue.expected] ?? issue.expected}, got ${
        describeValue(issue.input)
      }`;
    case "invalid_value": {
      const values = issue.values.map(String);
      const suffix = typeof issue.input === "string" ? suggestionSuffix(issue.input, values) : "";
      return `expected one of ${quoteList(values)}, got ${describeValue(issue.input)}${suffix}`;
    }
    default:
      return undefined;
  }
}

/**
 * Converts the issues of a failed parse into findings. Unknown keys become one
 * finding per key, pointing at the key; a missing key points at its mapping.
 *
 * @param issues The issues of `safeParse(..., { reportInput: true })`.
 * @param schema The schema that was parsed, to list the keys a mapping allows.
 */
export function issuesToFindings(
  issues: readonly z.core.$ZodIssue[],
  schema: z.core.$ZodType,
): Finding[] {
  const findings: Finding[] = [];
  for (const issue of issues) {
    const path = issue.path.map((segment) =>
      typeof segment === "number" ? segment : String(segment)
    );
    if (issue.code === "unrecognized_keys") {
      const known = knownKeys(schema, path);
      for (const key of issue.keys) {
        const suffix = suggestionSuffix(key, known);
        const detail = suffix !== "" ? suffix : ` (known: ${known.join(", ")})`;
        findings.push({ path, key, message: `unknown key ${quote(key)}${detail}` });
      }
    } else if (issue.code === "invalid_type" && path.length === 0) {
      // A text file that is not YAML (a password file, a README) parses as one long string.
      const got = issue.input == null
        ? "an empty document"
        : typeof issue.input === "string"
        ? `plain text, not YAML: ${describeValue(issue.input)}`
        : describeValue(issue.input);
      findings.push({ path, message: `expected a mapping at the top level, got ${got}` });
    } else if (
      issue.input === undefined && typeof path.at(-1) === "string" &&
      (issue.code === "invalid_type" || issue.code === "invalid_union")
    ) {
      // YAML has no undefined: an undefined input is a key that is not there.
      const key = path.at(-1) as string;
      findings.push({ path: path.slice(0, -1), message: `missing required key "${key}"` });
    } else {
      findings.push({ path, message: issue.message });
    }
  }
  return findings;
}

/**
 * The keys the mapping at `path` allows, sorted; empty when there is no
 * mapping there.
 */
export function knownKeys(schema: z.core.$ZodType, path: readonly PathSegment[]): string[] {
  let current: z.core.$ZodType | undefined = _unwrap(schema);
  for (const segment of path) {
    const def: z.core.$ZodTypeDef = current._zod.def;
    if (def.type === "object" && typeof segment === "string") {
      current = (def as z.core.$ZodObjectDef).shape[segment];
    } else if (def.type === "array" && typeof segment === "number") {
      current = (def as z.core.$ZodArrayDef).element;
    } else {
      return [];
    }
    if (current === undefined) return [];
    current = _unwrap(current);
  }
  const def = current._zod.def;
  return def.type === "object" ? Object.keys((def as z.core.$ZodObjectDef).shape).sort() : [];
}

/** Looks through optional, default, prefault and pipe wrappers to the written shape. */
function _unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  for (;;) {
    const def = current._zod.def;
    switch (def.type) {
      case "optional":
      case "default":
      case "prefault":
      case "nullable":
      case "readonly":
        current = (def as z.core.$ZodOptionalDef).innerType;
        break;
      case "pipe":
        current = (def as z.core.$ZodPipeDef).in;
        break;
      default:
        return current;
    }
  }
}
