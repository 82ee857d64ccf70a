/**
 * A duration in words for people: the executor's failure reasons and the
 * progress sinks say durations the same way.
 *
 * @module
 */

/**
 * A duration for people: `340 ms`, `12.3 s`, `2 min 3 s`, `1 h 2 min`; `—` when
 * not finite.
 *
 * @param ms the duration, ms
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatDuration } from "./format_duration.ts";
 * assert.ok(formatDuration(12_340) === "12.3 s");
 * assert.ok(formatDuration(123_000) === "2 min 3 s");
 * ```
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 59_950) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  const minutes = Math.round(ms / 60_000);
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
