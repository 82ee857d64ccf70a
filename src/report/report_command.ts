/**
 * The `report` command: compares runs from their progress logs, or with
 * `--run-profiles` first imports the selection once per profile against the
 * in-process fake API and compares those runs.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { listProfiles, loadManifest, loadProfile } from "../manifest/load.ts";
import { parseDuration } from "../manifest/duration.ts";
import type { Profile } from "../manifest/types.ts";
import { formatDuration } from "../progress/format.ts";
import { compareRuns } from "./compare_runs.ts";
import { readRunLogs, ReportInputError } from "./read_logs.ts";
import { renderReport, type ReportFormat } from "./render_report.ts";
import {
  DEFAULT_BENCH_LATENCY_MS,
  orderByPace,
  type ProfileRun,
  runProfiles,
} from "./run_profiles.ts";

/** The flags of the `report` command, as the CLI parsed them. */
export interface ReportCommandOptions {
  /** Progress logs, or directories of them. */
  readonly logs: readonly string[];
  /** @default "table" */
  readonly format?: ReportFormat;
  /** Run every profile (or `profiles`) against the fake API first. */
  readonly runProfiles?: boolean;
  /** The manifest, for `runProfiles`; profiles are read from `profiles/` beside it. @default "./import.yaml" */
  readonly manifest?: string;
  /** Profile names (comma lists allowed), for `runProfiles`. @default every profile, slowest-paced first */
  readonly profiles?: readonly string[];
  /** Volumes to import, for `runProfiles`. @default ["bofm"] unless `only` is given */
  readonly source?: readonly string[];
  /** Books or chapter ranges, for `runProfiles`. */
  readonly only?: readonly string[];
  /** The fake API's latency, a duration, for `runProfiles`. @default "150ms" */
  readonly latency?: string;
  /** A rate limit the fake API enforces (requests/s), for `runProfiles`. */
  readonly rate?: string;
  /** The fake API's token bucket capacity, with `rate`. @default the rate (as many as it allows in a second) */
  readonly burst?: string;
  /** Keep the imports and their logs in this directory. @default a temporary directory, removed */
  readonly out?: string;
}

/** Where the command writes, and what interrupts it. */
export interface ReportDeps {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Aborts the import in progress with `runProfiles`. */
  readonly signal?: AbortSignal;
}

const _RUN_FLAGS = ["profiles", "source", "only", "latency", "rate", "burst", "out"] as const;

/**
 * Runs the `report` command and returns its exit code: 0 once the report is
 * printed; 2 for bad input (a missing file, a file that is not a progress log,
 * a bad flag); with `runProfiles`, 1 when some import had failed chapters and
 * 130 when interrupted (the report of what ran is printed first).
 *
 * @throws {ManifestError} for a bad manifest or profile (`runProfiles`).
 * @throws {SelectionError} for a bad selection (`runProfiles`).
 */
export async function reportCommand(
  options: ReportCommandOptions,
  deps: ReportDeps,
): Promise<number> {
  try {
    const misplaced = _RUN_FLAGS.filter((flag) => options[flag] !== undefined);
    if (!options.runProfiles && misplaced.length > 0) {
      throw new ReportInputError(
        `Cannot use --${misplaced[0]} without --run-profiles: it sets up the runs to make`,
      );
    }
    if (!options.runProfiles && options.logs.length === 0) {
      throw new ReportInputError(
        "Cannot report: no progress log given (pass log files or directories, or --run-profiles)",
      );
    }
    const given = await readRunLogs(options.logs);
    let runs: ProfileRun[] = [];
    let temporary: string | undefined;
    try {
      if (options.runProfiles) {
        const outDir = options.out ?? (temporary = await Deno.makeTempDir({ prefix: "profiles-" }));
        runs = await _runProfiles(options, outDir, deps);
      }
      const measured = [...given, ...await readRunLogs(runs.map((r) => r.logPath))];
      deps.stdout(renderReport(compareRuns(measured), {
        format: options.format ?? "table",
        logColumn: !options.runProfiles || options.logs.length > 0,
      }));
    } finally {
      if (temporary !== undefined) await Deno.remove(temporary, { recursive: true });
    }
    if (runs.some((r) => r.result.exitCode === 130) || deps.signal?.aborted) return 130;
    return runs.some((r) => r.result.exitCode !== 0) ? 1 : 0;
  } catch (error) {
    if (!(error instanceof ReportInputError)) throw error;
    deps.stderr(error.message + "\n");
    return 2;
  }
}

async function _runProfiles(
  options: ReportCommandOptions,
  outDir: string,
  deps: ReportDeps,
): Promise<ProfileRun[]> {
  const manifestPath = options.manifest ?? "./import.yaml";
  const profilesDir = join(dirname(manifestPath), "profiles");
  const manifest = await loadManifest(manifestPath, { profilesDir });
  const names = (options.profiles ?? []).flatMap((p) => p.split(",")).map((p) => p.trim())
    .filter((p) => p !== "");
  const profiles: Profile[] = [];
  for (const name of names.length > 0 ? names : await listProfiles(profilesDir)) {
    profiles.push(await loadProfile(name, { profilesDir }));
  }
  const latencyMs = _duration("--latency", options.latency ?? `${DEFAULT_BENCH_LATENCY_MS}ms`);
  const ratePerSecond = options.rate === undefined
    ? undefined
    : _positive("--rate", options.rate, false);
  const burst = options.burst === undefined ? undefined : _positive("--burst", options.burst, true);
  if (burst !== undefined && ratePerSecond === undefined) {
    throw new ReportInputError(
      "Cannot use --burst without --rate: it is the rate limit's capacity",
    );
  }
  const selection = options.source === undefined && options.only === undefined
    ? { source: ["bofm"] }
    : { source: options.source, only: options.only };
  const limit = ratePerSecond === undefined ? "" : `, ${ratePerSecond} requests/s allowed`;
  return await runProfiles({
    manifest,
    profiles: names.length > 0 ? profiles : orderByPace(profiles),
    selection,
    latencyMs,
    fakeRateLimit: ratePerSecond === undefined ? undefined : { ratePerSecond, burst },
    outDir,
    signal: deps.signal,
    onStart: (profile) =>
      deps.stderr(
        `Importing with profile "${profile.name}" from the fake API ` +
          `(latency ${formatDuration(latencyMs)}${limit})\n`,
      ),
    onEnd: (_profile, result) =>
      deps.stderr(
        `  ${result.summary.chapters.imported} chapters in ${
          formatDuration(result.summary.durationMs)
        }${options.out === undefined ? "" : `; log ${result.logPath}`}\n`,
      ),
  });
}

function _duration(flag: string, value: string): number {
  try {
    return parseDuration(value);
  } catch (error) {
    throw new ReportInputError(`Invalid ${flag} "${value}": ${(error as Error).message}`);
  }
}

function _positive(flag: string, value: string, integer: boolean): number {
  const n = Number(value);
  if (value.trim() === "" || !(n > 0) || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new ReportInputError(
      `Invalid ${flag} "${value}": expected a positive ${integer ? "integer" : "number"}`,
    );
  }
  return n;
}
