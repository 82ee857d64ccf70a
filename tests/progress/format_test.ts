import assert from "node:assert/strict";
import {
  colorEnabled,
  formatCount,
  formatDuration,
  formatStopwatch,
  formatUtcTime,
  paint,
} from "../../src/progress/format.ts";

Deno.test("formatDuration reads as ms, s, min and h, and — when not finite", () => {
  const rows: [number, string][] = [
    [0, "0 ms"],
    [340.4, "340 ms"],
    [999, "999 ms"],
    [1000, "1.0 s"],
    [12_340, "12.3 s"],
    [59_949, "59.9 s"],
    [59_950, "1 min 0 s"],
    [123_000, "2 min 3 s"],
    [3_599_400, "59 min 59 s"],
    [3_599_500, "1 h 0 min"],
    [3_720_000, "1 h 2 min"],
    [NaN, "—"],
    [Infinity, "—"],
  ];
  for (const [ms, expected] of rows) assert.equal(formatDuration(ms), expected, String(ms));
});

Deno.test("formatStopwatch shows whole seconds as m:ss or h:mm:ss, and — when unknown", () => {
  const rows: [number, string][] = [
    [0, "0:00"],
    [7_400, "0:07"],
    [754_000, "12:34"],
    [3_723_000, "1:02:03"],
    [-1, "—"],
    [NaN, "—"],
    [Infinity, "—"],
  ];
  for (const [ms, expected] of rows) assert.equal(formatStopwatch(ms), expected, String(ms));
});

Deno.test("formatCount groups thousands and formatUtcTime shows HH:MM:SS in UTC", () => {
  assert.equal(formatCount(41_995), "41,995");
  assert.equal(formatCount(7), "7");
  assert.equal(formatUtcTime(Date.UTC(2026, 10, 29, 9, 5, 7)), "09:05:07");
});

Deno.test("colour is used only on a terminal without NO_COLOR", () => {
  const env = (value?: string) => ({
    get: (key: string) => key === "NO_COLOR" ? value : undefined,
  });
  assert.equal(colorEnabled(true, env()), true);
  assert.equal(colorEnabled(true, env("")), true, "an empty NO_COLOR does not count");
  assert.equal(colorEnabled(true, env("1")), false);
  assert.equal(colorEnabled(false, env()), false);
  assert.equal(paint("x", "yellow", true), "\x1b[33mx\x1b[39m");
  assert.equal(paint("x", "bold", false), "x");
});
