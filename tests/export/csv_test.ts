import assert from "node:assert/strict";
import { csvRecord } from "../../src/export/csv.ts";
import { parseCsv } from "./_fixture.ts";

const cases: [string, string | number | null, string][] = [
  ["plain text", "I will go and do", "I will go and do"],
  ["a comma", "go, and do", '"go, and do"'],
  ["a quote", 'he said "go"', '"he said ""go"""'],
  ["an LF", "line one\nline two", '"line one\nline two"'],
  ["a CR", "line one\rline two", '"line one\rline two"'],
  ["a CRLF", "line one\r\nline two", '"line one\r\nline two"'],
  ["curly quotes and a dash, unquoted", "“Lord”—go", "“Lord”—go"],
  ["an empty string", "", ""],
  ["null", null, ""],
  ["a number", 7, "7"],
];

for (const [what, value, field] of cases) {
  Deno.test(`a CSV field with ${what} is written as RFC 4180 says and parses back`, () => {
    const record = csvRecord(["before", value, "after"]);
    assert.equal(record, `before,${field},after\r\n`);
    assert.deepEqual(parseCsv(record), [["before", value === null ? "" : String(value), "after"]]);
  });
}

Deno.test("the test's CSV parser is strict: bare quotes, lone line ends and ragged rows throw", () => {
  for (const bad of ['a"b,c\r\n', "a,b\n", "a,b", '"open,b\r\n', "a,b\r\nc\r\n", '"a"b\r\n']) {
    assert.throws(() => parseCsv(bad), SyntaxError, JSON.stringify(bad));
  }
});
