/**
 * `deno task fake-api`: runs the fake content API on 127.0.0.1 over the canon
 * of a manifest, until interrupted. A program of its own (it serves; the
 * other commands import), with the flag parsers of the other commands:
 * durations read as `demo --latency` does (`50ms`, `1.5s`, a number is ms).
 *
 *     deno task fake-api --port 8787 --latency 80ms --jitter 40ms --rate 20 --error-rate 0.02
 *     deno task fake-api --latency 50 --rate-schedule "0s:40,20s:10,40s:40" --ratelimit-headers
 *     deno task fake-api --latency 50ms --rate 40 --burst 4 --ratelimit-headers on-429
 *
 * @module
 */

import { Command, CommanderError, InvalidArgumentError } from "commander";
import { parseRateSchedule, type RateStep } from "../fake_api/rate_schedule.ts";
import { type FakeApiOptions, startFakeApi } from "../fake_api/server.ts";
import { loadManifest, ManifestError } from "../manifest/load.ts";
import { durationFlag, numberFlag, type NumberFlagOptions } from "./flags.ts";

/** The settings the command line gives. */
export type FakeApiCliOptions = Omit<FakeApiOptions, "volumes" | "clock"> & {
  /** The manifest whose volumes are served. */
  readonly manifest: string;
};

/** Where {@link main} writes and what stops it. */
export interface FakeApiMainDeps {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Stops the server; {@link main} returns once it is closed. */
  readonly signal: AbortSignal;
}

/**
 * Parses the command line.
 *
 * @returns The options, or the exit code when commander printed help (0) or a usage error (2).
 */
export function parseFakeApiArgs(
  args: readonly string[],
  deps: Pick<FakeApiMainDeps, "stdout" | "stderr">,
): FakeApiCliOptions | { readonly exit: number } {
  const program = new Command("fake-api")
    .description(
      "Serve a local fake of the content API for every chapter of the manifest's canon, " +
        "with invented text in the real markup. GET /__stats gives counters as JSON.",
    )
    .option("--manifest <path>", "manifest whose volumes are served", "./import.yaml")
    .option("--port <n>", "port on 127.0.0.1 (0: any free port)", _integer("--port", 0), 8787)
    .option("--seed <n>", "seed of texts, verse counts and faults", _integer("--seed", 0), 1)
    .option(
      "--latency <duration>",
      "mean delay before each answer (50ms, 1.5s; a number is ms)",
      _duration("--latency"),
      0,
    )
    .option(
      "--jitter <duration>",
      "the delay varies uniformly by up to this much",
      _duration("--jitter"),
      0,
    )
    .option(
      "--rate <n>",
      "requests per second allowed; above it 429 with Retry-After",
      _positive("--rate"),
    )
    .option(
      "--burst <n>",
      "token bucket capacity of --rate (default: the rate, i.e. N requests in any second; 1 for a strict spacing)",
      _integer("--burst", 1),
    )
    .option(
      "--rate-schedule <steps>",
      'a rate that changes from the first request on, e.g. "0s:40,20s:10,40s:40" (instead of --rate)',
      _schedule,
    )
    .option(
      "--ratelimit-headers [when]",
      "announce the rate limit in RateLimit-Policy, RateLimit and X-RateLimit-* headers of " +
        'every answer ("all", the default), or only X-RateLimit-Limit on 429s ("on-429")',
      _announce,
    )
    .option(
      "--max-inflight <n>",
      "requests handled at once; above it 503",
      _integer("--max-inflight", 1),
    )
    .option(
      "--error-rate <fraction>",
      "fraction of requests answered 503",
      _fraction("--error-rate"),
      0,
    )
    .option(
      "--reset-rate <fraction>",
      "fraction of requests cut off mid-body",
      _fraction("--reset-rate"),
      0,
    )
    .option(
      "--slow-rate <fraction>",
      "fraction of requests delayed by --slow-ms",
      _fraction("--slow-rate"),
      0,
    )
    .option("--slow-ms <duration>", "extra delay of a slow request", _duration("--slow-ms"), 5000)
    .option(
      "--retry-after-grace <duration>",
      "a request arriving this long after a 429, before its Retry-After ran out, counts in " +
        "/__stats beforeRetryAfter (earlier ones were on their way)",
      _duration("--retry-after-grace"),
      100,
    )
    .exitOverride()
    .configureOutput({ writeOut: deps.stdout, writeErr: deps.stderr });
  try {
    program.parse([...args], { from: "user" });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    return {
      exit: error.code === "commander.helpDisplayed" || error.code === "commander.help" ? 0 : 2,
    };
  }
  const o = program.opts();
  if (o.rate !== undefined && o.rateSchedule !== undefined) {
    deps.stderr("error: --rate and --rate-schedule exclude each other: give one\n");
    return { exit: 2 };
  }
  if (o.burst !== undefined && o.rate === undefined && o.rateSchedule === undefined) {
    deps.stderr("error: --burst is the capacity of --rate or --rate-schedule: give one of them\n");
    return { exit: 2 };
  }
  return {
    manifest: o.manifest,
    port: o.port,
    seed: o.seed,
    latencyMs: o.latency,
    jitterMs: o.jitter,
    ratePerSecond: o.rate,
    burst: o.burst,
    // Only when given, so the settings read the same as before these flags existed.
    ...(o.rateSchedule === undefined ? {} : { rateSchedule: o.rateSchedule as RateStep[] }),
    ...(o.ratelimitHeaders === undefined ? {} : { rateLimitHeaders: o.ratelimitHeaders }),
    maxInFlight: o.maxInflight,
    errorRate: o.errorRate,
    resetRate: o.resetRate,
    slowRate: o.slowRate,
    slowMs: o.slowMs,
    retryAfterGraceMs: o.retryAfterGrace,
  };
}

/**
 * Runs the fake API until `deps.signal` aborts.
 *
 * @returns The exit code: 0, or 2 for a usage or manifest error.
 */
export async function main(args: readonly string[], deps: FakeApiMainDeps): Promise<number> {
  const parsed = parseFakeApiArgs(args, deps);
  if ("exit" in parsed) return parsed.exit;
  const { manifest: manifestPath, ...options } = parsed;
  let volumes;
  try {
    volumes = (await loadManifest(manifestPath)).volumes;
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    deps.stderr(error.message + "\n");
    return 2;
  }
  // Its own process times arrivals best with the renders off its event loop.
  const api = await startFakeApi({ ...options, volumes, renderWorker: true });
  const chapters = volumes.reduce((n, v) => n + v.books.reduce((m, b) => m + b.chapters, 0), 0);
  deps.stdout(
    `Fake content API serving ${chapters} chapters of ${manifestPath}\n` +
      `  source.url: ${api.apiUrl}\n` +
      `  stats:      ${api.url}/__stats\n`,
  );
  if (!deps.signal.aborted) {
    await new Promise((resolve) => deps.signal.addEventListener("abort", resolve, { once: true }));
  }
  await api.close();
  deps.stdout(`Fake content API stopped: ${JSON.stringify(api.stats())}\n`);
  return 0;
}

// Commander prints an InvalidArgumentError as `error: <message>` and exits 2.
function _flag<T>(parse: (value: string) => T) {
  return (value: string): T => {
    try {
      return parse(value);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

function _duration(flag: string) {
  return _flag((value) => durationFlag(flag, value));
}

function _numeric(flag: string, options: NumberFlagOptions) {
  return _flag((value) => numberFlag(flag, value, options));
}

function _positive(flag: string) {
  return _numeric(flag, { aboveMin: true });
}

function _integer(flag: string, min: number) {
  return _numeric(flag, { min, integer: true });
}

function _fraction(flag: string) {
  return _numeric(flag, { max: 1 });
}

function _schedule(value: string): RateStep[] {
  try {
    return parseRateSchedule(value);
  } catch (error) {
    throw new InvalidArgumentError(
      `Invalid --rate-schedule "${value}": ${(error as Error).message}`,
    );
  }
}

/** `--ratelimit-headers` alone means every answer. */
function _announce(value: string): true | "on-429" {
  if (value === "all") return true;
  if (value === "on-429") return value;
  throw new InvalidArgumentError(
    `Invalid --ratelimit-headers "${value}": expected "all" or "on-429"`,
  );
}

if (import.meta.main) {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", onSignal);
  const code = await main(Deno.args, {
    stdout: (text) => Deno.stdout.writeSync(new TextEncoder().encode(text)),
    stderr: (text) => Deno.stderr.writeSync(new TextEncoder().encode(text)),
    signal: stop.signal,
  });
  Deno.exit(code);
}
