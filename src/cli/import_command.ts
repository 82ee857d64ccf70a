/**
 * `import` (and `demo`): the import flags, and the run with its live view,
 * summary and exit code.
 *
 * @module
 */

import type { Command } from "commander";
import { systemClock } from "../exec/clock.ts";
import { ImportSetupError, runImport } from "../importer.ts";
import { redactUrl, urlProblem } from "../manifest/schema.ts";
import { sha256Hex } from "../output/digest.ts";
import type { Plan } from "../plan/planner.ts";
import type { SelectionInput } from "../plan/selection.ts";
import { colorEnabled } from "../progress/format.ts";
import { latestLogPath, readProgressLog, unfinishedIds } from "../progress/log.ts";
import { formatSummary } from "../progress/summary.ts";
import { TerminalView } from "../progress/terminal.ts";
import { RunControl } from "../exec/run_control.ts";
import { compressionFlag, languageListFlag, progressLogDirOf, UsageError } from "./flags.ts";
import { runStatePlan, type ServedRun, serveSettings, startServedRun } from "./serve_run.ts";
import { checkQueueFlags, queueImport, type QueueImportFlags } from "./queue_import.ts";
import { describeRecode } from "../recode.ts";
import {
  addCommonOptions,
  addSelectOptions,
  type CliDeps,
  EXIT,
  loadInputs,
  planSelection,
  type SelectOptions,
} from "./options.ts";

export { ImportSetupError };

/** The flags of `import` and `demo`. */
export interface ImportFlags extends SelectOptions, QueueImportFlags {
  out?: string;
  apiUrl?: string;
  lang?: string;
  log?: string;
  quiet?: boolean;
  json?: boolean;
  force?: boolean;
  refresh?: boolean;
  compress?: string;
  retryFailed?: boolean;
  failFast?: boolean;
  serve?: string;
  serveToken?: string;
  serveLinger?: string;
}

/** Which of the import flags a command offers. */
export interface ImportOptionsChoice {
  /** `--api-url`; `demo` serves its own API. @default true */
  readonly apiUrl?: boolean;
}

/** Adds `import`'s flags (`demo` offers them all but `--api-url`). */
export function addImportOptions(command: Command, choice: ImportOptionsChoice = {}): Command {
  command.option("-o, --out <dir>", "output directory (default: the manifest's output.dir)");
  if (choice.apiUrl !== false) {
    command.option(
      "--api-url <url>",
      "content API endpoint, replaces source.url (https, or http on loopback)",
    );
  }
  return command
    .option(
      "--lang <codes>",
      "language code, or a comma list for one run of several (eng,spa,por: each into <out>/<lang>/); replaces source.lang / source.langs",
    )
    .option("--log <file>", "progress log path (default: <out>/.import/runs/<start>.ndjson)")
    .option("-q, --quiet", "print only the summary")
    .option("--json", "print the summary as JSON on stdout")
    .option("--force", "fetch every selected chapter again, even those already on disk")
    .option(
      "--refresh",
      "ask the server whether each chapter on disk changed (If-None-Match / If-Modified-Since); a 304 keeps the file",
    )
    .option(
      "--compress <none|gzip>",
      "store chapter files as .json or .json.gz, replaces output.compress (default: as the folder is); " +
        "files stored the other way are re-encoded on disk, not fetched",
    )
    .option("--retry-failed", "run only the chapters that failed in the last run")
    .option("--fail-fast", "stop starting new work after the first failure")
    .option(
      "--serve <[host:]port>",
      "serve a live dashboard, /metrics and run controls on 127.0.0.1 (or host); port 0 picks one",
    )
    .option(
      "--serve-token <token>",
      "the bearer token every --serve request must send (required off loopback)",
    )
    .option(
      "--serve-linger <duration>",
      "keep serving this long after the run ends (a last scrape, the final dashboard); Ctrl-C stops it",
    );
}

/** Adds `import` to the program; its action sets the exit code. */
export function addImportCommand(
  program: Command,
  deps: CliDeps,
  setExit: (code: number) => void,
): void {
  addImportOptions(addSelectOptions(addCommonOptions(program.command("import"))))
    .description("Import the selected chapters into clean JSON files and manifests.")
    .option(
      "--queue <url>",
      "run on the queue in this Redis instead (redis://HOST:6379): see --enqueue, --watch",
    )
    .option("--enqueue", "with --queue: plan the run, add its jobs, print its id")
    .option("--run <id>", "with --enqueue: the run's id (default: a hash of what it imports)")
    .option(
      "--watch <run>",
      "with --queue: show the run's live progress, log and summary, across all workers",
    )
    .action(async (options: ImportFlags) => {
      setExit(await importCommand(options, deps));
    });
}

/** Runs an import; returns its exit code. */
export async function importCommand(
  options: ImportFlags,
  deps: CliDeps,
  command: "import" | "demo" = "import",
): Promise<number> {
  checkQueueFlags(options);
  const loaded = await loadInputs(options);
  const { profile } = loaded;
  let manifest = loaded.manifest;
  if (options.apiUrl !== undefined) {
    const problem = urlProblem(options.apiUrl);
    if (problem) {
      throw new UsageError(`Invalid --api-url "${redactUrl(options.apiUrl)}": ${problem}`);
    }
    manifest = { ...manifest, source: { ...manifest.source, url: options.apiUrl } };
  }
  if (options.lang !== undefined) {
    const langs = languageListFlag(options.lang);
    manifest = { ...manifest, source: { ...manifest.source, lang: langs[0], langs } };
  }
  // An empty path would resolve to the working directory (the checkout, under `deno task`).
  if (options.out === "") {
    throw new UsageError(`Invalid --out "": expected a directory path (--out . for this one)`);
  }
  if (options.log === "") throw new UsageError(`Invalid --log "": expected a file path`);
  if (options.refresh && options.force) {
    throw new UsageError(
      "Cannot use --refresh with --force: --force fetches everything again, --refresh asks first",
    );
  }
  // Before anything is written: a server that may not start is a usage error.
  const serve = serveSettings(options);
  const compress = options.compress === undefined ? undefined : compressionFlag(options.compress);
  const outDir = options.out ?? manifest.output.dir;
  let selection: SelectionInput = options;
  if (options.retryFailed) {
    // A log kept elsewhere (--log FILE) holds the last run of its own: read it
    // when it exists, else the newest log kept with the output.
    const last = options.log !== undefined && await _isFile(options.log)
      ? options.log
      : await latestLogPath(outDir);
    if (last === undefined) {
      throw new UsageError(
        `Cannot --retry-failed: no progress log in ${progressLogDirOf(outDir)}` +
          (options.log === undefined ? "" : ` nor at --log "${options.log}"`),
      );
    }
    // Failed and cancelled (an interrupted run) chapters alike were not imported.
    // In a run of several languages an id starts with its language: the
    // selection names the chapter, for every language of the run (what is
    // on disk is skipped).
    const langs = manifest.source.langs ?? [manifest.source.lang];
    const failed = [
      ...new Set(
        unfinishedIds((await readProgressLog(last)).records).map((id) => {
          const first = id.slice(0, id.indexOf("/"));
          return langs.length > 1 && langs.includes(first) ? id.slice(first.length + 1) : id;
        }),
      ),
    ];
    if (failed.length === 0) {
      deps.stderr(`Nothing to retry: the last run (${last}) left no chapter failed or cancelled\n`);
      return EXIT.ok;
    }
    selection = { only: failed };
  }
  // Resolve the selection now, so a bad one is a usage error before anything is written.
  const plan = planSelection(manifest, selection);

  const clock = deps.clock ?? systemClock;
  const isTerminal = deps.isTerminal ?? false;
  const color = colorEnabled(isTerminal, { get: deps.env ?? (() => undefined) });
  const viewOf = (plan: Plan) =>
    new TerminalView({
      clock,
      output: { write: deps.stderr },
      isTerminal,
      color,
      quiet: options.quiet || options.json,
      columns: deps.columns,
      bookChapters: new Map(
        plan.selection.books.map((b) => [`${b.volume}/${b.book}`, b.chapters.length]),
      ),
      totals: {
        languages: plan.counts.languages,
        volumes: plan.counts.volumes,
        books: plan.counts.books,
        chapters: plan.counts.chapters,
      },
    });
  const manifestBytes = await Deno.readFile(manifest.file);
  if (options.queue !== undefined) {
    return await queueImport({ ...options, queue: options.queue }, {
      manifest,
      profile,
      selection,
      outDir,
      manifestSha256: await sha256Hex(manifestBytes),
      compress,
      view: viewOf,
      serve,
    }, deps);
  }
  const view = viewOf(plan);
  const control = new RunControl();
  let server: ServedRun | undefined;
  const diverted = deps.notices?.divert(view.note);
  try {
    if (serve !== undefined) {
      server = await startServedRun({
        settings: serve,
        plan: runStatePlan(manifest, profile, plan),
        control,
        clock,
        stderr: deps.stderr,
        ...(profile.adaptive ? { adaptive: { profile: profile.name } } : {}),
      });
    }
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
      refresh: options.refresh,
      compress,
      onRecode: (groups) => {
        if (options.quiet || options.json) return;
        for (const group of groups) deps.stderr(`${describeRecode(group)}\n`);
      },
      log: options.log,
      manifestSha256: await sha256Hex(manifestBytes),
      onEvent: view.handle,
      control,
      ...(server === undefined ? {} : { onRecord: server.onRecord, serveUrl: server.url }),
    });
    view.stop();
    const {
      summary,
      warnings,
      differences,
      notAvailable,
      logPath,
      stopped,
      recordFailures,
      recodeFailures,
    } = result;
    if (stopped) {
      // One line, whatever the view printed: why the run stopped, and that what it wrote stays.
      deps.stderr(
        `Import stopped at the first write error: ${stopped.reason}. ` +
          `The files written before it are kept; make room and run again to import the rest.\n`,
      );
    }
    if (options.json) {
      const extra = {
        warnings,
        differences,
        notAvailable,
        log: logPath ?? null,
        stopped: stopped ?? null,
        recordFailures,
        recodeFailures,
      };
      deps.stdout(JSON.stringify({ ...summary, ...extra }, null, 2) + "\n");
    } else {
      deps.stdout(formatSummary(summary, {
        color,
        retryCommand: retryCommand(command, options),
        notAvailable,
        differences,
      }));
      for (const warning of warnings) deps.stdout(`Verses do not add up: ${warning}\n`);
      if (stopped) deps.stdout(`Stopped: ${stopped.reason}\n`);
      for (const failure of recordFailures) deps.stdout(`Not recorded: ${failure}\n`);
      // Every one would be one line a chapter on a full disk: the first few, and the count.
      for (const { id, reason } of recodeFailures.slice(0, 5)) {
        deps.stdout(`Not re-encoded: ${id}: ${reason}\n`);
      }
      if (recodeFailures.length > 5) {
        deps.stdout(
          `Not re-encoded: ${
            recodeFailures.length - 5
          } more chapters (their files stay as they are)\n`,
        );
      }
      if (logPath) deps.stdout(`Progress log: ${logPath}\n`);
    }
    await server?.linger(deps.signal);
    return result.exitCode;
  } finally {
    diverted?.[Symbol.dispose]();
    view.stop();
    await server?.close();
  }
}

async function _isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/**
 * The command line that runs the failed chapters of this run again: the same
 * task, manifest, profile, output, log and source flags, with `--retry-failed`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { retryCommand } from "./import_command.ts";
 * assert.equal(
 *   retryCommand("import", { manifest: "./import.yaml", out: "my data", profile: "conservative" }),
 *   "deno task import --retry-failed -p conservative --out 'my data'",
 * );
 * ```
 */
export function retryCommand(command: "import" | "demo", options: ImportFlags): string {
  const words = [`deno task ${command}`, "--retry-failed"];
  const flag = (name: string, value: string | undefined) => {
    if (value !== undefined) words.push(name, _shellWord(value));
  };
  if (options.manifest !== "./import.yaml") flag("-m", options.manifest);
  flag("-p", options.profile);
  flag("--out", options.out);
  flag("--log", options.log);
  if (command === "import") flag("--api-url", options.apiUrl);
  flag("--lang", options.lang);
  flag("--compress", options.compress);
  return words.join(" ");
}

// A word as a POSIX shell reads it back: quoted unless plainly safe.
function _shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}
