import assert from "node:assert/strict";
import { TaskError } from "../../src/exec/types.ts";
import type { SourceConfig } from "../../src/manifest/types.ts";
import { chapterUrl, fetchChapter, type FetchChapterOptions } from "../../src/source/request.ts";

const SOURCE: SourceConfig = {
  url: "https://www.churchofjesuschrist.org/study/api/v3/language-pages/type/content",
  lang: "eng",
  userAgent: "scripture-importer/0.1 (test)",
  timeoutMs: 30_000,
  maxBodyBytes: 5_000_000,
};
const RETRY_ON = [429, 500, 502, 503, 504];
const URI = "/scriptures/dc-testament/dc/116";
const NOW = Date.parse("2025-03-01T12:00:00.000Z");

async function fixtureText(name: string): Promise<string> {
  return await Deno.readTextFile(new URL(`../fixtures/${name}`, import.meta.url));
}

/** A fetch that answers every call with `make()` and records the calls. */
function fakeFetch(make: () => Response | Promise<Response>) {
  const calls: { url: string; init?: RequestInit }[] = [];
  const fetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    calls.push({ url: String(input), init });
    return Promise.resolve(make());
  };
  return { fetch: fetch as typeof globalThis.fetch, calls };
}

function options(
  fetch: typeof globalThis.fetch,
  extra: Partial<FetchChapterOptions> = {},
): FetchChapterOptions {
  return { source: SOURCE, retryOn: RETRY_ON, fetch, now: () => NOW, ...extra };
}

/** A body stream that records whether it was cancelled and how many chunks were pulled. */
function trackedStream(chunks: Uint8Array[], then: "close" | "error" | "hang" = "close") {
  const state = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (state.pulled < chunks.length) {
        controller.enqueue(chunks[state.pulled++]);
        return;
      }
      if (then === "close") controller.close();
      else if (then === "error") controller.error(new TypeError("connection reset by peer"));
      else return new Promise(() => {}); // never answers
    },
    cancel() {
      state.cancelled = true;
    },
  }, { highWaterMark: 0 }); // pull only when read, so `pulled` counts reads
  return { stream, state };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("Expected a rejection, got a value");
}

async function taskError(promise: Promise<unknown>): Promise<TaskError> {
  const error = await rejection(promise);
  assert.ok(error instanceof TaskError, `expected a TaskError, got ${error}`);
  return error;
}

Deno.test("chapterUrl puts lang and the percent-encoded uri on the endpoint", () => {
  assert.equal(
    chapterUrl({ ...SOURCE, lang: "spa" }, "/scriptures/bofm/1-ne/3"),
    `${SOURCE.url}?lang=spa&uri=%2Fscriptures%2Fbofm%2F1-ne%2F3`,
  );
});

Deno.test("fetchChapter sends the User-Agent, Accept: application/json and the signal, and parses the chapter", async () => {
  const body = await fixtureText("dc-testament_dc_116.json");
  const { fetch, calls } = fakeFetch(() => new Response(body, { status: 200 }));
  const controller = new AbortController();
  const result = await fetchChapter(URI, options(fetch, { signal: controller.signal }));

  assert.equal(calls.length, 1);
  assert.equal(calls[0].url, chapterUrl(SOURCE, URI));
  const headers = new Headers(calls[0].init?.headers);
  assert.equal(headers.get("user-agent"), "scripture-importer/0.1 (test)");
  assert.equal(headers.get("accept"), "application/json");
  assert.equal(calls[0].init?.signal, controller.signal);

  assert.equal(result.url, chapterUrl(SOURCE, URI));
  assert.equal(result.bytes, new TextEncoder().encode(body).byteLength);
  assert.equal(result.chapter.uri, URI);
  assert.equal(result.chapter.volume, "dc-testament");
  assert.equal(result.chapter.book, "dc");
  assert.equal(result.chapter.chapter, 116);
  assert.deepEqual(result.chapter.verses.map((v) => v.number), [1]);
  assert.deepEqual(result.chapter.source, {
    url: chapterUrl(SOURCE, URI),
    fetchedAt: "2025-03-01T12:00:00.000Z",
  });
});

Deno.test("fetchChapter measures the time to first byte: from sending to the headers, not the body", async () => {
  const body = new TextEncoder().encode(await fixtureText("dc-testament_dc_116.json"));
  let now = NOW;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      now += 25; // the body takes 25 ms more to arrive, then parsing happens
      controller.enqueue(body);
      controller.close();
    },
  }, { highWaterMark: 0 });
  const fetch = () => {
    now += 40; // the server answers its headers after 40 ms
    return Promise.resolve(new Response(stream, { status: 200 }));
  };
  const result = await fetchChapter(
    URI,
    options(fetch as typeof globalThis.fetch, { now: () => now }),
  );
  assert.equal(result.ttfbMs, 40);
  assert.equal(now - NOW, 65);
});

Deno.test("fetchChapter rejects a URI that is not a chapter URI with a TypeError", async () => {
  const { fetch, calls } = fakeFetch(() => new Response("{}"));
  const error = await rejection(fetchChapter("/scriptures/bofm", options(fetch)));
  assert.ok(error instanceof TypeError);
  assert.equal(calls.length, 0);
});

const statusCases: [
  name: string,
  status: number,
  headers: Record<string, string>,
  expected: { retryable: boolean; retryAfterMs?: number; message: RegExp },
][] = [
  ["429 with Retry-After in seconds", 429, { "retry-after": "7" }, {
    retryable: true,
    retryAfterMs: 7000,
    message:
      /^Cannot fetch chapter "\/scriptures\/dc-testament\/dc\/116": HTTP 429 .*Retry-After 7000 ms/,
  }],
  [
    "429 with Retry-After as an HTTP date",
    429,
    { "retry-after": "Sat, 01 Mar 2025 12:00:30 GMT" },
    {
      retryable: true,
      retryAfterMs: 30_000,
      message: /HTTP 429/,
    },
  ],
  ["429 with an unparsable Retry-After", 429, { "retry-after": "later, maybe" }, {
    retryable: true,
    retryAfterMs: undefined,
    message: /HTTP 429/,
  }],
  ["503 in retryOn", 503, {}, { retryable: true, message: /HTTP 503/ }],
  // A Retry-After on a permanent refusal still pauses the run: kept, though not retried.
  ["404 with Retry-After", 404, { "retry-after": "5" }, {
    retryable: false,
    message: /HTTP 404.*\(Retry-After 5000 ms\)/,
    retryAfterMs: 5000,
  }],
  ["400", 400, {}, { retryable: false, message: /HTTP 400/ }],
  ["501, a server error not in retryOn", 501, {}, {
    retryable: false,
    message: /HTTP 501 .*not in retryOn: permanent/,
  }],
];

for (const [name, status, headers, expected] of statusCases) {
  Deno.test(`fetchChapter classifies ${name}`, async () => {
    const { stream, state } = trackedStream([new TextEncoder().encode("error page")]);
    const { fetch } = fakeFetch(() => new Response(stream, { status, headers }));
    const error = await taskError(fetchChapter(URI, options(fetch)));
    assert.equal(error.status, status);
    assert.equal(error.retryable, expected.retryable);
    assert.equal(error.retryAfterMs, expected.retryAfterMs);
    assert.match(error.message, expected.message);
    assert.ok(state.cancelled, "the error body is cancelled, not left open");
  });
}

Deno.test("fetchChapter treats 500 as permanent when the configured retryOn leaves it out", async () => {
  const { fetch } = fakeFetch(() => new Response("oops", { status: 500 }));
  const error = await taskError(fetchChapter(URI, options(fetch, { retryOn: [429, 503] })));
  assert.equal(error.retryable, false);
  assert.equal(error.status, 500);
  assert.match(error.message, /not in retryOn: permanent/);
});

const bodyCases: [
  name: string,
  body: () => Promise<string>,
  retryable: boolean,
  message: RegExp,
][] = [
  ["malformed JSON", () => Promise.resolve('{"meta": {'), true, /: unparsable JSON: /],
  [
    "JSON without content.body",
    () => Promise.resolve('{"meta": {}, "uri": "x"}'),
    true,
    /missing content\.body/,
  ],
  [
    "another page (a table of contents)",
    () => fixtureText("contents_dc-testament.json"),
    false,
    /the server answered with another page: \/scriptures\/dc-testament instead of \/scriptures\/dc-testament\/dc\/116/,
  ],
  [
    "an empty chapter",
    async () =>
      (await fixtureText("nt_matt_5_empty.json")).replaceAll("/scriptures/nt/matt/5", URI),
    false,
    /empty chapter/,
  ],
];

for (const [name, body, retryable, message] of bodyCases) {
  Deno.test(`fetchChapter classifies ${name}`, async () => {
    const text = await body();
    const { fetch } = fakeFetch(() => new Response(text, { status: 200 }));
    const error = await taskError(fetchChapter(URI, options(fetch)));
    assert.equal(error.retryable, retryable);
    assert.match(error.message, message);
  });
}

Deno.test("fetchChapter refuses a body that is not valid UTF-8, permanently, naming the byte", async () => {
  // A Latin-1 "é" (one byte 0xe9) in the verse, as a server that ignores the charset sends it.
  const text = await fixtureText("dc-testament_dc_116.json");
  const utf8 = new TextEncoder().encode(text.replace("Spring Hill", "Spring H\u00e9ll"));
  const at = new TextEncoder().encode(text.slice(0, text.indexOf("Spring Hill") + 8)).byteLength;
  const latin1 = new Uint8Array([...utf8.subarray(0, at), 0xe9, ...utf8.subarray(at + 2)]);
  const { fetch } = fakeFetch(() =>
    new Response(latin1, {
      status: 200,
      headers: { "content-type": "application/json; charset=iso-8859-1" },
    })
  );
  const error = await taskError(fetchChapter(URI, options(fetch)));
  assert.equal(error.retryable, false);
  assert.equal(
    error.message,
    `Cannot read response for "${URI}": body is not valid UTF-8: invalid byte sequence at byte ` +
      `${at} (0xe9); the response declares charset=iso-8859-1`,
  );
});

Deno.test("fetchChapter refuses a Content-Length over the cap without reading the body", async () => {
  const { stream, state } = trackedStream([new Uint8Array(10)]);
  const { fetch } = fakeFetch(() =>
    new Response(stream, { status: 200, headers: { "content-length": "5000001" } })
  );
  const error = await taskError(fetchChapter(URI, options(fetch)));
  assert.equal(error.retryable, false);
  assert.match(error.message, /response body over 5000000 bytes/);
  assert.equal(state.pulled, 0);
  assert.ok(state.cancelled);
});

Deno.test("fetchChapter stops reading an undeclared body as soon as it passes the cap", async () => {
  const chunk = new Uint8Array(400);
  const { stream, state } = trackedStream(Array.from({ length: 100 }, () => chunk));
  const { fetch } = fakeFetch(() => new Response(stream, { status: 200 }));
  const error = await taskError(
    fetchChapter(URI, options(fetch, { source: { ...SOURCE, maxBodyBytes: 1000 } })),
  );
  assert.equal(error.retryable, false);
  assert.match(error.message, /response body over 1000 bytes/);
  assert.equal(state.pulled, 3, "the third 400-byte chunk passes the 1000-byte cap");
  assert.ok(state.cancelled);
});

Deno.test("fetchChapter turns a rejected fetch into a retryable network error", async () => {
  const fetch = (() =>
    Promise.reject(
      new TypeError("error sending request: connection reset"),
    )) as typeof globalThis.fetch;
  const error = await taskError(fetchChapter(URI, options(fetch)));
  assert.equal(error.retryable, true);
  assert.equal(error.status, undefined);
  assert.match(error.message, /: network error: error sending request: connection reset$/);
  assert.ok(error.cause instanceof TypeError);
});

Deno.test("fetchChapter turns a body cut short into a retryable error", async () => {
  const { stream } = trackedStream([new TextEncoder().encode('{"meta": {"ti')], "error");
  const { fetch } = fakeFetch(() => new Response(stream, { status: 200 }));
  const error = await taskError(fetchChapter(URI, options(fetch)));
  assert.equal(error.retryable, true);
  assert.match(error.message, /response body truncated: connection reset by peer/);
});

Deno.test("fetchChapter rethrows the signal's reason unchanged when fetch is aborted", async () => {
  const controller = new AbortController();
  const reason = new Error("attempt timed out after 30000 ms");
  const fetch = ((_: string, init?: RequestInit) =>
    new Promise((_resolve, reject) => {
      init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
    })) as typeof globalThis.fetch;
  const pending = fetchChapter(URI, options(fetch, { signal: controller.signal }));
  controller.abort(reason);
  assert.equal(await rejection(pending), reason);
});

Deno.test("fetchChapter rethrows the signal's reason when it aborts while the body streams", async () => {
  const controller = new AbortController();
  const reason = new DOMException("Run cancelled", "AbortError");
  const { stream, state } = trackedStream([new TextEncoder().encode("{")], "hang");
  const { fetch } = fakeFetch(() => {
    queueMicrotask(() => controller.abort(reason));
    return new Response(stream, { status: 200 });
  });
  const error = await rejection(fetchChapter(URI, options(fetch, { signal: controller.signal })));
  assert.equal(error, reason);
  assert.ok(state.cancelled);
});

Deno.test("fetchChapter does not call fetch when the signal has already aborted", async () => {
  const reason = new Error("cancelled before start");
  const { fetch, calls } = fakeFetch(() => new Response("{}"));
  const error = await rejection(
    fetchChapter(URI, options(fetch, { signal: AbortSignal.abort(reason) })),
  );
  assert.equal(error, reason);
  assert.equal(calls.length, 0);
});

Deno.test("fetchChapter returns the rate limit a response announces, and a refusal carries it", async () => {
  const body = await fixtureText("dc-testament_dc_116.json");
  const headers = { "RateLimit-Policy": '"default";q=40;w=1', "RateLimit": '"default";r=3;t=1' };
  const ok = fakeFetch(() => new Response(body, { status: 200, headers }));
  const fetched = await fetchChapter(URI, options(ok.fetch));
  assert.deepEqual(fetched.rateHint, { ratePerSecond: 40, remaining: 3, resetMs: 1000 });
  const plain = fakeFetch(() => new Response(body, { status: 200 }));
  assert.equal("rateHint" in await fetchChapter(URI, options(plain.fetch)), false);

  const refused = fakeFetch(() =>
    new Response("slow down", { status: 429, headers: { ...headers, "Retry-After": "2" } })
  );
  const error = await rejection(fetchChapter(URI, options(refused.fetch)));
  assert.ok(error instanceof TaskError);
  assert.equal(error.retryAfterMs, 2000);
  assert.deepEqual(error.rateHint, { ratePerSecond: 40, remaining: 3, resetMs: 1000 });
  const missing = fakeFetch(() => new Response("no", { status: 404 }));
  const permanent = await rejection(fetchChapter(URI, options(missing.fetch)));
  assert.ok(permanent instanceof TaskError && permanent.rateHint === undefined);
});

Deno.test("fetchChapter hands the rate limit on as the headers arrive, before a body that never completes", async () => {
  const headers = { "RateLimit": '"default";r=0;t=30' };
  const { stream, state } = trackedStream([new TextEncoder().encode('{"meta": {"ti')], "error");
  const cut = fakeFetch(() => new Response(stream, { status: 200, headers }));
  const hints: { hint: unknown; pulled: number }[] = [];
  const onRateHint = (hint: unknown) => hints.push({ hint, pulled: state.pulled });
  const error = await taskError(fetchChapter(URI, options(cut.fetch, { onRateHint })));
  assert.match(error.message, /response body truncated/);
  assert.deepEqual(hints, [{ hint: { remaining: 0, resetMs: 30_000 }, pulled: 0 }]);

  const plain = fakeFetch(() => new Response("{}", { status: 200 }));
  await rejection(fetchChapter(URI, options(plain.fetch, { onRateHint })));
  assert.equal(hints.length, 1, "an answer that announces nothing is not handed on");
});

Deno.test("fetchChapter hands on only the rate when a Retry-After takes precedence over the quota's reset", async () => {
  const headers = {
    "RateLimit-Policy": '"default";q=40;w=1',
    "RateLimit": '"default";r=0;t=30',
    "Retry-After": "1",
  };
  const refused = fakeFetch(() => new Response("slow down", { status: 429, headers }));
  const hints: unknown[] = [];
  const error = await taskError(
    fetchChapter(URI, options(refused.fetch, { onRateHint: (hint) => hints.push(hint) })),
  );
  assert.equal(error.retryAfterMs, 1000);
  assert.deepEqual(hints, [{ ratePerSecond: 40 }]);
  const onlyQuota = fakeFetch(() =>
    new Response("slow down", {
      status: 429,
      headers: { "RateLimit": '"default";r=0;t=30', "Retry-After": "1" },
    })
  );
  const more: unknown[] = [];
  await taskError(
    fetchChapter(URI, options(onlyQuota.fetch, { onRateHint: (hint) => more.push(hint) })),
  );
  assert.deepEqual(more, [], "nothing left to hand on");
});
