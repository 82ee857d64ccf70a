/**
 * `report`: compares runs from their progress logs: speed, speedup and
 * efficiency against the theoretical minimum.
 *
 * @module
 */

import { type Command, Option } from "commander";
import { REPORT_FORMATS, type ReportFormat } from "../report/render_report.ts";
import type { CliDeps } from "./options.ts";

/** The flags of `report`, as the CLI parsed them. */
export interface ReportCommandOptions {
  /** Progress logs, or directories of them (an output directory, or one `bench:profiles --out` wrote). */
  readonly logs: readonly string[];
  /** @default "table" */
  readonly format?: ReportFormat;
}

/** Adds `report` to the program; its action sets the exit code. */
export function addReportCommand(
  program: Command,
  deps: CliDeps,
  setExit: (code: number) => void,
): void {
  program.command("report")
    .description(
      "Compare runs from their progress logs: speed, speedup and efficiency against the theoretical minimum.",
    )
    .argument(
      "[logs...]",
      "progress logs (.ndjson), or directories of them (an output directory, a bench:profiles --out)",
    )
    .addOption(
      new Option("-f, --format <format>", "output format").choices(REPORT_FORMATS)
        .default("table"),
    )
    .action(async (logs: string[], options: { format: ReportFormat }) => {
      setExit(await reportCommand({ ...options, logs }, deps));
    });
}

/**
 * Prints the report of the logs; returns 0.
 *
 * @throws {ReportInputError} for no log, a missing file, or a file that is not a progress log.
 */
export async function reportCommand(
  options: ReportCommandOptions,
  deps: Pick<CliDeps, "stdout">,
): Promise<number> {
  // Loaded by the command that uses them: an import starts sooner and lighter.
  const [{ compareRuns }, { readRunLogs, ReportInputError }, { renderReport }] = await Promise.all([
    import("../report/compare_runs.ts"),
    import("../report/read_logs.ts"),
    import("../report/render_report.ts"),
  ]);
  if (options.logs.length === 0) {
    throw new ReportInputError(
      "Cannot report: no progress log given (pass log files or directories of them)",
    );
  }
  const runs = await readRunLogs(options.logs);
  deps.stdout(renderReport(compareRuns(runs), { format: options.format ?? "table" }));
  return 0;
}
