/**
 * The composition root: parses flags, loads the manifest and profile, wires
 * the stages, and returns an exit code. Only the `import.meta.main` block exits.
 *
 * Exit codes: 0 all imported (or the command succeeded); 1 some chapters
 * failed; 2 bad usage, manifest or profile; 130 interrupted.
 *
 * @module
 */

import { Command, CommanderError } from "commander";
import { UserError } from "./exec/user_error.ts";
import { TOOL } from "./version.ts";
import { addBenchProfilesCommand } from "./cli/bench_profiles_command.ts";
import { addDemoCommand } from "./cli/demo_command.ts";
import { addExportCommand } from "./cli/export_command.ts";
import { addImportCommand } from "./cli/import_command.ts";
import { interruptNotice, listenForInterrupts, NoticeBoard } from "./cli/interrupt.ts";
import { type CliDeps, EXIT } from "./cli/options.ts";
import { addPlanCommand } from "./cli/plan_command.ts";
import { addReportCommand } from "./cli/report_command.ts";
import { addValidateCommand } from "./cli/validate_command.ts";
import { addWorkerCommand } from "./cli/worker_command.ts";

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

  // One module per command, in src/cli/; each action hands back its exit code.
  const setExit = (exit: number) => void (code = exit);
  for (
    const add of [
      addValidateCommand,
      addPlanCommand,
      addImportCommand,
      addDemoCommand,
      addReportCommand,
      addExportCommand,
      addBenchProfilesCommand,
      addWorkerCommand,
    ]
  ) add(program, deps, setExit);

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
  // Every error in the user's input (flags, manifest, profile, selection, logs) is one class.
  if (error instanceof UserError) {
    deps.stderr(error.message + "\n");
    return error.exitCode;
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
  // The live view takes the notice while it draws; otherwise it starts a line of its own.
  const notices = new NoticeBoard((text) => _writeAll(Deno.stderr, `\n${text}`));
  const stopListening = listenForInterrupts({
    signals: Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"],
    onStop: () => {
      notices.say(interruptNotice(Deno.args));
      controller.abort(new DOMException("Interrupted by signal", "AbortError"));
    },
    onQuit: () => Deno.exit(EXIT.interrupted),
  });
  const code = await main(Deno.args, {
    stdout: (text) => _writeAll(Deno.stdout, text),
    stderr: (text) => _writeAll(Deno.stderr, text),
    signal: controller.signal,
    isTerminal: Deno.stderr.isTerminal(),
    columns: _columns,
    env: (name) => Deno.env.get(name),
    notices,
  });
  stopListening();
  Deno.exit(code);
}

// The terminal's width, read at each frame (a window can be resized); 80 when unknown.
function _columns(): number {
  try {
    return Deno.consoleSize().columns || 80;
  } catch {
    return 80;
  }
}
