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
import { dirname, join } from "node:path";
import { listProfiles, loadManifest, loadProfile, ManifestError } from "./manifest/load.ts";
import type { Manifest, Profile } from "./manifest/types.ts";
import { parseDuration } from "./manifest/duration.ts";
import { buildPlan, type Plan } from "./plan/planner.ts";
import { renderPlanDot, renderPlanJson, renderPlanText, summarizePlan } from "./plan/render.ts";
import { resolveSelection, SelectionError, type SelectionInput } from "./plan/selection.ts";
import { DagError } from "./exec/dag.ts";
import type { Clock } from "./exec/clock.ts";
import { systemClock } from "./exec/clock.ts";
import { urlProblem } from "./manifest/schema.ts";
import { startFakeApi } from "./fake_api/server.ts";
import { ImportSetupError, runImport } from "./importer.ts";
import { sha256Hex } from "./output/digest.ts";
import { colorEnabled } from "./progress/format.ts";
import { latestLogPath, ProgressLogError, readProgressLog, unfinishedIds } from "./progress/log.ts";
import { formatSummary } from "./progress/summary.ts";
import { TerminalView } from "./progress/terminal.ts";
import { reportCommand, type ReportCommandOptions } from "./report/report_command.ts";
import { TOOL } from "./version.ts";

/** What the CLI touches outside itself; tests pass their own. */
export interface CliDeps {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Aborted on Ctrl-C / SIGTERM: the import stops and exits 130. */
  readonly signal?: AbortSignal;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Whether stderr is a terminal (live redraw) or not (plain lines). @default false */
  readonly isTerminal?: boolean;
  /** Environment lookup (NO_COLOR). @default none set */
  readonly env?: (name: string) => string | undefined;
}

/** Exit codes, as documented in the README. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** A mistake in the command line: printed, exit code 2. */
class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

interface CommonOptions {
  manifest: string;
  profile?: string;
}

interface SelectOptions extends CommonOptions {
  source?: string[];
  only?: string[];
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function _addCommon(command: Command): Command {
  return command
    .option("-m, --manifest <file>", "the manifest to read", "./import.yaml")
    .option(
      "-p, --profile <name|file>",
      "performance profile: a name in profiles/ or a path to a .yaml file (default: the manifest's profile)",
    );
}

function _addSelect(command: Command): Command {
  return command
    .option(
      "-s, --source <volumes>",
      "volumes to import: all, ot, nt, bofm, dc, pgp (comma list or repeated)",
      collect,
    )
    .option(
      "--only <books>",
      "books or chapter ranges: bofm/1-ne, bofm/1-ne/3-5, dc-testament/dc/76 (comma list or repeated)",
      collect,
    );
}

/** Loads the manifest and the chosen profile; the profile dir is `profiles/` beside the manifest. */
async function _load(options: CommonOptions): Promise<{ manifest: Manifest; profile: Profile }> {
  const profilesDir = join(dirname(options.manifest), "profiles");
  const manifest = await loadManifest(options.manifest, { profilesDir });
  const profile = await loadProfile(options.profile ?? manifest.profile, { profilesDir });
  return { manifest, profile };
}

function _plan(manifest: Manifest, options: SelectionInput): Plan {
  return buildPlan(manifest, resolveSelection(manifest, options));
}

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

  _addCommon(program.command("validate"))
    .description("Check the manifest and every profile, reporting every problem with its location.")
    .action(async (options: CommonOptions) => {
      code = await validate(options, deps);
    });

  _addSelect(_addCommon(program.command("plan")))
    .description(
      "Show what an import would do: the DAG, the limits and the theoretical minimum time.",
    )
    .addOption(
      new Option("-f, --format <format>", "output format").choices(["text", "json", "dot"])
        .default("text"),
    )
    .option("--latency <duration>", "request latency for the theoretical minimum", "100ms")
    .action(async (options: SelectOptions & { format: string; latency: string }) => {
      const { manifest, profile } = await _load(options);
      const plan = _plan(manifest, options);
      const latencyMs = _duration("--latency", options.latency);
      const summary = summarizePlan(plan, profile, latencyMs);
      if (options.format === "json") deps.stdout(renderPlanJson(plan, summary));
      else if (options.format === "dot") deps.stdout(renderPlanDot(plan));
      else deps.stdout(renderPlanText(summary));
    });

  _addImport(_addSelect(_addCommon(program.command("import"))))
    .description("Import the selected chapters into clean JSON files and manifests.")
    .action(async (options: ImportFlags) => {
      code = await importCommand(options, deps);
    });

  _addImport(_addSelect(_addCommon(program.command("demo"))))
    .description(
      "Import from the built-in fake API, started in-process on a free port (works offline).",
    )
    .option("--latency <duration>", "the fake API's mean latency", "50ms")
    .action(async (options: ImportFlags & { latency: string }) => {
      const latencyMs = _duration("--latency", options.latency);
      const { manifest } = await _load(options);
      const api = await startFakeApi({ volumes: manifest.volumes, latencyMs });
      try {
        deps.stderr(`Fake API listening on ${api.url}\n`);
        code = await importCommand({ ...options, apiUrl: api.apiUrl }, deps);
      } finally {
        await api.close();
      }
    });

  _addSelect(program.command("report"))
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
    .option("--burst <n>", "the fake API's rate-limit burst, with --rate (default: 1)")
    .option(
      "-o, --out <dir>",
      "keep the imports and logs here, with --run-profiles (default: a temporary directory, removed)",
    )
    .action(async (logs: string[], options: Omit<ReportCommandOptions, "logs">) => {
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

interface ImportFlags extends SelectOptions {
  out?: string;
  apiUrl?: string;
  lang?: string;
  log?: string;
  quiet?: boolean;
  json?: boolean;
  force?: boolean;
  retryFailed?: boolean;
  failFast?: boolean;
}

function _addImport(command: Command): Command {
  return command
    .option("-o, --out <dir>", "output directory (default: the manifest's output.dir)")
    .option(
      "--api-url <url>",
      "content API endpoint, replaces source.url (https, or http on loopback)",
    )
    .option("--lang <code>", "language code, replaces source.lang (e.g. spa)")
    .option("--log <file>", "progress log path (default: <out>/.import/runs/<start>.ndjson)")
    .option("-q, --quiet", "print only the summary")
    .option("--json", "print the summary as JSON on stdout")
    .option("--force", "fetch every selected chapter again, even those already on disk")
    .option("--retry-failed", "run only the chapters that failed in the last run")
    .option("--fail-fast", "stop starting new work after the first failure");
}

async function importCommand(options: ImportFlags, deps: CliDeps): Promise<number> {
  const loaded = await _load(options);
  const { profile } = loaded;
  let manifest = loaded.manifest;
  if (options.apiUrl !== undefined) {
    const problem = urlProblem(options.apiUrl);
    if (problem) throw new UsageError(`Invalid --api-url "${options.apiUrl}": ${problem}`);
    manifest = { ...manifest, source: { ...manifest.source, url: options.apiUrl } };
  }
  if (options.lang !== undefined) {
    if (!/^[a-z]{2,3}$/.test(options.lang)) {
      throw new UsageError(
        `Invalid --lang "${options.lang}": expected a 2-3 letter lowercase language code`,
      );
    }
    manifest = { ...manifest, source: { ...manifest.source, lang: options.lang } };
  }
  const outDir = options.out ?? manifest.output.dir;
  let selection: SelectionInput = options;
  if (options.retryFailed) {
    const last = await latestLogPath(outDir);
    if (last === undefined) {
      throw new UsageError(
        `Cannot --retry-failed: no progress log in ${join(outDir, ".import", "runs")}`,
      );
    }
    // Failed and cancelled (an interrupted run) chapters alike were not imported.
    const failed = unfinishedIds((await readProgressLog(last)).records);
    if (failed.length === 0) {
      deps.stderr(`Nothing to retry: the last run (${last}) left no chapter failed or cancelled\n`);
      return EXIT.ok;
    }
    selection = { only: failed };
  }
  // Resolve the selection now, so a bad one is a usage error before anything is written.
  const plan = _plan(manifest, selection);

  const clock = deps.clock ?? systemClock;
  const isTerminal = deps.isTerminal ?? false;
  const color = colorEnabled(isTerminal, { get: deps.env ?? (() => undefined) });
  const view = new TerminalView({
    clock,
    output: { write: deps.stderr },
    isTerminal,
    color,
    quiet: options.quiet || options.json,
    totals: {
      volumes: plan.counts.volumes,
      books: plan.counts.books,
      chapters: plan.counts.chapters,
    },
  });
  const manifestBytes = await Deno.readFile(manifest.file);
  try {
    const result = await runImport({
      manifest,
      profile,
      selection,
      outDir,
      fetch: deps.fetch,
      clock,
      signal: deps.signal,
      failFast: options.failFast,
      force: options.force,
      log: options.log,
      manifestSha256: await sha256Hex(manifestBytes),
      onEvent: view.handle,
    });
    view.stop();
    if (options.json) {
      const { summary, warnings, logPath } = result;
      deps.stdout(JSON.stringify({ ...summary, warnings, log: logPath ?? null }, null, 2) + "\n");
    } else {
      deps.stdout(formatSummary(result.summary, { color }));
      for (const warning of result.warnings) deps.stdout(`Verses do not add up: ${warning}\n`);
      if (result.logPath) deps.stdout(`Progress log: ${result.logPath}\n`);
    }
    return result.exitCode;
  } finally {
    view.stop();
  }
}

function _duration(flag: string, value: string): number {
  try {
    return parseDuration(value);
  } catch (error) {
    throw new UsageError(`Invalid ${flag} "${value}": ${(error as Error).message}`);
  }
}

async function validate(options: CommonOptions, deps: CliDeps): Promise<number> {
  const profilesDir = join(dirname(options.manifest), "profiles");
  const problems: string[] = [];
  let manifest: Manifest | undefined;
  try {
    manifest = await loadManifest(options.manifest, { profilesDir });
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    problems.push(error.message);
  }
  if (manifest) {
    const books = manifest.volumes.reduce((s, v) => s + v.books.length, 0);
    const chapters = manifest.volumes.reduce(
      (s, v) => s + v.books.reduce((t, b) => t + b.chapters, 0),
      0,
    );
    deps.stdout(
      `${options.manifest}: ok (${manifest.volumes.length} volumes, ${books} books, ${
        chapters.toLocaleString("en-US")
      } chapters)\n`,
    );
  }
  const names = await listProfiles(profilesDir).catch(() => [] as string[]);
  const targets = [...names];
  if (options.profile && !names.includes(options.profile)) targets.push(options.profile);
  for (const target of targets) {
    try {
      const profile = await loadProfile(target, { profilesDir });
      deps.stdout(`${profile.file}: ok (profile "${profile.name}")\n`);
    } catch (error) {
      if (!(error instanceof ManifestError)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length > 0) {
    deps.stderr(problems.join("\n") + "\n");
    return EXIT.usage;
  }
  return EXIT.ok;
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
  // the manifests, flush the log, print the summary, exit 130. A second: exit now.
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) Deno.exit(EXIT.interrupted);
    _writeAll(Deno.stderr, "\nInterrupted: finishing manifests (Ctrl-C again to quit at once)\n");
    controller.abort(new DOMException("Interrupted by signal", "AbortError"));
  };
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const name of signals) Deno.addSignalListener(name, onSignal);
  const code = await main(Deno.args, {
    stdout: (text) => _writeAll(Deno.stdout, text),
    stderr: (text) => _writeAll(Deno.stderr, text),
    signal: controller.signal,
    isTerminal: Deno.stderr.isTerminal(),
    env: (name) => Deno.env.get(name),
  });
  for (const name of signals) Deno.removeSignalListener(name, onSignal);
  Deno.exit(code);
}
