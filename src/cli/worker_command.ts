/**
 * `worker`: one queue worker on this host, until Ctrl-C or SIGTERM, which
 * finish the jobs in hand and close the connections.
 *
 * @module
 */

import { type Command, Option } from "commander";
import { durationFlag, UsageError } from "./flags.ts";
import { addCommonOptions, type CliDeps, EXIT, loadInputs } from "./options.ts";
import { queueFlag, reachQueue } from "./queue_flags.ts";

/** The flags of `worker`. */
export interface WorkerFlags {
  manifest: string;
  profile?: string;
  queue: string;
  out?: string;
  stallTimeout: string;
  serve?: string;
  serveToken?: string;
  serveLinger?: string;
}

// Taken (hidden) only to be refused with where to serve instead: a worker runs part of a run.
const _SERVE_FLAGS = [
  ["serve", "--serve"],
  ["serveToken", "--serve-token"],
  ["serveLinger", "--serve-linger"],
] as const;

/** Adds `worker` to the program; its action sets the exit code. */
export function addWorkerCommand(
  program: Command,
  deps: CliDeps,
  setExit: (code: number) => void,
): void {
  addCommonOptions(program.command("worker"))
    .description(
      "Run the chapter and manifest jobs of queued runs (see import --queue), until interrupted.",
    )
    .requiredOption("--queue <url>", "the Redis the runs are queued in: redis://HOST:6379")
    .option(
      "-o, --out <dir>",
      "the shared output directory as this host mounts it (default: the path the run was enqueued with)",
    )
    .option(
      "--stall-timeout <duration>",
      "how long a job may go without its worker's heartbeat before another worker takes it over",
      "30s",
    )
    .addOption(new Option("--serve <[host:]port>").hideHelp())
    .addOption(new Option("--serve-token <token>").hideHelp())
    .addOption(new Option("--serve-linger <duration>").hideHelp())
    .action(async (options: WorkerFlags) => {
      setExit(await workerCommand(options, deps));
    });
}

/** Runs a worker until `deps.signal` aborts; returns its exit code. */
export async function workerCommand(options: WorkerFlags, deps: CliDeps): Promise<number> {
  for (const [key, flag] of _SERVE_FLAGS) {
    if (options[key] !== undefined) {
      throw new UsageError(
        `Cannot use ${flag} on a worker: serve the run from its watcher, which follows every worker ` +
          "(import --queue URL --watch RUN --serve [HOST:]PORT)",
      );
    }
  }
  queueFlag(options.queue);
  const stallTimeoutMs = durationFlag("--stall-timeout", options.stallTimeout);
  const { profile } = await loadInputs(options);
  const address = await reachQueue(options.queue, deps.stderr);
  // Loaded only here, so that no other command loads BullMQ and ioredis.
  const { startQueueWorker } = await import("../queue/worker.ts");
  const worker = await startQueueWorker({
    address,
    profile,
    outDir: options.out,
    fetch: deps.fetch,
    stallTimeoutMs,
    log: (line) => deps.stderr(line + "\n"),
  });
  const { limiter, maxInFlight } = worker.limits;
  const cap = Number.isFinite(maxInFlight) ? `${maxInFlight} in flight` : "no in-flight cap";
  const control = worker.control;
  const rate = control !== undefined
    ? `adaptive, at most ${cap}, one controller for all workers, ${
      control.leading ? "led by this worker" : "led by another worker"
    }`
    : `${
      limiter === undefined ? "no rate limit" : `${limiter.max} per ${limiter.duration} ms`
    }, ${cap}, across all workers`;
  deps.stderr(`Worker ready on ${address.label}: profile "${profile.name}" (${rate})\n`);
  try {
    if (deps.signal !== undefined && !deps.signal.aborted) {
      await new Promise((resolve) =>
        deps.signal!.addEventListener("abort", resolve, { once: true })
      );
    }
  } finally {
    deps.stderr("Worker stopping: finishing the jobs in hand\n");
    await worker.close();
  }
  return EXIT.ok;
}
