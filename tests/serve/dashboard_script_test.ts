import assert from "node:assert/strict";
import type { RunState, RunStateStep } from "../../src/progress/run_state.ts";
import {
  bookCell,
  escapeMarkup,
  formatSpan,
  inFlightRows,
  limitsBody,
  linePath,
  progressOf,
  rateChartSvg,
  recentEndRate,
  recordLine,
  statusMixSvg,
} from "../../src/serve/dashboard_script.ts";
import { at, bigPlanTracker, importChapters, started } from "./_states.ts";

const T0 = Date.parse("2026-01-01T10:00:00Z");

function step(atMs: number, fields: Partial<RunStateStep> = {}): RunStateStep {
  return {
    atMs,
    widthMs: 1000,
    imported: 0,
    starts: 0,
    refused: 0,
    limitPerSecond: 40,
    pausedMs: 0,
    ...fields,
  };
}

Deno.test("formatSpan says seconds, then minutes and seconds, then hours and minutes", () => {
  for (
    const [ms, text] of [
      [0, "0 s"],
      [-5, "0 s"],
      [59_400, "59 s"],
      [60_000, "1 m 00 s"],
      [3_599_000, "59 m 59 s"],
      [3_600_000, "1 h 00 m"],
      [7_620_000, "2 h 07 m"],
    ] as const
  ) assert.equal(formatSpan(ms), text, String(ms));
});

Deno.test("the ETA follows the recent rate, not the run's mean", () => {
  const tracker = bigPlanTracker(1, 10);
  started(tracker, T0);
  // 10 chapters in the first second, then 20 in the 10 s that follow: 2/s lately.
  let t = importChapters(tracker, "l0-v0/b0", 10, T0, 100);
  for (let n = 0; n < 20; n++) {
    const id = `l0-v0/b${1 + Math.floor(n / 10)}/${1 + (n % 10)}`;
    tracker.add(at(t, { type: "task-start", id, kind: "chapter", role: "task", attempt: 1 }));
    t += 500;
    tracker.add(at(t, { type: "task-done", id, kind: "chapter", attempts: 1, durationMs: 500 }));
  }
  const state = tracker.state();
  assert.equal(state.run.elapsedMs, 11_000);
  // The last 10 s (1 s to 11 s) saw 21 chapters end, the first burst's last one at 1 s
  // among them: 2.1/s, where the run's mean is 30 in 11 s, 2.7/s.
  const rate = recentEndRate(state)!;
  assert.ok(Math.abs(rate - 2.1) < 1e-9, String(rate));
  const p = progressOf(state);
  assert.equal(p.ended, 30);
  assert.equal(p.total, 880);
  assert.equal(p.percent, 3.4);
  assert.equal(p.phase, "running");
  assert.ok(Math.abs(p.etaMs! - 850 / rate * 1000) < 1, String(p.etaMs));
});

Deno.test("before the start the run is waiting, with no ETA; at the end the phase says how it ended", () => {
  const tracker = bigPlanTracker(1, 1);
  assert.deepEqual(progressOf(tracker.state()), {
    ended: 0,
    total: 88,
    percent: 0,
    etaMs: null,
    phase: "waiting",
  });
  const base = started(tracker, T0);
  assert.equal(progressOf(base).etaMs, null, "no rate yet, no ETA");
  const end = (interrupted: boolean, failed: number): RunState => ({
    ...base,
    run: { ...base.run, ended: true, interrupted },
    chapters: { ...base.chapters, imported: 88 - failed, failed },
  });
  assert.deepEqual(progressOf(end(false, 0)), {
    ended: 88,
    total: 88,
    percent: 100,
    etaMs: null,
    phase: "done",
  });
  assert.equal(progressOf(end(false, 2)).phase, "done with failures");
  assert.equal(progressOf(end(true, 0)).phase, "interrupted");
  // 1 of 3 is 33.3 %, never rounded up to a 100 % that is not there.
  assert.equal(
    progressOf({ ...base, chapters: { ...base.chapters, total: 1000, imported: 999 } }).percent,
    99.9,
  );
});

Deno.test("a book's cell tells its state by a symbol and in words, and fills by the chapters ended", () => {
  const book = {
    id: "bofm/1-ne",
    title: "1 Nephi",
    total: 22,
    imported: 0,
    skipped: 0,
    failed: 0,
    cancelled: 0,
    inFlight: 0,
  };
  assert.deepEqual(bookCell({ ...book, state: "pending" }), {
    name: "1-ne",
    fillPercent: 0,
    count: "0/22",
    mark: "·",
    label: "1 Nephi: pending, 0 of 22 chapters ended (0 imported)",
  });
  const failed = bookCell({ ...book, state: "failed", imported: 20, failed: 1, cancelled: 1 });
  assert.equal(failed.mark, "✗");
  assert.equal(failed.fillPercent, 100);
  assert.equal(
    failed.label,
    "1 Nephi: failed, 22 of 22 chapters ended (20 imported, 1 failed, 1 cancelled)",
  );
  assert.equal(bookCell({ ...book, state: "done", skipped: 22 }).mark, "✓");
  assert.equal(bookCell({ ...book, state: "cancelled", cancelled: 3 }).mark, "⊘");
  assert.equal(bookCell({ ...book, state: "running", imported: 7 }).fillPercent, 31.8);
});

Deno.test("linePath breaks the line where there is no value and rounds to two decimals", () => {
  assert.equal(linePath([]), "");
  assert.equal(linePath([[0, null], [1, null]]), "");
  assert.equal(linePath([[0, 0], [1.005, 2.004], [2, null], [3, 1], [4, 1]]), "M0 0L1 2M3 1L4 1");
});

Deno.test("the rate chart draws per-second rates, the limit where there is one, and shades the paused share", () => {
  const series = [
    step(0, { imported: 10, starts: 12 }),
    step(1000, { imported: 20, starts: 20, pausedMs: 250 }),
    step(2000, { imported: 5, starts: 5, limitPerSecond: null }),
  ];
  // The last step is half done: 5 in 0.5 s is 10/s, not 5/s.
  const svg = rateChartSvg(series, 2500, { width: 340, height: 118 });
  // x: 40 + 296 * ms / 3000; y: 100 - 92 * rate / 44 (the highest, 40, and 10 % room).
  const imported = svg.match(/class="imported" d="([^"]*)"/)![1];
  assert.equal(imported, "M89.33 79.09L188 58.18L286.67 79.09");
  const limit = svg.match(/class="limit" d="([^"]*)"/)![1];
  assert.equal(
    limit,
    "M40 16.36L138.67 16.36L138.67 16.36L237.33 16.36",
    "no limit in the last step",
  );
  const shades = [...svg.matchAll(/<rect class="paused"[^>]*opacity="([\d.]+)"/g)].map((m) => m[1]);
  assert.deepEqual(shades, ["0.25"], "one shaded step, a quarter paused");
  assert.match(svg, /role="img" aria-label="Rate over time/);
  assert.match(svg, /<text[^>]*>3 s<\/text>/, "the time axis ends at the series' end");
});

Deno.test("the rate chart of a long run has as many points as the series, not as the chapters", () => {
  const tracker = bigPlanTracker(100, 18);
  started(tracker, T0);
  // A chapter every 5 s for 2 h: 1,440 seconds-long steps folded into at most 600.
  for (let k = 0; k < 1440; k++) {
    const id = `l${k % 100}-v0/b${Math.floor(k / 100) % 39}/${1 + Math.floor(k / 3900)}`;
    tracker.add(
      at(T0 + k * 5000, { type: "task-start", id, kind: "chapter", role: "task", attempt: 1 }),
    );
    tracker.add(
      at(T0 + k * 5000 + 40, {
        type: "task-done",
        id,
        kind: "chapter",
        attempts: 1,
        durationMs: 40,
      }),
    );
  }
  const state = tracker.state();
  assert.equal(state.chapters.total, 158_400);
  const svg = rateChartSvg(state.series, state.run.elapsedMs);
  const points = svg.match(/class="imported" d="([^"]*)"/)![1].split(/[ML]/).length - 1;
  assert.equal(points, state.series.length);
  assert.ok(points <= 600, String(points));
});

Deno.test("the status mix labels each class with its count and share, and says when there is none", () => {
  const none = { "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0, error: 0 };
  assert.equal(statusMixSvg(none), `<p class="muted">No answer yet.</p>`);
  const svg = statusMixSvg({ ...none, "2xx": 6, "5xx": 1, error: 1 });
  const legend = [...svg.matchAll(/<li>[^]*?<\/li>/g)].map((m) => m[0].replace(/<[^>]+>/g, ""));
  assert.deepEqual(legend, ["2xx: 6 (75.0 %)", "5xx: 1 (12.5 %)", "error: 1 (12.5 %)"]);
});

Deno.test("in flight per level is measured against each level's limit", () => {
  const state = started(bigPlanTracker(1, 3), T0);
  assert.deepEqual(inFlightRows(state), [
    { level: "volumes", value: 0, limit: 5 },
    { level: "books", value: 0, limit: 50 },
    { level: "chapters", value: 0, limit: 16 },
  ]);
  const uncapped = { ...state, limits: { ...state.limits, maxInFlight: null } };
  assert.equal(inFlightRows(uncapped)[2].limit, 1000, "5 × 10 × 20 without a cap");
});

Deno.test("the limits form sends only what was filled in, and says what is wrong before sending", () => {
  const rows: [Record<string, string>, ReturnType<typeof limitsBody>][] = [
    [{ ratePerSecond: " 7 " }, { body: { action: "limits", ratePerSecond: 7 } }],
    [{ maxInFlight: "None" }, { body: { action: "limits", maxInFlight: null } }],
    [
      { volumes: "2", booksPerVolume: "3", chaptersPerBook: "4" },
      { body: { action: "limits", volumes: 2, booksPerVolume: 3, chaptersPerBook: 4 } },
    ],
    [{}, { error: "Fill in at least one limit" }],
    [{ ratePerSecond: "0" }, { error: 'Rate must be a number above 0 or "none", not "0"' }],
    [{ ratePerSecond: "fast" }, { error: 'Rate must be a number above 0 or "none", not "fast"' }],
    [
      { maxInFlight: "0" },
      { error: 'Max in flight must be a whole number of at least 1 or "none", not "0"' },
    ],
    [{ volumes: "none" }, { error: 'Volumes must be a whole number of at least 1, not "none"' }],
  ];
  for (const [fields, expected] of rows) {
    assert.deepEqual(limitsBody(fields), expected, JSON.stringify(fields));
  }
});

Deno.test("a log line says the time, the record's type and what happened", () => {
  const time = "2026-01-01T10:00:01.500Z";
  assert.equal(
    recordLine({ type: "task-done", time, id: "bofm/alma/3", durationMs: 41.6 }),
    "10:00:01.500 task-done bofm/alma/3 42 ms",
  );
  assert.equal(
    recordLine({
      type: "task-retry",
      time,
      id: "ot/gen/1",
      attempt: 2,
      status: 503,
      reason: "Busy",
    }),
    "10:00:01.500 task-retry ot/gen/1 attempt 2 HTTP 503: Busy",
  );
  assert.equal(
    recordLine({ type: "control", time, action: "pause", source: "http" }),
    "10:00:01.500 control pause http",
  );
  assert.equal(
    recordLine({ type: "scope-open", time, scope: "pgp" }),
    "10:00:01.500 scope-open pgp",
  );
});

Deno.test("markup is escaped, so a failure's reason cannot add elements to the page", () => {
  assert.equal(
    escapeMarkup(`<img src=x onerror="a('&')">`),
    "&#60;img src=x onerror=&#34;a(&#39;&#38;&#39;)&#34;&#62;",
  );
});
