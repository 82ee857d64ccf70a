/**
 * One request to the content API for one chapter, with every outcome turned
 * into a {@link Chapter} or a classified {@link TaskError}.
 *
 * @module
 */

import { type RateHint, TaskError } from "../exec/types.ts";
import type { SourceConfig } from "../manifest/types.ts";
import { parseChapterUri } from "./chapter_uri.ts";
import type { RequestedChapter } from "./parse_chapter.ts";
import { parseRateLimitHeaders } from "./rate_limit_headers.ts";
import { readBody } from "./read_body.ts";
import { fetchFollowingRedirects } from "./redirects.ts";
import { parseRetryAfter } from "./retry_after.ts";
import type { Chapter } from "./types.ts";

export { parseRetryAfter };

/** Options of {@link fetchChapter}. */
export interface FetchChapterOptions {
  /** Endpoint, language, User-Agent and body cap. Its `timeoutMs` is the caller's to apply through `signal`. */
  readonly source: SourceConfig;
  /** HTTP statuses that are worth another attempt (e.g. `[429, 500, 502, 503, 504]`). */
  readonly retryOn: readonly number[];
  /** The fetch the request goes through. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Aborts the request; its reason is rethrown unchanged. */
  readonly signal?: AbortSignal;
  /** A page of prose without verses is a valid chapter (see `RequestedChapter.proseOnly`). @default false */
  readonly proseOnly?: boolean;
  /** The current time, epoch ms: dates `fetchedAt` and resolves `Retry-After` dates. @default Date.now */
  readonly now?: () => number;
  /**
   * Receives what the response announces about the rate limit as soon as its
   * headers arrive, before the body is read: a pause it asks for starts
   * then, and a body cut short, unparsable or of another page does not lose
   * it. (`rateHint` of the result or the `TaskError` says the same, later.)
   * When the answer also has a `Retry-After`, which takes precedence, it
   * receives the rate alone, without the quota's remaining and reset.
   */
  readonly onRateHint?: (hint: RateHint) => void;
}

/**
 * What a server said identifies a page's version: its `ETag` and
 * `Last-Modified`, kept to ask next time whether the page changed.
 */
export interface ChapterValidators {
  /** The `ETag` header, as sent (quotes and `W/` included). */
  readonly etag?: string;
  /** The `Last-Modified` header, an HTTP date. */
  readonly lastModified?: string;
}

/** Options of {@link fetchChapterBody}: those of {@link fetchChapter}, and validators for a conditional request. */
export interface FetchChapterBodyOptions extends FetchChapterOptions {
  /**
   * Ask only for a newer page: sends `If-None-Match` / `If-Modified-Since`,
   * and a `304 Not Modified` answers {@link NotModified} instead of a body.
   */
  readonly validators?: ChapterValidators;
}

/** The answer to a conditional request when the page did not change (`304`). */
export interface NotModified {
  readonly notModified: true;
  /** Time to first byte, ms. */
  readonly ttfbMs: number;
  /** The validators the 304 carried (a server may update them), else those sent. */
  readonly validators: ChapterValidators;
  /** The rate limit the response announced, if any. */
  readonly rateHint?: RateHint;
}

/** A chapter fetched and parsed. */
export interface FetchedChapter {
  /** The parsed chapter. */
  readonly chapter: Chapter;
  /** Body size, bytes. */
  readonly bytes: number;
  /** The URL requested. */
  readonly url: string;
  /** The rate limit the response announced (RateLimit or X-RateLimit headers), if any. */
  readonly rateHint?: RateHint;
  /**
   * Time to first byte: from handing the request to `fetch` to its response
   * headers (when `fetch` resolves), ms, on the `now` clock. Unlike the
   * attempt's duration it holds neither reading the body nor parsing it.
   */
  readonly ttfbMs: number;
}

/**
 * The request URL of a chapter: `<source.url>?lang=<lang>&uri=<uri>`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chapterUrl } from "./request.ts";
 *
 * const source = {
 *   url: "https://www.churchofjesuschrist.org/study/api/v3/language-pages/type/content",
 *   lang: "eng", userAgent: "test", timeoutMs: 30_000, maxBodyBytes: 5_000_000,
 * };
 * assert.equal(
 *   chapterUrl(source, "/scriptures/bofm/1-ne/3"),
 *   "https://www.churchofjesuschrist.org/study/api/v3/language-pages/type/content" +
 *     "?lang=eng&uri=%2Fscriptures%2Fbofm%2F1-ne%2F3",
 * );
 * ```
 */
export function chapterUrl(source: SourceConfig, uri: string): string {
  const url = new URL(source.url);
  url.searchParams.set("lang", source.lang);
  url.searchParams.set("uri", uri);
  return url.href;
}

/**
 * Fetches and parses one chapter.
 *
 * Sends the configured `User-Agent` and `Accept: application/json`, follows
 * redirects only within the origin of `source.url`, reads the
 * body with the `maxBodyBytes` cap and parses it with `parseChapter` (parse_chapter.ts).
 * The response body is always read to the end or cancelled.
 *
 * A rate limit the response announces (see {@link parseRateLimitHeaders}) is
 * returned as `rateHint`, and carried by the `TaskError` of a failed status.
 *
 * Failures, all as `TaskError` except cancellation:
 * - a status in `retryOn`: retryable, with `status` and the `Retry-After` delay;
 * - any other non-2xx status: permanent, with `status`;
 * - a network error or a body cut short: retryable;
 * - a redirect to another origin, to a URL `source.url` could not be, or
 *   more than 5 redirects: permanent (see {@link fetchFollowingRedirects});
 * - a body over the cap, or one that is not valid UTF-8: permanent;
 * - unparsable JSON or no `content.body`: retryable;
 * - another page than the one asked for, or an empty chapter: permanent.
 * When `signal` aborts, its reason is rethrown unchanged, so the caller tells
 * its own timeouts from cancellation.
 *
 * @param uri `/scriptures/{volume}/{book}/{chapter}`.
 * @throws {TypeError} When `uri` is not a chapter URI.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type RateHint, TaskError } from "../exec/types.ts";
 * import { fetchChapter } from "./request.ts";
 *
 * const source = {
 *   url: "http://127.0.0.1:1/api", lang: "eng", userAgent: "doc-test",
 *   timeoutMs: 30_000, maxBodyBytes: 5_000_000,
 * };
 * const fetch503 = () => Promise.resolve(new Response("busy", { status: 503 }));
 * const error = await fetchChapter("/scriptures/bofm/1-ne/3", {
 *   source, retryOn: [503], fetch: fetch503,
 * }).catch((e) => e);
 * assert.ok(error instanceof TaskError);
 * assert.equal(error.retryable, true);
 * assert.equal(error.status, 503);
 * ```
 */
export async function fetchChapter(
  uri: string,
  options: FetchChapterOptions,
): Promise<FetchedChapter> {
  const body = await fetchChapterBody(uri, options);
  // Loaded when first used: the importer parses on workers, and its main
  // thread then never loads the HTML parser.
  const { parseChapterBody } = await import("./parse_chapter.ts");
  const chapter = parseChapterBody(body.bytes, body.requested, body.contentType);
  const { rateHint, ttfbMs } = body;
  return {
    chapter,
    bytes: body.bytes.byteLength,
    url: body.requested.url,
    ttfbMs,
    ...(rateHint === undefined ? {} : { rateHint }),
  };
}

/** A chapter's answer, read whole but not parsed yet (see {@link fetchChapterBody}). */
export interface FetchedChapterBody {
  /** The body, as received. */
  readonly bytes: Uint8Array;
  /** What was asked for, as `parseChapterBody` (parse_chapter.ts) needs it. */
  readonly requested: RequestedChapter;
  /** The answer's `Content-Type`, for `parseChapterBody` (parse_chapter.ts). */
  readonly contentType: string | null;
  /** Time to first byte, ms: as {@link FetchedChapter}'s. */
  readonly ttfbMs: number;
  /** The rate limit the response announced (RateLimit or X-RateLimit headers), if any. */
  readonly rateHint?: RateHint;
  /** The page's `ETag` and `Last-Modified`, when the answer had them. */
  readonly validators?: ChapterValidators;
}

/**
 * The first half of {@link fetchChapter}: the request and its body, with
 * every failure of {@link fetchChapter} but those of parsing. Parse the body
 * with `parseChapterBody` (parse_chapter.ts), here or in a worker (both halves are pure
 * of each other: the body bytes and `requested` are all the second needs).
 *
 * With `validators`, the request is conditional, and a `304` answers
 * {@link NotModified}: the page on disk is still the server's.
 *
 * @throws {TypeError} When `uri` is not a chapter URI.
 */
export async function fetchChapterBody(
  uri: string,
  options: FetchChapterOptions,
): Promise<FetchedChapterBody>;
export async function fetchChapterBody(
  uri: string,
  options: FetchChapterBodyOptions,
): Promise<FetchedChapterBody | NotModified>;
export async function fetchChapterBody(
  uri: string,
  options: FetchChapterBodyOptions,
): Promise<FetchedChapterBody | NotModified> {
  const { source, retryOn, signal } = options;
  const doFetch = options.fetch ?? globalThis.fetch;
  const now = options.now ?? Date.now;
  const ref = parseChapterUri(uri);
  const url = chapterUrl(source, uri);
  signal?.throwIfAborted();
  const fetchedAt = new Date(now()).toISOString();

  let response: Response;
  const sentAt = now();
  try {
    response = await fetchFollowingRedirects(url, {
      fetch: doFetch,
      headers: {
        "User-Agent": source.userAgent,
        "Accept": "application/json",
        ..._conditionalHeaders(options.validators),
      },
      what: uri,
      signal,
    });
  } catch (error) {
    signal?.throwIfAborted();
    if (error instanceof TaskError) throw error; // a refused redirect
    throw new TaskError(`Cannot fetch chapter "${uri}": network error: ${_describe(error)}`, {
      retryable: true,
      cause: error,
    });
  }
  const ttfbMs = now() - sentAt;

  const rateHint = parseRateLimitHeaders(response.headers, now());
  if (rateHint !== undefined && options.onRateHint !== undefined) {
    // A Retry-After on the same answer takes precedence over the quota's
    // reset, as the RateLimit draft requires: only the rate is handed on.
    const { remaining: _r, resetMs: _t, ...rate } = rateHint;
    const early = response.headers.has("retry-after") ? rate : rateHint;
    if (Object.keys(early).length > 0) options.onRateHint(early);
  }
  const validators = _validatorsOf(response.headers);
  if (response.status === 304 && options.validators !== undefined) {
    await response.body?.cancel().catch(() => {});
    return {
      notModified: true,
      ttfbMs,
      validators: validators ?? options.validators,
      ...(rateHint === undefined ? {} : { rateHint }),
    };
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    throw _statusError(uri, response, retryOn.includes(response.status), now(), rateHint);
  }

  const bytes = await readBody(response, { maxBytes: source.maxBodyBytes, what: uri, signal });
  const requested: RequestedChapter = {
    uri,
    ...ref,
    lang: source.lang,
    url,
    fetchedAt,
    ...(options.proseOnly === undefined ? {} : { proseOnly: options.proseOnly }),
  };
  const contentType = response.headers.get("content-type");
  return {
    bytes,
    requested,
    contentType,
    ttfbMs,
    ...(rateHint === undefined ? {} : { rateHint }),
    ...(validators === undefined ? {} : { validators }),
  };
}

function _conditionalHeaders(validators: ChapterValidators | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (validators?.etag !== undefined) headers["If-None-Match"] = validators.etag;
  if (validators?.lastModified !== undefined) {
    headers["If-Modified-Since"] = validators.lastModified;
  }
  return headers;
}

function _validatorsOf(headers: Headers): ChapterValidators | undefined {
  const etag = headers.get("etag") ?? undefined;
  const lastModified = headers.get("last-modified") ?? undefined;
  if (etag === undefined && lastModified === undefined) return undefined;
  return {
    ...(etag === undefined ? {} : { etag }),
    ...(lastModified === undefined ? {} : { lastModified }),
  };
}

function _statusError(
  uri: string,
  response: Response,
  retryable: boolean,
  now: number,
  rateHint: RateHint | undefined,
) {
  const hint = rateHint === undefined ? {} : { rateHint };
  const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
  // A Retry-After is honoured whatever the status: the server speaks for the
  // whole client even when this chapter will not be tried again.
  const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), now);
  const after = retryAfterMs === undefined ? "" : ` (Retry-After ${retryAfterMs} ms)`;
  if (retryable) {
    return new TaskError(`Cannot fetch chapter "${uri}": ${status}${after}`, {
      retryable: true,
      status: response.status,
      retryAfterMs,
      ...hint,
    });
  }
  const why = response.status >= 500 ? " (a server error not in retryOn: permanent)" : "";
  return new TaskError(`Cannot fetch chapter "${uri}": ${status}${why}${after}`, {
    retryable: false,
    status: response.status,
    retryAfterMs,
    ...hint,
  });
}

function _describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
