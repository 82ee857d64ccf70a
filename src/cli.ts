/**
 * The composition root: parses flags, loads the manifest and profile, wires
 * the stages, and returns an exit code. Only the `import.meta.main` block exits.
 *
 * Exit codes: 0 all imported (or the command succeeded); 1 some chapters
 * failed; 2 bad usage, manifest or profile; 130 interrupted.
 *
 * @module
 */

import { Command, CommanderError, Option } from "commander";
import { DagError } from "./exec/dag.ts";
import { ManifestError } from "./manifest/load.ts";
import { SelectionError } from "./plan/selection.ts";
import { ProgressLogError } from "./progress/log.ts";
import type { ReportCommandOptions } from "./report/report_command.ts";
import { TOOL } from "./version.ts";
import {
  addImportOptions,
  importCommand,
  type ImportFlags,
  ImportSetupError,
} from "./cli/import_command.ts";
import {
  addCommonOptions,
  addSelectOptions,
  type CliDeps,
  collect,
  type CommonOptions,
  durationFlag,
  EXIT,
  loadInputs,
  planSelection,
  type SelectOptions,
  UsageError,
} from "./cli/options.ts";
import { validateCommand } from "./cli/validate_command.ts";
import { listenForInterrupts } from "./cli/interrupt.ts";

export { type CliDeps, EXIT } from "./cli/options.ts";

/**
 * Runs the command line and returns the exit code.
 *
 * @param args the arguments after the program name
 * @param deps where output goes
 */
export async function main(args: readonly string[], deps: CliDeps): Promise<number> {
  const legacy = args.find((a) => a === "--config" || a.startsWith("--config="));
  if (legacy) {
    const value = legacy.includes("=") ? legacy.slice(legacy.indexOf("=") + 1) : "NAME";
    deps.stderr(
      `Unknown option "${legacy}": profiles are chosen with --profile (e.g. --profile ${value})\n`,
    );
    return EXIT.usage;
  }

  let code: number = EXIT.ok;
  const program = new Command()
    .name("scripture-importer")
    .description("A declarative, config-driven parallel importer for the scriptures.")
    .version(TOOL.version, "-V, --version")
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({ writeOut: deps.stdout, writeErr: deps.stderr });

  addCommonOptions(program.command("validate"))
    .description("Check the manifest and every profile, reporting every problem with its location.")
    .action(async (options: CommonOptions) => {
      code = await validateCommand(options, deps);
    });

  addSelectOptions(addCommonOptions(program.command("plan")))
    .description(
      "Show what an import would do: the DAG, the limits and the theoretical minimum time.",
    )
    .addOption(
      new Option("-f, --format <format>", "output format").choices(["text", "json", "dot"])
        .default("text"),
    )
    .option("--latency <duration>", "request latency for the theoretical minimum", "100ms")
    .action(async (options: SelectOptions & { format: string; latency: string }) => {
      const { manifest, profile } = await loadInputs(options);
      const plan = planSelection(manifest, options);
      const latencyMs = durationFlag("--latency", options.latency);
      // Loaded by the commands that use them: an import starts sooner and lighter.
      const { renderPlanDot, renderPlanJson, renderPlanText, summarizePlan } = await import(
        "./progress/plan_view.ts"
      );
      const summary = summarizePlan(plan, profile, latencyMs);
      if (options.format === "json") deps.stdout(renderPlanJson(plan, summary));
      else if (options.format === "dot") deps.stdout(renderPlanDot(plan));
      else deps.stdout(renderPlanText(summary));
    });

  addImportOptions(addSelectOptions(addCommonOptions(program.command("import"))))
    .description("Import the selected chapters into clean JSON files and manifests.")
    .action(async (options: ImportFlags) => {
      code = await importCommand(options, deps);
    });

  addImportOptions(addSelectOptions(addCommonOptions(program.command("demo"))))
    .description(
      "Import from the built-in fake API, started in-process on a free port (works offline).",
    )
    .option("--latency <duration>", "the fake API's mean latency", "50ms")
    .action(async (options: ImportFlags & { latency: string }) => {
      const latencyMs = durationFlag("--latency", options.latency);
      const { manifest } = await loadInputs(options);
      const { startFakeApi } = await import("./fake_api/server.ts");
      const api = await startFakeApi({ volumes: manifest.volumes, latencyMs });
      try {
        deps.stderr(`Fake API listening on ${api.url}\n`);
        code = await importCommand({ ...options, apiUrl: api.apiUrl }, deps);
      } finally {
        await api.close();
      }
    });

  addSelectOptions(program.command("report"))
    .description(
      "Compare runs from their progress logs: speed, speedup and efficiency against the theoretical minimum.",
    )
    .argument("[logs...]", "progress logs (.ndjson), or directories of them")
    .addOption(
      new Option("-f, --format <format>", "output format").choices(["table", "markdown", "json"])
        .default("table"),
    )
    .option(
      "--run-profiles",
      "first import the selection (default: bofm) once per profile from the in-process fake API",
    )
    .option("-m, --manifest <file>", "the manifest, with --run-profiles", "./import.yaml")
    .option("--profiles <names>", "profiles to run (comma list or repeated; default: all)", collect)
    .option("--latency <duration>", "the fake API's latency, with --run-profiles (default: 150ms)")
    .option("--rate <n>", "requests/s the fake API allows (429 above it), with --run-profiles")
    .option("--burst <n>", "the fake API's rate-limit burst, with --rate (default: the rate)")
    .option(
      "-o, --out <dir>",
      "keep the imports and logs here, with --run-profiles (default: a temporary directory, removed)",
    )
    .action(async (logs: string[], options: Omit<ReportCommandOptions, "logs">) => {
      const { reportCommand } = await import("./report/report_command.ts");
      code = await reportCommand({ ...options, logs }, deps);
    });

  for (const command of program.commands) {
    command.exitOverride().configureOutput({
      writeOut: deps.stdout,
      writeErr: deps.stderr,
    });
  }

  try {
    await program.parseAsync(args as string[], { from: "user" });
    return code;
  } catch (error) {
    return _report(error, deps);
  }
}

function _report(error: unknown, deps: CliDeps): number {
  if (error instanceof CommanderError) {
    // Help and version are successes; commander already printed its message.
    if (
      error.code === "commander.helpDisplayed" || error.code === "commander.version" ||
      error.code === "commander.help"
    ) return EXIT.ok;
    return EXIT.usage;
  }
  if (
    error instanceof ManifestError || error instanceof SelectionError ||
    error instanceof UsageError || error instanceof DagError ||
    error instanceof ImportSetupError || error instanceof ProgressLogError
  ) {
    deps.stderr(error.message + "\n");
    return EXIT.usage;
  }
  throw error;
}

/** Writes all of `text`: a single writeSync may write part of it to a pipe. */
function _writeAll(file: { writeSync(p: Uint8Array): number }, text: string) {
  let bytes = new TextEncoder().encode(text);
  while (bytes.length > 0) bytes = bytes.subarray(file.writeSync(bytes));
}

if (import.meta.main) {
  // First Ctrl-C or SIGTERM: stop starting work, abort requests in flight, write
  // the manifests, flush the log, print the summary, exit 130. Copies of that
  // one keystroke (the terminal signals the whole process group, and `deno
  // task` forwards its own copy) count once; a signal a window or more after
  // the first exits at once.
  const controller = new AbortController();
  const stopListening = listenForInterrupts({
    signals: Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"],
    onStop: () => {
      _writeAll(
        Deno.stderr,
        "\nInterrupted: finishing manifests (Ctrl-C again after a second to quit at once)\n",
      );
      controller.abort(new DOMException("Interrupted by signal", "AbortError"));
    },
    onQuit: () => Deno.exit(EXIT.interrupted),
  });
  const code = await main(Deno.args, {
    stdout: (text) => _writeAll(Deno.stdout, text),
    stderr: (text) => _writeAll(Deno.stderr, text),
    signal: controller.signal,
    isTerminal: Deno.stderr.isTerminal(),
    env: (name) => Deno.env.get(name),
  });
  stopListening();
  Deno.exit(code);
}
