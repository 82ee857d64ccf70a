/**
 * The checks an import makes before it writes anything (the lock included):
 * an output directory and a progress log path it can use. Each returns the
 * problem as one line, or `undefined`.
 *
 * @module
 */

import { dirname, resolve } from "node:path";
import { rootManifestPath } from "./output/paths.ts";
import { progressLogProblem } from "./progress/log.ts";

/**
 * Why `outDir` cannot take this import: not a directory (or under a file),
 * or it holds an import in another language (its files would be overwritten
 * one by one). A directory that does not exist yet is fine.
 */
export async function outDirProblem(outDir: string, lang: string): Promise<string | undefined> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(outDir);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    return `Cannot import into "${outDir}": ${await _statProblem(outDir, error)}`;
  }
  if (!info.isDirectory) return `Cannot import into "${outDir}": it is not a directory`;
  let root: { source?: { lang?: unknown } };
  try {
    root = JSON.parse(await Deno.readTextFile(rootManifestPath(outDir)));
  } catch {
    return undefined; // No readable root manifest: nothing imported there yet.
  }
  const held = root.source?.lang;
  if (typeof held === "string" && held !== lang) {
    return `Cannot import "${lang}" into "${outDir}": it holds an import in "${held}" ` +
      `(choose another --out for another language)`;
  }
  return undefined;
}

/**
 * Why the progress log cannot go to `logPath`: a directory, a path under a
 * file, or an existing file that is not a progress log (records appended to
 * a manifest would corrupt it). A file that does not exist yet is fine.
 */
export async function logPathProblem(logPath: string): Promise<string | undefined> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(logPath);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined; // created with its directories
    return `Cannot write progress log "${logPath}": ${await _statProblem(logPath, error)}`;
  }
  if (info.isDirectory) {
    return `Cannot write progress log "${logPath}": it is a directory (--log takes a file path)`;
  }
  const problem = await progressLogProblem(logPath);
  return problem === undefined
    ? undefined
    : `Cannot append to "${logPath}": ${problem} (--log takes a new file or an earlier run's log)`;
}

/** What a failed stat of `path` means, naming the file in the way for ENOTDIR. */
async function _statProblem(path: string, error: unknown): Promise<string> {
  if (!(error instanceof Deno.errors.NotADirectory)) return (error as Error).message;
  for (let at = dirname(resolve(path)); at !== dirname(at); at = dirname(at)) {
    try {
      if (!(await Deno.stat(at)).isDirectory) return `"${at}" is not a directory`;
    } catch {
      // Under the file too, or gone meanwhile: look further up.
    }
  }
  return (error as Error).message;
}
