/**
 * The `--serve` server during a real import through the CLI against the fake
 * API: /metrics parsed by a strict exposition parser and matched with the
 * summary, /events read by a stream client, the controls proven by what
 * reaches the fake, and the security rules.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { RunState } from "../../src/progress/run_state.ts";
import { readProgressLog } from "../../src/progress/log.ts";
import { sanitizedTest } from "../exec/_helpers.ts";
import { ROOT, runMain } from "../_cli.ts";
import { control, state, untilState } from "./_api.ts";
import { parsePromText, sampleSum, sampleValue } from "./_prom_text.ts";
import { startServedImport } from "./_served_import.ts";
import { SseClient } from "./_sse.ts";

const P = "scripture_importer_";

// The fake's Abraham has 4 chapters, import.yaml's 5: the fifth is answered
// with a table of contents, a permanent failure with its reason.
const shortAbraham = (volumes: readonly import("../../src/manifest/types.ts").Volume[]) =>
  volumes.map((v) =>
    v.id !== "pgp"
      ? v
      : { ...v, books: v.books.map((b) => b.id === "abr" ? { ...b, chapters: 4 } : b) }
  );

async function get(url: string, init?: RequestInit): Promise<Response> {
  return await fetch(url, init);
}

async function text(url: string, init?: RequestInit): Promise<{ status: number; body: string }> {
  const response = await get(url, init);
  return { status: response.status, body: await response.text() };
}

/** A GET of /api/state with the Host header given (fetch sets its own); the response's text. */
async function rawGet(url: string, host: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(new URL(url).port) });
  try {
    await conn.write(
      new TextEncoder().encode(
        `GET /api/state HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      ),
    );
    let text = "";
    const buffer = new Uint8Array(4096);
    for (;;) {
      const n = await conn.read(buffer);
      if (n === null) break;
      text += new TextDecoder().decode(buffer.subarray(0, n));
    }
    return text;
  } finally {
    conn.close();
  }
}

async function chapterFileBytes(outDir: string): Promise<number> {
  let total = 0;
  for await (const book of Deno.readDir(join(outDir, "pgp"))) {
    if (!book.isDirectory) continue;
    for await (const file of Deno.readDir(join(outDir, "pgp", book.name))) {
      if (/^\d+\.json$/.test(file.name)) {
        total += (await Deno.stat(join(outDir, "pgp", book.name, file.name))).size;
      }
    }
  }
  return total;
}

sanitizedTest(
  "/metrics scraped during and after an import parses strictly and matches the summary",
  async () => {
    const run = await startServedImport({
      args: ["--source", "pgp", "--json"],
      fake: { latencyMs: 5, errorRate: 0.2, seed: 3 },
      fakeVolumes: shortAbraham,
      hold: (uri) => uri === "/scriptures/pgp/moses/1",
      serveArgs: ["--serve-linger", "10m"],
    });
    // Joined before the run can end (Moses 1 is held): the stream's run-end has the summary.
    const client = await SseClient.open(`${run.url}events`);
    try {
      // During: every chapter but the held one has ended.
      const during = await untilState(
        run.url,
        (s) => s.chapters.imported + s.chapters.failed === 15,
      );
      const mid = parsePromText((await text(`${run.url}metrics`)).body);
      assert.equal(sampleValue(mid, `${P}run_done`), 0);
      assert.equal(sampleValue(mid, `${P}chapters_total`, { outcome: "imported" }), 14);
      assert.equal(sampleValue(mid, `${P}chapters_total`, { outcome: "failed" }), 1);
      assert.equal(sampleValue(mid, `${P}tasks_in_flight`, { level: "chapter" }), 1);
      assert.equal(sampleValue(mid, `${P}tasks_in_flight`, { level: "volume" }), 1);
      assert.equal(sampleValue(mid, `${P}requests_started_total`), during.requests.started);
      assert.equal(sampleValue(mid, `${P}in_flight_limit`), 4);
      assert.equal(sampleValue(mid, `${P}in_flight_limit_ceiling`), 4);
      assert.equal(sampleValue(mid, `${P}rate_limit_requests_per_second`), Infinity);
      assert.equal(mid.get(`${P}request_duration_seconds`)?.type, "histogram");

      run.release();
      await client.ended;
      const end = client.records[client.records.length - 1];
      assert.equal(end.type, "run-end");
      // deno-lint-ignore no-explicit-any
      const summary = end.summary as any;
      // The server lingers after the run: the final values.
      const after = parsePromText((await text(`${run.url}metrics`)).body);
      for (const outcome of ["imported", "unchanged", "skipped", "failed", "cancelled"]) {
        assert.equal(
          sampleValue(after, `${P}chapters_total`, { outcome }),
          summary.chapters[outcome],
          outcome,
        );
      }
      assert.equal(sampleValue(after, `${P}requests_started_total`), summary.requests);
      assert.equal(sampleSum(after, `${P}requests_total`), summary.requests, "every attempt ended");
      assert.equal(
        sampleValue(after, `${P}requests_total`, { status_class: "5xx" }),
        summary.statusCounts?.["503"] ?? 0,
      );
      assert.ok(summary.retries > 0, "the fake's 503s were retried");
      assert.equal(sampleSum(after, `${P}retries_total`), summary.retries);
      assert.equal(
        sampleValue(after, `${P}retries_total`, { reason: "server_error" }),
        summary.retries,
      );
      assert.equal(
        sampleValue(after, `${P}request_duration_seconds_count`),
        summary.chapters.imported,
      );
      const meanMs = 1000 * sampleValue(after, `${P}request_duration_seconds_sum`) /
        summary.chapters.imported;
      assert.ok(
        Math.abs(meanMs - summary.latency.meanMs) < 1e-6,
        `${meanMs} ${summary.latency.meanMs}`,
      );
      assert.equal(
        sampleValue(after, `${P}written_bytes_total`),
        await chapterFileBytes(run.outDir),
      );
      assert.equal(sampleValue(after, `${P}run_done`), 1);
      const result = await run.finish();
      assert.equal(result.code, 1, "a chapter failed");
      assert.deepEqual(JSON.parse(result.stdout).chapters, summary.chapters);
      const log = await readProgressLog(JSON.parse(result.stdout).log);
      const received = log.records.reduce(
        (sum, r) => sum + (r.type === "task-done" ? r.receivedBytes ?? 0 : 0),
        0,
      );
      assert.ok(received > 0);
      assert.equal(sampleValue(after, `${P}received_bytes_total`), received);
      const start = log.records.find((r) => r.type === "run-start")!;
      assert.equal(sampleValue(after, `${P}run_start_time_seconds`), Date.parse(start.time) / 1000);
      assert.equal(sampleValue(after, `${P}run_done`), 1);
      assert.equal(sampleValue(after, `${P}server_paused_seconds_total`), 0);
      assert.equal(sampleSum(after, `${P}tasks_in_flight`), 0);
      // The run-start record names the server.
      assert.deepEqual((start as { serve?: unknown }).serve, { url: run.url });
    } finally {
      await client.close();
      await run.close();
    }
  },
);

sanitizedTest(
  "/events sends the snapshot first, then the progress log's records as they happen, and ends after run-end",
  async () => {
    const run = await startServedImport({
      args: ["--source", "pgp", "--json"],
      fake: { latencyMs: 5 },
      hold: () => true,
    });
    try {
      await run.whenHeld(4);
      const client = await SseClient.open(`${run.url}events`);
      await client.until((e) => e.event === "state");
      run.holdNone();
      run.release();
      await client.ended;
      const result = await run.done;
      assert.equal(result.code, 0);
      const events = client.events;
      assert.equal(events[0].event, "state", "the snapshot first");
      const first = events[0].data as RunState;
      assert.equal(first.chapters.inFlight, 4);
      assert.equal(first.chapters.imported, 0);
      const last = events[events.length - 1];
      assert.equal(last.event, "state");
      assert.equal((last.data as RunState).run.ended, true);
      assert.equal((last.data as RunState).chapters.imported, 16);
      const records = client.records;
      assert.equal(records[records.length - 1].type, "run-end");
      // The same records as the progress log, from where the client joined.
      const log = await readProgressLog(JSON.parse(result.stdout).log);
      assert.deepEqual(records, log.records.slice(log.records.length - records.length));
      assert.ok(records.filter((r) => r.type === "task-done").length >= 16);
    } finally {
      await run.close();
    }
  },
);

sanitizedTest(
  "pause starts no request (the fake sees none), resume goes on, a lower in-flight limit holds, all logged as control records",
  async () => {
    const run = await startServedImport({
      args: ["--source", "pgp", "--json"],
      fake: { latencyMs: 5 },
      hold: () => true,
    });
    try {
      await run.whenHeld(4);
      const paused = await control(run.url, { action: "pause" });
      assert.equal(paused.status, 200);
      assert.equal(paused.reply.state.run.held, true);
      assert.equal(
        paused.reply.state.run.controls,
        true,
        "an import in one process takes controls",
      );
      // The four held requests go to the fake one at a time and end; nothing starts after them.
      const first = run.held();
      for (const [k, uri] of first.entries()) {
        run.release(uri);
        await untilState(run.url, (s) => s.chapters.imported === k + 1);
      }
      const s = await state(run.url);
      assert.equal(run.api.stats().peakInFlight, 1);
      assert.equal(s.requests.started, 4, "no start while paused");
      assert.equal(run.api.stats().requests, 4, "no request reached the fake while paused");
      assert.deepEqual(run.held(), []);

      const limited = await control(run.url, { action: "limits", maxInFlight: 2 });
      assert.equal(limited.status, 200);
      assert.equal(limited.reply.state.limits.maxInFlight, 2);
      assert.equal((await control(run.url, { action: "resume" })).status, 200);
      await run.whenHeld(2);
      const resumed = await state(run.url);
      assert.equal(resumed.inFlight.chapters, 2, "2 in flight at the new limit");
      assert.equal(resumed.requests.started, 6);
      assert.equal(run.held().length, 2);
      assert.ok(run.held().every((uri) => !first.includes(uri)));
      run.holdNone();
      run.release();
      const result = await run.done;
      assert.equal(result.code, 0);
      const summary = JSON.parse(result.stdout);
      assert.equal(summary.chapters.imported, 16);
      // At the fake: never more than the new limit at once (4 without it, the profile's cap).
      assert.ok(run.api.stats().peakInFlight <= 2, `peak ${run.api.stats().peakInFlight}`);
      const log = await readProgressLog(summary.log);
      const controls = log.records.filter((r) => r.type === "control");
      assert.deepEqual(controls.map(({ time: _t, at: _a, ...rest }) => rest), [
        { type: "control", source: "http", action: "pause" },
        { type: "control", source: "http", action: "limits", limits: { maxInFlight: 2 } },
        { type: "control", source: "http", action: "resume" },
      ]);
    } finally {
      await run.close();
    }
  },
);

sanitizedTest(
  "a limit above the profile's ceiling is refused with 400 and the reason, per-level limits take effect, cancel ends the run as Ctrl-C does, manifests written",
  async () => {
    const run = await startServedImport({
      args: ["--source", "pgp", "--json"],
      fake: { latencyMs: 5 },
      hold: () => true,
      serveArgs: ["--serve-linger", "10m"],
    });
    try {
      await run.whenHeld(4);
      const refused = await control(run.url, { action: "limits", maxInFlight: 5 });
      assert.deepEqual(refused, {
        status: 400,
        reply: {
          error: "Cannot change the limits: maxInFlight 5 is above the profile's ceiling 4",
        },
      });
      const unknown = await control(run.url, { action: "faster" });
      assert.equal(unknown.status, 400);
      assert.equal(
        unknown.reply.error,
        'Cannot control the run: unknown action "faster" (known: pause, resume, cancel, limits)',
      );
      // Per-level limits: one book at a time, one chapter per book, through HTTP.
      assert.equal((await control(run.url, { action: "pause" })).status, 200);
      const perLevel = await control(run.url, {
        action: "limits",
        booksPerVolume: 1,
        chaptersPerBook: 1,
      });
      assert.equal(perLevel.status, 200);
      run.release();
      await untilState(run.url, (s) => s.chapters.imported === 4);
      assert.equal((await control(run.url, { action: "resume" })).status, 200);
      await run.whenHeld(1);
      const one = await state(run.url);
      assert.equal(one.requests.started, 5, "one start at one chapter per book, one book at once");
      assert.equal(one.inFlight.chapters, 1);
      assert.deepEqual(run.held(), ["/scriptures/pgp/moses/5"]);
      const cancelled = await control(run.url, { action: "cancel" });
      assert.equal(cancelled.status, 200);
      await untilState(run.url, (s) => s.run.ended);
      // After the end, a control is refused.
      assert.deepEqual(await control(run.url, { action: "pause" }), {
        status: 409,
        reply: { error: "Cannot control the run: it has ended" },
      });
      const result = await run.finish();
      assert.equal(result.code, 130);
      const summary = JSON.parse(result.stdout);
      assert.equal(summary.interrupted, true);
      assert.equal(summary.chapters.imported, 4);
      assert.equal(summary.chapters.cancelled, 12);
      const root = JSON.parse(await Deno.readTextFile(join(run.outDir, "manifest.json")));
      assert.equal(root.complete, false);
      const log = await readProgressLog(summary.log);
      assert.ok(log.records.some((r) => r.type === "control" && r.action === "cancel"));
    } finally {
      await run.close();
    }
  },
);

sanitizedTest(
  "with --serve-token every route answers 401 without the token, and the token as bearer or ?token=",
  async () => {
    const run = await startServedImport({
      args: ["--only", "pgp/moses", "--json"],
      serveArgs: ["--serve-token", "s3cret"],
      hold: () => true,
    });
    try {
      await run.whenHeld(4);
      for (const path of ["", "api/state", "events", "metrics", "nope"]) {
        const bare = await text(`${run.url}${path}`);
        assert.equal(bare.status, 401, path);
        const wrong = await text(`${run.url}${path}`, {
          headers: { authorization: "Bearer s3cres" },
        });
        assert.equal(wrong.status, 401, path);
      }
      const post = await text(`${run.url}api/control`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"action":"cancel"}',
      });
      assert.equal(post.status, 401, "a control without the token is refused");
      assert.equal(
        (await text(`${run.url}metrics`, { headers: { authorization: "Bearer s3cret" } })).status,
        200,
      );
      assert.equal((await text(`${run.url}api/state?token=s3cret`)).status, 200);
      const page = await text(`${run.url}?token=s3cret`);
      assert.equal(page.status, 200);
      assert.match(page.body, /^<!doctype html>/i);
      assert.equal((await text(`${run.url}nope?token=s3cret`)).status, 404);
      run.holdNone();
      run.release();
      assert.equal((await run.done).code, 0);
    } finally {
      await run.close();
    }
  },
);

sanitizedTest(
  "only the listed routes answer: 404 for others, 405 for a wrong method, 415 for a control not in JSON, 403 for a foreign Host",
  async () => {
    const run = await startServedImport({
      args: ["--only", "pgp/moses", "--json"],
      hold: () => true,
    });
    try {
      await run.whenHeld(4);
      for (const path of ["nope", "api", "api/state/x", "metrics/", "events.json", "index.html"]) {
        assert.equal((await text(`${run.url}${path}`)).status, 404, path);
      }
      const wrong = await get(`${run.url}metrics`, { method: "DELETE" });
      await wrong.body?.cancel();
      assert.equal(wrong.status, 405);
      assert.equal(wrong.headers.get("allow"), "GET");
      assert.equal((await text(`${run.url}api/control`)).status, 405);
      const form = await text(`${run.url}api/control`, {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: '{"action":"cancel"}',
      });
      assert.equal(
        form.status,
        415,
        "a page of another origin cannot post JSON without a preflight",
      );
      // DNS rebinding: a page of evil.example whose name now points to 127.0.0.1.
      assert.match(await rawGet(run.url, "evil.example"), /^HTTP\/1\.1 403 /);
      assert.match(await rawGet(run.url, "localhost"), /^HTTP\/1\.1 200 /);
      run.holdNone();
      run.release();
      assert.equal((await run.done).code, 0);
    } finally {
      await run.close();
    }
  },
);

sanitizedTest(
  "a non-loopback --serve without --serve-token is refused at start: exit 2, nothing written",
  async () => {
    const dir = await Deno.makeTempDir();
    try {
      const out = join(dir, "out");
      const result = await runMain([
        "import",
        "-m",
        join(ROOT, "import.yaml"),
        "--api-url",
        "http://127.0.0.1:1/x",
        "--out",
        out,
        "--serve",
        "0.0.0.0:0",
      ]);
      assert.equal(result.code, 2);
      assert.match(
        result.stderr,
        /Cannot --serve on "0\.0\.0\.0": it is not a loopback address, so --serve-token TOKEN is required/,
      );
      assert.equal(await Deno.stat(out).then(() => true, () => false), false, "nothing written");
      const token = await runMain([
        "import",
        "-m",
        join(ROOT, "import.yaml"),
        "--serve-token",
        "x",
      ]);
      assert.equal(token.code, 2);
      assert.match(token.stderr, /Cannot use --serve-token without --serve/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
