import assert from "node:assert/strict";
import { parseRateLimitHeaders } from "../../src/source/rate_limit_headers.ts";

const NOW = Date.parse("2026-11-29T12:00:00.000Z");
const parse = (fields: Record<string, string>) => parseRateLimitHeaders(new Headers(fields), NOW);

Deno.test("the current IETF fields give the rate of the policy and its remaining quota and reset", () => {
  assert.deepEqual(
    parse({ "RateLimit-Policy": '"default";q=100;w=60', "RateLimit": '"default";r=50;t=30' }),
    { ratePerSecond: 100 / 60, remaining: 50, resetMs: 30_000 },
  );
  // Tokens and unquoted names, parameters in any order, comment parameters ignored.
  assert.deepEqual(parse({ "RateLimit-Policy": 'burst;w=1;q=40;comment="fast lane"' }), {
    ratePerSecond: 40,
  });
});

Deno.test("of several policies the strictest window of a minute or less sets the pace, and the remaining of the most used one", () => {
  // The hourly quota is a budget: its remaining and reset keep it, not a pace of 0.28/s.
  assert.deepEqual(
    parse({
      "RateLimit-Policy": '"permin";q=50;w=60, "perhr";q=1000;w=3600, "persec";q=10;w=1',
      "RateLimit": '"permin";r=20;t=23, "perhr";r=399;t=2402',
    }),
    { ratePerSecond: 50 / 60, remaining: 20, resetMs: 23_000 },
  );
  // With nothing shorter, a long window is all there is to go by.
  assert.deepEqual(
    parse({ "RateLimit-Policy": '"daily";q=86400;w=86400, "hourly";q=7200;w=3600' }),
    {
      ratePerSecond: 1,
    },
  );
  // Of two used up, the one that resets last decides.
  assert.deepEqual(parse({ "RateLimit": '"b";r=0;t=2, "a";r=0;t=300, "c";r=4;t=1' }), {
    remaining: 0,
    resetMs: 300_000,
  });
});

Deno.test("a partition key or an unreadable parameter does not lose the field; other quota units are no rate", () => {
  assert.deepEqual(
    parse({
      "RateLimit-Policy": '"peruser";q=100;w=60;pk=:cHsdsRa894==:',
      "RateLimit": '"peruser";r=0;t=1;pk=:cHsdsRa894==:',
    }),
    { ratePerSecond: 100 / 60, remaining: 0, resetMs: 1000 },
  );
  assert.deepEqual(parse({ "RateLimit-Policy": '"default";q=40;w=1;note=@odd' }), {
    ratePerSecond: 40,
  });
  assert.deepEqual(
    parse({
      "RateLimit-Policy":
        '"conc";q=10;qu="concurrent-requests", "bytes";q=1000000;w=1;qu="content-bytes", "req";q=25;w=1;qu="requests"',
    }),
    { ratePerSecond: 25 },
  );
});

Deno.test("earlier drafts: RateLimit-Limit with window policies, -Remaining, -Reset, and the dictionary form", () => {
  assert.deepEqual(
    parse({
      "RateLimit-Limit": "10, 10;w=1, 50;w=60",
      "RateLimit-Remaining": "9",
      "RateLimit-Reset": "7",
    }),
    { ratePerSecond: 50 / 60, remaining: 9, resetMs: 7000 },
  );
  assert.deepEqual(parse({ "RateLimit-Policy": "10;w=1, 50;w=60" }), { ratePerSecond: 50 / 60 });
  assert.deepEqual(parse({ "RateLimit": "limit=100, remaining=5, reset=3" }), {
    ratePerSecond: 100,
    remaining: 5,
    resetMs: 3000,
  });
  // Other keys of the dictionary are skipped, not the field.
  assert.deepEqual(parse({ "RateLimit": 'limit=10, remaining=0, reset=3, policy="x"' }), {
    ratePerSecond: 10,
    remaining: 0,
    resetMs: 3000,
  });
});

Deno.test("a limit without a window is read as per second, an upper bound for any longer window", () => {
  assert.deepEqual(parse({ "RateLimit-Limit": "25" }), { ratePerSecond: 25 });
  assert.deepEqual(parse({ "RateLimit-Policy": '"default";q=30' }), { ratePerSecond: 30 });
  assert.deepEqual(
    parse({ "X-RateLimit-Limit": "40", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1" }),
    { ratePerSecond: 40, remaining: 0, resetMs: 1000 },
  );
});

Deno.test("an X-RateLimit-Reset above 10^9 is a Unix time, made relative to now and never negative", () => {
  const inOneMinute = String(NOW / 1000 + 60);
  assert.deepEqual(parse({ "X-RateLimit-Limit": "5000", "X-RateLimit-Reset": inOneMinute }), {
    ratePerSecond: 5000,
    resetMs: 60_000,
  });
  assert.equal(parse({ "X-RateLimit-Reset": String(NOW / 1000 - 60) })?.resetMs, 0);
  // Some servers send the Unix time in milliseconds.
  assert.equal(parse({ "X-RateLimit-Reset": String(NOW + 30_000) })?.resetMs, 30_000);
  assert.equal(parse({ "X-RateLimit-Reset": String(NOW - 30_000) })?.resetMs, 0);
});

Deno.test("the IETF fields win over the X- ones", () => {
  assert.deepEqual(
    parse({
      "RateLimit-Policy": '"default";q=20;w=1',
      "RateLimit": '"default";r=3;t=1',
      "X-RateLimit-Limit": "100",
      "X-RateLimit-Remaining": "99",
      "X-RateLimit-Reset": "9",
    }),
    { ratePerSecond: 20, remaining: 3, resetMs: 1000 },
  );
});

Deno.test("absent or malformed fields give nothing, as the draft requires", () => {
  const rows: Record<string, string>[] = [
    {},
    { "Retry-After": "3" },
    { "RateLimit-Policy": '"default";q=-5;w=1' },
    { "RateLimit-Policy": '"default";q=ten;w=1' },
    { "RateLimit-Policy": '"unterminated;q=10;w=1' },
    { "RateLimit-Policy": '"default";q=10;w=0' },
    { "RateLimit": "limit=lots, remaining=5" },
    { "X-RateLimit-Limit": "fast" },
    { "X-RateLimit-Limit": "0" },
  ];
  for (const fields of rows) {
    const hint = parse(fields);
    assert.ok(hint === undefined || hint.ratePerSecond === undefined, JSON.stringify(fields));
  }
  assert.equal(parse({ "RateLimit-Policy": "q=10;;w=1" }), undefined);
});
