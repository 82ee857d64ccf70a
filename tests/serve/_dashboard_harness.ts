/**
 * A stand-in for the `--serve` server, for the dashboard's browser test: it
 * serves `dashboardPage()` at `/`, and `/api/state` and `/events` (as
 * SERVE-CONTRACT says) from a {@linkcode RunStateTracker} fed by a real
 * import against the fake API; `POST /api/control` records each body and
 * answers as the contract does (200 with the state, 400 for a bad body).
 *
 * The import's requests for one chapter can be held until the test releases
 * them, so the test sees the run half-way without waiting for a time.
 */
import { join } from "node:path";
import type { RunEvent } from "../../src/exec/types.ts";
import { type FakeApi, type FakeApiOptions, startFakeApi } from "../../src/fake_api/server.ts";
import { type ImportResult, runImport } from "../../src/importer.ts";
import { loadManifest, loadProfile } from "../../src/manifest/load.ts";
import type { Manifest, Volume } from "../../src/manifest/types.ts";
import { compileLimits } from "../../src/plan/limits.ts";
import { type LogRecord, type RunHeader, toLogRecord } from "../../src/progress/log_record.ts";
import { RunStateTracker, type RunStateVolumePlan } from "../../src/progress/run_state.ts";
import { SummaryCollector } from "../../src/progress/summary.ts";
import { dashboardPage } from "../../src/serve/dashboard_page.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

/** Options of {@linkcode startDashboardHarness}. */
export interface DashboardHarnessOptions {
  /** Volume ids to import, e.g. `["pgp"]`. */
  readonly source: readonly string[];
  /** The fake API's options, less its canon (import.yaml's unless `fakeVolumes`). */
  readonly fake?: Omit<FakeApiOptions, "volumes">;
  /** The canon the fake serves; a book shorter than import.yaml's makes its last chapters fail. */
  readonly fakeVolumes?: (volumes: readonly Volume[]) => readonly Volume[];
  /** The content URI (`/scriptures/...`) whose requests wait for `release()`. */
  readonly hold?: string;
}

/** A running harness. */
export interface DashboardHarness {
  /** The page's URL, `http://127.0.0.1:<port>/`. */
  readonly url: string;
  readonly api: FakeApi;
  /** Every `POST /api/control` body, parsed, in order. */
  readonly controls: unknown[];
  /** Starts the import; resolves with its result. */
  start(): Promise<ImportResult>;
  /** Lets the held requests go. */
  release(): void;
  /** Stops the import (if running), the streams, the server and the fake API. */
  close(): Promise<void>;
}

/** Starts the harness; the import waits for `start()`. */
export async function startDashboardHarness(
  options: DashboardHarnessOptions,
): Promise<DashboardHarness> {
  const canon = await loadManifest(join(ROOT, "import.yaml"));
  const aggressive = await loadProfile("aggressive", { profilesDir: join(ROOT, "profiles") });
  const profile = { ...aggressive, delayMs: 0 };
  const volumes = canon.volumes.filter((v) => options.source.includes(v.id));
  const api = await startFakeApi({
    ...options.fake,
    volumes: options.fakeVolumes?.(canon.volumes) ?? canon.volumes,
  });
  const manifest: Manifest = {
    ...canon,
    source: { ...canon.source, url: api.apiUrl, timeoutMs: 120_000 },
    retry: { ...canon.retry, baseDelayMs: 5, maxDelayMs: 50, maxRetries: 2 },
  };
  const limits = compileLimits(profile);
  const finite = (n: number) => (Number.isFinite(n) ? n : null);
  const plan: RunStateVolumePlan[] = volumes.map((v) => ({
    id: v.id,
    title: v.title,
    books: v.books.map((b) => ({ id: `${v.id}/${b.id}`, title: b.title, chapters: b.chapters })),
  }));
  const tracker = new RunStateTracker({
    volumes: plan,
    ceilings: {
      ratePerSecond: finite(limits.rate),
      maxInFlight: finite(limits.maxInFlight),
      volumes: limits.volumes,
      booksPerVolume: limits.booksPerVolume,
      chaptersPerBook: limits.chaptersPerBook,
    },
  });
  const chapters = plan.reduce((n, v) => n + v.books.reduce((m, b) => m + b.chapters, 0), 0);
  const collector = new SummaryCollector({ chapters, limits, books: [] });
  const out = await Deno.makeTempDir();
  const header: RunHeader = {
    tool: { name: "dashboard-harness", version: "0" },
    manifest: { file: canon.file, sha256: "" },
    profile: { ...profile, burst: limits.burst },
    selection: [...options.source],
    outDir: out,
    lang: canon.source.lang,
    apiUrl: api.apiUrl,
  };

  // Server-Sent Events, as the contract has them.
  const encoder = new TextEncoder();
  const streams = new Set<ReadableStreamDefaultController<Uint8Array>>();
  let ended = false;
  let stateTimer: ReturnType<typeof setTimeout> | undefined;
  const send = (event: string, data: unknown) => {
    const chunk = encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    for (const stream of streams) stream.enqueue(chunk);
  };
  const closeStreams = () => {
    for (const stream of streams) stream.close();
    streams.clear();
  };
  const flushState = () => {
    stateTimer = undefined;
    send("state", tracker.state());
  };
  const onRecord = (record: LogRecord) => {
    tracker.add(record);
    send("record", record);
    if (record.type === "run-end") {
      clearTimeout(stateTimer);
      stateTimer = undefined;
      ended = true;
      send("state", tracker.state());
      closeStreams();
    } else if (stateTimer === undefined) {
      stateTimer = setTimeout(flushState, 500);
    }
  };

  const controls: unknown[] = [];
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json" },
    });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const url = new URL(request.url);
    if (request.method === "GET" && url.pathname === "/") {
      return new Response(dashboardPage(), {
        headers: { "content-type": "text/html; charset=utf-8" },
      });
    }
    if (request.method === "GET" && url.pathname === "/api/state") {
      return json(200, tracker.state());
    }
    if (request.method === "GET" && url.pathname === "/events") {
      let self: ReadableStreamDefaultController<Uint8Array>;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          self = controller;
          controller.enqueue(
            encoder.encode(`event: state\ndata: ${JSON.stringify(tracker.state())}\n\n`),
          );
          if (ended) controller.close();
          else streams.add(controller);
        },
        cancel() {
          streams.delete(self);
        },
      });
      return new Response(body, { headers: { "content-type": "text/event-stream" } });
    }
    if (request.method === "POST" && url.pathname === "/api/control") {
      let body: unknown;
      try {
        body = await request.json();
      } catch {
        return json(400, { error: "Cannot read the control: the body is not JSON" });
      }
      controls.push(body);
      const action = (body as { action?: unknown }).action;
      if (ended) return json(409, { error: "Cannot control the run: it has ended" });
      if (action === "limits") {
        const volumes = (body as { volumes?: unknown }).volumes;
        if (typeof volumes === "number" && volumes > limits.volumes) {
          return json(400, {
            error:
              `Cannot change the limits: volumes ${volumes} is above the profile's ceiling ${limits.volumes}`,
          });
        }
      } else if (!["pause", "resume", "cancel"].includes(String(action))) {
        return json(400, {
          error: `Cannot control the run: unknown action ${JSON.stringify(action)}`,
        });
      }
      return json(200, { ok: true, state: tracker.state() });
    }
    return json(404, { error: `No such route: ${request.method} ${url.pathname}` });
  });

  // The held chapter's requests wait for release() (or the run's abort).
  let release!: () => void;
  const released = new Promise<void>((resolve) => release = resolve);
  const holdingFetch: typeof fetch = async (input, init) => {
    const uri = new URL(String(input)).searchParams.get("uri");
    if (options.hold !== undefined && uri === options.hold) {
      const signal = init?.signal;
      await new Promise<void>((resolve, reject) => {
        const abort = () => reject(signal!.reason);
        signal?.addEventListener("abort", abort, { once: true });
        released.then(() => {
          signal?.removeEventListener("abort", abort);
          resolve();
        });
      });
    }
    return fetch(input, init);
  };

  const stop = new AbortController();
  let run: Promise<ImportResult> | undefined;
  const onEvent = (event: RunEvent) => {
    // The collector first: the run-end record asks it for the summary.
    collector.add(event);
    onRecord(toLogRecord(event, { header, summarize: () => collector.summary() }));
  };
  return {
    url: `http://127.0.0.1:${server.addr.port}/`,
    api,
    controls,
    start() {
      run ??= runImport({
        manifest,
        profile,
        selection: { source: options.source },
        outDir: out,
        log: false,
        fetch: holdingFetch,
        signal: stop.signal,
        chapterWorkers: 0,
        onEvent,
      });
      return run;
    },
    release,
    async close() {
      release();
      stop.abort();
      await run?.catch(() => undefined);
      clearTimeout(stateTimer);
      closeStreams();
      await server.shutdown();
      await api.close();
      await Deno.remove(out, { recursive: true });
    },
  };
}
