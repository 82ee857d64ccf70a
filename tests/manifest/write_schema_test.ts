import assert from "node:assert/strict";
import { jsonSchemaOf, SCHEMA_FILES, schemaFileText } from "../../src/manifest/write_schema.ts";
import { manifestSchema, profileSchema } from "../../src/manifest/schema.ts";

Deno.test("the committed JSON Schemas equal a fresh generation (run `deno task schema`)", async () => {
  for (const [path, schema] of Object.entries(SCHEMA_FILES)) {
    const committed = JSON.parse(
      await Deno.readTextFile(new URL(`../../${path}`, import.meta.url)),
    );
    assert.deepEqual(committed, JSON.parse(schemaFileText(schema)), `${path} is stale`);
  }
});

Deno.test("the JSON Schemas forbid unknown keys and show the defaults a user may leave out", () => {
  const manifest = jsonSchemaOf(manifestSchema) as {
    additionalProperties: boolean;
    required: string[];
    properties: Record<
      string,
      { default?: unknown; properties?: Record<string, { default?: unknown }> }
    >;
  };
  assert.equal(manifest.additionalProperties, false);
  assert.deepEqual(manifest.required, ["source", "volumes"]);
  assert.equal(manifest.properties.profile.default, "default");
  assert.equal(manifest.properties.retry.properties?.baseDelay.default, "500ms");
  assert.equal(manifest.properties.source.properties?.timeout.default, "30s");

  const profile = jsonSchemaOf(profileSchema) as {
    properties: Record<string, { default?: unknown }>;
  };
  assert.equal(profile.properties.delay.default, 0);
});
