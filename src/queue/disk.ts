/**
 * The bytes a queue run's chapter files take in the shared output folder,
 * for the summary's "Chapter files on disk" line: measured by the process
 * that enqueues the run (before) and by the watcher at its end (after).
 *
 * @module
 */

import { chapterBytesOnDisk } from "../output/disk_usage.ts";
import { languageDir } from "../output/paths.ts";
import type { Plan } from "../plan/planner.ts";
import type { ChapterNode } from "../plan/types.ts";

/**
 * Bytes of the files of the plan's chapters under `outDir`, every language's
 * folder and every encoding counted; undefined when `outDir` is not a folder
 * here (a watcher on a host that does not mount it).
 */
export async function planChapterBytes(plan: Plan, outDir: string): Promise<number | undefined> {
  try {
    if (!(await Deno.stat(outDir)).isDirectory) return undefined;
  } catch {
    return undefined;
  }
  const chapters = plan.dag.nodes.filter((n): n is ChapterNode => n.kind === "chapter");
  let total = 0;
  for (const lang of plan.langs) {
    const own = chapters.filter((node) => node.lang === lang);
    for (const bytes of (await chapterBytesOnDisk(languageDir(outDir, lang, plan), own)).values()) {
      total += bytes;
    }
  }
  return total;
}
