import assert from "node:assert/strict";
import type { RunEvent } from "../../src/exec/types.ts";
import type { BoundBook } from "../../src/plan/bound.ts";
import { compileLimits } from "../../src/plan/limits.ts";
import {
  formatSummary,
  nearestRank,
  SummaryCollector,
  type SummaryCollectorOptions,
} from "../../src/progress/summary.ts";
import { ev, rateChange } from "./_helpers.ts";

const PROFILE = { volumes: 1, booksPerVolume: 1, chaptersPerBook: 2, delayMs: 0 };
const LIMITS = compileLimits(PROFILE);

function collect(events: readonly RunEvent[], options: Partial<SummaryCollectorOptions> = {}) {
  const collector = new SummaryCollector({ chapters: 5, limits: LIMITS, books: [], ...options });
  for (const event of events) collector.add(event);
  return collector.summary();
}

// Five chapters of one book: one skipped, three imported (one after a 429),
// one failed after a 503 and a retry; then the book manifest.
const RUN: readonly RunEvent[] = [
  ev.runStart(0, 6, 5, 1),
  ev.skipped(0, "bofm/1-ne/5", { sha256: "ab" }),
  ev.start(0, "bofm/1-ne/1"),
  ev.start(0, "bofm/1-ne/2"),
  ev.retry(50, "bofm/1-ne/2", 1, 429),
  ev.done(100, "bofm/1-ne/1", 100),
  ev.start(100, "bofm/1-ne/3"),
  ev.done(400, "bofm/1-ne/3", 300),
  ev.start(400, "bofm/1-ne/4"),
  ev.retry(450, "bofm/1-ne/4", 1, 503),
  ev.start(1050, "bofm/1-ne/2", 2),
  ev.done(1250, "bofm/1-ne/2", 200),
  ev.start(1450, "bofm/1-ne/4", 2),
  ev.failed(1500, "bofm/1-ne/4", "HTTP 503", 2, 503),
  ev.start(1500, "bofm/1-ne/manifest", 1, "book-manifest"),
  ev.done(1505, "bofm/1-ne/manifest", 5, "book-manifest"),
  ev.end(2000, { durationMs: 2000 }),
];

Deno.test("summary counts chapters, requests, retries, 429s and failed statuses", () => {
  const summary = collect(RUN);
  assert.deepEqual(summary.chapters, {
    total: 5,
    imported: 3,
    unchanged: 0,
    skipped: 1,
    failed: 1,
    cancelled: 0,
  });
  assert.deepEqual(summary.failures, [
    { id: "bofm/1-ne/4", kind: "chapter", reason: "HTTP 503", attempts: 2, status: 503 },
  ]);
  assert.equal(summary.requests, 6, "sink runs are not requests");
  assert.equal(summary.retries, 2);
  assert.equal(summary.status429, 1);
  assert.deepEqual(summary.statusCounts, { 429: 1, 503: 2 });
  assert.equal(summary.durationMs, 2000);
  assert.equal(summary.chaptersPerSecond, 1.5);
  assert.equal(summary.interrupted, false);
});

Deno.test("summary latency is over successful requests only, p95 by nearest rank", () => {
  // No time to first byte in these events: the server's latency is the p10 of the attempts.
  assert.deepEqual(collect(RUN).latency, {
    meanMs: 200,
    p95Ms: 300,
    ttfbMeanMs: null,
    serverMs: 100,
    serverFrom: "attempt",
    clientAddedMs: 100,
    afterHeadersMs: null,
  });
});

// 100 chapters, 10 at once, against a server that answers in 50 ms: every
// wave of 10 takes 64 ms, because the client's own event loop makes most
// answers wait. One answer in ten is seen at once (50 ms to first byte), the
// others 12 ms late; each attempt lasts 64 ms. The mean says 64 ms, as the
// run took: a bound at the mean would read 100%.
function clientDelayedRun(options: { ttfb: boolean }): RunEvent[] {
  const events: RunEvent[] = [ev.runStart(0, 100, 100, 0)];
  for (let wave = 0; wave < 10; wave++) {
    for (let i = 0; i < 10; i++) events.push(ev.start(wave * 64, `ot/ps/${wave * 10 + i + 1}`));
    for (let i = 0; i < 10; i++) {
      const value = options.ttfb ? { bytes: 900, ttfbMs: i === 0 ? 50 : 62 } : null;
      // Without a time to first byte, the fastest attempt of each wave is the floor.
      const durationMs = options.ttfb || i !== 0 ? 64 : 50;
      events.push(
        ev.done(wave * 64 + 64, `ot/ps/${wave * 10 + i + 1}`, durationMs, "chapter", value),
      );
    }
  }
  events.push(ev.end(640, { durationMs: 640 }));
  return events;
}
const TEN_AT_ONCE = compileLimits({
  volumes: 1,
  booksPerVolume: 1,
  chaptersPerBook: 10,
  delayMs: 0,
});
const PSALMS = [{ volume: "ot", chapters: 100 }];

Deno.test("summary bounds a run at the server's latency, not at a mean the client inflated", () => {
  const summary = collect(clientDelayedRun({ ttfb: true }), {
    chapters: 100,
    limits: TEN_AT_ONCE,
    books: PSALMS,
  });
  // ceil(100/10) × 50 ms, not × 64 ms: 78%, not 100%.
  assert.deepEqual(summary.bound, { ms: 500, limitedBy: "concurrency" });
  assert.equal(summary.efficiency, 500 / 640);
  assert.equal(summary.latency.meanMs, 64);
  assert.equal(summary.latency.serverMs, 50);
  assert.equal(summary.latency.serverFrom, "ttfb");
  assert.equal(summary.latency.clientAddedMs, 14);
  assert.ok(Math.abs(summary.latency.ttfbMeanMs! - 60.8) < 1e-9);
  assert.ok(Math.abs(summary.latency.afterHeadersMs! - 3.2) < 1e-9);
  assert.deepEqual(
    formatSummary(summary, { color: false }).split("\n").slice(3, 6),
    [
      "Latency mean 64 ms, p95 64 ms, to first byte mean 61 ms",
      "Server latency 50 ms (p10 to first byte): the client added 14 ms per request on average, " +
      "3 ms of it after the headers",
      "Efficiency 78% of the theoretical minimum 500 ms at 50 ms (limited by concurrency)",
    ],
  );
});

Deno.test("summary without times to first byte bounds at the p10 of the attempts, and says so", () => {
  const summary = collect(clientDelayedRun({ ttfb: false }), {
    chapters: 100,
    limits: TEN_AT_ONCE,
    books: PSALMS,
  });
  assert.deepEqual(summary.bound, { ms: 500, limitedBy: "concurrency" });
  assert.ok(summary.efficiency! < 1);
  assert.equal(summary.latency.meanMs, 62.6);
  assert.equal(summary.latency.serverMs, 50);
  assert.equal(summary.latency.serverFrom, "attempt");
  assert.equal(summary.latency.ttfbMeanMs, null);
  assert.equal(summary.latency.afterHeadersMs, null);
  assert.match(
    formatSummary(summary, { color: false }),
    /\nServer latency 50 ms \(p10 of whole attempts, no time to first byte measured\): the client added 13 ms per request on average\n/,
  );
});

Deno.test("summary takes the server's latency from the attempts when some lack a time to first byte", () => {
  const events = clientDelayedRun({ ttfb: true });
  const last = events.findLastIndex((e) => e.type === "task-done");
  events[last] = { ...events[last], value: null } as RunEvent;
  const summary = collect(events, { chapters: 100, limits: TEN_AT_ONCE, books: PSALMS });
  assert.equal(summary.latency.serverFrom, "attempt");
  assert.equal(summary.latency.serverMs, 64);
});

Deno.test("summary measures efficiency against the bound of the chapters requested, skips left out", () => {
  let skippedSeen: string[] = [];
  const books = (skipped: ReadonlySet<string>): BoundBook[] => {
    skippedSeen = [...skipped];
    return [{ volume: "bofm", chapters: 5 - skipped.size }];
  };
  const summary = collect(RUN, { books });
  assert.deepEqual(skippedSeen, ["bofm/1-ne/5"]);
  // 4 requests, 2 at once, at the server's 100 ms (p10 of 100, 200, 300 ms): 200 ms.
  assert.deepEqual(summary.bound, { ms: 200, limitedBy: "concurrency" });
  assert.equal(summary.efficiency, 0.1);
});

Deno.test("summary efficiency is capped at 1 when the run beat the bound", () => {
  const summary = collect(RUN, { books: [{ volume: "bofm", chapters: 60 }] });
  assert.equal(summary.bound?.ms, 3000);
  assert.equal(summary.efficiency, 1);
});

Deno.test("summary lists every failure, chapters first, and marks an aborted run interrupted", () => {
  const events: RunEvent[] = [ev.runStart(0)];
  for (let i = 1; i <= 50; i++) {
    events.push(ev.failed(i, `ot/ps/${i}`, `HTTP 500 on psalm ${i}`, 4, 500));
  }
  events.splice(10, 0, {
    type: "task-failed",
    at: 9,
    id: "ot/manifest",
    kind: "volume-manifest",
    attempts: 1,
    reason: "Disk full",
    permanent: true,
  });
  events.splice(3, 0, ev.cancelled(2, "ot/ps/150"));
  events.push(ev.end(100, { durationMs: 100, aborted: true }));
  const summary = collect(events, { chapters: 51 });
  assert.equal(summary.failures.length, 51);
  assert.equal(summary.failures[50].id, "ot/manifest");
  assert.equal(summary.chapters.failed, 50, "a failed manifest is not a failed chapter");
  assert.equal(summary.chapters.cancelled, 1);
  assert.equal(summary.interrupted, true);
  const text = formatSummary(summary, { color: false });
  for (let i = 1; i <= 50; i++) {
    assert.ok(text.includes(`  HTTP 500 on psalm ${i} (4 attempts): 1\n    ot/ps/${i}\n`), `${i}`);
  }
  assert.ok(text.includes("Failed other nodes (1):\n  ot/manifest: Disk full (1 attempt)\n"));
  assert.ok(
    text.endsWith(
      "Interrupted: 0 of 51 chapters are on disk, 1 not reached; " +
        "run the same command again to resume.\n",
    ),
    text,
  );
});

Deno.test("failed chapters are grouped by reason, their URI left out, ids in natural order, every one listed", () => {
  const events: RunEvent[] = [ev.runStart(0)];
  const ids = Array.from({ length: 40 }, (_, k) => `ot/ps/${40 - k}`);
  for (const id of ids) {
    events.push(ev.failed(1, id, `Cannot fetch chapter "/scriptures/${id}": HTTP 503`, 4, 503));
  }
  events.push(
    ev.failed(2, "ot/gen/3", 'Cannot fetch chapter "/scriptures/ot/gen/3": HTTP 404', 1, 404),
  );
  events.push(ev.end(10));
  const text = formatSummary(collect(events, { chapters: 41 }), {
    color: false,
    retryCommand: "deno task import --retry-failed",
  });
  const lines = text.split("\n");
  const at = lines.indexOf("Failed chapters (41):");
  assert.equal(lines[at + 1], "  Cannot fetch chapter: HTTP 503 (4 attempts): 40");
  const listed = [];
  let k = at + 2;
  for (; lines[k].startsWith("    "); k++) {
    assert.ok(lines[k].length <= 100, lines[k]);
    listed.push(...lines[k].trim().split(", ").map((id) => id.replace(",", "")));
  }
  assert.deepEqual(listed, Array.from({ length: 40 }, (_, n) => `ot/ps/${n + 1}`));
  assert.equal(lines[k], "  Cannot fetch chapter: HTTP 404 (1 attempt): 1");
  assert.equal(lines[k + 1], "    ot/gen/3");
  assert.equal(lines[k + 2], "Retry them: deno task import --retry-failed");
});

Deno.test("failed attempts by status add up to every failed attempt: timeouts and no-status ones too", () => {
  const summary = collect([
    ev.runStart(0),
    ev.start(0, "bofm/enos/1"),
    ev.retry(10, "bofm/enos/1", 1),
    ev.start(20, "bofm/enos/1", 2),
    { ...ev.retry(30, "bofm/enos/1", 2), timedOut: true } as RunEvent,
    ev.start(40, "bofm/enos/1", 3),
    ev.retry(50, "bofm/enos/1", 3, 503),
    ev.start(60, "bofm/enos/1", 4),
    ev.failed(70, "bofm/enos/1", "response body truncated", 4),
    ev.end(80),
  ]);
  assert.deepEqual(summary.statusCounts, { "no-status": 2, timeout: 1, "503": 1 });
  const total = Object.values(summary.statusCounts ?? {}).reduce((a, b) => a + b, 0);
  assert.equal(total, summary.retries + summary.chapters.failed);
  assert.match(
    formatSummary(summary, { color: false }),
    /Failed attempts by status: 503 x1, no status \(network, body or page\) x2, timeout x1\n/,
  );
});

Deno.test("an interrupted run says what is on disk and what is left, and gives no efficiency", () => {
  const summary = collect([
    ev.runStart(0),
    ev.skipped(0, "bofm/1-ne/1"),
    ev.start(0, "bofm/1-ne/2"),
    ev.done(100, "bofm/1-ne/2", 100),
    ev.cancelled(150, "bofm/1-ne/3"),
    ev.cancelled(150, "bofm/1-ne/4"),
    ev.cancelled(150, "bofm/1-ne/5"),
    ev.end(150, { durationMs: 150, aborted: true }),
  ], { books: [{ volume: "bofm", chapters: 1 }] });
  const text = formatSummary(summary, { color: false });
  assert.doesNotMatch(text, /Efficiency/);
  assert.ok(
    text.endsWith(
      "Interrupted: 2 of 5 chapters are on disk, 3 not reached; " +
        "run the same command again to resume.\n",
    ),
    text,
  );
});

Deno.test("a run with every chapter on disk says there was nothing to do, and no more", () => {
  const events: RunEvent[] = [ev.runStart(0)];
  for (let k = 1; k <= 5; k++) events.push(ev.skipped(0, `bofm/enos/${k}`));
  events.push(ev.end(3));
  assert.equal(
    formatSummary(collect(events), { color: false }),
    "Chapters: 0 imported, 5 skipped, 0 failed, 0 cancelled, of 5\n" +
      "Nothing to do: all 5 chapters were already imported and intact (--force fetches them again).\n",
  );
});

Deno.test("summary of a run where nothing ran holds no NaN or Infinity", () => {
  for (const events of [[], [ev.runStart(5), ev.end(5)]]) {
    const summary = collect(events);
    assert.equal(summary.chaptersPerSecond, 0);
    assert.ok(Object.values(summary.latency).every((v) => v === null));
    assert.equal(summary.bound, null);
    assert.equal(summary.efficiency, null);
    assert.equal(summary.statusCounts, undefined);
    assert.equal(summary.interrupted, events.length === 0, "no run-end means interrupted");
    const text = JSON.stringify(summary) + formatSummary(summary, { color: false });
    assert.doesNotMatch(text, /NaN|Infinity|null ms/);
  }
  assert.equal(
    formatSummary(collect([ev.runStart(5), ev.end(5)]), { color: false }),
    [
      "Chapters: 0 imported, 0 skipped, 0 failed, 0 cancelled, of 5",
      "Duration 0 ms, 0.0 chapters/s",
      "Requests 0, retries 0, 429s 0",
      "Latency — (no request succeeded)",
      "Efficiency — (no latency measured, no theoretical minimum)",
      "",
    ].join("\n"),
  );
});

Deno.test("formatSummary renders counts, failures, speed, latency and efficiency", () => {
  const summary = collect(RUN, { books: [{ volume: "bofm", chapters: 4 }] });
  assert.equal(
    formatSummary(summary, { color: false }),
    [
      "Chapters: 3 imported, 1 skipped, 1 failed, 0 cancelled, of 5",
      "Failed chapters (1):",
      "  HTTP 503 (2 attempts): 1",
      "    bofm/1-ne/4",
      "Duration 2.0 s, 1.5 chapters/s",
      "Requests 6, retries 2, 429s 1",
      "Failed attempts by status: 429 x1, 503 x2",
      "Latency mean 200 ms, p95 300 ms",
      "Server latency 100 ms (p10 of whole attempts, no time to first byte measured): " +
      "the client added 100 ms per request on average",
      "Efficiency 10% of the theoretical minimum 200 ms at 100 ms (limited by concurrency)",
      "",
    ].join("\n"),
  );
  const colored = formatSummary(summary, { color: true });
  assert.ok(colored.includes("\x1b[32m3 imported\x1b[39m"));
  assert.ok(colored.includes("\x1b[31m1 failed\x1b[39m"));
  assert.ok(colored.includes("\x1b[31mFailed chapters (1):\x1b[39m"));
});

Deno.test("nearestRank picks the smallest value with p% of the sample at or below it", () => {
  const rows: [number[], number, number | null][] = [
    [[15, 20, 35, 40, 50], 5, 15],
    [[15, 20, 35, 40, 50], 30, 20],
    [[15, 20, 35, 40, 50], 40, 20],
    [[15, 20, 35, 40, 50], 50, 35],
    [[15, 20, 35, 40, 50], 100, 50],
    [Array.from({ length: 20 }, (_, i) => 20 - i), 95, 19],
    [Array.from({ length: 100 }, (_, i) => i + 1), 95, 95],
    [[], 95, null],
  ];
  for (const [values, p, expected] of rows) {
    assert.equal(nearestRank(values, p), expected, `p${p} of ${values.length} values`);
  }
});

Deno.test("summary counts rate changes with the range and the last setting, only when there were some", () => {
  assert.equal(collect(RUN).rate, undefined);
  const events = [
    ...RUN.slice(0, -1),
    rateChange(10, 10, 20, { inFlight: 2, cause: "slow-start" }),
    rateChange(20, 20, 40, { inFlight: 4, cause: "slow-start" }),
    rateChange(30, 40, 36, { inFlight: 4 }),
    RUN[RUN.length - 1],
  ];
  const summary = collect(events);
  assert.deepEqual(summary.rate, {
    changes: 3,
    minPerSecond: 20,
    maxPerSecond: 40,
    lastPerSecond: 36,
    lastMaxInFlight: 4,
  });
  assert.match(
    formatSummary(summary, { color: false }),
    /\nRate: 3 changes, 20\.0\/s to 40\.0\/s, last 36\.0\/s with at most 4 in flight\n/,
  );
  const unlimited = collect([rateChange(0, 10, Infinity)]);
  assert.deepEqual(unlimited.rate, {
    changes: 1,
    minPerSecond: null,
    maxPerSecond: null,
    lastPerSecond: null,
    lastMaxInFlight: null,
  });
  assert.match(
    formatSummary(unlimited, { color: false }),
    /\nRate: 1 change, unlimited, last unlimited\n/,
  );
});

Deno.test("a stopped run's bound counts only the chapters it requested, not those cancelled unstarted", () => {
  // Two chapters ran at 100 ms each, one after the other; three were cancelled
  // before they started (the run stopped): the minimum is that of the two.
  const events: RunEvent[] = [
    ev.runStart(0, 5, 5, 0),
    ev.start(0, "bofm/1-ne/1"),
    ev.done(100, "bofm/1-ne/1", 100),
    ev.start(100, "bofm/1-ne/2"),
    ev.done(200, "bofm/1-ne/2", 100),
    ev.cancelled(200, "bofm/1-ne/3"),
    ev.cancelled(200, "bofm/1-ne/4"),
    ev.cancelled(200, "bofm/1-ne/5"),
    ev.end(200, { durationMs: 200, aborted: true }),
  ];
  let notRequested: ReadonlySet<string> = new Set();
  const summary = collect(events, {
    limits: compileLimits({ ...PROFILE, chaptersPerBook: 1 }),
    books: (ids) => {
      notRequested = ids;
      return [{ volume: "bofm", chapters: 5 - ids.size }];
    },
  });
  assert.deepEqual([...notRequested].sort(), ["bofm/1-ne/3", "bofm/1-ne/4", "bofm/1-ne/5"]);
  assert.equal(summary.bound?.ms, 200);
  assert.equal(summary.efficiency, 1);
});

Deno.test("summary reports the chapter files' bytes on disk before and after, and those re-encoded", () => {
  let afterBytes = 2_510_000;
  const summary = () =>
    collect(RUN, {
      disk: () => ({ compression: "gzip", beforeBytes: 2_510_000, afterBytes, recoded: 0 }),
    });
  assert.deepEqual(summary().disk, {
    compression: "gzip",
    beforeBytes: 2_510_000,
    afterBytes: 2_510_000,
    recoded: 0,
  });
  afterBytes = 734_000;
  assert.equal(summary().disk?.afterBytes, 734_000, "asked when the summary is made");
  assert.match(
    formatSummary(summary(), { color: false }),
    /^Chapter files on disk: 2\.51 MB before, 734 KB after \(gzip\)$/m,
  );
  const recoded = collect(RUN, {
    disk: () => ({ compression: "gzip", beforeBytes: 9_000, afterBytes: 2_500, recoded: 1 }),
  });
  assert.match(
    formatSummary(recoded, { color: false }),
    /^Chapter files on disk: 9 KB before, 2\.5 KB after \(gzip\); 1 re-encoded on disk without fetching$/m,
  );
  assert.equal(collect(RUN).disk, undefined);
  assert.doesNotMatch(formatSummary(collect(RUN), { color: false }), /on disk/);
});
