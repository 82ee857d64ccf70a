import assert from "node:assert/strict";
import {
  durationProblem,
  formatDurationLiteral,
  parseDuration,
} from "../../src/manifest/duration.ts";

const GOOD: [unknown, number][] = [
  [0, 0],
  [50, 50],
  [2.5, 2.5],
  ["0ms", 0],
  ["50ms", 50],
  ["1s", 1_000],
  ["1.5s", 1_500],
  [".5s", 500],
  ["0.07s", 70],
  ["2m", 120_000],
  ["1.5m", 90_000],
  ["1h", 3_600_000],
  ["0.25h", 900_000],
];

const BAD: unknown[] = [
  "fast",
  "50",
  "",
  "50 ms",
  "-5ms",
  "5d",
  "1.5.2s",
  "ms",
  "1e3ms",
  "5MS",
  -1,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  null,
  true,
  [50],
  { ms: 50 },
];

Deno.test("parseDuration reads milliseconds and ms, s, m and h strings", () => {
  for (const [written, ms] of GOOD) assert.equal(parseDuration(written), ms, String(written));
});

Deno.test("parseDuration refuses anything else with a RangeError that quotes the value", () => {
  for (const written of BAD) {
    assert.throws(() => parseDuration(written), RangeError, String(written));
  }
  assert.throws(() => parseDuration("fast"), {
    name: "RangeError",
    message: 'expected a duration like 50ms, 1.5s or 2m, got "fast"',
  });
});

Deno.test("durationProblem words the diagnostic and is silent for good durations", () => {
  assert.equal(durationProblem("fast"), 'expected a duration like 50ms, 1.5s or 2m, got "fast"');
  assert.equal(durationProblem(-5), "expected a duration like 50ms, 1.5s or 2m, got -5");
  assert.equal(
    durationProblem(null),
    "expected a duration like 50ms, 1.5s or 2m, got an empty value",
  );
  for (const [written] of GOOD) assert.equal(durationProblem(written), undefined);
});

Deno.test("formatDurationLiteral picks the largest unit that shows the value exactly", () => {
  const table: [number, string][] = [
    [0, "0ms"],
    [0.5, "0.5ms"],
    [50, "50ms"],
    [999, "999ms"],
    [1_000, "1s"],
    [1_500, "1.5s"],
    [1_234, "1.234s"],
    [1_234.5, "1234.5ms"],
    [30_000, "30s"],
    [90_000, "1.5m"],
    [100_000, "100s"],
    [120_000, "2m"],
    [3_600_000, "1h"],
    [5_400_000, "1.5h"],
  ];
  for (const [ms, text] of table) assert.equal(formatDurationLiteral(ms), text, String(ms));
  assert.throws(() => formatDurationLiteral(-1), RangeError);
  assert.throws(() => formatDurationLiteral(Number.NaN), RangeError);
});

Deno.test("formatDurationLiteral output parses back to the same milliseconds", () => {
  for (let ms = 0; ms < 200_000; ms += 997) {
    assert.equal(parseDuration(formatDurationLiteral(ms)), ms);
  }
  for (const ms of [1, 10, 60_000, 61_000, 3_599_999, 7_200_000]) {
    assert.equal(parseDuration(formatDurationLiteral(ms)), ms);
  }
});
