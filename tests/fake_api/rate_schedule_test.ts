import assert from "node:assert/strict";
import { parseRateSchedule, rateAt } from "../../src/fake_api/rate_schedule.ts";

Deno.test("parseRateSchedule reads <time>:<rate> steps in any duration unit, and rateAt follows them", () => {
  const schedule = parseRateSchedule("0s:40, 20s:10,40000:2.5, 1m:40");
  assert.deepEqual(schedule, [
    { atMs: 0, ratePerSecond: 40 },
    { atMs: 20_000, ratePerSecond: 10 },
    { atMs: 40_000, ratePerSecond: 2.5 },
    { atMs: 60_000, ratePerSecond: 40 },
  ]);
  assert.deepEqual(
    [0, 19_999, 20_000, 39_999, 40_000, 59_999, 60_000, 1e9].map((at) => rateAt(schedule, at)),
    [40, 40, 10, 10, 2.5, 2.5, 40, 40],
  );
  assert.deepEqual(parseRateSchedule("0:5"), [{ atMs: 0, ratePerSecond: 5 }]);
});

Deno.test("parseRateSchedule names the step at fault", () => {
  const rows: [string, string][] = [
    ["10s:40", 'Cannot parse rate schedule step "10s:40": expected the first step at 0s'],
    [
      "0s:40,20s:10,20s:5",
      'Cannot parse rate schedule step "20s:5": expected times in rising order',
    ],
    [
      "0s:40,soon:10",
      'Cannot parse rate schedule step "soon:10": expected a duration like 50ms, 1.5s or 2m, got "soon"',
    ],
    ["0s:0", 'Cannot parse rate schedule step "0s:0": the rate must be a number above 0'],
    ["0s:fast", 'Cannot parse rate schedule step "0s:fast": the rate must be a number above 0'],
    ["0s=40", 'Cannot parse rate schedule step "0s=40": expected <time>:<rate>, like 20s:10'],
    ["", 'Cannot parse rate schedule step "": expected <time>:<rate>, like 20s:10'],
  ];
  for (const [text, message] of rows) {
    assert.throws(() => parseRateSchedule(text), { name: "RangeError", message });
  }
});
