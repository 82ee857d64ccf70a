/**
 * `bench-profiles` (`deno task bench:profiles`): imports the selection once
 * per profile from the in-process fake API, then prints the report of those
 * runs.
 *
 * @module
 */

import { type Command, Option } from "commander";
import { listProfiles, loadManifest, loadProfile } from "../manifest/load.ts";
import type { Profile } from "../manifest/types.ts";
import { formatDuration } from "../progress/format.ts";
import { REPORT_FORMATS, type ReportFormat } from "../report/render_report.ts";
import {
  collect,
  commaList,
  durationFlag,
  numberFlag,
  profilesDirOf,
  UsageError,
} from "./flags.ts";
import { addSelectOptions, type CliDeps, EXIT } from "./options.ts";
import type { ProfileRun } from "./run_profiles.ts";

/** The flags of `bench-profiles`, as the CLI parsed them. */
export interface BenchProfilesOptions {
  /** The manifest; profiles are read from `profiles/` beside it. @default "./import.yaml" */
  readonly manifest?: string;
  /** Profile names (comma lists allowed). @default every profile, slowest-paced first */
  readonly profiles?: readonly string[];
  /** Volumes to import. @default ["bofm"] unless `only` is given */
  readonly source?: readonly string[];
  /** Books or chapter ranges. */
  readonly only?: readonly string[];
  /** The fake API's latency, a duration. @default "150ms" */
  readonly latency?: string;
  /** A rate limit the fake API enforces (requests/s). */
  readonly rate?: string;
  /** The fake API's token bucket capacity, with `rate`. @default the rate */
  readonly burst?: string;
  /** Keep the imports and their logs in this directory. @default a temporary directory, removed */
  readonly out?: string;
  /** @default "table" */
  readonly format?: ReportFormat;
}

/** Adds `bench-profiles` to the program; its action sets the exit code. */
export function addBenchProfilesCommand(
  program: Command,
  deps: CliDeps,
  setExit: (code: number) => void,
): void {
  addSelectOptions(program.command("bench-profiles"))
    .description(
      "Import the selection (default: bofm) once per profile from the in-process fake API, " +
        "then print the report of those runs.",
    )
    .option("-m, --manifest <file>", "the manifest; profiles are read beside it", "./import.yaml")
    .option("--profiles <names>", "profiles to run (comma list or repeated; default: all)", collect)
    .option("--latency <duration>", "the fake API's latency (default: 150ms)")
    .option("--rate <n>", "requests/s the fake API allows (429 above it)")
    .option("--burst <n>", "the fake API's rate-limit burst, with --rate (default: the rate)")
    .option(
      "-o, --out <dir>",
      "keep the imports and logs here, one folder per profile, for `report DIR` later " +
        "(default: a temporary directory, removed)",
    )
    .addOption(
      new Option("-f, --format <format>", "output format").choices(REPORT_FORMATS)
        .default("table"),
    )
    .action(async (options: BenchProfilesOptions) => {
      setExit(await benchProfilesCommand(options, deps));
    });
}

/**
 * Runs every profile (or `profiles`) against a fake API of its own and prints
 * the report; returns 0, 1 when some import had failed chapters, or 130 when
 * interrupted (the report of what ran is printed first).
 *
 * @throws {UsageError} for a bad flag.
 * @throws {ManifestError} for a bad manifest or profile.
 * @throws {SelectionError} for a bad selection.
 */
export async function benchProfilesCommand(
  options: BenchProfilesOptions,
  deps: CliDeps,
): Promise<number> {
  // Loaded by the command that uses them: an import starts sooner and lighter.
  const [
    { DEFAULT_BENCH_LATENCY_MS, orderByPace, runProfiles },
    { compareRuns },
    { readRunLogs },
    { renderReport },
  ] = await Promise.all([
    import("./run_profiles.ts"),
    import("../report/compare_runs.ts"),
    import("../report/read_logs.ts"),
    import("../report/render_report.ts"),
  ]);
  const latencyMs = durationFlag("--latency", options.latency ?? `${DEFAULT_BENCH_LATENCY_MS}ms`);
  const ratePerSecond = options.rate === undefined
    ? undefined
    : numberFlag("--rate", options.rate, { aboveMin: true });
  const burst = options.burst === undefined
    ? undefined
    : numberFlag("--burst", options.burst, { min: 1, integer: true });
  if (burst !== undefined && ratePerSecond === undefined) {
    throw new UsageError("Cannot use --burst without --rate: it is the rate limit's capacity");
  }
  const manifestPath = options.manifest ?? "./import.yaml";
  const profilesDir = profilesDirOf(manifestPath);
  const manifest = await loadManifest(manifestPath, { profilesDir });
  const names = commaList(options.profiles);
  const profiles: Profile[] = [];
  for (const name of names.length > 0 ? names : await listProfiles(profilesDir)) {
    profiles.push(await loadProfile(name, { profilesDir }));
  }
  const selection = options.source === undefined && options.only === undefined
    ? { source: ["bofm"] }
    : { source: options.source, only: options.only };
  const limit = ratePerSecond === undefined ? "" : `, ${ratePerSecond} requests/s allowed`;

  let runs: ProfileRun[] = [];
  const outDir = options.out ?? await Deno.makeTempDir({ prefix: "profiles-" });
  try {
    runs = await runProfiles({
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
    const measured = await readRunLogs(runs.map((r) => r.logPath));
    // The rows are the profiles: no log column.
    deps.stdout(renderReport(compareRuns(measured), {
      format: options.format ?? "table",
      logColumn: false,
    }));
  } finally {
    if (options.out === undefined) await Deno.remove(outDir, { recursive: true });
  }
  if (runs.some((r) => r.result.exitCode === EXIT.interrupted) || deps.signal?.aborted) {
    return EXIT.interrupted;
  }
  return runs.some((r) => r.result.exitCode !== EXIT.ok) ? EXIT.failed : EXIT.ok;
}
