import assert from "node:assert/strict";
import { parseLocatedYaml } from "../../src/manifest/located_yaml.ts";

const TEXT = [
  "# comment",
  "source:",
  "  url: https://example.org",
  "  empty:",
  "volumes:",
  "  - id: ot",
  "    books: [gen, ex]",
  "",
].join("\n");

Deno.test("locate points at a value, a key, an empty value's key, or the nearest ancestor", () => {
  const yaml = parseLocatedYaml(TEXT, "f.yaml");
  const at = (path: (string | number)[], key?: string) => {
    const { line, column } = yaml.locate({ path, message: "m", key });
    return `${line}:${column}`;
  };
  assert.equal(at(["source", "url"]), "3:8");
  assert.equal(at(["volumes", 0, "books", 1]), "7:18");
  assert.equal(at(["source"], "url"), "3:3");
  assert.equal(at(["source", "empty"]), "4:3");
  assert.equal(at(["source", "missing"]), "3:3");
  assert.equal(at(["volumes", 5, "id"]), "6:3");
  assert.equal(at([]), "2:1");
});

Deno.test("locate renders the path and keeps the file name", () => {
  const yaml = parseLocatedYaml(TEXT, "dir/f.yaml");
  assert.deepEqual(yaml.locate({ path: ["volumes", 0, "id"], message: "bad" }), {
    file: "dir/f.yaml",
    path: "volumes[0].id",
    line: 6,
    column: 9,
    message: "bad",
  });
});

Deno.test("duplicate keys are problems, yet the value is still usable with the last one", () => {
  const yaml = parseLocatedYaml("a: 1\nb:\n  c: 2\n  c: 3\n", "f.yaml");
  assert.deepEqual(yaml.value, { a: 1, b: { c: 3 } });
  assert.deepEqual(yaml.problems.map((p) => [p.line, p.column, p.path, p.message]), [
    [4, 3, "b", 'duplicate key "c" (first at line 3)'],
  ]);
});

Deno.test("syntax errors, unresolved aliases and collection keys make the value unusable", () => {
  for (const text of ["a: [1, 2\n", "a: *nowhere\n", "? [a, b]\n: 1\n"]) {
    const yaml = parseLocatedYaml(text, "f.yaml");
    assert.equal(yaml.value, undefined, text);
    assert.equal(yaml.problems.length, 1, text);
  }
  assert.deepEqual(
    parseLocatedYaml("? [a, b]\n: 1\n", "f.yaml").problems.map((p) => p.message),
    ["expected a plain key, got a collection used as a key"],
  );
});

Deno.test("anchors and aliases resolve to their values", () => {
  const yaml = parseLocatedYaml("a: &x { b: 1 }\nc: *x\n", "f.yaml");
  assert.deepEqual(yaml.value, { a: { b: 1 }, c: { b: 1 } });
  assert.deepEqual(yaml.problems, []);
});

Deno.test("an empty document is usable and null", () => {
  const yaml = parseLocatedYaml("# nothing\n", "f.yaml");
  assert.equal(yaml.value, null);
  assert.deepEqual(yaml.problems, []);
});
