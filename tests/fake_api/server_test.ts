import assert from "node:assert/strict";
import { VirtualClock } from "../../src/exec/virtual_clock.ts";
import { TaskError } from "../../src/exec/types.ts";
import { expectedChapter, fakeChapter } from "../../src/fake_api/fake_chapter.ts";
import { planFaults } from "../../src/fake_api/fault_plan.ts";
import { type FakeApi, type FakeApiOptions, startFakeApi } from "../../src/fake_api/server.ts";
import type { SourceConfig } from "../../src/manifest/types.ts";
import { fetchChapter } from "../../src/source/request.ts";
import { SMALL_CANON } from "./_canon.ts";

const RETRY_ON = [429, 500, 502, 503, 504];
const sanitized = { sanitizeOps: true, sanitizeResources: true };

function sourceOf(api: FakeApi): SourceConfig {
  return {
    url: api.apiUrl,
    lang: "eng",
    userAgent: "fake-api-test",
    timeoutMs: 30_000,
    maxBodyBytes: 5_000_000,
  };
}

/** Runs `body` against a fake API started with `options`, and always closes it. */
async function withApi(
  options: Omit<FakeApiOptions, "volumes">,
  body: (api: FakeApi) => Promise<void>,
): Promise<void> {
  const api = await startFakeApi({ volumes: SMALL_CANON, ...options });
  try {
    await body(api);
  } finally {
    await api.close();
  }
}

/** GETs a URI of the content API and reads the whole body. */
async function get(api: FakeApi, uri: string, lang = "eng") {
  const response = await fetch(`${api.apiUrl}?lang=${lang}&uri=${encodeURIComponent(uri)}`);
  const text = await response.text();
  return { status: response.status, retryAfter: response.headers.get("retry-after"), text };
}

/** Lets the server's handlers run until `condition` holds (no timing involved: bounded turns). */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let turn = 0; turn < 2000; turn++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error(`Gave up waiting until ${what}`);
}

Deno.test({
  name: "the fake API serves a chapter that fetchChapter parses to exactly what it invented",
  ...sanitized,
  fn: () =>
    withApi({ seed: 4 }, async (api) => {
      for (
        const uri of [
          "/scriptures/ot/gen/1",
          "/scriptures/ot/ps/3",
          "/scriptures/pgp/js-h/1",
          "/scriptures/dc-testament/dc/4",
        ]
      ) {
        const { chapter, bytes } = await fetchChapter(uri, {
          source: sourceOf(api),
          retryOn: RETRY_ON,
        });
        const [, , volume, book, n] = uri.split("/");
        assert.equal(chapter.verses.length, api.canon.verseCount(volume, book, Number(n)));
        const { title, number, subtitle, intro, studyIntro, summary, verses, paragraphs } = chapter;
        assert.deepEqual(
          { title, number, subtitle, intro, studyIntro, summary, verses, paragraphs },
          expectedChapter(fakeChapter(api.canon, uri)!),
        );
        assert.ok(bytes > 1000);
      }
    }),
});

Deno.test({
  name: "the fake API serves the special chapters: closing paragraphs, signature, declarations",
  ...sanitized,
  fn: () =>
    withApi({}, async (api) => {
      const options = { source: sourceOf(api), retryOn: RETRY_ON };
      const jsh = await fetchChapter("/scriptures/pgp/js-h/1", options);
      assert.equal(jsh.chapter.verses.length, 75);
      assert.deepEqual(jsh.chapter.paragraphs.map((p) => p.id), [
        "p76",
        "p77",
        "p78",
        "p79",
        "p80",
        "p81",
        "p82",
      ]);
      const aof = await fetchChapter("/scriptures/pgp/a-of-f/1", options);
      assert.equal(aof.chapter.verses.length, 13);
      assert.equal(aof.chapter.summary, null);
      assert.deepEqual(aof.chapter.paragraphs.map((p) => p.id), ["signature1"]);
      const od = await fetchChapter("/scriptures/dc-testament/od/2", {
        ...options,
        proseOnly: true,
      });
      assert.equal(od.chapter.verses.length, 0);
      assert.ok(od.chapter.paragraphs.length >= 5);
      const dc = await fetchChapter("/scriptures/dc-testament/dc/116", options);
      assert.equal(dc.chapter.summary, null);
    }),
});

Deno.test({
  name: "the fake API answers an unknown URI with a contents page, which fetchChapter refuses",
  ...sanitized,
  fn: () =>
    withApi({}, async (api) => {
      const raw = await get(api, "/scriptures/dc-testament/dc/139");
      assert.equal(raw.status, 200);
      assert.equal(
        JSON.parse(raw.text).meta.pageAttributes["data-uri"],
        "/scriptures/dc-testament/dc",
      );
      await assert.rejects(
        fetchChapter("/scriptures/dc-testament/dc/139", {
          source: sourceOf(api),
          retryOn: RETRY_ON,
        }),
        (error: unknown) =>
          error instanceof TaskError && !error.retryable &&
          error.message.includes(
            "the server answered with another page: /scriptures/dc-testament/dc instead of /scriptures/dc-testament/dc/139",
          ),
      );
    }),
});

Deno.test({
  name: "the fake API echoes the lang it serves and takes the uri raw or percent-encoded",
  ...sanitized,
  fn: () =>
    withApi({}, async (api) => {
      const encoded = await get(api, "/scriptures/ot/gen/2", "por");
      assert.equal(encoded.status, 200);
      assert.equal(JSON.parse(encoded.text).meta.pageAttributes.lang, "por");
      const response = await fetch(`${api.apiUrl}?lang=eng&uri=/scriptures/ot/gen/2`);
      const page = await response.json();
      assert.equal(page.meta.pageAttributes["data-uri"], "/scriptures/ot/gen/2");
    }),
});

Deno.test({
  name: "the fake API answers 404 on other paths and counts it",
  ...sanitized,
  fn: () =>
    withApi({}, async (api) => {
      const response = await fetch(`${api.url}/study/api/v2/other`);
      await response.body?.cancel();
      assert.equal(response.status, 404);
      assert.deepEqual(api.stats().byStatus, { "404": 1 });
    }),
});

Deno.test({
  name: "--rate answers 429 with Retry-After in whole seconds until the bucket refills",
  ...sanitized,
  fn: async () => {
    const clock = new VirtualClock(1_000_000);
    await withApi({ ratePerSecond: 0.4, burst: 1, clock }, async (api) => {
      assert.equal((await get(api, "/scriptures/ot/gen/1")).status, 200);
      const refused = await get(api, "/scriptures/ot/gen/2");
      assert.equal(refused.status, 429);
      assert.equal(refused.retryAfter, "3", "2.5 s until the next token, rounded up");
      const error = await fetchChapter("/scriptures/ot/gen/2", {
        source: sourceOf(api),
        retryOn: RETRY_ON,
        now: () => clock.now(),
      }).catch((e) => e);
      assert.ok(error instanceof TaskError);
      assert.equal(error.status, 429);
      assert.equal(error.retryable, true);
      assert.equal(error.retryAfterMs, 3000);
      await clock.advance(2500);
      assert.equal((await get(api, "/scriptures/ot/gen/2")).status, 200);
      assert.equal(api.stats().tooManyRequests, 2);
    });
  },
});

Deno.test({
  name: "/__stats counts duplicates and the peak of requests in flight",
  ...sanitized,
  fn: async () => {
    const clock = new VirtualClock();
    await withApi({ latencyMs: 100, clock }, async (api) => {
      const pending = [
        get(api, "/scriptures/ot/gen/1"),
        get(api, "/scriptures/ot/gen/1"),
        get(api, "/scriptures/ot/gen/2"),
      ];
      await until(() => clock.pendingTimers === 3, "three requests wait in the server");
      assert.equal(api.stats().inFlight, 3);
      await clock.advance(100);
      const statuses = (await Promise.all(pending)).map((r) => r.status);
      assert.deepEqual(statuses, [200, 200, 200]);

      const response = await fetch(`${api.url}/__stats`);
      const stats = await response.json();
      assert.equal(stats.requests, 3, "/__stats itself is not counted");
      assert.deepEqual(stats.byStatus, { "200": 3 });
      assert.deepEqual(stats.byUri, { "/scriptures/ot/gen/1": 2, "/scriptures/ot/gen/2": 1 });
      assert.deepEqual(stats.duplicates, { count: 1, uris: { "/scriptures/ot/gen/1": 2 } });
      assert.equal(stats.peakInFlight, 3);
      assert.equal(stats.inFlight, 0);

      api.resetStats();
      assert.equal(api.stats().requests, 0);
      assert.equal(api.stats().peakInFlight, 0);
    });
  },
});

Deno.test({
  name: "--max-inflight answers 503 to a request beyond the limit",
  ...sanitized,
  fn: async () => {
    const clock = new VirtualClock();
    await withApi({ latencyMs: 50, maxInFlight: 2, clock }, async (api) => {
      const pending = [get(api, "/scriptures/ot/gen/1"), get(api, "/scriptures/ot/gen/2")];
      await until(() => clock.pendingTimers === 2, "two requests wait in the server");
      const third = await get(api, "/scriptures/ot/gen/3");
      assert.equal(third.status, 503);
      await clock.advance(50);
      assert.deepEqual((await Promise.all(pending)).map((r) => r.status), [200, 200]);
      assert.deepEqual(api.stats().byStatus, { "200": 2, "503": 1 });
    });
  },
});

Deno.test({
  name: "--error-rate answers 503 to the requests the seed picks, the same on every run",
  ...sanitized,
  fn: async () => {
    const uris = Array.from({ length: 24 }, (_, i) => `/scriptures/ot/gen/${i + 1}`);
    const expected = uris.map((uri) =>
      planFaults(7, uri, 1, { errorRate: 0.5 }).fault === "error" ? 503 : 200
    );
    assert.ok(expected.includes(503) && expected.includes(200), "the seed picks some of each");
    for (let run = 0; run < 2; run++) {
      await withApi({ seed: 7, errorRate: 0.5 }, async (api) => {
        const statuses: number[] = [];
        for (const uri of uris) statuses.push((await get(api, uri)).status);
        assert.deepEqual(statuses, expected);
      });
    }
    await withApi({ seed: 7, errorRate: 1 }, async (api) => {
      const error = await fetchChapter(uris[0], { source: sourceOf(api), retryOn: RETRY_ON }).catch(
        (e) => e,
      );
      assert.ok(error instanceof TaskError);
      assert.equal(error.retryable, true);
      assert.equal(error.status, 503);
    });
  },
});

Deno.test({
  name: "--reset-rate cuts the body short and fetchChapter reports a retryable error",
  ...sanitized,
  fn: () =>
    withApi({ resetRate: 1 }, async (api) => {
      const error = await fetchChapter("/scriptures/ot/gen/1", {
        source: sourceOf(api),
        retryOn: RETRY_ON,
      })
        .catch((e) => e);
      assert.ok(error instanceof TaskError, String(error));
      assert.equal(error.retryable, true);
      assert.match(error.message, /response body truncated|network error/);
      assert.equal(api.stats().resets, 1);
      assert.deepEqual(api.stats().byStatus, {});
    }),
});

Deno.test({
  name: "the fake API waits on the injected clock and answers 503 to waiting requests when closed",
  ...sanitized,
  fn: async () => {
    const clock = new VirtualClock();
    const api = await startFakeApi({ volumes: SMALL_CANON, latencyMs: 60_000, clock });
    const pending = get(api, "/scriptures/ot/gen/1");
    await until(() => clock.pendingTimers === 1, "the request waits in the server");
    await api.close();
    assert.equal((await pending).status, 503);
    assert.equal(clock.pendingTimers, 0);
    await api.close(); // closing twice is harmless
  },
});

Deno.test({
  name: "--ratelimit-headers announces the bucket in every content answer, 429s included",
  ...sanitized,
  fn: async () => {
    const clock = new VirtualClock(1_000_000);
    await withApi({ ratePerSecond: 2, burst: 2, rateLimitHeaders: true, clock }, async (api) => {
      const fields = async (uri: string) => {
        const response = await fetch(`${api.apiUrl}?lang=eng&uri=${encodeURIComponent(uri)}`);
        await response.body?.cancel();
        const h = (name: string) => response.headers.get(name);
        return [
          response.status,
          h("ratelimit-policy"),
          h("ratelimit"),
          h("x-ratelimit-limit"),
          h("x-ratelimit-remaining"),
          h("x-ratelimit-reset"),
        ];
      };
      assert.deepEqual(await fields("/scriptures/ot/gen/1"), [
        200,
        '"default";q=2;w=1',
        '"default";r=1;t=1',
        "2",
        "1",
        "1",
      ]);
      assert.deepEqual(await fields("/scriptures/ot/gen/2"), [
        200,
        '"default";q=2;w=1',
        '"default";r=0;t=1',
        "2",
        "0",
        "1",
      ]);
      assert.deepEqual(await fields("/scriptures/ot/gen/3"), [
        429,
        '"default";q=2;w=1',
        '"default";r=0;t=1',
        "2",
        "0",
        "1",
      ]);
      // fetchChapter reads them: the importer can pace by them.
      await clock.advance(1000);
      const { rateHint } = await fetchChapter("/scriptures/ot/gen/3", {
        source: sourceOf(api),
        retryOn: RETRY_ON,
        now: () => clock.now(),
      });
      assert.deepEqual(rateHint, { ratePerSecond: 2, remaining: 1, resetMs: 1000 });
    });
    await withApi({ ratePerSecond: 2.5, rateLimitHeaders: true, clock }, async (api) => {
      const response = await fetch(`${api.apiUrl}?lang=eng&uri=/scriptures/ot/gen/1`);
      await response.body?.cancel();
      assert.equal(response.headers.get("ratelimit-policy"), '"default";q=5;w=2');
      assert.equal(response.headers.get("x-ratelimit-limit"), null, "no per-second reading of 5");
      // Its bucket holds 3 of the 5: its tokens are not what is left of the quota.
      assert.equal(response.headers.get("ratelimit"), null);
      assert.equal(response.headers.get("x-ratelimit-remaining"), null);
      assert.equal(response.headers.get("x-ratelimit-reset"), null);
    });
    await withApi({ ratePerSecond: 40, burst: 1, rateLimitHeaders: true, clock }, async (api) => {
      const response = await fetch(`${api.apiUrl}?lang=eng&uri=/scriptures/ot/gen/1`);
      await response.body?.cancel();
      assert.equal(response.headers.get("ratelimit-policy"), '"default";q=40;w=1');
      assert.equal(response.headers.get("x-ratelimit-limit"), "40");
      assert.equal(response.headers.get("ratelimit"), null, "no r=0;t=1 for a token due in 25 ms");
    });
    // A bucket larger than the quota (a schedule stepping down, --burst above
    // the rate) tells what is left of the quota, and when it is whole again.
    await withApi({ ratePerSecond: 10, burst: 40, rateLimitHeaders: true, clock }, async (api) => {
      const said: (string | null)[] = [];
      for (let i = 1; i <= 40; i++) {
        const response = await fetch(`${api.apiUrl}?lang=eng&uri=/scriptures/ot/gen/${i}`);
        await response.body?.cancel();
        said.push(response.headers.get("ratelimit"));
      }
      assert.equal(said[0], '"default";r=10;t=0');
      assert.equal(said[30], '"default";r=9;t=1');
      assert.equal(
        said[39],
        '"default";r=0;t=1',
        "the quota is back within its window, not in 4 s",
      );
    });
    await withApi({ ratePerSecond: 2 }, async (api) => {
      const response = await fetch(`${api.apiUrl}?lang=eng&uri=/scriptures/ot/gen/1`);
      await response.body?.cancel();
      assert.equal(response.headers.get("ratelimit-policy"), null, "not unless asked");
    });
  },
});

Deno.test({
  name:
    "--ratelimit-headers on-429 announces the limit on refusals only, as X-RateLimit-Limit alone",
  ...sanitized,
  fn: async () => {
    const clock = new VirtualClock(1_000_000);
    const names = [
      "ratelimit-policy",
      "ratelimit",
      "x-ratelimit-limit",
      "x-ratelimit-remaining",
      "x-ratelimit-reset",
    ];
    const fields = async (api: FakeApi, uri: string) => {
      const response = await fetch(`${api.apiUrl}?lang=eng&uri=${encodeURIComponent(uri)}`);
      await response.body?.cancel();
      const present = names.filter((name) => response.headers.has(name));
      return [response.status, ...present.map((name) => `${name}: ${response.headers.get(name)}`)];
    };
    await withApi(
      { ratePerSecond: 40, burst: 1, rateLimitHeaders: "on-429", clock },
      async (api) => {
        assert.deepEqual(await fields(api, "/scriptures/ot/gen/1"), [200]);
        assert.deepEqual(await fields(api, "/scriptures/ot/gen/2"), [429, "x-ratelimit-limit: 40"]);
        const { rateHint } = await fetchChapter("/scriptures/ot/gen/2", {
          source: sourceOf(api),
          retryOn: RETRY_ON,
          now: () => clock.now(),
        }).catch((error) => error);
        assert.deepEqual(rateHint, { ratePerSecond: 40 });
      },
    );
    // A rate that is no whole number per second is a quota over a longer window.
    await withApi(
      { ratePerSecond: 2.5, burst: 1, rateLimitHeaders: "on-429", clock },
      async (api) => {
        assert.deepEqual(await fields(api, "/scriptures/ot/gen/1"), [200]);
        assert.deepEqual(await fields(api, "/scriptures/ot/gen/2"), [
          429,
          'ratelimit-policy: "default";q=5;w=2',
        ]);
      },
    );
  },
});

Deno.test({
  name: "--rate-schedule changes the limit from the first request on",
  ...sanitized,
  fn: async () => {
    const clock = new VirtualClock(1_000_000);
    const schedule = [{ atMs: 0, ratePerSecond: 1 }, { atMs: 10_000, ratePerSecond: 10 }];
    await withApi({ rateSchedule: schedule, clock }, async (api) => {
      await clock.advance(60_000); // the schedule starts at the first request, not at the start
      assert.equal((await get(api, "/scriptures/ot/gen/1")).status, 200);
      await clock.advance(500);
      assert.equal((await get(api, "/scriptures/ot/gen/2")).status, 429, "1/s for the first 10 s");
      await clock.advance(9500);
      assert.equal((await get(api, "/scriptures/ot/gen/2")).status, 200);
      await clock.advance(100);
      assert.equal((await get(api, "/scriptures/ot/gen/3")).status, 200, "10/s after 10 s");
    });
    // By default the burst follows the rate: stepping down from 40/s to 10/s,
    // the bucket holds 10, not the 40 it held (N requests in any second).
    const down = [{ atMs: 0, ratePerSecond: 40 }, { atMs: 1000, ratePerSecond: 10 }];
    await withApi({ rateSchedule: down, clock }, async (api) => {
      assert.equal((await get(api, "/scriptures/ot/gen/1")).status, 200);
      await clock.advance(5000);
      const statuses: number[] = [];
      for (let i = 2; i <= 12; i++) {
        statuses.push((await get(api, `/scriptures/ot/gen/${i}`)).status);
      }
      assert.deepEqual(statuses, [...Array(10).fill(200), 429]);
    });
  },
});

Deno.test({
  name: "/__stats counts the requests that came while a Retry-After the fake sent was running",
  ...sanitized,
  fn: async () => {
    const clock = new VirtualClock(1_000_000);
    await withApi({ ratePerSecond: 1, clock }, async (api) => {
      assert.equal((await get(api, "/scriptures/ot/gen/1")).status, 200);
      assert.equal((await get(api, "/scriptures/ot/gen/2")).retryAfter, "1");
      await clock.advance(50);
      await get(api, "/scriptures/ot/gen/2"); // within 100 ms: it may have been on its way
      assert.equal(api.stats().beforeRetryAfter, 0);
      await clock.advance(500);
      await get(api, "/scriptures/ot/gen/2"); // the client ignored the Retry-After
      assert.equal(api.stats().beforeRetryAfter, 1);
      await clock.advance(1000);
      assert.equal((await get(api, "/scriptures/ot/gen/2")).status, 200);
      assert.equal(api.stats().beforeRetryAfter, 1, "after the Retry-After ran out: fine");
    });
  },
});
