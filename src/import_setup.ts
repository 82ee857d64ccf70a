/**
 * The checks an import makes before it writes anything (the lock included):
 * an output directory and a progress log path it can use. Each returns the
 * problem as one line, or `undefined`.
 *
 * @module
 */

import { dirname, join, resolve } from "node:path";
import { rootManifestPath } from "./output/paths.ts";
import { progressLogProblem } from "./progress/log.ts";

/** What {@linkcode outDirProblem} checks a folder against. */
export interface OutDirLayout {
  /** The run's languages, in order. */
  readonly langs: readonly string[];
  /** The volume ids of import.yaml: their folders at the top mark a one-language layout. */
  readonly volumes: readonly string[];
}

/**
 * Why `outDir` cannot take this import: not a directory (or under a file);
 * or it holds an import in another language (its files would be overwritten
 * one by one); or its layout is not the run's. A run of one language keeps
 * the layout it always had (`<out>/<volume>/...`) and is refused a folder of
 * several languages; a run of several (`<out>/<lang>/<volume>/...`) is
 * refused a folder laid out for one, with how to lay it out anew: nothing is
 * ever moved silently. A directory that does not exist yet is fine.
 */
export async function outDirProblem(
  outDir: string,
  layout: OutDirLayout,
): Promise<string | undefined> {
  const { langs } = layout;
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(outDir);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    return `Cannot import into "${outDir}": ${await _statProblem(outDir, error)}`;
  }
  if (!info.isDirectory) return `Cannot import into "${outDir}": it is not a directory`;
  const root = await _rootOf(outDir);
  if (langs.length === 1) {
    const [lang] = langs;
    if (root?.layout === "languages") {
      return `Cannot import "${lang}" into "${outDir}": it holds several languages, each in ` +
        `its folder (${join(outDir, "<lang>")}); import it with --lang and the other ` +
        `languages (e.g. --lang ${[lang, ...(root.langs.filter((l) => l !== lang))].join(",")}), ` +
        `or alone into its own folder (--out ${join(outDir, lang)})`;
    }
    return _heldProblem(outDir, lang, root);
  }
  const held = root?.layout === "one" ? root.lang : await _oneLanguageLayout(outDir, layout);
  if (held !== undefined) {
    const into = join(outDir, held ?? "<lang>");
    return `Cannot import ${langs.join(",")} into "${outDir}": it is laid out for one language` +
      `${held === "" ? "" : ` ("${held}")`} (${join(outDir, "<volume>")}), and a run of ` +
      `several languages puts each in ${join(outDir, "<lang>")}. Nothing was moved. Lay it ` +
      `out anew: move everything in it into ${held === "" ? join(outDir, "<lang>") : into} ` +
      `(manifest.json, .import and the volume folders; a language's folder is laid out as a ` +
      `one-language folder, so it resumes there), or choose another --out`;
  }
  for (const lang of langs) {
    const dir = join(outDir, lang);
    const problem = _heldProblem(dir, lang, await _rootOf(dir));
    if (problem !== undefined) return problem;
  }
  return undefined;
}

type _Root =
  | { readonly layout: "one"; readonly lang: string }
  | { readonly layout: "languages"; readonly langs: readonly string[] };

/** What `<dir>/manifest.json` says of its layout, or undefined when there is none readable. */
async function _rootOf(dir: string): Promise<_Root | undefined> {
  let root: { layout?: unknown; source?: { lang?: unknown; langs?: unknown } };
  try {
    root = JSON.parse(await Deno.readTextFile(rootManifestPath(dir)));
  } catch {
    return undefined; // No readable root manifest: nothing imported there yet.
  }
  if (root?.layout === "languages") {
    const langs = Array.isArray(root.source?.langs) ? root.source.langs.map(String) : [];
    return { layout: "languages", langs };
  }
  const lang = root?.source?.lang;
  return typeof lang === "string" ? { layout: "one", lang } : undefined;
}

function _heldProblem(dir: string, lang: string, root: _Root | undefined): string | undefined {
  if (root?.layout === "one" && root.lang !== lang) {
    return `Cannot import "${lang}" into "${dir}": it holds an import in "${root.lang}" ` +
      `(choose another --out for another language)`;
  }
  return undefined;
}

/** `""` when a volume folder of import.yaml sits at the top of `outDir` (a one-language layout without its root manifest). */
async function _oneLanguageLayout(
  outDir: string,
  layout: OutDirLayout,
): Promise<string | undefined> {
  for (const volume of layout.volumes) {
    if (layout.langs.includes(volume)) continue; // a language folder, not a volume
    try {
      if ((await Deno.stat(join(outDir, volume))).isDirectory) return "";
    } catch {
      // Not there: not laid out for one language by this volume.
    }
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
