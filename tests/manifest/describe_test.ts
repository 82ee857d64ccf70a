import assert from "node:assert/strict";
import { describeValue, quote, quoteList } from "../../src/manifest/describe.ts";

Deno.test("describeValue names values as a YAML author wrote them", () => {
  const table: [unknown, string][] = [
    ["fast", '"fast"'],
    ["", '""'],
    [0, "0"],
    [1.5, "1.5"],
    [true, "true"],
    [null, "an empty value"],
    [undefined, "nothing"],
    [[1], "a list"],
    [{ a: 1 }, "a mapping"],
  ];
  for (const [value, expected] of table) assert.equal(describeValue(value), expected);
});

Deno.test("quote shows at most 60 characters of a text and counts the rest", () => {
  const passwd = "root:x:0:0:root:/root:/bin/bash daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin "
    .repeat(30);
  assert.equal(
    quote(passwd),
    '"root:x:0:0:root:/root:/bin/bash daemon:x:1:1:daemon:/usr/sbi"… (2,400 characters)',
  );
  assert.equal(describeValue(passwd), quote(passwd));
  assert.equal(quote("x".repeat(60)), `"${"x".repeat(60)}"`);
  // Escapes count as the character they stand for, and a character is never cut in two.
  assert.equal(quote(`${"\t".repeat(61)}`), `"${"\\t".repeat(60)}"… (61 characters)`);
  assert.equal(quote(`${"a".repeat(59)}📖📖`), `"${"a".repeat(59)}"… (63 characters)`);
  assert.equal(quoteList(["full", "none"]), '"full", "none"');
});
