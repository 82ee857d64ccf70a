/**
 * A local fake of the content API over HTTP, serving every chapter of a canon
 * in the real JSON shape and markup, with optional latency, rate limit,
 * overload, errors and dropped connections.
 *
 * @module
 */

import type { Clock } from "../exec/clock.ts";
import { systemClock } from "../exec/clock.ts";
import type { Volume } from "../manifest/types.ts";
import { FakeCanon, type FakeLanguage } from "./fake_canon.ts";
import { type FaultOptions, planFaults } from "./fault_plan.ts";
import { rateAt, type RateStep } from "./rate_schedule.ts";
import { PageRenderer } from "./render.ts";
import { type FakeApiStats, StatsRecorder } from "./stats.ts";
import { TokenBucket } from "./token_bucket.ts";

/** The path of the real content API. */
export const CONTENT_PATH = "/study/api/v3/language-pages/type/content";

/** Options of {@link startFakeApi}. */
export interface FakeApiOptions extends FaultOptions {
  /** The canon served: every chapter of every book. */
  readonly volumes: readonly Volume[];
  /** Port on 127.0.0.1; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** Seed of the invented texts, verse counts and faults. @default 1 */
  readonly seed?: number;
  /**
   * The languages served and what each has (`lang=` of a request); a volume
   * a language lacks answers 404, a book it lacks the volume's contents.
   * @default FAKE_LANGUAGES (eng, spa, por: everything; ceb, tpi: part)
   */
  readonly languages?: Readonly<Record<string, FakeLanguage>>;
  /** Requests per second allowed (token bucket); above it, 429 with `Retry-After`. @default unlimited */
  readonly ratePerSecond?: number;
  /**
   * Token bucket capacity. @default the first rate, rounded up: a one-second
   * bucket, so "40 requests/s" allows 40 requests in any second, as the
   * `RateLimit-Policy: q=40;w=1` the fake announces says. 1 makes a strict
   * minimum spacing (one request per 25 ms at 40/s).
   */
  readonly burst?: number;
  /**
   * A rate that changes over time, from the first content request on (replaces
   * `ratePerSecond`); see `parseRateSchedule`.
   */
  readonly rateSchedule?: readonly RateStep[];
  /**
   * Announce the rate limit: `true` in every content response
   * (`RateLimit-Policy`, `RateLimit` and `X-RateLimit-Limit` / `-Remaining` /
   * `-Reset`); `"on-429"` only on its refusals, and only the limit
   * (`X-RateLimit-Limit: 40`, or `RateLimit-Policy` for a rate that is no
   * whole number per second), as many servers do. @default false
   */
  readonly rateLimitHeaders?: boolean | "on-429";
  /**
   * A request that arrives this long after a 429 and before its Retry-After
   * ran out is counted in `beforeRetryAfter`; earlier ones were already on
   * their way. @default 100
   */
  readonly retryAfterGraceMs?: number;
  /** Requests handled at once; above it, 503 (an overloaded server's answer). @default unlimited */
  readonly maxInFlight?: number;
  /** Times the rate limit and the delays. @default systemClock */
  readonly clock?: Clock;
  /**
   * Render the pages on a worker, off the event loop that times the
   * arrivals: a render there (a millisecond or more, tens when it collects
   * garbage) delays the timing of requests arriving meanwhile, and the rate
   * limit and the arrival gaps would judge a client by the fake's own
   * stalls. `deno task fake-api` does. @default false
   */
  readonly renderWorker?: boolean;
}

/** A running fake API. */
export interface FakeApi {
  /** The origin, e.g. `http://127.0.0.1:4321`. */
  readonly url: string;
  /** The content endpoint: `url` + {@link CONTENT_PATH}. */
  readonly apiUrl: string;
  /** The canon served, with its verse counts. */
  readonly canon: FakeCanon;
  /** A snapshot of the counters, as `GET /__stats` answers. */
  stats(): FakeApiStats;
  /**
   * Changes a page, as an edit on the real site would: its text, `ETag` and
   * `Last-Modified` change, so a conditional request for it gets the new page
   * instead of `304`. In every language unless `lang` is given.
   */
  touch(uri: string, lang?: string): void;
  /** Zeroes the counters (requests in flight stay counted). */
  resetStats(): void;
  /** Stops listening; requests still waiting are answered 503 at once. */
  close(): Promise<void>;
}

/**
 * Starts the fake API on 127.0.0.1.
 *
 * `GET <CONTENT_PATH>?lang=<lang>&uri=/scriptures/{volume}/{book}/{chapter}`
 * answers the chapter in that language (see `languages`: a volume the
 * language lacks answers 404, a book it lacks the volume's contents); a URI
 * that is not a chapter of the canon answers 200 with a table of contents
 * whose `data-uri` differs, as the real API can. `GET /__stats` answers {@link FakeApiStats} as JSON.
 *
 * Each request, in order: counted; refused 429 (with `Retry-After` in whole
 * seconds, rounded up) when the token bucket is empty; refused 503 when more
 * than `maxInFlight` are being handled; delayed; then answered 503, cut off
 * mid-body, or answered, as {@link planFaults} decides.
 *
 * With `rateSchedule`, the bucket's rate follows the schedule from the first
 * content request. With `rateLimitHeaders`, every content response announces
 * the limit: `RateLimit-Policy: "default";q=<quota>;w=<seconds>` (the rate as
 * a whole quota over whole seconds), `RateLimit: "default";r=<tokens left, at
 * most the quota>;t=<seconds until the bucket holds the quota again>`, and the
 * same as `X-RateLimit-Limit` (only for a one-second window),
 * `X-RateLimit-Remaining` and `X-RateLimit-Reset`. A bucket smaller than the
 * quota (a `burst` below the rate) announces the policy alone: its tokens are
 * not the quota left in a window. With `rateLimitHeaders: "on-429"` only the
 * refusals announce the limit, as `X-RateLimit-Limit` alone.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startFakeApi } from "./server.ts";
 *
 * const api = await startFakeApi({ volumes: [{ id: "pgp", title: "Pearl of Great Price", books: [
 *   { id: "js-h", title: "Joseph Smith—History", chapters: 1, verses: 75 },
 * ] }] });
 * const response = await fetch(`${api.apiUrl}?lang=eng&uri=/scriptures/pgp/js-h/1`);
 * const page = await response.json();
 * assert.equal(page.meta.pageAttributes["data-uri"], "/scriptures/pgp/js-h/1");
 * await api.close();
 * ```
 */
export function startFakeApi(options: FakeApiOptions): Promise<FakeApi> {
  const clock = options.clock ?? systemClock;
  const seed = options.seed ?? 1;
  const canon = new FakeCanon(options.volumes, { seed, languages: options.languages });
  const stats = new StatsRecorder();
  const schedule = options.rateSchedule;
  const initialRate = schedule?.[0]?.ratePerSecond ?? options.ratePerSecond;
  const bucket = initialRate === undefined ? undefined : new TokenBucket(
    { ratePerSecond: initialRate, burst: options.burst ?? Math.max(1, Math.ceil(initialRate)) },
    clock.now(),
  );
  const limit = new _RateLimitState(bucket, schedule, {
    ...options,
    // A burst by default follows the rate: N requests in any second.
    oneSecondBurst: options.burst === undefined,
  });
  const maxInFlight = options.maxInFlight ?? Infinity;
  const closing = new AbortController();
  const renderer = new PageRenderer(canon, { worker: options.renderWorker });
  // Pages changed since the start (touch), by `lang uri` or `* uri`.
  const revisions = new Map<string, number>();
  const revisionOf = (lang: string, uri: string) =>
    (revisions.get(`* ${uri}`) ?? 0) + (revisions.get(`${lang} ${uri}`) ?? 0);

  const handle = async (request: Request): Promise<Response> => {
    // First of all, so that the arrival is timed as closely as the event loop allows.
    const arrivedAt = clock.now();
    const url = new URL(request.url);
    if (url.pathname === "/__stats") return _json(200, stats.snapshot());
    const isContent = url.pathname === CONTENT_PATH && request.method === "GET";
    const uri = url.searchParams.get("uri") ?? "";
    const nth = stats.begin(isContent ? uri : undefined);
    let outcome: number | "reset" = 500;
    try {
      if (!isContent) return _json(outcome = 404, { error: `No such path: ${url.pathname}` });

      stats.arrive(arrivedAt);
      if (limit.arrive(arrivedAt)) stats.countBeforeRetryAfter();
      const waitMs = bucket?.take(arrivedAt) ?? 0;
      if (waitMs > 0) {
        const seconds = Math.max(1, Math.ceil(waitMs / 1000));
        limit.refused(arrivedAt, seconds * 1000);
        return _json(outcome = 429, { error: "Too many requests" }, {
          "retry-after": String(seconds),
          ...limit.headers(arrivedAt, { refusal: true }),
        });
      }
      if (stats.inFlight > maxInFlight) {
        return _json(outcome = 503, {
          error: `Overloaded: more than ${maxInFlight} requests at once`,
        }, limit.headers(arrivedAt));
      }

      const lang = url.searchParams.get("lang") ?? "eng";
      if (canon.availability(lang, uri) === "no-volume") {
        return _json(outcome = 404, {
          error: `Not found: ${uri} is not available in language "${lang}"`,
        }, limit.headers(arrivedAt));
      }
      const plan = planFaults(seed, uri, nth, options);
      // Rendered on arrival rather than after the delay: a render on the
      // serving loop holds it for a few ms, and a later one would delay (and
      // bunch up) the arrivals the rate limit times, refusing requests that
      // were sent far enough apart (hence also the render worker).
      const body = plan.fault === "error"
        ? undefined
        : await renderer.render(uri, lang, revisionOf(lang, uri));
      // The latency counts from the arrival: the render is part of it.
      const leftMs = arrivedAt + plan.delayMs - clock.now();
      if (leftMs > 0) {
        try {
          // Not request.signal: reading it makes Deno warn about its legacy abort.
          await clock.sleep(leftMs, closing.signal);
        } catch {
          return _json(outcome = 503, { error: "Shutting down" });
        }
      }
      const answeredAt = clock.now();
      if (body === undefined) {
        return _json(outcome = 503, { error: "Service unavailable" }, limit.headers(answeredAt));
      }
      if (plan.fault === "reset") {
        outcome = "reset";
        return _cutOff(body, limit.headers(answeredAt));
      }
      const validators = {
        etag: _etag(body),
        "last-modified": _lastModified(revisionOf(lang, uri)).toUTCString(),
      };
      if (_notModified(request.headers, validators)) {
        outcome = 304;
        return new Response(null, {
          status: 304,
          headers: { ...validators, ...limit.headers(answeredAt) },
        });
      }
      outcome = 200;
      stats.sent(body.byteLength);
      return new Response(body, {
        status: 200,
        headers: { ..._JSON_HEADERS, ...validators, ...limit.headers(answeredAt) },
      });
    } finally {
      stats.end(outcome);
    }
  };

  return new Promise((resolve) => {
    const server = Deno.serve({
      port: options.port ?? 0,
      hostname: "127.0.0.1",
      onListen({ port }) {
        const url = `http://127.0.0.1:${port}`;
        let closed: Promise<void> | undefined;
        resolve({
          url,
          apiUrl: url + CONTENT_PATH,
          canon,
          stats: () => stats.snapshot(),
          resetStats: () => stats.reset(),
          touch(uri, lang) {
            const key = `${lang ?? "*"} ${uri}`;
            revisions.set(key, (revisions.get(key) ?? 0) + 1);
          },
          close() {
            closed ??= (async () => {
              closing.abort(new Error("Fake API closing"));
              await server.shutdown();
              renderer.close();
            })();
            return closed;
          },
        });
      },
    }, handle);
  });
}

const _JSON_HEADERS = { "content-type": "application/json; charset=utf-8" };

// When every page was first published: each change (touch) adds a day.
const _PUBLISHED_MS = Date.UTC(2026, 0, 1);

function _lastModified(revision: number): Date {
  return new Date(_PUBLISHED_MS + revision * 86_400_000);
}

// A strong validator of the body's bytes (FNV-1a, and the length).
function _etag(body: Uint8Array): string {
  let hash = 0x811c9dc5;
  for (const byte of body) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return `"${hash.toString(16).padStart(8, "0")}-${body.byteLength.toString(16)}"`;
}

// RFC 9110 §13.1: If-None-Match decides when present, else If-Modified-Since.
function _notModified(
  headers: Headers,
  validators: { readonly etag: string; readonly "last-modified": string },
): boolean {
  const noneMatch = headers.get("if-none-match");
  if (noneMatch !== null) {
    const tags = noneMatch.split(",").map((tag) => tag.trim().replace(/^W\//, ""));
    return tags.includes("*") || tags.includes(validators.etag);
  }
  const since = headers.get("if-modified-since");
  if (since === null) return false;
  const sinceMs = Date.parse(since);
  return Number.isFinite(sinceMs) && Date.parse(validators["last-modified"]) <= sinceMs;
}

function _json(status: number, value: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(value), { status, headers: { ..._JSON_HEADERS, ...headers } });
}

/**
 * A response that declares the whole body but sends only its first half: the
 * server then drops the connection and the client reads a truncated body.
 * (Erroring the stream instead would make Deno log every drop.)
 */
function _cutOff(body: Uint8Array, headers: Record<string, string>): Response {
  let sent = false;
  const half = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent) return controller.close();
      sent = true;
      controller.enqueue(body.slice(0, Math.max(1, Math.floor(body.byteLength / 2))));
    },
  });
  return new Response(half, {
    status: 200,
    headers: { ..._JSON_HEADERS, ...headers, "content-length": String(body.byteLength) },
  });
}

/**
 * The rate limit's moving parts: the schedule, the Retry-After windows the
 * fake sent, and the headers that announce the limit.
 */
class _RateLimitState {
  readonly #bucket: TokenBucket | undefined;
  readonly #schedule: readonly RateStep[] | undefined;
  readonly #announce: boolean | "on-429";
  readonly #oneSecondBurst: boolean;
  readonly #graceMs: number;
  /** The first content request, where the schedule starts. */
  #origin: number | undefined;
  /** Retry-After windows still running: [counted from, until]. */
  #windows: [number, number][] = [];

  constructor(
    bucket: TokenBucket | undefined,
    schedule: readonly RateStep[] | undefined,
    options: {
      readonly rateLimitHeaders?: boolean | "on-429";
      readonly retryAfterGraceMs?: number;
      readonly oneSecondBurst?: boolean;
    },
  ) {
    this.#bucket = bucket;
    this.#schedule = schedule;
    this.#announce = options.rateLimitHeaders ?? false;
    this.#oneSecondBurst = options.oneSecondBurst ?? false;
    this.#graceMs = options.retryAfterGraceMs ?? 100;
  }

  /**
   * A content request arrived at `now`: follows the schedule, and tells
   * whether a Retry-After sent earlier was still running.
   */
  arrive(now: number): boolean {
    if (this.#bucket !== undefined && this.#schedule !== undefined) {
      this.#origin ??= now;
      const rate = rateAt(this.#schedule, now - this.#origin);
      if (rate !== this.#bucket.ratePerSecond) {
        const burst = this.#oneSecondBurst ? Math.max(1, Math.ceil(rate)) : this.#bucket.burst;
        this.#bucket.setRate(rate, now, burst);
      }
    }
    this.#windows = this.#windows.filter(([, until]) => until > now);
    return this.#windows.some(([from]) => now > from);
  }

  /** A 429 sent at `now` asked to wait `retryAfterMs`. */
  refused(now: number, retryAfterMs: number): void {
    this.#windows.push([now + this.#graceMs, now + retryAfterMs]);
  }

  /**
   * The headers that announce the limit at `now` on an answer (a refusal
   * with `refusal`); none unless asked for and limited.
   */
  headers(now: number, options: { readonly refusal?: boolean } = {}): Record<string, string> {
    const bucket = this.#bucket;
    if (!this.#announce || bucket === undefined) return {};
    const { quota, windowSeconds } = _quota(bucket.ratePerSecond);
    if (this.#announce === "on-429") {
      if (!options.refusal) return {};
      return windowSeconds === 1
        ? { "x-ratelimit-limit": String(quota) }
        : { "ratelimit-policy": `"default";q=${quota};w=${windowSeconds}` };
    }
    const policy = {
      "ratelimit-policy": `"default";q=${quota};w=${windowSeconds}`,
      // Without a window, X-RateLimit-Limit is commonly read per second: only send it then.
      ...(windowSeconds === 1 ? { "x-ratelimit-limit": String(quota) } : {}),
    };
    // What is left of the quota: the bucket's tokens up to the quota, and the
    // time until it holds the quota again (never more than the window). A
    // bucket smaller than the quota (--burst 1) is stricter than the policy
    // says, and its state does not fit whole seconds (a token comes back in
    // 25 ms at 40/s, "t=1" would claim a second): it announces its policy alone.
    if (bucket.burst < quota) return policy;
    const tokens = bucket.available(now);
    const remaining = String(Math.floor(Math.min(tokens, quota)));
    const untilQuotaMs = (Math.max(0, quota - tokens) * 1000) / bucket.ratePerSecond;
    const reset = String(Math.ceil(untilQuotaMs / 1000));
    return {
      ...policy,
      "ratelimit": `"default";r=${remaining};t=${reset}`,
      "x-ratelimit-remaining": remaining,
      "x-ratelimit-reset": reset,
    };
  }
}

/** A rate as a whole quota over a whole number of seconds (the headers allow no fractions). */
function _quota(ratePerSecond: number): { quota: number; windowSeconds: number } {
  for (const windowSeconds of [1, 2, 4, 5, 10, 20, 25, 50, 100, 1000]) {
    const quota = ratePerSecond * windowSeconds;
    if (Math.abs(quota - Math.round(quota)) < 1e-9) {
      return { quota: Math.round(quota), windowSeconds };
    }
  }
  // Never announce more than is allowed.
  return { quota: Math.floor(ratePerSecond * 1000), windowSeconds: 1000 };
}
