/**
 * Writes the JSON Schemas of `import.yaml` and of the profile files from the
 * zod schemas, so editors (yaml-language-server) validate and complete them.
 * Run it with `deno task schema` after changing `schema.ts`; a test fails
 * while the committed files are stale.
 *
 * @module
 */

import { z } from "zod";
import { manifestSchema, profileSchema } from "./schema.ts";

/** Where each schema is committed, relative to the repository root. */
export const SCHEMA_FILES = {
  "schema/import.schema.json": manifestSchema,
  "schema/profile.schema.json": profileSchema,
} as const;

/**
 * The JSON Schema of a file format. It describes what a user writes (the
 * input side: durations as strings, defaults shown), in draft-07, which
 * yaml-language-server understands.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jsonSchemaOf } from "./write_schema.ts";
 * import { profileSchema } from "./schema.ts";
 *
 * const schema = jsonSchemaOf(profileSchema);
 * assert.equal(schema.additionalProperties, false);
 * assert.deepEqual(schema.required, ["volumes", "booksPerVolume", "chaptersPerBook"]);
 * ```
 */
export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: "input", target: "draft-7" }) as Record<string, unknown>;
}

/** The text written to a schema file: indented JSON and a final newline. */
export function schemaFileText(schema: z.ZodType): string {
  return `${JSON.stringify(jsonSchemaOf(schema), null, 2)}\n`;
}

if (import.meta.main) {
  const root = new URL("../../", import.meta.url);
  for (const [path, schema] of Object.entries(SCHEMA_FILES)) {
    await Deno.writeTextFile(new URL(path, root), schemaFileText(schema));
    console.log(`Wrote ${path}`);
  }
}
