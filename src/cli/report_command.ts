/**
 * `report`: compares runs from their progress logs: speed, speedup and
 * efficiency against the theoretical minimum.
 *
 * @module
 */

import { type Command, Option } from "commander";
import { CHART_KINDS, type ChartKind, renderChart } from "../report/charts.ts";
import { renderReport, REPORT_FORMATS } from "../report/render_report.ts";
import { UsageError } from "./flags.ts";
import type { CliDeps } from "./options.ts";

/** The formats of `report`: the text ones, the HTML page and one chart as SVG. */
export const REPORT_COMMAND_FORMATS = [...REPORT_FORMATS, "html", "svg"] as const;

/** One of {@linkcode REPORT_COMMAND_FORMATS}. */
export type ReportCommandFormat = (typeof REPORT_COMMAND_FORMATS)[number];

/** The flags of `report`, as the CLI parsed them. */
export interface ReportCommandOptions {
  /** Progress logs, or directories of them (an output directory, or one `bench:profiles --out` wrote). */
  readonly logs: readonly string[];
  /** @default "table" */
  readonly format?: ReportCommandFormat;
  /** The chart `--format svg` prints; only with it. @default "chapters" */
  readonly chart?: ChartKind;
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
      new Option(
        "-f, --format <format>",
        "output format (html: one self-contained page with the table and charts; svg: one chart)",
      ).choices(REPORT_COMMAND_FORMATS).default("table"),
    )
    .addOption(
      new Option("--chart <chart>", "the chart --format svg prints (default: chapters)")
        .choices(CHART_KINDS),
    )
    .action(async (logs: string[], options: { format: ReportCommandFormat; chart?: ChartKind }) => {
      setExit(await reportCommand({ ...options, logs }, deps));
    });
}

/**
 * Prints the report of the logs (the page or the chart, for `html` and
 * `svg`) on stdout; returns 0.
 *
 * @throws {UsageError} for `--chart` without `--format svg`.
 * @throws {ReportInputError} for no log, a missing file, or a file that is not a progress log.
 */
export async function reportCommand(
  options: ReportCommandOptions,
  deps: Pick<CliDeps, "stdout">,
): Promise<number> {
  const format = options.format ?? "table";
  if (options.chart !== undefined && format !== "svg") {
    throw new UsageError(
      `Cannot use --chart with --format ${format}: it picks the one chart --format svg prints`,
    );
  }
  // Loaded by the command that uses them: an import starts sooner and lighter.
  const [{ compareRuns }, { readRunLogs, ReportInputError }] = await Promise.all([
    import("../report/compare_runs.ts"),
    import("../report/read_logs.ts"),
  ]);
  if (options.logs.length === 0) {
    throw new ReportInputError(
      "Cannot report: no progress log given (pass log files or directories of them)",
    );
  }
  const rows = compareRuns(await readRunLogs(options.logs));
  if (format === "html") {
    const { renderHtml } = await import("../report/render_html.ts");
    deps.stdout(renderHtml(rows));
  } else if (format === "svg") {
    deps.stdout(renderChart(options.chart ?? "chapters", rows));
  } else {
    deps.stdout(renderReport(rows, { format }));
  }
  return 0;
}
