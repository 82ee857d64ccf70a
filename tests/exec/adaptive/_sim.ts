/**
 * A simulated server on virtual time, and a run of N requests against it
 * driven by the real executor with a rate governor. The server is a token
 * bucket of a rate the client does not know (429 with a whole-second
 * Retry-After above it) holding a strict spacing's single token, or some ms
 * of tokens, with a latency model, stalls that bunch arrivals, optional
 * outages (503), an optional single worker whose queue slows answers under
 * load, and optional announcements of its limit (in every answer, or on
 * refusals only).
 *
 * @module
 */

import { Dag } from "../../../src/exec/dag.ts";
import { runDag } from "../../../src/exec/executor.ts";
import { createRateGovernor, type RateGovernor } from "../../../src/exec/adaptive/governor.ts";
import type { AdaptiveParams } from "../../../src/exec/adaptive/params.ts";
import { RunControl } from "../../../src/exec/run_control.ts";
import {
  type DagNode,
  type Limits,
  type RateHint,
  type RunEvent,
  type RunReport,
  TaskError,
} from "../../../src/exec/types.ts";
import { VirtualClock } from "../../../src/exec/virtual_clock.ts";
import { TokenBucket } from "../../../src/fake_api/token_bucket.ts";
import { drive, seededRandom } from "../_helpers.ts";

/** How the simulated server behaves. Times are ms of virtual time from the run's start. */
export interface SimServerOptions {
  /** Requests/s its bucket allows, or a schedule; Infinity for no limit. */
  readonly rate: number | ((at: number) => number);
  /**
   * The bucket holds this many ms of tokens at the first rate, at least one:
   * 1000 for as many as the rate allows in a second (a one-second window,
   * which lets a client run above the limit until the bucket is empty), 100
   * for a tenth of that (4 tokens at 40/s). @default one token: a strict spacing
   */
  readonly bucketMs?: number;
  /** Round trip without queueing, ms: half before the server sees the request, half after. */
  readonly latencyMs: number;
  /**
   * The server's work on a request it takes, ms, before the answer's half of
   * the trip; a refusal is answered at once, as most servers and gateways do.
   * @default 0
   */
  readonly processingMs?: number;
  /** The arrival of each request varies uniformly by up to this, ms. @default 0.2 */
  readonly transitJitterMs?: number;
  /**
   * The server stalls now and then (a collection, another request's work):
   * requests arriving during a stall are seen together at its end, closer
   * than they were sent. Stalls start this many times a second on average
   * and last `meanMs` on average (both exponential). @default none
   */
  readonly stalls?: { readonly perSecond: number; readonly meanMs: number };
  /** The answer's half of the trip varies by up to this fraction. @default 0.2 */
  readonly latencySpread?: number;
  /** Send the limit with every answer (`true`), or only on refusals (`"on-429"`). @default false */
  readonly announce?: boolean | "on-429";
  /** Requests arriving in these [from, to) windows are answered 503. */
  readonly outages?: readonly (readonly [number, number])[];
  /** Every this-many-th request is answered 503, whatever the load. */
  readonly errorEvery?: number;
  /** One worker that takes this long per request: a queue builds above 1000 / serviceMs per second. */
  readonly serviceMs?: number;
  /** With a worker: answer 503 when more than this many wait. @default 20 */
  readonly maxQueue?: number;
  /** @default 1 */
  readonly seed?: number;
}

/** What the server saw: one entry per request, by arrival. */
export interface SimArrival {
  readonly at: number;
  readonly status: 200 | 429 | 503;
  /** The bucket's rate at the arrival. */
  readonly rate: number;
}

/** The simulated server. */
export class SimServer {
  readonly arrivals: SimArrival[] = [];
  /**
   * Requests that arrived while a Retry-After the server sent was still
   * running, later than a round trip after it (those already on their way).
   */
  beforeRetryAfter = 0;
  /** Retry-After windows still running: [counted from, until], ms from the origin. */
  #windows: [number, number][] = [];
  readonly #o: SimServerOptions;
  readonly #clock: VirtualClock;
  readonly #random: () => number;
  readonly #origin: number;
  #bucket: TokenBucket | undefined;
  #workerFreeAt = -Infinity;
  /** The current or next stall, ms from the origin. */
  #stall: { from: number; to: number } | undefined;

  constructor(options: SimServerOptions, clock: VirtualClock) {
    this.#o = options;
    this.#clock = clock;
    this.#random = seededRandom(options.seed ?? 1);
    this.#origin = clock.now();
  }

  /** Requests answered with `status`. */
  count(status: SimArrival["status"]): number {
    return this.arrivals.filter((arrival) => arrival.status === status).length;
  }

  /** One request: resolves with the answer's hint, or throws the TaskError of a 429 or 503. */
  async request(signal: AbortSignal): Promise<RateHint | undefined> {
    const o = this.#o;
    const jitter = (this.#random() * 2 - 1) * (o.transitJitterMs ?? 0.2);
    await this.#clock.sleep(Math.max(0, o.latencyMs / 2 + jitter), signal);
    const stalled = this.#stalledUntil(this.#clock.now() - this.#origin);
    if (stalled > 0) await this.#clock.sleep(stalled, signal);
    const at = this.#clock.now() - this.#origin;
    this.#windows = this.#windows.filter(([, until]) => until > at);
    if (this.#windows.some(([from]) => at > from)) this.beforeRetryAfter++;
    const rate = typeof o.rate === "number" ? o.rate : o.rate(at);
    const wait = this.#take(rate, at);
    const announce = rate < Infinity && (o.announce === true || (o.announce && wait > 0));
    const hint = announce ? this.#hint(rate, at, o.announce === "on-429") : undefined;
    const down = (o.latencyMs / 2) * (1 + (this.#random() * 2 - 1) * (o.latencySpread ?? 0.2));
    if (wait > 0) {
      this.arrivals.push({ at, status: 429, rate });
      await this.#clock.sleep(down, signal);
      const retryAfterMs = Math.max(1, Math.ceil(wait / 1000)) * 1000;
      // Counted from when the refusal is back with the client, and a trip more.
      const grace = down + o.latencyMs + 2 * (o.transitJitterMs ?? 0.2) + 1;
      this.#windows.push([at + grace, at + down + retryAfterMs]);
      throw new TaskError("HTTP 429", {
        retryable: true,
        status: 429,
        retryAfterMs,
        ...(hint ? { rateHint: hint } : {}),
      });
    }
    const queued = this.#queue(at);
    const scattered = o.errorEvery !== undefined && this.arrivals.length % o.errorEvery ===
        o.errorEvery - 1;
    if (
      queued === undefined || scattered || o.outages?.some(([from, to]) => at >= from && at < to)
    ) {
      this.arrivals.push({ at, status: 503, rate });
      await this.#clock.sleep(down, signal);
      throw new TaskError("HTTP 503", { retryable: true, status: 503 });
    }
    this.arrivals.push({ at, status: 200, rate });
    await this.#clock.sleep(queued + (o.processingMs ?? 0) + down, signal);
    return hint;
  }

  /** Ms until the stall the server is in at `at` ends; 0 when it is in none. */
  #stalledUntil(at: number): number {
    const stalls = this.#o.stalls;
    if (stalls === undefined) return 0;
    const exponential = (mean: number) => -Math.log(1 - this.#random()) * mean;
    let stall = this.#stall;
    while (stall === undefined || stall.to <= at) {
      const from = (stall?.to ?? 0) + exponential(1000 / stalls.perSecond);
      stall = this.#stall = { from, to: from + exponential(stalls.meanMs) };
    }
    return at >= stall.from ? stall.to - at : 0;
  }

  /** 0 when the bucket had a token, else ms until it will. */
  #take(rate: number, at: number): number {
    if (rate === Infinity) return 0;
    if (this.#bucket === undefined) {
      const bucketMs = this.#o.bucketMs;
      const burst = bucketMs === undefined ? 1 : Math.max(1, Math.round((rate * bucketMs) / 1000));
      this.#bucket = new TokenBucket({ ratePerSecond: rate, burst }, at);
    } else if (this.#bucket.ratePerSecond !== rate) this.#bucket.setRate(rate, at);
    return this.#bucket.take(at);
  }

  /** The worker's delay for a request arriving at `at`; undefined when the queue is full. */
  #queue(at: number): number | undefined {
    const service = this.#o.serviceMs;
    if (service === undefined) return 0;
    const start = Math.max(at, this.#workerFreeAt);
    const waiting = Math.ceil((start - at) / service);
    if (waiting > (this.#o.maxQueue ?? 20)) return undefined;
    this.#workerFreeAt = start + service;
    return this.#workerFreeAt - at;
  }

  #hint(rate: number, at: number, limitOnly: boolean): RateHint {
    if (limitOnly) return { ratePerSecond: rate };
    const bucket = this.#bucket!;
    return {
      ratePerSecond: rate,
      remaining: Math.floor(bucket.available(at)),
      resetMs: bucket.msUntilFull(at),
    };
  }
}

/** Options of {@linkcode simulate}. */
export interface SimulateOptions {
  readonly server: SimServerOptions;
  /** Requests to make. */
  readonly tasks: number;
  /** Adapt (with these parameter overrides), or a fixed profile (`false`). @default {} */
  readonly adaptive?: false | Partial<AdaptiveParams>;
  /** The profile's limits. @default { maxInFlight: 50 } */
  readonly limits?: Partial<Limits>;
  /** Time limit of one attempt, ms. @default Infinity */
  readonly attemptTimeoutMs?: number;
}

/** A finished simulated run. */
export interface Simulation {
  readonly report: RunReport;
  readonly events: readonly RunEvent[];
  readonly server: SimServer;
  readonly governor: RateGovernor;
  /** `rate-change` events, in order. */
  readonly changes: readonly Extract<RunEvent, { type: "rate-change" }>[];
  /** The rate set at time `at` (ms from the start). */
  rateAt(at: number): number;
  /** Successful requests per second that arrived in [from, to). */
  throughput(from: number, to: number): number;
}

/** Runs `tasks` requests against a simulated server on virtual time. */
export async function simulate(options: SimulateOptions): Promise<Simulation> {
  const clock = new VirtualClock();
  const server = new SimServer(options.server, clock);
  const control = new RunControl();
  const events: RunEvent[] = [];
  const limits: Limits = {
    scopes: [1],
    tasksPerScope: options.tasks,
    maxInFlight: 50,
    ...options.limits,
  };
  const governor = createRateGovernor({
    control,
    clock,
    limits,
    adaptive: options.adaptive ?? {},
    onChange: (event) => events.push(event),
  });
  const nodes: DagNode[] = Array.from(
    { length: options.tasks },
    (_, i) => ({ id: `r${i}`, kind: "request", deps: [], scope: ["all"], role: "task" }),
  );
  const random = seededRandom(options.server.seed ?? 1);
  const report = await drive(
    clock,
    runDag(Dag.from(nodes), {
      tasks: {
        request: async (_node, context) => {
          try {
            const hint = await server.request(context.signal);
            if (hint !== undefined) governor.hint(hint);
            return null;
          } catch (error) {
            if (error instanceof TaskError && error.rateHint) governor.hint(error.rateHint);
            throw error;
          }
        },
      },
      limits,
      retry: { maxRetries: 30, baseDelayMs: 200, maxDelayMs: 5000, multiplier: 2, jitter: "full" },
      attemptTimeoutMs: options.attemptTimeoutMs,
      clock,
      random,
      control,
      onEvent: (event) => {
        events.push(event);
        governor.observe(event);
      },
    }),
  );
  const changes = events.filter((e): e is Extract<RunEvent, { type: "rate-change" }> =>
    e.type === "rate-change"
  );
  return {
    report,
    events,
    server,
    governor,
    changes,
    rateAt(at) {
      let rate = Infinity;
      for (const change of changes) {
        if (change.at > at) break;
        rate = change.to.ratePerSecond;
      }
      return rate;
    },
    throughput(from, to) {
      const ok = server.arrivals.filter((a) => a.status === 200 && a.at >= from && a.at < to);
      return (ok.length * 1000) / (to - from);
    },
  };
}
