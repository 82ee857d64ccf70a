/**
 * Loads named performance profiles (`profiles/<name>.yaml`) into the
 * validated `Profile` type.
 *
 * @module
 */

import { basename, extname, join } from "node:path";
import { checkProfile } from "./checks.ts";
import { ManifestError, ProfileNotFoundError } from "./diagnostic.ts";
import { suggestionSuffix } from "./did_you_mean.ts";
import {
  ADAPTIVE_DEFAULTS,
  PROFILE_BOUNDS,
  type ProfileData,
  profileSchema,
  SLUG_PATTERN,
} from "./schema.ts";
import type { Profile } from "./types.ts";
import { validateYaml } from "./validate.ts";
import { readFailure, type ReadFile, readYamlText } from "./yaml_file.ts";

/** Options of {@linkcode loadProfile}. */
export interface LoadProfileOptions {
  /** Folder a profile name is looked up in. @default "profiles" */
  profilesDir?: string;
  /**
   * Reads the profile, at most `PROFILE_BOUNDS.fileBytes` + 1 bytes of it;
   * should throw `Deno.errors.NotFound` for a missing file. @default readBounded
   */
  readFile?: ReadFile;
}

/**
 * Reads and validates a profile. A file over `PROFILE_BOUNDS.fileBytes`
 * (64 KiB) is refused before it is parsed; one that is not UTF-8 text, with
 * the position of the first bad byte.
 *
 * @param nameOrPath A profile name, found as `<profilesDir>/<name>.yaml`, or a
 *   path (anything with a `/` or ending in `.yaml`/`.yml`).
 * @throws {ProfileNotFoundError} When there is no such profile; the message
 *   lists the known ones.
 * @throws {ManifestError} With every problem found in the file.
 */
export async function loadProfile(
  nameOrPath: string,
  options: LoadProfileOptions = {},
): Promise<Profile> {
  const { profilesDir = "profiles", readFile } = options;
  if (/[/\\]/.test(nameOrPath) || /\.ya?ml$/.test(nameOrPath)) {
    const text = await _readProfile(nameOrPath, nameOrPath, readFile, []);
    return parseProfile(text, nameOrPath, basename(nameOrPath, extname(nameOrPath)));
  }
  if (!SLUG_PATTERN.test(nameOrPath)) {
    const known = await listProfiles(profilesDir);
    const detail = "a profile name is lowercase letters, digits and dashes";
    throw _notFound(nameOrPath, detail, known);
  }
  const file = join(profilesDir, `${nameOrPath}.yaml`);
  const text = await _readProfile(nameOrPath, file, readFile, () => listProfiles(profilesDir));
  return parseProfile(text, file, nameOrPath);
}

/**
 * Validates profile text. Pure: reads no files.
 *
 * @param text The YAML source.
 * @param file The name diagnostics carry and `Profile.file` keeps.
 * @param name The profile's name.
 * @throws {ManifestError} With every problem found, in file order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseProfile } from "./load_profile.ts";
 *
 * const profile = parseProfile(
 *   "volumes: 3\nbooksPerVolume: 5\nchaptersPerBook: 10\ndelay: 50ms\n",
 *   "profiles/default.yaml",
 *   "default",
 * );
 * assert.equal(profile.delayMs, 50);
 * assert.throws(() => parseProfile("volumes: 0\n", "x.yaml", "x"), /x.yaml:1:10: volumes: expected a positive integer, got 0/);
 * ```
 */
export function parseProfile(text: string, file: string, name: string): Profile {
  const data = validateYaml(text, file, { schema: profileSchema, check: checkProfile });
  return _toProfile(data, file, name);
}

/**
 * The profile names in a folder (its `<name>.yaml` files), sorted; empty when
 * the folder does not exist.
 */
export async function listProfiles(profilesDir: string): Promise<string[]> {
  const names = new Set<string>();
  try {
    for await (const entry of Deno.readDir(profilesDir)) {
      const match = /^(.+)\.yaml$/.exec(entry.name);
      if (entry.isFile && match) names.add(match[1]);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  return [...names].sort();
}

async function _readProfile(
  profile: string,
  file: string,
  readFile: ReadFile | undefined,
  known: readonly string[] | (() => Promise<string[]>),
): Promise<string> {
  let read;
  try {
    read = await readYamlText(file, file, {
      maxBytes: PROFILE_BOUNDS.fileBytes,
      what: "a profile",
      readFile,
    });
  } catch (error) {
    if (error instanceof ManifestError) throw error;
    if (!(error instanceof Deno.errors.NotFound)) {
      const message = `Cannot load profile "${profile}": cannot read ${file}: ${
        readFailure(error)
      }`;
      throw new ManifestError([], { message, cause: error });
    }
    const names = typeof known === "function" ? await known() : known;
    throw _notFound(profile, `no file ${file}`, names, error);
  }
  if (read.kind === "text") return read.text;
  throw new ManifestError([], {
    message: `Cannot load profile "${profile}": cannot read ${file}: ${read.reason}`,
  });
}

function _notFound(
  profile: string,
  detail: string,
  known: readonly string[],
  cause?: unknown,
): ProfileNotFoundError {
  const list = known.length > 0 ? ` (known: ${known.join(", ")})` : "";
  const message = `Cannot load profile "${profile}": ${detail}${list}${
    suggestionSuffix(profile, known)
  }`;
  return new ProfileNotFoundError(profile, message, { known, cause });
}

function _toProfile(data: ProfileData, file: string, name: string): Profile {
  const { delay, description, maxInFlight, requestsPerSecond, burst, adaptive, ...rest } = data;
  const { startRate, minRate, ...limits } = rest;
  return {
    name,
    file,
    ...(description === undefined ? {} : { description }),
    ...limits,
    ...(maxInFlight === undefined ? {} : { maxInFlight }),
    delayMs: delay,
    // A burst left out stays out: compileLimits (src/plan/limits.ts) applies its default.
    ...(requestsPerSecond === undefined ? {} : { requestsPerSecond }),
    ...(requestsPerSecond === undefined || burst === undefined ? {} : { burst }),
    ...(adaptive === true ? { adaptive: _adaptive(startRate, minRate) } : {}),
  };
}

/** The rates of an adaptive profile, defaults filled in; the floor never above the start. */
function _adaptive(startRate: number | undefined, minRate: number | undefined) {
  const start = startRate ?? ADAPTIVE_DEFAULTS.startRate;
  return { startRate: start, minRate: minRate ?? Math.min(ADAPTIVE_DEFAULTS.minRate, start) };
}
