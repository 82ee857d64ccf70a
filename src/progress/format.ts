/**
 * Text helpers shared by the terminal view and the summary: durations, counts,
 * times of day and ANSI colour.
 *
 * @module
 */

export { formatDuration } from "../exec/format_duration.ts";

/** The styles {@linkcode paint} knows. */
export type Style = "bold" | "dim" | "red" | "green" | "yellow";

const _SGR: { readonly [S in Style]: readonly [open: string, close: string] } = {
  bold: ["\x1b[1m", "\x1b[22m"],
  dim: ["\x1b[2m", "\x1b[22m"],
  red: ["\x1b[31m", "\x1b[39m"],
  green: ["\x1b[32m", "\x1b[39m"],
  yellow: ["\x1b[33m", "\x1b[39m"],
};

/**
 * Wraps `text` in the ANSI codes of `style` when `color` is on, else returns it as is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { paint } from "./format.ts";
 * assert.ok(paint("3 failed", "red", false) === "3 failed");
 * assert.ok(paint("3 failed", "red", true) === "\x1b[31m3 failed\x1b[39m");
 * ```
 */
export function paint(text: string, style: Style, color: boolean): string {
  if (!color) return text;
  const [open, close] = _SGR[style];
  return `${open}${text}${close}`;
}

/**
 * Whether to colour output: only on a terminal, and never when `NO_COLOR` is
 * set to a non-empty value (https://no-color.org).
 *
 * @param isTerminal whether the output is a terminal
 * @param env where to read `NO_COLOR` @default Deno.env
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { colorEnabled } from "./format.ts";
 * assert.ok(!colorEnabled(true, { get: () => "1" }));
 * assert.ok(colorEnabled(true, { get: () => undefined }));
 * assert.ok(!colorEnabled(false, { get: () => undefined }));
 * ```
 */
export function colorEnabled(
  isTerminal: boolean,
  env: { get(key: string): string | undefined } = Deno.env,
): boolean {
  return isTerminal && !env.get("NO_COLOR");
}

const _counts = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/**
 * An integer with thousands separators, e.g. `1,584`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatCount } from "./format.ts";
 * assert.ok(formatCount(1584) === "1,584");
 * ```
 */
export function formatCount(n: number): string {
  return _counts.format(n);
}

/**
 * A size in bytes for people: `812 B`, `45.3 KB`, `12.4 MB`, `1.02 GB`
 * (powers of 1,000, three significant digits).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatBytes } from "./format.ts";
 * assert.equal(formatBytes(812), "812 B");
 * assert.equal(formatBytes(12_400_000), "12.4 MB");
 * ```
 */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 1000) return `${Number.isFinite(n) ? Math.round(n) : "—"} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = n / 1000;
  let unit = 0;
  while (value >= 999.5 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${Number(value.toPrecision(3))} ${units[unit]}`;
}

/**
 * A duration as a stopwatch shows it, whole seconds: `0:07`, `12:34`, `1:02:03`;
 * `—` when not finite or negative.
 *
 * @param ms the duration, ms
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatStopwatch } from "./format.ts";
 * assert.ok(formatStopwatch(62_400) === "1:02");
 * assert.ok(formatStopwatch(3_723_000) === "1:02:03");
 * ```
 */
export function formatStopwatch(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "—";
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/**
 * The local time of day of an epoch time in ms, `HH:MM:SS` (24-hour).
 *
 * @param epochMs epoch time, ms
 */
export function formatLocalTime(epochMs: number): string {
  const d = new Date(epochMs);
  return [d.getHours(), d.getMinutes(), d.getSeconds()]
    .map((n) => String(n).padStart(2, "0"))
    .join(":");
}

/**
 * The UTC time of day of an epoch time in ms, `HH:MM:SS`; for tests and logs
 * that must not depend on the machine's time zone.
 *
 * @param epochMs epoch time, ms
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatUtcTime } from "./format.ts";
 * assert.ok(formatUtcTime(Date.UTC(2026, 10, 29, 12, 3, 41)) === "12:03:41");
 * ```
 */
export function formatUtcTime(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(11, 19);
}
