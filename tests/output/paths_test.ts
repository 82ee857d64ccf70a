import assert from "node:assert/strict";
import {
  assertSlug,
  bookManifestPath,
  chapterPath,
  rootManifestPath,
  volumeManifestPath,
} from "../../src/output/paths.ts";

Deno.test("output paths follow <out>/<volume>/<book>/<chapter>.json and the manifest names", () => {
  assert.equal(chapterPath("/data", "bofm", "1-ne", 3), "/data/bofm/1-ne/3.json");
  assert.equal(chapterPath("out", "dc-testament", "od", 2), "out/dc-testament/od/2.json");
  assert.equal(bookManifestPath("/data", "pgp", "js-h"), "/data/pgp/js-h/manifest.json");
  assert.equal(volumeManifestPath("/data", "nt"), "/data/nt/manifest.json");
  assert.equal(rootManifestPath("/data"), "/data/manifest.json");
});

Deno.test("chapterPath refuses a volume or book that is not a slug", () => {
  const rows: [volume: string, book: string, what: string][] = [
    ["..", "gen", "volume"],
    ["ot", "..", "book"],
    ["ot/../..", "gen", "volume"],
    ["ot", "gen/1", "book"],
    ["/etc", "gen", "volume"],
    ["OT", "gen", "volume"],
    ["ot", "Gen", "book"],
    ["", "gen", "volume"],
    ["-ot", "gen", "volume"],
    ["ot", "ge n", "book"],
    ["ot", "gen\\x", "book"],
  ];
  for (const [volume, book, what] of rows) {
    assert.throws(
      () => chapterPath("/data", volume, book, 1),
      (error: Error) => {
        assert.ok(error instanceof TypeError, `${volume}/${book}`);
        const value = JSON.stringify(what === "volume" ? volume : book);
        assert.equal(
          error.message,
          `Cannot build an output path from ${what} ${value}: not a slug (^[a-z0-9][a-z0-9-]*$)`,
        );
        return true;
      },
    );
  }
});

Deno.test("the manifest paths refuse ids that are not slugs", () => {
  assert.throws(() => bookManifestPath("/data", "bofm", "../x"), TypeError);
  assert.throws(() => volumeManifestPath("/data", ".."), TypeError);
  assert.throws(() => assertSlug("a.b", "book"), TypeError);
  assertSlug("3-ne", "book");
});

Deno.test("chapterPath refuses a chapter number that is not a positive integer", () => {
  for (const chapter of [0, -1, 1.5, Number.NaN, Infinity]) {
    assert.throws(
      () => chapterPath("/data", "ot", "gen", chapter),
      RangeError,
      `chapter ${chapter}`,
    );
  }
});
