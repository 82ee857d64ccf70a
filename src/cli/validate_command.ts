/**
 * `validate`: checks the manifest and every profile beside it, printing every
 * problem with its location.
 *
 * @module
 */

import { listProfiles, loadManifest, loadProfile, ManifestError } from "../manifest/load.ts";
import type { Manifest } from "../manifest/types.ts";
import type { Command } from "commander";
import { profilesDirOf } from "./flags.ts";
import { addCommonOptions, type CliDeps, type CommonOptions, EXIT } from "./options.ts";

/** Adds `validate` to the program; its action sets the exit code. */
export function addValidateCommand(
  program: Command,
  deps: CliDeps,
  setExit: (code: number) => void,
): void {
  addCommonOptions(program.command("validate"))
    .description("Check the manifest and every profile, reporting every problem with its location.")
    .action(async (options: CommonOptions) => {
      setExit(await validateCommand(options, deps));
    });
}

/** Runs `validate`; returns 0, or 2 with every problem printed. */
export async function validateCommand(options: CommonOptions, deps: CliDeps): Promise<number> {
  const profilesDir = profilesDirOf(options.manifest);
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
