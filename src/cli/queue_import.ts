/**
 * `import --queue URL --enqueue | --watch RUN`: a run on the queue instead of
 * in this process. `--enqueue` stores the run and adds its jobs, then prints
 * its id; `--watch` shows every worker's progress live, writes the run's
 * progress log and prints its summary, and with `--serve` serves the
 * dashboard and metrics of the whole run (no controls: the run goes on in
 * the workers).
 *
 * @module
 */

import type { Compression, Manifest, Profile } from "../manifest/types.ts";
import type { Plan } from "../plan/planner.ts";
import type { SelectionInput } from "../plan/selection.ts";
import type { RunEvent } from "../exec/types.ts";
import { formatSummary } from "../progress/summary.ts";
import { systemClock } from "../exec/clock.ts";
import { UsageError } from "./flags.ts";
import { type CliDeps, EXIT } from "./options.ts";
import { queueFlag, reachQueue, runFlag } from "./queue_flags.ts";
import { runStatePlan, type ServedRun, type ServeSettings, startServedRun } from "./serve_run.ts";

/** The queue flags of `import`. */
export interface QueueImportFlags {
  queue?: string;
  enqueue?: boolean;
  watch?: string;
  run?: string;
  json?: boolean;
  log?: string;
  force?: boolean;
  refresh?: boolean;
  retryFailed?: boolean;
  failFast?: boolean;
  compress?: string;
  serve?: string;
  out?: string;
  source?: string[];
  only?: string[];
  apiUrl?: string;
  lang?: string;
  profile?: string;
}

/** Flags that have no meaning on a queue run. */
const _IN_PROCESS_ONLY = [
  ["force", "--force"],
  ["refresh", "--refresh"],
  ["retryFailed", "--retry-failed"],
  ["failFast", "--fail-fast"],
] as const;

/** Flags whose setting a run takes at enqueue, which a watcher cannot change. */
const _SET_AT_ENQUEUE = [
  ["source", "--source"],
  ["only", "--only"],
  ["apiUrl", "--api-url"],
  ["lang", "--lang"],
] as const;

/** What the import command resolved before choosing how to run. */
export interface QueueImportInputs {
  readonly manifest: Manifest;
  readonly profile: Profile;
  readonly selection: SelectionInput;
  readonly outDir: string;
  readonly manifestSha256: string;
  /** `--compress`, resolved. @default the manifest's, else the folder's, else none */
  readonly compress?: Compression;
  /** `--serve`, checked: with `--watch`, the run's server. */
  readonly serve?: ServeSettings;
  /** Makes the live view of the run's plan. */
  readonly view: (plan: Plan) => {
    handle: (event: RunEvent) => void;
    stop: () => void;
  };
}

/**
 * Checks the queue flags of `import`, before anything is loaded.
 *
 * @throws {UsageError} for `--enqueue`/`--watch` without `--queue`, for
 *   neither or for `--run` with `--watch`, for `--serve` with `--enqueue`,
 *   and for the in-process-only flags.
 */
export function checkQueueFlags(options: QueueImportFlags): void {
  if (options.queue === undefined) {
    for (const flag of ["enqueue", "watch", "run"] as const) {
      if (options[flag] !== undefined) {
        throw new UsageError(`Cannot use --${flag} without --queue redis://HOST:6379`);
      }
    }
    return;
  }
  queueFlag(options.queue);
  if (options.enqueue === undefined && options.watch === undefined) {
    throw new UsageError(
      "Cannot use --queue alone: add --enqueue (plan and queue the run) or --watch RUN (follow it)",
    );
  }
  if (options.enqueue && options.watch !== undefined) {
    throw new UsageError("Cannot use --enqueue with --watch: enqueue first, then watch the run id");
  }
  if (options.run !== undefined && options.watch !== undefined) {
    throw new UsageError("Cannot use --run with --watch: --watch names the run");
  }
  if (options.watch !== undefined && options.compress !== undefined) {
    throw new UsageError(
      "Cannot use --compress with --watch: the run's compression is set when it is enqueued",
    );
  }
  if (options.watch !== undefined) {
    for (const [key, flag] of _SET_AT_ENQUEUE) {
      if (options[key] !== undefined) {
        throw new UsageError(
          `Cannot use ${flag} with --watch: the run's selection/API/languages were set when it was enqueued`,
        );
      }
    }
  }
  if (options.enqueue && options.serve !== undefined) {
    throw new UsageError(
      "Cannot use --serve with --enqueue: serve the run from its watcher (--watch RUN --serve [HOST:]PORT)",
    );
  }
  if (options.run !== undefined) runFlag("--run", options.run);
  if (options.watch !== undefined) runFlag("--watch", options.watch);
  for (const [key, flag] of _IN_PROCESS_ONLY) {
    if (options[key]) {
      throw new UsageError(
        `Cannot use ${flag} with --queue: it applies to an import in one process`,
      );
    }
  }
}

/**
 * The command line that follows a run again after its watcher was stopped:
 * the same queue, run, manifest, profile, output folder and log.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { watchCommand } from "./queue_import.ts";
 * assert.equal(
 *   watchCommand("redis://127.0.0.1:6379", "r1", { profile: "fast", log: "my log.ndjson" }),
 *   "deno task import --queue redis://127.0.0.1:6379 --watch r1 -p fast --log 'my log.ndjson'",
 * );
 * ```
 */
export function watchCommand(
  queue: string,
  run: string,
  options: QueueImportFlags & { readonly manifest?: string },
): string {
  const words = ["deno task import", "--queue", _shellWord(queue), "--watch", _shellWord(run)];
  const flag = (name: string, value: string | undefined) => {
    if (value !== undefined) words.push(name, _shellWord(value));
  };
  if (options.manifest !== undefined && options.manifest !== "./import.yaml") {
    flag("-m", options.manifest);
  }
  flag("-p", options.profile);
  flag("-o", options.out);
  flag("--log", options.log);
  return words.join(" ");
}

// A word as a POSIX shell reads it back: quoted unless plainly safe.
function _shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Enqueues or watches a queue run; returns the exit code. */
export async function queueImport(
  options: QueueImportFlags & { queue: string; manifest?: string },
  inputs: QueueImportInputs,
  deps: CliDeps,
): Promise<number> {
  // Before anything is enqueued or written: Redis answers, in the address's database.
  const address = await reachQueue(options.queue, deps.stderr);
  // Loaded only here: BullMQ and ioredis are no part of an import in one process.
  if (options.enqueue) {
    const { enqueueRun } = await import("../queue/enqueue.ts");
    const { config, plan } = await enqueueRun({
      address,
      manifest: inputs.manifest,
      selection: inputs.selection,
      outDir: inputs.outDir,
      manifestSha256: inputs.manifestSha256,
      compress: inputs.compress,
      run: options.run,
    });
    const chapters = plan.counts.chapters;
    deps.stderr(
      `Enqueued run ${config.run}: ${chapters} chapter${
        chapters === 1 ? "" : "s"
      } into ${config.outDir} ` +
        `(jobs already queued are kept as they are)\n`,
    );
    deps.stdout(config.run + "\n");
    return EXIT.ok;
  }
  const { watchRun } = await import("../queue/watch.ts");
  let view: ReturnType<QueueImportInputs["view"]> | undefined;
  let server: ServedRun | undefined;
  const { serve } = inputs;
  try {
    const result = await watchRun({
      address,
      run: options.watch!,
      profile: inputs.profile,
      log: options.log,
      // -o: this host's mount of the run's output folder, as a worker's.
      ...(options.out === undefined ? {} : { outDir: inputs.outDir }),
      signal: deps.signal,
      onEvent: (event) => view?.handle(event),
      onPlan: (plan) => {
        view = inputs.view(plan);
      },
      // The server follows the records of every worker, as the log does; it steers none of them.
      recordSink: serve === undefined ? undefined : async (plan, config) => {
        server = await startServedRun({
          settings: serve,
          plan: runStatePlan(config.manifest, inputs.profile, plan),
          clock: deps.clock ?? systemClock,
          stderr: deps.stderr,
        });
        return { onRecord: server.onRecord, serveUrl: server.url };
      },
    });
    view?.stop();
    if (options.json) {
      deps.stdout(
        JSON.stringify(
          { run: result.config.run, ...result.summary, log: result.logPath ?? null },
          null,
          2,
        ) +
          "\n",
      );
    } else {
      const again = watchCommand(address.label, result.config.run, options);
      deps.stdout(formatSummary(result.summary, { color: false, watchCommand: again }));
      if (result.logPath) deps.stdout(`Progress log: ${result.logPath}\n`);
    }
    await server?.linger(deps.signal);
    return result.exitCode;
  } finally {
    view?.stop();
    await server?.close();
  }
}
