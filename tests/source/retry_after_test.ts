import assert from "node:assert/strict";
import { parseRetryAfter } from "../../src/source/retry_after.ts";

const NOW = Date.parse("2015-10-21T07:28:00.000Z");

const cases: [value: string | null, expected: number | undefined][] = [
  [null, undefined],
  ["0", 0],
  ["120", 120_000],
  [" 5 ", 5000],
  ["Wed, 21 Oct 2015 07:28:30 GMT", 30_000],
  ["Wednesday, 21-Oct-15 07:29:00 GMT", 60_000],
  ["Wed Oct 21 07:28:10 2015", 10_000],
  ["Wed, 21 Oct 2015 07:27:00 GMT", 0], // a date in the past: retry now
  ["1.5", undefined], // Date.parse would read this as a date
  ["-3", undefined],
  ["", undefined],
  ["soon", undefined],
  ["Wed, 99 Foo 2015 07:28:30 GMT", undefined],
];

for (const [value, expected] of cases) {
  Deno.test(`parseRetryAfter(${JSON.stringify(value)}) is ${expected}`, () => {
    assert.equal(parseRetryAfter(value, NOW), expected);
  });
}
