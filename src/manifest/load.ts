/**
 * Loads `import.yaml` into the validated `Manifest` type, and re-exports the
 * profile loader. Every problem of a file is collected and reported at once,
 * each with file, YAML path, line and column.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { checkManifest, type LineOf } from "./checks.ts";
import { ManifestError } from "./diagnostic.ts";
import { listProfiles } from "./load_profile.ts";
import { MANIFEST_BOUNDS, type ManifestData, manifestSchema } from "./schema.ts";
import type { Manifest } from "./types.ts";
import { validateYaml } from "./validate.ts";
import { readFailure, type ReadFile, readYamlText } from "./yaml_file.ts";

// The whole loader API from one module, for the CLI and mod.ts.
export {
  type Diagnostic,
  ManifestError,
  ProfileNotFoundError,
  renderDiagnostic,
} from "./diagnostic.ts";
export { formatDurationLiteral, parseDuration } from "./duration.ts";
export {
  listProfiles,
  loadProfile,
  type LoadProfileOptions,
  parseProfile,
} from "./load_profile.ts";
export { type BoundedRead, readBounded, type ReadFile } from "./yaml_file.ts";

/** Options of {@linkcode loadManifest}. */
export interface LoadManifestOptions {
  /** Folder of the profile files the `profile` key is checked against. @default "<manifest folder>/profiles" */
  profilesDir?: string;
  /**
   * Reads the manifest, at most `MANIFEST_BOUNDS.fileBytes` + 1 bytes of it;
   * should throw `Deno.errors.NotFound` for a missing file. @default readBounded
   */
  readFile?: ReadFile;
}

/** Options of {@linkcode parseManifest}. */
export interface ParseManifestOptions {
  /** Profile names that exist; when given, `profile` must be one of them. */
  knownProfiles?: readonly string[];
}

/**
 * Reads and validates a manifest, checking its `profile` against the profile
 * files. A file over `MANIFEST_BOUNDS.fileBytes` (1 MiB) is refused before it
 * is parsed; one that is not UTF-8 text, with the position of the first bad
 * byte.
 *
 * @param path The manifest file; diagnostics name it as given.
 * @throws {ManifestError} With every problem found, or when the file cannot be read.
 */
export async function loadManifest(
  path: string,
  options: LoadManifestOptions = {},
): Promise<Manifest> {
  const { profilesDir = join(dirname(path), "profiles"), readFile } = options;
  let read;
  try {
    read = await readYamlText(path, path, {
      maxBytes: MANIFEST_BOUNDS.fileBytes,
      what: "a manifest",
      readFile,
    });
  } catch (error) {
    if (error instanceof ManifestError) throw error;
    throw new ManifestError([], {
      message: `Cannot read manifest "${path}": ${readFailure(error)}`,
      cause: error,
    });
  }
  if (read.kind === "too-large") {
    throw new ManifestError([], { message: `Cannot read manifest "${path}": ${read.reason}` });
  }
  return parseManifest(read.text, path, { knownProfiles: await listProfiles(profilesDir) });
}

/**
 * Validates manifest text. Pure: reads no files.
 *
 * @param text The YAML source.
 * @param file The name diagnostics carry and `Manifest.file` keeps.
 * @throws {ManifestError} With every problem found, in file order.
 *
 * @example Report every problem of a manifest at once
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseManifest } from "./load.ts";
 *
 * const manifest = parseManifest(
 *   "source: { url: https://example.org/api }\n" +
 *     "volumes:\n" +
 *     "  - { id: bofm, title: Book of Mormon, books: [{ id: 1-ne, title: 1 Nephi, chapters: 22 }] }\n",
 *   "import.yaml",
 * );
 * assert.equal(manifest.volumes[0].books[0].chapters, 22);
 * assert.equal(manifest.retry.baseDelayMs, 500);
 *
 * assert.throws(
 *   () => parseManifest("source: { url: http://example.org }\nvolumes: []\n", "import.yaml"),
 *   {
 *     name: "ManifestError",
 *     message: 'import.yaml:1:16: source.url: expected an https URL (http only for localhost, ' +
 *       '127.0.0.0/8 or [::1]), got "http://example.org"\n' +
 *       "import.yaml:2:10: volumes: expected at least one volume",
 *   },
 * );
 * ```
 */
export function parseManifest(
  text: string,
  file: string,
  options: ParseManifestOptions = {},
): Manifest {
  const check = (raw: unknown, lineOf: LineOf) => checkManifest(raw, lineOf, options);
  const data = validateYaml(text, file, { schema: manifestSchema, check });
  return _toManifest(data, file);
}

function _toManifest(data: ManifestData, file: string): Manifest {
  const { source, retry } = data;
  return {
    file,
    source: {
      url: source.url,
      lang: source.langs?.[0] ?? source.lang,
      langs: source.langs ?? [source.lang],
      userAgent: source.userAgent,
      timeoutMs: source.timeout,
      maxBodyBytes: source.maxBodyBytes,
    },
    output: {
      dir: data.output.dir,
      ...(data.output.compress === undefined ? {} : { compress: data.output.compress }),
    },
    retry: {
      maxRetries: retry.maxRetries,
      baseDelayMs: retry.baseDelay,
      maxDelayMs: retry.maxDelay,
      multiplier: retry.multiplier,
      jitter: retry.jitter,
      maxRetryAfterMs: retry.maxRetryAfter,
      retryOn: retry.retryOn,
    },
    profile: data.profile,
    volumes: data.volumes.map((volume) => ({
      id: volume.id,
      title: volume.title,
      books: volume.books.map(({ id, title, abbrev, chapters, verses }) => ({
        id,
        title,
        ...(abbrev === undefined ? {} : { abbrev }),
        chapters,
        ...(verses === undefined ? {} : { verses }),
      })),
    })),
  };
}
