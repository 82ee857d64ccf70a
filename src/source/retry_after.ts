/**
 * Parsing of the HTTP `Retry-After` header (RFC 9110 §10.2.3).
 *
 * @module
 */

const _DELTA_SECONDS = /^\d+$/;
/** IMF-fixdate and RFC 850 dates name the day first, then a comma. */
const _DATED_WITH_ZONE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*, .+ GMT$/;
/** asctime dates carry no zone; HTTP defines them as UTC. */
const _ASCTIME = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d \d{4}$/;

/**
 * The delay a `Retry-After` header asks for, in ms.
 *
 * Accepts delta-seconds (`"120"`) and the three HTTP-date forms; a date is
 * turned into a delay relative to `now` (never negative). Anything else, and a
 * missing header, gives `undefined`: a malformed header is ignored rather than
 * trusted.
 *
 * @param value The header value, or null when absent.
 * @param now The current time, epoch ms.
 * @returns The delay in ms, or undefined.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRetryAfter } from "./retry_after.ts";
 *
 * assert.equal(parseRetryAfter("3", 0), 3000);
 * const now = Date.parse("Wed, 21 Oct 2015 07:28:00 GMT");
 * assert.equal(parseRetryAfter("Wed, 21 Oct 2015 07:28:05 GMT", now), 5000);
 * assert.equal(parseRetryAfter("soon", now), undefined);
 * ```
 */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (_DELTA_SECONDS.test(trimmed)) return Number(trimmed) * 1000;
  let date = Number.NaN;
  if (_DATED_WITH_ZONE.test(trimmed)) date = Date.parse(trimmed);
  else if (_ASCTIME.test(trimmed)) date = Date.parse(`${trimmed} GMT`);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
