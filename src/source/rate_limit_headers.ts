/**
 * Reads the rate limit a server announces in its response headers: the IETF
 * `RateLimit-Policy` and `RateLimit` fields (draft-ietf-httpapi-ratelimit-headers,
 * current and earlier drafts) and the common `X-RateLimit-Limit`,
 * `-Remaining` and `-Reset`, into a {@linkcode RateHint}.
 *
 * @module
 */

import type { RateHint } from "../exec/types.ts";

/** One member of a structured-field list: its bare item and parameters. */
interface _Member {
  readonly item: string | number | boolean;
  readonly params: ReadonlyMap<string, string | number | boolean>;
}

/** Above this a reset is a Unix time in seconds, not a number of seconds (about 2001-09-09). */
const _EPOCH_SECONDS = 1e9;
/** Above this a reset is a Unix time in milliseconds, as some servers send (2001-09-09 again). */
const _EPOCH_MILLISECONDS = 1e12;
/** Policies with a window up to this set the pace, seconds; longer ones are budgets. */
const _PACING_WINDOW_SECONDS = 60;

/**
 * The rate limit announced by `headers`, or undefined when they announce none.
 *
 * - **Rate** (`ratePerSecond`): the lowest quota per window over the
 *   policies with a window: `RateLimit-Policy: "default";q=100;w=60` (or the
 *   older `100;w=60`, and the window parameters of `RateLimit-Limit`). A limit
 *   without a window (`RateLimit-Limit: 100`, `RateLimit: limit=100`,
 *   `X-RateLimit-Limit: 100`) is read as per second: for any window of a
 *   second or more that is an upper bound, so it never slows a run more than
 *   the server asked.
 * - **Remaining** and **reset**: from `RateLimit: "default";r=5;t=30` (the
 *   lowest remaining of its policies), the draft dictionary
 *   `RateLimit: limit=10, remaining=5, reset=30`, `RateLimit-Remaining`,
 *   `RateLimit-Reset`, `X-RateLimit-Remaining` and `X-RateLimit-Reset`. A
 *   reset above 10^9 is a Unix time in seconds, above 10^12 in milliseconds, and is made relative to `now`.
 *
 * The IETF fields win over the `X-` ones. A malformed field is ignored, as
 * the draft requires.
 *
 * @param headers the response headers.
 * @param now the current time, epoch ms, for resets given as a Unix time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRateLimitHeaders } from "./rate_limit_headers.ts";
 * const headers = new Headers({
 *   "RateLimit-Policy": '"default";q=40;w=1',
 *   "RateLimit": '"default";r=0;t=1',
 * });
 * assert.deepEqual(parseRateLimitHeaders(headers, 0), {
 *   ratePerSecond: 40,
 *   remaining: 0,
 *   resetMs: 1000,
 * });
 * assert.equal(parseRateLimitHeaders(new Headers(), 0), undefined);
 * ```
 */
export function parseRateLimitHeaders(headers: Headers, now: number): RateHint | undefined {
  const rates: { readonly rate: number; readonly window: number }[] = [];
  let state: { remaining?: number; resetSeconds?: number } = {};
  let windowless: number | undefined;

  for (const member of _list(headers.get("ratelimit-policy"))) {
    // A quota of something else than requests (bytes, concurrent requests) is no rate.
    const unit = member.params.get("qu");
    if (unit !== undefined && unit !== "requests") continue;
    const quota = _count(member.params.get("q") ?? member.params.get("l") ?? member.item);
    const window = _count(member.params.get("w"));
    if (quota === undefined || window === 0) continue;
    if (window !== undefined) rates.push({ rate: quota / window, window });
    else windowless ??= quota;
  }

  const limitField = _list(headers.get("ratelimit-limit"));
  limitField.forEach((member, index) => {
    const quota = _count(member.item);
    const window = _count(member.params.get("w"));
    if (quota === undefined || window === 0) return;
    if (window !== undefined) rates.push({ rate: quota / window, window });
    else if (index === 0) windowless ??= quota;
  });

  const rateLimit = headers.get("ratelimit");
  const dictionary = _dictionary(rateLimit);
  if (dictionary !== undefined) {
    windowless ??= _count(dictionary.get("limit"));
    state = {
      remaining: _count(dictionary.get("remaining")),
      resetSeconds: _count(dictionary.get("reset")),
    };
  } else {
    // One item per policy: the server names the one with the lowest remaining, but take no
    // chances; of two used up, the one that resets last decides.
    for (const member of _list(rateLimit)) {
      const remaining = _count(member.params.get("r"));
      if (remaining === undefined) continue;
      const resetSeconds = _count(member.params.get("t"));
      const lower = state.remaining === undefined || remaining < state.remaining;
      const later = remaining === state.remaining &&
        (resetSeconds ?? 0) > (state.resetSeconds ?? 0);
      if (lower || later) state = { remaining, resetSeconds };
    }
  }
  state.remaining ??= _single(headers.get("ratelimit-remaining"));
  state.resetSeconds ??= _single(headers.get("ratelimit-reset"));

  windowless ??= _single(headers.get("x-ratelimit-limit"));
  state.remaining ??= _single(headers.get("x-ratelimit-remaining"));
  state.resetSeconds ??= _single(headers.get("x-ratelimit-reset"));

  // Short windows set the pace; a longer one (an hourly or daily quota) is a
  // budget, kept by its remaining and reset, unless there is nothing shorter.
  const pacing = rates.some((r) => r.window <= _PACING_WINDOW_SECONDS)
    ? rates.filter((r) => r.window <= _PACING_WINDOW_SECONDS)
    : rates;
  const ratePerSecond = pacing.length > 0 ? Math.min(...pacing.map((r) => r.rate)) : windowless;
  const hint: { ratePerSecond?: number; remaining?: number; resetMs?: number } = {};
  if (ratePerSecond !== undefined && ratePerSecond > 0) hint.ratePerSecond = ratePerSecond;
  if (state.remaining !== undefined) hint.remaining = state.remaining;
  if (state.resetSeconds !== undefined) {
    const reset = state.resetSeconds;
    hint.resetMs = reset > _EPOCH_MILLISECONDS
      ? Math.max(0, reset - now)
      : reset > _EPOCH_SECONDS
      ? Math.max(0, reset * 1000 - now)
      : reset * 1000;
  }
  return Object.keys(hint).length === 0 ? undefined : hint;
}

/** A non-negative finite number, from a number or a numeric string. */
function _count(value: string | number | boolean | undefined): number | undefined {
  const n = typeof value === "number"
    ? value
    : typeof value === "string" && /^\d+(\.\d+)?$/.test(value.trim())
    ? Number(value)
    : Number.NaN;
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** A field holding one number (the first member of a list, as the early drafts allow). */
function _single(field: string | null): number | undefined {
  const first = _list(field)[0];
  return first === undefined ? undefined : _count(first.item);
}

/**
 * A structured-field list (RFC 8941), leniently: members split on commas and
 * parameters on semicolons outside quoted strings. Returns [] for an absent
 * or malformed field.
 */
function _list(field: string | null): _Member[] {
  if (field === null) return [];
  const members: _Member[] = [];
  for (const text of _split(field, ",")) {
    const [head, ...rest] = _split(text, ";").map((part) => part.trim());
    const item = _bare(head);
    if (item === undefined) return [];
    const params = new Map<string, string | number | boolean>();
    for (const param of rest) {
      const equals = param.indexOf("=");
      const key = (equals < 0 ? param : param.slice(0, equals)).trim().toLowerCase();
      const value = equals < 0 ? true : _bare(param.slice(equals + 1).trim());
      // A parameter that cannot be read is a comment, as the draft says of unknown ones.
      if (!/^[a-z*][a-z0-9_.*-]*$/.test(key) || value === undefined) continue;
      params.set(key, value);
    }
    members.push({ item, params });
  }
  return members;
}

/**
 * The draft dictionary form `limit=10, remaining=5, reset=3`, other keys
 * (`policy="x"`) skipped; undefined for any other form (a list of policies).
 */
function _dictionary(field: string | null): Map<string, string | number | boolean> | undefined {
  if (field === null) return undefined;
  const entries = new Map<string, string | number | boolean>();
  for (const text of _split(field, ",")) {
    const match = /^\s*([a-z*][a-z0-9_.*-]*)\s*=\s*([^;]*?)\s*(;.*)?$/i.exec(text);
    if (match === null) return undefined;
    const key = match[1].toLowerCase();
    if (key !== "limit" && key !== "remaining" && key !== "reset") continue;
    const value = _bare(match[2]);
    if (value === undefined) return undefined;
    entries.set(key, value);
  }
  return entries.size > 0 ? entries : undefined;
}

/**
 * A bare item: an integer or decimal, a quoted string, a token, a boolean
 * (`?1`) or a byte sequence (`:base64:`, such as a partition key, kept as its text).
 */
function _bare(text: string): string | number | boolean | undefined {
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (/^:[A-Za-z0-9+/]*={0,2}:$/.test(text)) return text;
  if (/^"(?:[^"\\]|\\.)*"$/.test(text)) return text.slice(1, -1).replace(/\\(.)/g, "$1");
  if (text === "?1" || text === "?0") return text === "?1";
  if (/^[A-Za-z*][A-Za-z0-9:/!#$%&'*+.^_`|~-]*$/.test(text)) return text;
  return undefined;
}

/** Splits on `separator` outside double-quoted strings. */
function _split(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === "\\" && quoted) {
      current += char + (text[++i] ?? "");
      continue;
    }
    if (char === '"') quoted = !quoted;
    if (char === separator && !quoted) {
      parts.push(current);
      current = "";
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts;
}
