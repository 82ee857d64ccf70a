/**
 * Watching a queue run: every worker's events, read from the run's stream,
 * fed to the same sinks as a run in one process (the NDJSON log, the summary,
 * the live view, the `--serve` server's records), until the root manifest
 * job ends.
 *
 * @module
 */

import { boundBooks, runHeader } from "../importer.ts";
import { logPathProblem } from "../import_setup.ts";
import type { Outcome, RunEvent, RunReport } from "../exec/types.ts";
import type { Profile } from "../manifest/types.ts";
import { compileLimits } from "../plan/limits.ts";
import { buildPlan, type Plan } from "../plan/planner.ts";
import { resolveSelection } from "../plan/selection.ts";
import type { ChapterNode } from "../plan/types.ts";
import { defaultLogPath, ProgressLog } from "../progress/log.ts";
import { type LogRecord, toLogRecord } from "../progress/log_record.ts";
import { type Summary, SummaryCollector } from "../progress/summary.ts";
import type { SummaryDisk } from "../progress/summary_types.ts";
import { UserError } from "../exec/user_error.ts";
import type { QueueAddress } from "./connection.ts";
import { connect, disconnect } from "./redis_client.ts";
import { planChapterBytes } from "./disk.ts";
import { readEvents } from "./events.ts";
import { jobIdOf, KEY_PREFIX, MANIFEST_QUEUE, topNode } from "./names.ts";
import { loadRunConfig, type RunConfig } from "./run_config.ts";

/** Options of {@linkcode watchRun}. */
export interface WatchOptions {
  /** The Redis the queues are in. */
  readonly address: QueueAddress;
  /** The run to watch. */
  readonly run: string;
  /** The profile the workers run with, for the log's header and the summary's bound. */
  readonly profile: Profile;
  /** Progress log path; `false` for none. @default `<out>/.import/runs/<start>.ndjson` */
  readonly log?: string | false;
  /**
   * The run's output folder as this host mounts it: where the default log
   * goes and the chapter files' bytes are counted. @default the path the run
   * was enqueued with
   */
  readonly outDir?: string;
  /** Called with the run's plan once it is read, before the first event. */
  readonly onPlan?: (plan: Plan) => void;
  /** Another sink of the run's events (e.g. a terminal view). */
  readonly onEvent?: (event: RunEvent) => void;
  /**
   * Called with the run's plan and settings once they are read, after
   * `onPlan` and before the log is opened or any event is read: the sink it
   * resolves with (e.g. the `--serve` server's) is fed every record of the
   * run as the log has it, whether or not a log is written. It throws to
   * stop the watch before anything is written.
   */
  readonly recordSink?: (plan: Plan, config: RunConfig) => Promise<WatchRecordSink | undefined>;
  /** Stops watching (the run goes on); the result is then `interrupted`. */
  readonly signal?: AbortSignal;
  /** Epoch ms now, for the log's name. @default Date.now */
  readonly now?: () => number;
}

/** A sink of the run's progress-log records, from {@linkcode WatchOptions.recordSink}. */
export interface WatchRecordSink {
  readonly onRecord: (record: LogRecord) => void;
  /** The server's URL, for the `run-start` record. */
  readonly serveUrl?: string;
}

/** What {@linkcode watchRun} returns. */
export interface WatchResult {
  readonly config: RunConfig;
  readonly plan: Plan;
  readonly summary: Summary;
  readonly report: RunReport;
  readonly logPath?: string;
  /** 0 every job done; 1 some failed; 130 the watch was stopped first. */
  readonly exitCode: 0 | 1 | 130;
}

/** A run that is not in Redis. */
export class UnknownRunError extends UserError {}

/** A progress log the watcher may not write (a directory, a file that is not a log). */
export class WatchSetupError extends UserError {}

/**
 * Watches a run to its end (or until `signal` aborts). Events a worker
 * published twice (a job it finished as it was killed, run again by the
 * worker that took it over) count once.
 *
 * The watch ends when the run's top job (its root manifest, or the
 * languages manifest of a run of several) has ended, done or failed: at its
 * event, or, should no worker have published one (a job failed before it
 * could), once BullMQ has it completed or failed and every event is read.
 *
 * @throws {UnknownRunError} when no run of that id was enqueued.
 * @throws {WatchSetupError} when the log path is a directory, under a file,
 *   or a file that is not a progress log; nothing is read or written then.
 */
export async function watchRun(options: WatchOptions): Promise<WatchResult> {
  const redis = connect(options.address);
  let log: ProgressLog | undefined;
  try {
    const config = await loadRunConfig(redis, options.run);
    if (config === undefined) {
      throw new UnknownRunError(
        `Cannot watch run "${options.run}": no such run on ${options.address.label}`,
      );
    }
    const { manifest } = config;
    const outDir = options.outDir ?? config.outDir;
    const logPath = options.log === false
      ? undefined
      : options.log ?? defaultLogPath(outDir, new Date((options.now ?? Date.now)()));
    // As an import in one process checks it: before any event is read or record written.
    const problem = logPath === undefined ? undefined : await logPathProblem(logPath);
    if (problem !== undefined) throw new WatchSetupError(problem);
    const plan = buildPlan(manifest, resolveSelection(manifest, config.selection));
    options.onPlan?.(plan);
    const records = await options.recordSink?.(plan, config);
    const limits = compileLimits(options.profile);
    const chapters = plan.dag.nodes.filter((n): n is ChapterNode => n.kind === "chapter");
    // The chapter files' bytes: at enqueue, and as the watcher finds them at the end.
    const before = config.diskBeforeBytes;
    let disk: SummaryDisk | undefined = before === undefined ? undefined : {
      compression: config.compression ?? "none",
      beforeBytes: before,
      afterBytes: before,
      recoded: 0,
    };
    const collector = new SummaryCollector({
      chapters: chapters.length,
      limits,
      // In a run of several languages each language's volume is a volume of its own, as in one process.
      books: (notRequested) => boundBooks(plan, chapters, notRequested),
      disk: () => disk,
    });
    if (logPath !== undefined) log = await ProgressLog.open(logPath);
    const header = runHeader(
      {
        manifest,
        profile: options.profile,
        manifestSha256: config.manifestSha256,
        serveUrl: records?.serveUrl,
      },
      plan,
      outDir,
      limits,
    );
    // The log and the record sink ask for the summary at run-end, once the collector has it.
    let final: Summary | undefined;
    const context = { header, summarize: () => final ??= collector.summary() };
    const logSink = log?.sink(context);
    const emit = (event: RunEvent) => {
      collector.add(event);
      logSink?.(event);
      records?.onRecord(toLogRecord(event, context));
      options.onEvent?.(event);
    };
    const tasks = plan.dag.nodes.filter((n) => n.role === "task").length;
    const nodes = plan.dag.nodes.length;
    emit({ type: "run-start", at: config.enqueuedAt, nodes, tasks, sinks: nodes - tasks });

    const tally = new _Tally();
    const top = topNode(plan.dag.nodes)!;
    const root = top.id;
    const rootJob = jobIdOf(options.run, manifest.source.lang, top);
    // Asked once every event so far is read: a worker publishes a job's end before BullMQ has it.
    let ended: "completed" | "failed" | undefined;
    // Read from BullMQ's sets of ended jobs with the watcher's own connection:
    // a queue object of its own would wait for a Redis that is down, where
    // this read is raced with the watch's signal.
    const ends = `${KEY_PREFIX}:${MANIFEST_QUEUE}`;
    const idle = async () => {
      const [completed, failed] = await Promise.all([
        redis.zscore(`${ends}:completed`, rootJob),
        redis.zscore(`${ends}:failed`, rootJob),
      ]);
      if (completed !== null) ended = "completed";
      else if (failed !== null) ended = "failed";
      return ended !== undefined;
    };
    const queued = async () => (await redis.exists(`${ends}:${rootJob}`)) === 1;
    const reading = readEvents(redis, options.run, { signal: options.signal, idle, queued });
    let rootEnded = false;
    for await (const event of reading) {
      if (!tally.add(event)) continue;
      emit(event);
      if ((event.type === "task-done" || event.type === "task-failed") && event.id === root) {
        rootEnded = true;
        break;
      }
    }
    if (!rootEnded && ended === "failed") {
      // Failed for good with no event of its end: the summary lists it with BullMQ's reason.
      // BullMQ 5 keeps the attempts made as `atm` (older jobs: `attemptsMade`).
      const [finishedOn, atm, attemptsMade, failedReason] = await redis.hmget(
        `${ends}:${rootJob}`,
        "finishedOn",
        "atm",
        "attemptsMade",
        "failedReason",
      );
      const failure: RunEvent = {
        type: "task-failed",
        at: finishedOn === null ? tally.lastAt : Number(finishedOn),
        id: root,
        kind: top.kind,
        attempts: Math.max(1, Number(atm ?? attemptsMade ?? 1) || 1),
        reason: failedReason || "the job failed (no reason recorded)",
        permanent: false,
      };
      if (tally.add(failure)) emit(failure);
    }
    const interrupted = options.signal?.aborted ?? false;
    const report = tally.report(nodes, config.enqueuedAt, interrupted);
    if (disk !== undefined) {
      const after = await planChapterBytes(plan, outDir);
      // A watcher that does not see the folder has no bytes to tell.
      disk = after === undefined ? undefined : { ...disk, afterBytes: after };
    }
    emit({ type: "run-end", at: report.endedAt, report });
    const summary = context.summarize();
    const exitCode = interrupted ? 130 : report.failed > 0 ? 1 : 0;
    return { config, plan, summary, report, logPath, exitCode };
  } finally {
    log?.close();
    await disconnect(redis);
  }
}

/** The outcomes of a run's jobs, from its events. */
class _Tally {
  readonly outcomes = new Map<string, Outcome>();
  readonly failures: RunReport["failures"][number][] = [];
  attempts = 0;
  retries = 0;
  lastAt = 0;

  /** Takes an event in; false for one to drop (an end of a job that had ended). */
  add(event: RunEvent): boolean {
    this.lastAt = Math.max(this.lastAt, event.at);
    switch (event.type) {
      case "task-start":
        if (this.outcomes.get(event.id)?.status === "done") return false;
        if (event.role === "task") this.attempts++;
        return true;
      case "task-retry":
        this.retries++;
        return true;
      case "task-skipped":
        // A chapter its language is known not to have, not asked for.
        if (this.outcomes.has(event.id)) return false;
        this.outcomes.set(event.id, { status: "skipped", value: event.value });
        return true;
      case "task-done":
        if (this.outcomes.get(event.id)?.status === "done") return false;
        this.outcomes.set(event.id, {
          status: "done",
          value: event.value,
          attempts: event.attempts,
        });
        return true;
      case "task-failed":
        if (this.outcomes.has(event.id)) return false;
        this.outcomes.set(event.id, {
          status: "failed",
          reason: event.reason,
          attempts: event.attempts,
          ...(event.status === undefined ? {} : { httpStatus: event.status }),
        });
        this.failures.push({
          id: event.id,
          kind: event.kind,
          reason: event.reason,
          attempts: event.attempts,
        });
        return true;
      default:
        return true;
    }
  }

  report(nodes: number, startedAt: number, aborted: boolean): RunReport {
    const done = [...this.outcomes.values()].filter((o) => o.status === "done").length;
    const skipped = [...this.outcomes.values()].filter((o) => o.status === "skipped").length;
    const failed = this.failures.length;
    const endedAt = Math.max(this.lastAt, startedAt);
    return {
      startedAt,
      endedAt,
      durationMs: endedAt - startedAt,
      nodes,
      done,
      skipped,
      failed,
      cancelled: nodes - done - skipped - failed,
      attempts: this.attempts,
      retries: this.retries,
      aborted,
      failures: this.failures,
      outcomes: this.outcomes,
    };
  }
}
