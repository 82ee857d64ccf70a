/**
 * `demo`: an import from the built-in fake API, started in-process on a free
 * port, so it works offline.
 *
 * @module
 */

import type { Command } from "commander";
import { durationFlag } from "./flags.ts";
import { addImportOptions, importCommand, type ImportFlags } from "./import_command.ts";
import { addCommonOptions, addSelectOptions, type CliDeps, loadInputs } from "./options.ts";

/** The flags of `demo`: those of `import` but `--api-url` (the fake is the API), and the fake's latency. */
export interface DemoFlags extends Omit<ImportFlags, "apiUrl"> {
  latency: string;
}

/** Adds `demo` to the program; its action sets the exit code. */
export function addDemoCommand(
  program: Command,
  deps: CliDeps,
  setExit: (code: number) => void,
): void {
  addImportOptions(addSelectOptions(addCommonOptions(program.command("demo"))), { apiUrl: false })
    .description(
      "Import from the built-in fake API, started in-process on a free port (works offline).",
    )
    .option(
      "--latency <duration>",
      "the fake API's mean latency (50ms, 1.5s; a number is ms)",
      "50ms",
    )
    .action(async (options: DemoFlags) => {
      setExit(await demoCommand(options, deps));
    });
}

/** Starts the fake API, imports from it, and stops it; returns the import's exit code. */
export async function demoCommand(options: DemoFlags, deps: CliDeps): Promise<number> {
  const latencyMs = durationFlag("--latency", options.latency);
  const { manifest } = await loadInputs(options);
  const { startFakeApi } = await import("../fake_api/server.ts");
  const api = await startFakeApi({ volumes: manifest.volumes, latencyMs });
  try {
    // Quiet means only the summary: no banner either.
    if (!options.quiet && !options.json) deps.stderr(`Fake API listening on ${api.url}\n`);
    return await importCommand({ ...options, apiUrl: api.apiUrl }, deps, "demo");
  } finally {
    await api.close();
  }
}
