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
import { FakeCanon } from "./fake_canon.ts";
import { fakeChapter } from "./fake_chapter.ts";
import { chapterPage, contentsPage } from "./fake_page.ts";
import { type FaultOptions, planFaults } from "./fault_plan.ts";
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
  /** Requests per second allowed (token bucket); above it, 429 with `Retry-After`. @default unlimited */
  readonly ratePerSecond?: number;
  /** Token bucket capacity. @default 1 */
  readonly burst?: number;
  /** Requests handled at once; above it, 503 (an overloaded server's answer). @default unlimited */
  readonly maxInFlight?: number;
  /** Times the rate limit and the delays. @default systemClock */
  readonly clock?: Clock;
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
  /** Zeroes the counters (requests in flight stay counted). */
  resetStats(): void;
  /** Stops listening; requests still waiting are answered 503 at once. */
  close(): Promise<void>;
}

/**
 * Starts the fake API on 127.0.0.1.
 *
 * `GET <CONTENT_PATH>?lang=<lang>&uri=/scriptures/{volume}/{book}/{chapter}`
 * answers the chapter (any `lang` is echoed); a URI that is not a chapter of
 * the canon answers 200 with a table of contents whose `data-uri` differs, as
 * the real API can. `GET /__stats` answers {@link FakeApiStats} as JSON.
 *
 * Each request, in order: counted; refused 429 (with `Retry-After` in whole
 * seconds, rounded up) when the token bucket is empty; refused 503 when more
 * than `maxInFlight` are being handled; delayed; then answered 503, cut off
 * mid-body, or answered, as {@link planFaults} decides.
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
  const canon = new FakeCanon(options.volumes, { seed });
  const stats = new StatsRecorder();
  const bucket = options.ratePerSecond === undefined ? undefined : new TokenBucket(
    { ratePerSecond: options.ratePerSecond, burst: options.burst ?? 1 },
    clock.now(),
  );
  const maxInFlight = options.maxInFlight ?? Infinity;
  const closing = new AbortController();

  const handle = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (url.pathname === "/__stats") return _json(200, stats.snapshot());
    const isContent = url.pathname === CONTENT_PATH && request.method === "GET";
    const uri = url.searchParams.get("uri") ?? "";
    const nth = stats.begin(isContent ? uri : undefined);
    let outcome: number | "reset" = 500;
    try {
      if (!isContent) return _json(outcome = 404, { error: `No such path: ${url.pathname}` });

      const waitMs = bucket?.take(clock.now()) ?? 0;
      if (waitMs > 0) {
        const seconds = Math.max(1, Math.ceil(waitMs / 1000));
        return _json(outcome = 429, { error: "Too many requests" }, {
          "retry-after": String(seconds),
        });
      }
      if (stats.inFlight > maxInFlight) {
        return _json(outcome = 503, {
          error: `Overloaded: more than ${maxInFlight} requests at once`,
        });
      }

      const plan = planFaults(seed, uri, nth, options);
      if (plan.delayMs > 0) {
        try {
          // Not request.signal: reading it makes Deno warn about its legacy abort.
          await clock.sleep(plan.delayMs, closing.signal);
        } catch {
          return _json(outcome = 503, { error: "Shutting down" });
        }
      }
      if (plan.fault === "error") return _json(outcome = 503, { error: "Service unavailable" });

      const lang = url.searchParams.get("lang") ?? "eng";
      const fake = fakeChapter(canon, uri);
      const page = fake === undefined ? contentsPage(canon, uri, lang) : chapterPage(fake, lang);
      const body = new TextEncoder().encode(JSON.stringify(page));
      if (plan.fault === "reset") {
        outcome = "reset";
        return _cutOff(body);
      }
      outcome = 200;
      return new Response(body, { status: 200, headers: _JSON_HEADERS });
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
          close() {
            closed ??= (async () => {
              closing.abort(new Error("Fake API closing"));
              await server.shutdown();
            })();
            return closed;
          },
        });
      },
    }, handle);
  });
}

const _JSON_HEADERS = { "content-type": "application/json; charset=utf-8" };

function _json(status: number, value: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(value), { status, headers: { ..._JSON_HEADERS, ...headers } });
}

/**
 * A response that declares the whole body but sends only its first half: the
 * server then drops the connection and the client reads a truncated body.
 * (Erroring the stream instead would make Deno log every drop.)
 */
function _cutOff(body: Uint8Array): Response {
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
    headers: { ..._JSON_HEADERS, "content-length": String(body.byteLength) },
  });
}
