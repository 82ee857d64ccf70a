/**
 * `export`: the chapters an output folder's manifests vouch for, as one
 * NDJSON, CSV or SQLite file (docs/export.md).
 *
 * @module
 */

import { type Command, Option } from "commander";
import { EXPORT_FORMATS, type ExportFormat } from "../export/export_folder.ts";
import { VOLUME_ALIASES } from "../plan/selection.ts";
import { collect, commaList, languageFlag, UsageError } from "./flags.ts";
import { type CliDeps, EXIT } from "./options.ts";

/** The flags of `export`, as the CLI parsed them. */
export interface ExportCommandOptions {
  readonly format: ExportFormat;
  /** The file to write. */
  readonly out: string;
  /** The output folder; @default the manifest's `output.dir` */
  readonly dir?: string;
  /** The manifest whose `output.dir` is the default folder. @default "./import.yaml" */
  readonly manifest?: string;
  /** Languages (comma lists or repeated). @default every language of the folder */
  readonly lang?: readonly string[];
  /** Volumes (ids, `dc`, or `all`; comma lists or repeated). @default all */
  readonly source?: readonly string[];
  /** Replace `out` when it exists. */
  readonly force?: boolean;
}

/** Adds `export` to the program; its action sets the exit code. */
export function addExportCommand(
  program: Command,
  deps: CliDeps,
  setExit: (code: number) => void,
): void {
  program.command("export")
    .description(
      "Export the imported chapters the manifests vouch for as NDJSON, CSV or SQLite (with full-text search).",
    )
    .argument("[dir]", "the output folder (default: the manifest's output.dir)")
    .addOption(
      new Option("-f, --format <format>", "the file's form").choices(EXPORT_FORMATS)
        .makeOptionMandatory(),
    )
    .requiredOption("-o, --out <file>", "the file to write")
    .option(
      "--lang <codes>",
      "languages to export (comma list or repeated; default: the folder's)",
      collect,
    )
    .option(
      "-s, --source <volumes>",
      "volumes to export: all, ot, nt, bofm, dc, pgp (comma list or repeated; default: all)",
      collect,
    )
    .option("--force", "replace the file when it exists")
    .option(
      "-m, --manifest <file>",
      "the manifest whose output.dir is the default folder",
      "./import.yaml",
    )
    .action(async (dir: string | undefined, options: Omit<ExportCommandOptions, "dir">) => {
      setExit(await exportCommand({ ...options, dir }, deps));
    });
}

/**
 * Runs an export and prints what it wrote and what it left out; returns 0,
 * 1 when chapters were left out (the file holds the others), or 130 when
 * `deps.signal` aborts it (then `--out` is left as it was).
 *
 * @throws {UsageError} For an empty `--out` or a bad `--lang`.
 * @throws {ExportInputError} When the folder is no output folder, lacks a
 *   language asked for, or `--out` exists without `--force`.
 */
export async function exportCommand(
  options: ExportCommandOptions,
  deps: Pick<CliDeps, "stdout" | "stderr" | "signal">,
): Promise<number> {
  if (options.out.trim() === "") {
    throw new UsageError(`Invalid --out "${options.out}": expected a file path`);
  }
  let langs: string[] | undefined;
  if (options.lang !== undefined) {
    langs = commaList(options.lang).map(languageFlag);
    if (langs.length === 0) {
      throw new UsageError(`Invalid --lang "${options.lang.join(",")}": expected language codes`);
    }
  }
  // Loaded by the command that uses them: an import never loads node:sqlite.
  const [{ checkExportTarget, exportFolder }, { openOutputFolders }] = await Promise.all([
    import("../export/export_folder.ts"),
    import("../export/output_folder.ts"),
  ]);
  const dir = options.dir ?? await _defaultDir(options.manifest ?? "./import.yaml");
  await checkExportTarget(options.out, options.force ?? false);
  const folders = await openOutputFolders(dir, { langs, volumes: _volumes(options.source) });
  let result;
  try {
    result = await exportFolder(folders, {
      format: options.format,
      out: options.out,
      force: options.force,
      signal: deps.signal,
    });
  } catch (error) {
    if (deps.signal?.aborted && error === deps.signal.reason) {
      deps.stderr(`Export interrupted: "${options.out}" was not written\n`);
      return EXIT.interrupted;
    }
    throw error;
  }
  for (const problem of result.problems) {
    const count = problem.chapters === 1 ? "" : ` (${_number(problem.chapters)} chapters)`;
    deps.stderr(`Not exported: ${problem.scope}${count}: ${problem.reason}\n`);
  }
  deps.stdout(
    `Exported ${_number(result.verses)} verses and ${_number(result.paragraphs)} paragraphs ` +
      `of ${_number(result.chapters)} chapters (${
        folders.flatMap((folder) => folder.langs).join(", ")
      }) from "${dir}" ` +
      `to "${result.out}" as ${result.format}\n`,
  );
  if (result.chaptersLeftOut > 0) {
    const chapters = result.chaptersLeftOut === 1 ? "chapter" : "chapters";
    deps.stderr(
      `${_number(result.chaptersLeftOut)} ${chapters} not exported: missing, failed or not ` +
        `matching their manifest (listed above)\n`,
    );
    return EXIT.failed;
  }
  return EXIT.ok;
}

/** `--source`'s words as volume ids (`dc` is `dc-testament`), or undefined for all. */
function _volumes(source: readonly string[] | undefined): string[] | undefined {
  const words = commaList(source).map((word) => word.toLowerCase());
  if (words.length === 0 || words.includes("all")) return undefined;
  return [...new Set(words.map((word) => VOLUME_ALIASES[word] ?? word))];
}

async function _defaultDir(manifestPath: string): Promise<string> {
  const { loadManifest } = await import("../manifest/load.ts");
  return (await loadManifest(manifestPath)).output.dir;
}

function _number(n: number): string {
  return n.toLocaleString("en-US");
}
