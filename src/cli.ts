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
import { resolveSelection, SelectionError } from "./plan/selection.ts";
import { DagError } from "./exec/dag.ts";
import { TOOL } from "./version.ts";

/** What the CLI touches outside itself; tests pass their own. */
export interface CliDeps {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
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

function _plan(manifest: Manifest, options: SelectOptions): Plan {
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
    error instanceof UsageError || error instanceof DagError
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
  const code = await main(Deno.args, {
    stdout: (text) => _writeAll(Deno.stdout, text),
    stderr: (text) => _writeAll(Deno.stderr, text),
  });
  Deno.exit(code);
}
