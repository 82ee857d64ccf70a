/**
 * What every command shares: the CLI's dependencies, exit codes, the common
 * and selection flags, and loading the manifest and profile. The flag parsers
 * are in flags.ts.
 *
 * @module
 */

import type { Command } from "commander";
import type { Clock } from "../exec/clock.ts";
import { loadManifest, loadProfile } from "../manifest/load.ts";
import type { Manifest, Profile } from "../manifest/types.ts";
import { buildPlan, type Plan } from "../plan/planner.ts";
import { resolveSelection, type SelectionInput } from "../plan/selection.ts";
import { collect, profilesDirOf } from "./flags.ts";
import type { NoticeBoard } from "./interrupt.ts";

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
  /** The terminal's width now, in columns; the live view fits its lines to it. @default none */
  readonly columns?: () => number;
  /** Environment lookup (NO_COLOR). @default none set */
  readonly env?: (name: string) => string | undefined;
  /** Where a Ctrl-C's notice goes; a command with a live view diverts it there. @default none */
  readonly notices?: NoticeBoard;
}

/** Exit codes, as documented in the README. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

export interface CommonOptions {
  manifest: string;
  profile?: string;
}

export interface SelectOptions extends CommonOptions {
  source?: string[];
  only?: string[];
}

/** Adds `--manifest` and `--profile`. */
export function addCommonOptions(command: Command): Command {
  return command
    .option("-m, --manifest <file>", "the manifest to read", "./import.yaml")
    .option(
      "-p, --profile <name|file>",
      "performance profile: a name in profiles/ or a path to a .yaml file (default: the manifest's profile)",
    );
}

/** Adds `--source` and `--only`. */
export function addSelectOptions(command: Command): Command {
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
export async function loadInputs(
  options: CommonOptions,
): Promise<{ manifest: Manifest; profile: Profile }> {
  const profilesDir = profilesDirOf(options.manifest);
  const manifest = await loadManifest(options.manifest, { profilesDir });
  const profile = await loadProfile(options.profile ?? manifest.profile, { profilesDir });
  return { manifest, profile };
}

/** The plan of the selection the flags name. */
export function planSelection(manifest: Manifest, options: SelectionInput): Plan {
  return buildPlan(manifest, resolveSelection(manifest, options));
}
