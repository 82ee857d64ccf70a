import assert from "node:assert/strict";
import { parseManifest } from "../../src/manifest/load.ts";
import { ManifestError } from "../../src/manifest/diagnostic.ts";

const VOLUMES = [
  "volumes:",
  "  - id: bofm",
  "    title: Book of Mormon",
  "    books:",
  "      - { id: enos, title: Enos, chapters: 1 }",
];

function problems(text: string): string[] {
  try {
    parseManifest(text, "import.yaml");
  } catch (error) {
    assert.ok(error instanceof ManifestError, String(error));
    return error.message.split("\n");
  }
  assert.fail("expected a ManifestError");
}

const source = (...lines: string[]) =>
  ["source:", "  url: https://example.org/api", ...lines, ...VOLUMES].join("\n") + "\n";

Deno.test("source.langs lists the languages of one run; lang is its first, and alone it is [lang]", () => {
  const several = parseManifest(source("  langs: [eng, spa, por]"), "import.yaml");
  assert.deepEqual([several.source.lang, several.source.langs], ["eng", ["eng", "spa", "por"]]);
  const one = parseManifest(source("  lang: spa"), "import.yaml");
  assert.deepEqual([one.source.lang, one.source.langs], ["spa", ["spa"]]);
});

const rows: [string, string[], string[]][] = [
  ["a bad code", ["  langs: [eng, Spanish]"], [
    'import.yaml:3:16: source.langs[1]: expected a language code of 2 or 3 lowercase letters (like "eng"), got "Spanish"',
  ]],
  ["a repeated code", ["  langs:", "    - eng", "    - spa", "    - eng"], [
    'import.yaml:6:7: source.langs[2]: duplicate language "eng" (first at line 4)',
  ]],
  ["lang and langs both", ["  lang: eng", "  langs: [eng, spa]"], [
    "import.yaml:3:9: source.lang: give either lang (one language) or langs (several), not both",
  ]],
  ["an empty list", ["  langs: []"], [
    "import.yaml:3:10: source.langs: expected at least one language code",
  ]],
];
for (const [what, lines, expected] of rows) {
  Deno.test(`source.langs with ${what} is reported at its line and column`, () => {
    assert.deepEqual(problems(source(...lines)), expected);
  });
}
