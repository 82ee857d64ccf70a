/**
 * A queue worker: takes the jobs of any run from the chapter and manifest
 * queues and runs each with the importer's own handlers (fetch, encode, write
 * the chapter file atomically; write a manifest from what is on disk), under
 * the limits every worker of the queue shares in Redis, and publishes the
 * events of each job to its run's stream.
 *
 * @module
 */

import { Job, Queue, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { backoffDelay } from "../exec/backoff.ts";
import { systemClock } from "../exec/clock.ts";
import { quotaPause } from "../exec/adaptive/quota.ts";
import {
  type Outcome,
  type RateHint,
  type RetryPolicy,
  type RunEvent,
  TaskError,
} from "../exec/types.ts";
import { UserError } from "../exec/user_error.ts";
import { importHandlers } from "../importer.ts";
import { type HandlerLanguage, handlerLanguages } from "../import_languages.ts";
import type { Profile } from "../manifest/types.ts";
import { ChapterEncoder } from "../offload/chapter_encoder.ts";
import { compileLimits } from "../plan/limits.ts";
import { buildPlan } from "../plan/planner.ts";
import { resolveSelection } from "../plan/selection.ts";
import type { ChapterNode, PlanNode } from "../plan/types.ts";
import { type QueueAddress, withConnectionLog } from "./connection.ts";
import { connect, logConnectionErrors } from "./redis_client.ts";
import { publishEvent } from "./events.ts";
import { BACKOFF_TYPE, type JobData } from "./flow.ts";
import {
  announcedLimiter,
  DEFAULT_WORKER_CONCURRENCY,
  type QueueLimits,
  queueLimits,
} from "./limits.ts";
import {
  CHAPTER_QUEUE,
  jobIdOf,
  KEY_PREFIX,
  LIMITS_KEY,
  MANIFEST_QUEUE,
  runNotAvailableKey,
} from "./names.ts";
import { type NotAvailable, notAvailableScope, REFERENCE_LANG } from "../source/not_available.ts";
import { loadRunConfig } from "./run_config.ts";
import { type AdaptiveControl, joinAdaptiveControl } from "./leading.ts";
import { publishSignal } from "./signals.ts";
import {
  lowerSharedWindow,
  type RateWindow,
  setSharedLimits,
  sharedWindow,
  windowRate,
} from "./shared_limit.ts";

/** Options of {@linkcode startQueueWorker}. */
export interface QueueWorkerOptions {
  /** The Redis the queues are in. */
  readonly address: QueueAddress;
  /** The profile whose rate and in-flight cap every worker of the queue keeps together. */
  readonly profile: Profile;
  /**
   * The shared output directory as this host mounts it. @default the path
   * the run was enqueued with
   */
  readonly outDir?: string;
  /** The fetch every request goes through. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /**
   * How long a job may go without its worker's heartbeat before another
   * worker takes it over (BullMQ's lock duration; stalled jobs are looked for
   * at half of it). @default 30000
   */
  readonly stallTimeoutMs?: number;
  /** Threads that parse and hash the chapters. @default one per core beyond the first, at most 4 */
  readonly chapterWorkers?: number;
  /** One line per notable thing the worker does (started, paused, a job failed). */
  readonly log?: (line: string) => void;
}

/** A running worker. */
export interface QueueWorker {
  /** The limits the queue runs with (an adaptive profile's: its ceilings). */
  readonly limits: QueueLimits;
  /** With an adaptive profile: this worker's seat in the queue's one controller. */
  readonly control?: { readonly token: string; readonly leading: boolean };
  /** Stops taking jobs, waits for the ones in hand, closes every connection. */
  close(): Promise<void>;
}

/** A worker that cannot start: limits other running workers do not share. */
export class QueueSetupError extends UserError {}

/** A retryable failure, carrying the delay the backoff strategy hands BullMQ. */
class _Retry extends Error {
  constructor(reason: string, readonly delayMs: number) {
    super(reason);
  }
}

interface _RunContext {
  readonly nodes: ReadonlyMap<string, PlanNode>;
  /** Node id by job id, for a sink's children. */
  readonly byJobId: ReadonlyMap<string, string>;
  readonly handlers: ReturnType<typeof importHandlers>;
  /** The run's languages; what each lacks, as this worker knows it. */
  readonly languages: ReadonlyMap<string, HandlerLanguage>;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
}

/**
 * Starts a worker on both queues.
 *
 * With an adaptive profile, the worker also campaigns to lead the queue's
 * one adaptive controller (see `leading.ts`): the leader sets the shared
 * rate and in-flight cap from every worker's outcomes, the others only
 * report theirs.
 *
 * @throws {QueueSetupError} when workers with other limits are connected to the queue.
 */
export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorker> {
  const { profile } = options;
  const limits = queueLimits(profile.name, compileLimits(profile));
  const log = options.log ?? (() => {});
  // Its connections' errors, one line each (not one per retry), to the address's log, else to the worker's.
  const address = options.address.connectionLog === undefined
    ? withConnectionLog(options.address, log)
    : options.address;
  const redis = connect(address);
  const connection = address.options;
  const chapterQueue = new Queue(CHAPTER_QUEUE, { connection, prefix: KEY_PREFIX });
  logConnectionErrors(address, chapterQueue);
  const adaptive = profile.adaptive !== undefined;
  const stallMs = options.stallTimeoutMs ?? 30_000;
  let control: AdaptiveControl | undefined;
  try {
    // An adaptive profile's limits are its leader's to set, once elected.
    await _registerLimits(redis, chapterQueue, limits, { set: !adaptive });
    if (adaptive) {
      control = await joinAdaptiveControl({
        address,
        redis,
        chapterQueue,
        profile,
        ttlMs: stallMs,
        log,
      });
    }
  } catch (error) {
    await control?.stop();
    await chapterQueue.close();
    redis.disconnect();
    throw error;
  }
  const encoder = new ChapterEncoder({ workers: options.chapterWorkers });
  const runs = new Map<string, Promise<_RunContext>>();
  const common = {
    connection,
    prefix: KEY_PREFIX,
    lockDuration: stallMs,
    stalledInterval: Math.max(500, Math.round(stallMs / 2)),
    maxStalledCount: 3,
    settings: {
      // A chapter's retry waits the delay its failure computed (the manifest's retry policy).
      backoffStrategy: (_attempts: number, type?: string, error?: Error) =>
        type === BACKOFF_TYPE && error instanceof _Retry ? error.delayMs : 1000,
    },
  };
  const publish = (run: string, event: RunEvent) => publishEvent(redis, run, event);
  /** A chapter job's event: with an adaptive profile, also a signal to the leader's controller. */
  const publishChapter = async (run: string, event: RunEvent) => {
    await Promise.all([
      publishEvent(redis, run, event),
      adaptive ? publishSignal(redis, { run, event }) : undefined,
    ]);
  };
  const failed = (what: string) => (error: unknown) =>
    log(`${what}: ${error instanceof Error ? error.message : String(error)}`);
  /** The lowest rate a server announced to this worker; the queue's window may be lower still. */
  let announcedLowest = Infinity;

  /** Lowers the queue's one window for a rate announced, unless it is as low already. */
  const lower = async (run: string, announced: number, at: number) => {
    const next = announcedLimiter(limits, announced);
    const replaced = await lowerSharedWindow(redis, chapterQueue.keys.meta, next);
    if (replaced === undefined) return;
    const inFlight = limits.maxInFlight;
    await publish(run, {
      type: "rate-change",
      at,
      from: {
        ratePerSecond: replaced.duration > 0 ? windowRate(replaced) : Infinity,
        maxInFlight: inFlight,
      },
      to: { ratePerSecond: windowRate(next), maxInFlight: inFlight },
      cause: "announced",
      reason: `the server announced ${announced}/s: the queue's shared window set to it`,
    });
  };

  const onHint = (run: string) => (hint: RateHint) => {
    const now = Date.now();
    const pause = quotaPause(hint, now);
    if (pause !== undefined) {
      chapterQueue.rateLimit(pause.until - now).catch(failed("Pausing the queue"));
      publishChapter(run, { type: "rate-pause", at: now, until: pause.until, reason: pause.reason })
        .catch(failed("Publishing a pause"));
    }
    // The leader's controller follows what any worker's server announced.
    if (adaptive) {
      publishSignal(redis, { run, at: now, hint }).catch(failed("Signalling the leader"));
      return;
    }
    const announced = hint.ratePerSecond;
    if (announced !== undefined && announced > 0 && announced < announcedLowest) {
      announcedLowest = announced;
      lower(run, announced, now).catch((error) => {
        announcedLowest = Infinity; // tried again on the next announcement
        failed("Lowering the queue's rate")(error);
      });
    }
  };

  const context = (run: string): Promise<_RunContext> => {
    let found = runs.get(run);
    if (found === undefined) {
      found = _runContext(redis, run, { ...options, encoder, onHint: onHint(run) });
      found.catch(() => runs.delete(run));
      runs.set(run, found);
    }
    return found;
  };

  const chapters: Worker<JobData> = new Worker<JobData>(
    CHAPTER_QUEUE,
    (job) =>
      _runChapter(job, { context, publish: publishChapter, redis, queue: chapterQueue, log }),
    {
      ...common,
      concurrency: Number.isFinite(limits.maxInFlight)
        ? limits.maxInFlight
        : DEFAULT_WORKER_CONCURRENCY,
      // No limiter of its own: the queue's one window in Redis paces every worker (shared_limit.ts).
    },
  );
  const manifests = new Worker<JobData>(
    MANIFEST_QUEUE,
    (job) => _runSink(job, { context, publish, redis, chapterQueue }),
    { ...common, concurrency: 4 },
  );
  // ioredis reports a lost connection here; it reconnects on its own.
  for (const worker of [chapters, manifests]) logConnectionErrors(address, worker);
  await Promise.all([chapters.waitUntilReady(), manifests.waitUntilReady()]);

  // A Redis restarted empty (no persistence, or a failover to an empty
  // replica) has lost the limits: every worker would run unlimited, and a
  // worker of another profile would be let in. Put back on every reconnect
  // and, for a loss no reconnect shows, looked for every few seconds.
  let guarding: Promise<void> | undefined;
  const guard = () => {
    if (guarding !== undefined || redis.status !== "ready") return;
    guarding = _reassertLimits(redis, chapterQueue, limits, {
      control,
      announced: () => (announcedLowest === Infinity
        ? undefined
        : announcedLimiter(limits, announcedLowest)),
      log,
    }).catch(failed("Putting the queue's limits back in Redis")).finally(
      () => (guarding = undefined),
    );
  };
  redis.on("ready", guard);
  const guardTimer = setInterval(guard, LIMITS_CHECK_MS);
  return {
    limits,
    ...(control === undefined ? {} : { control }),
    close: async () => {
      clearInterval(guardTimer);
      redis.off("ready", guard);
      await guarding;
      // First, so that another worker takes the lead at once.
      await control?.stop();
      await Promise.all([chapters.close(), manifests.close()]);
      await chapterQueue.close();
      encoder.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/**
 * Sets the chapter queue's shared limits from this worker's profile when no
 * other worker is running; a worker that joins running ones of the same
 * profile keeps the queue's window as they left it, lowered perhaps by a
 * server's announcement.
 *
 * @throws {QueueSetupError} when running workers have other limits.
 */
async function _registerLimits(
  redis: Redis,
  queue: Queue,
  limits: QueueLimits,
  options: { readonly set: boolean },
): Promise<void> {
  const text = JSON.stringify(limits);
  const registered = await redis.get(LIMITS_KEY);
  const running = registered !== null && (await queue.getWorkersCount()) > 0;
  if (running && registered !== text) {
    const other = JSON.parse(registered) as QueueLimits;
    throw new QueueSetupError(
      `Cannot start a worker with profile "${limits.profile}": the workers running on this ` +
        `queue use profile "${other.profile}" with other limits; start it with --profile ${other.profile}, ` +
        `or stop them first`,
    );
  }
  // Joins them: the window stays as they left it.
  if (running) return;
  await redis.set(LIMITS_KEY, text);
  if (options.set) await _setSharedLimits(queue, limits);
}

/** Sets the chapter queue's window and in-flight cap to the profile's, as a first worker does. */
function _setSharedLimits(queue: Queue, limits: QueueLimits): Promise<void> {
  return setSharedLimits(queue, { window: limits.limiter, maxInFlight: limits.maxInFlight });
}

/** How often a worker looks whether the queue's limits are still in Redis, ms. */
export const LIMITS_CHECK_MS = 2000;

/**
 * Puts the queue's limits back when Redis has lost them: the first worker
 * to see `LIMITS_KEY` gone writes it again (SET NX, so one of several) and,
 * with a fixed profile, sets the window and in-flight cap as a first worker
 * would, then lowers the window again to the lowest rate a server announced
 * to it. With an adaptive profile, the leader sends its controller's
 * settings again whenever the window is gone from the queue's meta hash.
 */
async function _reassertLimits(
  redis: Redis,
  queue: Queue,
  limits: QueueLimits,
  options: {
    readonly control: AdaptiveControl | undefined;
    readonly announced: () => RateWindow | undefined;
    readonly log: (line: string) => void;
  },
): Promise<void> {
  const { control, log } = options;
  if (control !== undefined) {
    if ((await redis.set(LIMITS_KEY, JSON.stringify(limits), "NX")) === "OK") {
      log(`The queue's limits were gone from Redis: profile "${limits.profile}" registered again`);
    }
    if (control.leading && (await sharedWindow(redis, queue.keys.meta)) === undefined) {
      await control.reassert();
      log("The queue's window was gone from Redis: the leader set its controller's again");
    }
    return;
  }
  if ((await redis.set(LIMITS_KEY, JSON.stringify(limits), "NX")) !== "OK") return;
  await _setSharedLimits(queue, limits);
  const announced = options.announced();
  if (announced !== undefined) await lowerSharedWindow(redis, queue.keys.meta, announced);
  log(
    `The queue's limits were gone from Redis (restarted empty?): profile "${limits.profile}" ` +
      "and its window set again",
  );
}

async function _runContext(
  redis: Redis,
  run: string,
  options: QueueWorkerOptions & {
    readonly encoder: ChapterEncoder;
    readonly onHint: (hint: RateHint) => void;
  },
): Promise<_RunContext> {
  const config = await loadRunConfig(redis, run);
  if (config === undefined) throw new UnrecoverableError(`No settings for run "${run}" in Redis`);
  const { manifest } = config;
  const plan = buildPlan(manifest, resolveSelection(manifest, config.selection));
  const lang = manifest.source.lang;
  const outDir = options.outDir ?? config.outDir;
  const languages = handlerLanguages(plan, manifest, outDir);
  const handlers = importHandlers({
    options: { manifest, profile: options.profile, fetch: options.fetch },
    plan,
    outDir,
    languages,
    compression: config.compression ?? "none",
    clock: systemClock,
    encoder: options.encoder,
  }, options.onHint);
  return {
    nodes: new Map(plan.dag.nodes.map((node) => [node.id, node])),
    byJobId: new Map(plan.dag.nodes.map((node) => [jobIdOf(run, lang, node), node.id])),
    handlers,
    languages,
    timeoutMs: manifest.source.timeoutMs,
    retry: manifest.retry,
  };
}

interface _JobDeps {
  readonly context: (run: string) => Promise<_RunContext>;
  /** Where the workers share what the API does not serve. */
  readonly redis: Redis;
  readonly publish: (run: string, event: RunEvent) => Promise<void>;
}

interface _SinkDeps extends _JobDeps {
  /** The chapter queue, where a sink reads the attempts its failed chapters made. */
  readonly chapterQueue: Queue;
}

async function _runChapter(
  job: Job<JobData>,
  deps: _JobDeps & { readonly queue: Queue; readonly log: (line: string) => void },
): Promise<unknown> {
  const { run, id } = job.data;
  const ctx = await deps.context(run);
  const node = ctx.nodes.get(id) as ChapterNode;
  const attempt = job.attemptsMade + 1;
  const kind = node.kind;
  const language = ctx.languages.get(node.lang)!;
  // A chapter of a volume or book its language is known (by any worker) not
  // to have is not asked for, as in one process. (Never in English.)
  if (node.lang !== REFERENCE_LANG) {
    await _learnNotAvailable(deps.redis, run, ctx);
    const known = notAvailableScope(language.notAvailable, node.volume, node.book);
    if (known !== undefined && attempt === 1) {
      const value = { notAvailable: known };
      await deps.publish(run, { type: "task-skipped", at: Date.now(), id, kind, value });
      return value;
    }
  }
  const startedAt = Date.now();
  await deps.publish(run, { type: "task-start", at: startedAt, id, kind, attempt, role: "task" });
  // The attempt's time limit, as the executor applies `source.timeoutMs`.
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException("Attempt timed out", "TimeoutError")),
    ctx.timeoutMs,
  );
  try {
    const value = await ctx.handlers.tasks.chapter(node, {
      signal: controller.signal,
      attempt,
      releaseSlot: () => {},
    });
    const missing = typeof value === "object" && value !== null
      ? (value as { notAvailable?: NotAvailable }).notAvailable
      : undefined;
    if (missing !== undefined) {
      await deps.redis.hsetnx(
        runNotAvailableKey(run),
        `${node.lang} ${missing.scope}`,
        missing.reason,
      );
    }
    const at = Date.now();
    await deps.publish(run, {
      type: "task-done",
      at,
      id,
      kind,
      attempts: attempt,
      durationMs: at - startedAt,
      value,
    });
    return value;
  } catch (error) {
    const timedOut = controller.signal.aborted;
    const failure = error instanceof TaskError ? error : undefined;
    const reason = timedOut
      ? `timed out after ${ctx.timeoutMs} ms`
      : error instanceof Error
      ? error.message
      : String(error);
    const status = failure?.status;
    const retryable = timedOut || (failure?.retryable ?? false);
    const at = Date.now();
    const retryAfterMs = failure?.retryAfterMs;
    const maxRetryAfterMs = ctx.retry.maxRetryAfterMs ?? Infinity;
    if (retryable && retryAfterMs !== undefined && retryAfterMs <= maxRetryAfterMs) {
      // Every worker's next job waits for the server's Retry-After; this one
      // goes back to the queue without using up an attempt.
      await deps.queue.rateLimit(retryAfterMs);
      await deps.publish(run, {
        type: "rate-pause",
        at,
        until: at + retryAfterMs,
        reason: `HTTP ${status ?? 429}: the server asked to wait ${retryAfterMs} ms`,
      });
      await deps.publish(run, {
        type: "task-retry",
        at,
        id,
        kind,
        attempt,
        delayMs: retryAfterMs,
        reason,
        ...(status === undefined ? {} : { status }),
        retryAfterMs,
      });
      throw Worker.RateLimitError();
    }
    if (retryable && attempt <= ctx.retry.maxRetries && !(failure?.fatal ?? false)) {
      const delayMs = backoffDelay(attempt, ctx.retry);
      await deps.publish(run, {
        type: "task-retry",
        at,
        id,
        kind,
        attempt,
        delayMs,
        reason,
        ...(status === undefined ? {} : { status }),
        ...(timedOut ? { timedOut: true as const } : {}),
      });
      throw new _Retry(reason, delayMs);
    }
    await deps.publish(run, {
      type: "task-failed",
      at,
      id,
      kind,
      attempts: attempt,
      reason,
      ...(status === undefined ? {} : { status }),
      permanent: !retryable,
      ...(failure?.fatal ? { fatal: true as const } : {}),
      ...(timedOut ? { timedOut: true as const } : {}),
    });
    deps.log(`Chapter ${id} of run ${run} failed: ${reason}`);
    throw new UnrecoverableError(reason);
  } finally {
    clearTimeout(timer);
  }
}

async function _runSink(job: Job<JobData>, deps: _SinkDeps): Promise<unknown> {
  const { run, id } = job.data;
  const ctx = await deps.context(run);
  const node = ctx.nodes.get(id)!;
  if (node.role !== "sink") throw new UnrecoverableError(`Job "${job.id}" is not a sink`);
  const startedAt = Date.now();
  const attempt = job.attemptsMade + 1;
  await deps.publish(run, {
    type: "task-start",
    at: startedAt,
    id,
    kind: node.kind,
    attempt,
    role: "sink",
  });
  // The children's values and failures, by node id, as the executor hands a sink its deps.
  const outcomes = new Map<string, Outcome>();
  const idOf = (key: string) => {
    const jobId = key.replace(/^[^:]+:[^:]+:/, "");
    return ctx.byJobId.get(jobId) ?? jobId;
  };
  for (const [key, value] of Object.entries(await job.getChildrenValues())) {
    outcomes.set(idOf(key), { status: "done", value, attempts: 1 });
  }
  // A failed chapter's attempts, as the book manifest lists them (a sink's are not shown).
  const chapterKey = `${KEY_PREFIX}:${CHAPTER_QUEUE}:`;
  for (const [key, reason] of Object.entries(await job.getIgnoredChildrenFailures())) {
    const failed = key.startsWith(chapterKey)
      ? await Job.fromId(deps.chapterQueue, key.slice(chapterKey.length))
      : undefined;
    const attempts = Math.max(1, failed?.attemptsMade ?? 1);
    outcomes.set(idOf(key), { status: "failed", reason: String(reason), attempts });
  }
  const signal = new AbortController().signal;
  try {
    // A root manifest lists what any worker found missing in its language.
    if (node.kind === "root-manifest") await _learnNotAvailable(deps.redis, run, ctx);
    const value = await _sink(ctx, node, outcomes, signal);
    const at = Date.now();
    await deps.publish(run, {
      type: "task-done",
      at,
      id,
      kind: node.kind,
      attempts: attempt,
      durationMs: at - startedAt,
      value,
    });
    return value;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (attempt >= (job.opts.attempts ?? 1)) {
      await deps.publish(run, {
        type: "task-failed",
        at: Date.now(),
        id,
        kind: node.kind,
        attempts: attempt,
        reason,
        permanent: false,
      });
    }
    throw error;
  }
}

/** Adds what the run's workers learnt the API does not serve to this worker's languages. */
async function _learnNotAvailable(redis: Redis, run: string, ctx: _RunContext): Promise<void> {
  for (const [field, reason] of Object.entries(await redis.hgetall(runNotAvailableKey(run)))) {
    const [lang, scope] = field.split(" ");
    const known = ctx.languages.get(lang)?.notAvailable;
    if (known !== undefined && !known.has(scope)) known.set(scope, reason);
  }
}

function _sink(
  ctx: _RunContext,
  node: Exclude<PlanNode, ChapterNode>,
  outcomes: ReadonlyMap<string, Outcome>,
  signal: AbortSignal,
): Promise<unknown> {
  const { sinks } = ctx.handlers;
  switch (node.kind) {
    case "book-manifest":
      return sinks["book-manifest"](node, outcomes, { signal });
    case "volume-manifest":
      return sinks["volume-manifest"](node, outcomes, { signal });
    case "root-manifest":
      return sinks["root-manifest"](node, outcomes, { signal });
    case "languages-manifest":
      return sinks["languages-manifest"](node, outcomes, { signal });
    default: {
      const never: never = node;
      throw new TypeError(`No sink for node "${(never as PlanNode).id}"`);
    }
  }
}
