/**
 * `worker`: one queue worker on this host, until Ctrl-C or SIGTERM, which
 * finish the jobs in hand and close the connections.
 *
 * @module
 */

import { join } from "node:path";
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
      "how long a job may go without its worker's heartbeat before another worker takes it over (1s to 1h)",
      "30s",
    )
    .addOption(new Option("--serve <[host:]port>").hideHelp())
    .addOption(new Option("--serve-token <token>").hideHelp())
    .addOption(new Option("--serve-linger <duration>").hideHelp())
    .action(async (options: WorkerFlags) => {
      setExit(await workerCommand(options, deps));
    });
}

/** The bounds of `--stall-timeout`, ms. */
export const STALL_TIMEOUT_MS = { min: 1000, max: 3_600_000 } as const;

/**
 * Why a worker cannot write into `dir`, or undefined when it can: the
 * directory is created if missing (as the first chapter written would), and
 * a probe file created in it and removed.
 */
export async function outDirProblem(dir: string): Promise<string | undefined> {
  const probe = join(dir, `.worker-probe-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`);
  let step = "create it";
  try {
    await Deno.mkdir(dir, { recursive: true });
    step = "write into it";
    await Deno.writeFile(probe, new Uint8Array(), { createNew: true });
    await Deno.remove(probe);
    return undefined;
  } catch (error) {
    const reason = error instanceof Deno.errors.AlreadyExists && step === "create it"
      ? "it is a file, not a directory"
      : (error as Error).message;
    return `Cannot use --out "${dir}": cannot ${step}: ${reason} (the worker writes every ` +
      "chapter and manifest of its jobs there)";
  }
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
  if (stallTimeoutMs < STALL_TIMEOUT_MS.min || stallTimeoutMs > STALL_TIMEOUT_MS.max) {
    throw new UsageError(
      `Invalid --stall-timeout "${options.stallTimeout}": expected 1s to 1h (a job's lock in ` +
        "Redis lasts this long; a dead worker's jobs are taken over after it)",
    );
  }
  const { profile } = await loadInputs(options);
  // Redis first: a worker that cannot reach it writes nothing, not even its --out.
  const address = await reachQueue(options.queue, deps.stderr);
  // Before taking any job: every chapter and manifest of every run would fail there.
  if (options.out !== undefined) {
    const problem = await outDirProblem(options.out);
    if (problem !== undefined) throw new UsageError(problem);
  }
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
