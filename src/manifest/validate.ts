/**
 * The validation pipeline shared by manifests and profiles: YAML with
 * positions, then the schema, then cross-field checks; every problem is
 * collected and located before anything is thrown.
 *
 * @module
 */

import type { z } from "zod";
import { type Diagnostic, ManifestError, renderDiagnostic } from "./diagnostic.ts";
import { issueMessage, issuesToFindings } from "./issues.ts";
import { type Finding, parseLocatedYaml } from "./located_yaml.ts";
import type { LineOf } from "./checks.ts";

/** Cross-field checks run on the raw parsed YAML. */
export type CrossCheck = (raw: unknown, lineOf: LineOf) => Finding[];

/**
 * Parses and validates a YAML file against a schema.
 *
 * @param text The YAML source.
 * @param file The file name diagnostics carry.
 * @param format.schema The zod schema of the file.
 * @param format.check Checks the schema cannot express.
 * @returns The schema's output (defaults filled in, durations in ms).
 * @throws {ManifestError} With every problem found, in file order.
 */
export function validateYaml<S extends z.ZodType>(
  text: string,
  file: string,
  format: { schema: S; check: CrossCheck },
): z.output<S> {
  const { schema, check } = format;
  const yaml = parseLocatedYaml(text, file);
  if (yaml.value === undefined) throw new ManifestError(_inFileOrder(yaml.problems));

  const result = schema.safeParse(yaml.value, { error: issueMessage, reportInput: true });
  const lineOf: LineOf = (path) => yaml.locate({ path, message: "" }).line;
  const findings = [
    ...issuesToFindings(result.error?.issues ?? [], schema),
    ...check(yaml.value, lineOf),
  ];
  const diagnostics = _inFileOrder([...yaml.problems, ...findings.map(yaml.locate)]);
  if (diagnostics.length > 0 || !result.success) throw new ManifestError(diagnostics);
  return result.data;
}

/** Sorted by position (stable, so one node's problems keep their order), without repeats. */
function _inFileOrder(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return [...diagnostics]
    .sort((a, b) => a.line - b.line || a.column - b.column)
    .filter((diagnostic) => {
      const text = renderDiagnostic(diagnostic);
      if (seen.has(text)) return false;
      seen.add(text);
      return true;
    });
}
