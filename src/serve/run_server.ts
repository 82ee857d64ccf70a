/**
 * The `--serve` server: one small HTTP server inside the run that shows it
 * (the dashboard, its state, its records as Server-Sent Events, Prometheus
 * metrics) and steers it (pause, resume, cancel, limits). It is a sink of the
 * run's progress-log records, like the log itself; the run does not wait for it.
 *
 * Routes (anything else answers 404, a listed path with another method 405):
 * - `GET /`: the dashboard page;
 * - `GET /api/state`: the {@linkcode RunState} as JSON;
 * - `GET /events`: `event: state` (the snapshot) first, then `event: record`
 *   for each progress-log record as it happens and `event: state` at most
 *   every `stateIntervalMs`; after `run-end`, a last state and the stream ends;
 * - `GET /metrics`: the Prometheus text exposition (see run_metrics.ts);
 * - `POST /api/control`: a JSON body (see control_request.ts); 200 with the
 *   state, 400 with the reason, 409 before the run started or after it ended,
 *   and always 409 on a server without a control (a queue run's watcher,
 *   which only watches: its state says `run.controls: false`).
 *
 * With a token, every request must carry `Authorization: Bearer TOKEN` (or
 * `?token=TOKEN`, for a browser's page and EventSource), else 401. Without
 * one (loopback only), a request whose `Host` is not a loopback name is
 * refused (403), so that a web page cannot reach it through DNS rebinding;
 * and a control must be sent as `application/json`, which a page of another
 * origin cannot send without a CORS preflight that this server never grants.
 *
 * @module
 */

import type { RunControl } from "../exec/run_control.ts";
import type { LogRecord } from "../progress/log_record.ts";
import { type RunStatePlan, RunStateTracker } from "../progress/run_state.ts";
import { parseControl } from "./control_request.ts";
import { dashboardPage } from "./dashboard_page.ts";
import { RunMetrics } from "./run_metrics.ts";
import { isLoopback, type ServeAddress, serveUrl } from "./serve_address.ts";

/** Options of {@linkcode startRunServer}. */
export interface RunServerOptions {
  /** Where to listen; port 0 picks a free one. */
  readonly address: ServeAddress;
  /** The bearer token every request must carry; required off loopback. */
  readonly token?: string;
  /** The volumes, books and limits of the run, known before its first record. */
  readonly plan: RunStatePlan;
  /**
   * The run's control, which `POST /api/control` steers. Without one (a
   * queue run's watcher, whose run goes on in the workers) every control is
   * refused with 409, and the state says `run.controls: false`.
   */
  readonly control?: RunControl;
  /** For an adaptive profile: its name (its controller owns the rate and in-flight cap). */
  readonly adaptive?: { readonly profile: string };
  /** Clock ms now, for a pause in force at a scrape. @default Date.now */
  readonly now?: () => number;
  /** Ms between two `state` events of `/events`. @default 500 */
  readonly stateIntervalMs?: number;
}

/** A listening server. */
export interface RunServer {
  /** `http://HOST:PORT/`, without the token. */
  readonly url: string;
  /** Feed it every progress-log record of the run, in order. */
  readonly onRecord: (record: LogRecord) => void;
  /** Ends the streams and stops listening; resolves once every connection is closed. */
  close(): Promise<void>;
}

/** A request refused at start: a non-loopback address without a token, or one that cannot be bound. */
export class ServeError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ServeError";
  }
}

/** Bytes a slow `/events` client may fall behind before its stream is ended. */
export const MAX_STREAM_BACKLOG = 4 * 1024 * 1024;

type _Handler = (request: Request) => Response | Promise<Response>;
type _Route = { readonly GET?: _Handler; readonly POST?: _Handler };

/**
 * Starts the server.
 *
 * @throws {ServeError} for a non-loopback address without a token, or an address that cannot be bound.
 */
export function startRunServer(options: RunServerOptions): Promise<RunServer> {
  const { address, token, control } = options;
  if (!isLoopback(address.hostname) && (token === undefined || token === "")) {
    return Promise.reject(
      new ServeError(
        `Cannot serve on "${address.hostname}": it is not a loopback address, so --serve-token TOKEN is required`,
      ),
    );
  }
  const tracker = new RunStateTracker({ ...options.plan, controls: control !== undefined });
  const metrics = new RunMetrics({ ceilings: options.plan.ceilings, now: options.now });
  const intervalMs = options.stateIntervalMs ?? 500;
  const encoder = new TextEncoder();
  const clients = new Set<ReadableStreamDefaultController<Uint8Array>>();
  let ended = false;
  let stateTimer: ReturnType<typeof setTimeout> | undefined;

  const event = (name: string, data: unknown) =>
    encoder.encode(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  const broadcast = (chunk: Uint8Array) => {
    for (const client of clients) {
      // A client that reads too slowly is let go rather than buffered without end.
      if ((client.desiredSize ?? 0) < -MAX_STREAM_BACKLOG) {
        clients.delete(client);
        client.close();
      } else client.enqueue(chunk);
    }
  };
  const closeClients = () => {
    for (const client of clients) client.close();
    clients.clear();
  };
  const sendState = () => {
    stateTimer = undefined;
    if (clients.size > 0) broadcast(event("state", tracker.state()));
  };

  const onRecord = (record: LogRecord) => {
    tracker.add(record);
    metrics.add(record);
    if (clients.size > 0) broadcast(event("record", record));
    if (record.type === "run-end") {
      ended = true;
      clearTimeout(stateTimer);
      stateTimer = undefined;
      broadcast(event("state", tracker.state()));
      closeClients();
    } else if (stateTimer === undefined && clients.size > 0) {
      stateTimer = setTimeout(sendState, intervalMs);
    }
  };

  const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json; charset=utf-8", ...headers },
    });
  const noStore = { "cache-control": "no-store" };

  const routes: Readonly<Record<string, _Route>> = {
    "/": {
      GET: () =>
        new Response(dashboardPage(), {
          headers: { "content-type": "text/html; charset=utf-8", ...noStore },
        }),
    },
    "/api/state": { GET: () => json(200, tracker.state(), noStore) },
    "/events": {
      GET: () => {
        let self: ReadableStreamDefaultController<Uint8Array>;
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            self = controller;
            controller.enqueue(event("state", tracker.state()));
            if (ended) controller.close();
            else clients.add(controller);
          },
          cancel() {
            clients.delete(self);
          },
        });
        return new Response(body, {
          headers: { "content-type": "text/event-stream; charset=utf-8", ...noStore },
        });
      },
    },
    "/metrics": {
      GET: async () =>
        new Response(await metrics.text(), {
          headers: { "content-type": metrics.contentType, ...noStore },
        }),
    },
    "/api/control": {
      POST: async (request) => {
        if (control === undefined) {
          await request.body?.cancel();
          return json(409, {
            error:
              "Cannot control the run: controls are not available on a queue watcher (the run goes on in its workers)",
          });
        }
        const type = request.headers.get("content-type") ?? "";
        if (!/^application\/json\b/i.test(type)) {
          await request.body?.cancel();
          return json(415, {
            error: "Cannot control the run: send the body as content-type application/json",
          });
        }
        let body: unknown;
        try {
          body = await request.json();
        } catch {
          return json(400, { error: "Cannot control the run: the body is not JSON" });
        }
        if (ended) return json(409, { error: "Cannot control the run: it has ended" });
        if (!control.attached) {
          return json(409, { error: "Cannot control the run: it has not started yet" });
        }
        const parsed = parseControl(body, {
          ceilings: options.plan.ceilings,
          scopeLimits: control.scopeLimits,
          adaptive: options.adaptive,
        });
        if ("error" in parsed) return json(400, { error: parsed.error });
        try {
          control.steer(parsed.change, "http");
        } catch (error) {
          if (error instanceof RangeError) return json(400, { error: error.message });
          throw error;
        }
        return json(200, { ok: true, state: tracker.state() });
      },
    },
  };

  const handle = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (token !== undefined && token !== "") {
      const bearer = /^Bearer (.+)$/i.exec(request.headers.get("authorization") ?? "")?.[1];
      const given = bearer ?? url.searchParams.get("token") ?? "";
      if (!_sameText(given, token)) {
        await request.body?.cancel();
        return json(401, { error: "Unauthorized: send Authorization: Bearer TOKEN" }, {
          "www-authenticate": 'Bearer realm="scripture-importer"',
        });
      }
    } else if (!isLoopback(_hostOf(request.headers.get("host") ?? ""))) {
      await request.body?.cancel();
      return json(403, { error: "Forbidden: this server answers loopback host names only" });
    }
    const route = Object.hasOwn(routes, url.pathname) ? routes[url.pathname] : undefined;
    if (route === undefined) {
      await request.body?.cancel();
      return json(404, { error: `No such route: ${url.pathname}` });
    }
    const handler = request.method === "GET" || request.method === "HEAD"
      ? route.GET
      : request.method === "POST"
      ? route.POST
      : undefined;
    if (handler === undefined) {
      await request.body?.cancel();
      const allow = Object.keys(route).join(", ");
      return json(405, { error: `Method ${request.method} not allowed on ${url.pathname}` }, {
        allow,
      });
    }
    return await handler(request);
  };

  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname: address.hostname,
      port: address.port,
      onListen() {},
    }, handle);
  } catch (error) {
    return Promise.reject(
      new ServeError(
        `Cannot serve on ${serveUrl(address.hostname, address.port)}: ${(error as Error).message}`,
        { cause: error },
      ),
    );
  }
  const url = serveUrl(address.hostname, server.addr.port);
  return Promise.resolve({
    url,
    onRecord,
    async close() {
      clearTimeout(stateTimer);
      stateTimer = undefined;
      ended = true;
      closeClients();
      await server.shutdown();
    },
  });
}

// The host name of a Host header: without its port, IPv6 without brackets.
function _hostOf(host: string): string {
  const v6 = /^\[([^\]]+)\]/.exec(host);
  if (v6) return v6[1];
  return host.replace(/:\d+$/, "");
}

// Compares a secret in time that does not depend on where the texts differ.
function _sameText(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < y.length; i++) diff |= (x[i % Math.max(1, x.length)] ?? 0) ^ y[i];
  return diff === 0;
}
