import assert from "node:assert/strict";
import { TaskError } from "../../src/exec/types.ts";
import type { SourceConfig } from "../../src/manifest/types.ts";
import { fetchFollowingRedirects } from "../../src/source/redirects.ts";
import { chapterUrl, fetchChapter } from "../../src/source/request.ts";
import { sanitizedTest } from "../exec/_helpers.ts";

const URI = "/scriptures/dc-testament/dc/116";
const START = "https://api.example.org/study/content?lang=eng&uri=x";

/** A fetch that answers each URL from `routes` (else 404) and records every call. */
function routedFetch(routes: Record<string, () => Response>) {
  const calls: { url: string; init?: RequestInit }[] = [];
  const cancelled: string[] = [];
  const fetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    calls.push({ url, init });
    const route = routes[url];
    if (route === undefined) return Promise.resolve(new Response("no route", { status: 404 }));
    const response = route();
    if (response.body === null) return Promise.resolve(response);
    // Record a cancelled body, so the test sees every redirect's body released.
    const reader = response.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel() {
        cancelled.push(url);
        return reader.cancel();
      },
    });
    return Promise.resolve(
      new Response(body, { status: response.status, headers: response.headers }),
    );
  };
  return { fetch: fetch as typeof globalThis.fetch, calls, cancelled };
}

const redirect = (location: string, status = 302) => () =>
  new Response("moved", { status, headers: { location } });

async function refusal(promise: Promise<unknown>): Promise<TaskError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof TaskError, `expected a TaskError, got ${error}`);
  assert.equal(error.retryable, false);
  return error;
}

const options = (fetch: typeof globalThis.fetch) => ({
  fetch,
  headers: { "User-Agent": "test-agent" },
  what: URI,
});

Deno.test("fetchFollowingRedirects follows redirects within the origin, each hop manual and with the headers", async () => {
  const { fetch, calls, cancelled } = routedFetch({
    [START]: redirect("/v4/content?lang=eng&uri=x", 301),
    "https://api.example.org/v4/content?lang=eng&uri=x": redirect("content2?uri=x", 307),
    "https://api.example.org/v4/content2?uri=x": () => new Response("the chapter"),
  });
  const response = await fetchFollowingRedirects(START, options(fetch));
  assert.equal(await response.text(), "the chapter");
  assert.deepEqual(calls.map((c) => c.url), [
    START,
    "https://api.example.org/v4/content?lang=eng&uri=x",
    "https://api.example.org/v4/content2?uri=x",
  ]);
  for (const call of calls) {
    assert.equal(call.init?.redirect, "manual");
    assert.equal(new Headers(call.init?.headers).get("user-agent"), "test-agent");
  }
  assert.deepEqual(cancelled, calls.slice(0, 2).map((c) => c.url));
});

const refusedCases: [name: string, location: string, message: string][] = [
  [
    "a downgrade to http on a remote host",
    "http://api.example.org/content",
    'expected an https URL (http only for localhost, 127.0.0.0/8 or [::1]), got "http://api.example.org/content"',
  ],
  [
    "another https host",
    "https://cdn.example.net/content?uri=x",
    ' to another origin: "https://cdn.example.net/content?uri=x" (redirects are followed only ' +
    "within https://api.example.org; put the endpoint it redirects to in source.url)",
  ],
  [
    "a loopback service",
    "http://127.0.0.1:6379/",
    ' to another origin: "http://127.0.0.1:6379/" (redirects are followed only ' +
    "within https://api.example.org; put the endpoint it redirects to in source.url)",
  ],
  [
    "the same origin with credentials",
    "https://user:secret@api.example.org/content",
    "expected a URL without a user name or password (the content API needs none, " +
    'and the URL is written into every chapter file and log), got "https://***@api.example.org/content"',
  ],
  ["a Location that is not a URL", "https://[oops", 'the Location is not a URL: "https://[oops"'],
];

for (const [name, location, message] of refusedCases) {
  Deno.test(`fetchFollowingRedirects refuses a redirect to ${name}, permanently, sending nothing there`, async () => {
    const { fetch, calls, cancelled } = routedFetch({ [START]: redirect(location, 303) });
    const error = await refusal(fetchFollowingRedirects(START, options(fetch)));
    assert.equal(
      error.message,
      `Cannot fetch chapter "${URI}": refused redirect (HTTP 303)` +
        (message.startsWith(" ") ? message : `: ${message}`),
    );
    assert.equal(error.status, 303);
    assert.deepEqual(calls.map((c) => c.url), [START]);
    assert.deepEqual(cancelled, [START]);
    assert.doesNotMatch(error.message, /secret/);
  });
}

Deno.test("fetchFollowingRedirects follows at most maxRedirects, then refuses", async () => {
  const hop = (n: number) => `https://api.example.org/hop/${n}`;
  const routes: Record<string, () => Response> = { [START]: redirect(hop(1)) };
  for (let n = 1; n < 10; n++) routes[hop(n)] = redirect(hop(n + 1));
  const { fetch, calls } = routedFetch(routes);
  const error = await refusal(fetchFollowingRedirects(START, options(fetch)));
  assert.equal(
    error.message,
    `Cannot fetch chapter "${URI}": refused redirect (HTTP 302): more than 5 redirects ` +
      `(the last to "${hop(6)}")`,
  );
  assert.equal(calls.length, 6, "the start and 5 redirects followed");

  const three = routedFetch(routes);
  await refusal(fetchFollowingRedirects(START, { ...options(three.fetch), maxRedirects: 2 }));
  assert.equal(three.calls.length, 3);
});

Deno.test("fetchFollowingRedirects hands back a 3xx without a Location, and other statuses, as they are", async () => {
  for (const status of [300, 302, 304, 404, 503]) {
    const { fetch, calls } = routedFetch({ [START]: () => new Response(null, { status }) });
    const response = await fetchFollowingRedirects(START, options(fetch));
    assert.equal(response.status, status);
    assert.equal(calls.length, 1);
  }
});

Deno.test("fetchChapter fails a chapter whose request is redirected to plain http, permanently, with the reason", async () => {
  const config = source("https://api.example.org/content");
  const { fetch, calls } = routedFetch({
    [chapterUrl(config, URI)]: redirect("http://api.example.org/content?uri=x", 301),
  });
  const error = await refusal(fetchChapter(URI, { source: config, retryOn: [503], fetch }));
  assert.equal(
    error.message,
    `Cannot fetch chapter "${URI}": refused redirect (HTTP 301): expected an https URL ` +
      '(http only for localhost, 127.0.0.0/8 or [::1]), got "http://api.example.org/content?uri=x"',
  );
  assert.equal(calls.length, 1);
});

// Through fetchChapter, with the real fetch over loopback: Deno's own
// redirect handling must not follow anything behind the importer's back.

/** A chapter JSON of `pageUri` with one verse. */
function chapterJson(pageUri: string): string {
  return JSON.stringify({
    meta: { title: "Doctrine and Covenants 116", pageAttributes: { "data-uri": pageUri } },
    content: {
      body: '<div class="body-block"><p class="verse" id="p1">' +
        '<span class="verse-number">1 </span>Spring Hill.</p></div>',
    },
  });
}

/** Serves on loopback until `close()`; records each request's path and query. */
function serve(handler: (url: URL) => Response) {
  const seen: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const url = new URL(request.url);
    seen.push(url.pathname + url.search);
    return handler(url);
  });
  return {
    base: `http://127.0.0.1:${server.addr.port}`,
    seen,
    close: () => server.shutdown(),
  };
}

function source(url: string): SourceConfig {
  return { url, lang: "eng", userAgent: "test", timeoutMs: 5_000, maxBodyBytes: 1_000_000 };
}

sanitizedTest(
  "fetchChapter refuses a redirect to another loopback origin and sends nothing there",
  async () => {
    const other = serve(() => new Response(chapterJson(URI)));
    const api = serve((url) => Response.redirect(`${other.base}${url.pathname}${url.search}`, 302));
    try {
      const error = await refusal(
        fetchChapter(URI, { source: source(`${api.base}/api`), retryOn: [503] }),
      );
      assert.match(
        error.message,
        new RegExp(`refused redirect \\(HTTP 302\\) to another origin: "${other.base}/api\\?`),
      );
      assert.deepEqual(other.seen, []);
      assert.equal(api.seen.length, 1);
    } finally {
      await api.close();
      await other.close();
    }
  },
);

sanitizedTest(
  "fetchChapter follows a redirect within the origin to the page asked for",
  async () => {
    const api = serve((url) =>
      url.pathname === "/old"
        ? Response.redirect(url.href.replace("/old", "/new"), 308)
        : new Response(chapterJson(url.searchParams.get("uri") ?? ""))
    );
    try {
      const config = source(`${api.base}/old`);
      const fetched = await fetchChapter(URI, { source: config, retryOn: [503] });
      assert.deepEqual(fetched.chapter.verses.map((v) => v.text), ["Spring Hill."]);
      // The chapter names the URL its source.url gives, the one the user can check.
      assert.equal(fetched.url, chapterUrl(config, URI));
      assert.deepEqual(api.seen.map((s) => s.split("?")[0]), ["/old", "/new"]);
    } finally {
      await api.close();
    }
  },
);

sanitizedTest(
  "fetchChapter still refuses another page when a redirect within the origin leads to one",
  async () => {
    const api = serve((url) =>
      url.searchParams.get("uri") === URI
        ? Response.redirect(`${url.origin}/api?lang=eng&uri=/scriptures/dc-testament`, 302)
        : new Response(chapterJson(url.searchParams.get("uri") ?? ""))
    );
    try {
      const error = await refusal(
        fetchChapter(URI, { source: source(`${api.base}/api`), retryOn: [503] }),
      );
      assert.match(
        error.message,
        /the server answered with another page: \/scriptures\/dc-testament instead of \/scriptures\/dc-testament\/dc\/116/,
      );
      assert.equal(api.seen.length, 2);
    } finally {
      await api.close();
    }
  },
);
