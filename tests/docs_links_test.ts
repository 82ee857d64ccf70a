/**
 * Every relative link of README.md and docs/*.md leads somewhere: the file
 * exists, and a `#fragment` names a heading of it (as GitHub makes anchors).
 */
import assert from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";
import { ROOT } from "./_cli.ts";

/** A link of a Markdown file: its target as written, and its line (from 1). */
export interface MarkdownLink {
  readonly target: string;
  readonly line: number;
}

/** The text outside fenced code blocks and inline code, line by line (code lines left empty). */
function proseLines(markdown: string): string[] {
  let fence: string | undefined;
  return markdown.split("\n").map((line) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence !== undefined) {
      if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length) {
        fence = undefined;
      }
      return "";
    }
    if (marker !== undefined) {
      fence = marker;
      return "";
    }
    return line.replace(/(`+)[\s\S]*?\1/g, "");
  });
}

/** Every inline link and image of a Markdown text, code excluded. */
export function markdownLinks(markdown: string): MarkdownLink[] {
  return proseLines(markdown).flatMap((text, index) =>
    [...text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => ({
      target: m[1],
      line: index + 1,
    }))
  );
}

/** The anchors GitHub gives the headings of a Markdown text, code blocks excluded. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence: string | undefined;
  for (const line of markdown.split("\n")) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence !== undefined) {
      if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length) {
        fence = undefined;
      }
      continue;
    }
    if (marker !== undefined) {
      fence = marker;
      continue;
    }
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const base = heading
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}_\- ]/gu, "")
      .replace(/ /g, "-");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** Reads a file's text, or `undefined` when there is no such file. */
export type ReadText = (path: string) => Promise<string | undefined>;

/** The broken relative links of the Markdown file `file`, each as `file:line: target: why`. */
export async function brokenLinks(
  file: string,
  markdown: string,
  readText: ReadText,
): Promise<string[]> {
  const broken: string[] = [];
  for (const { target, line } of markdownLinks(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
    const hash = target.indexOf("#");
    const path = hash === -1 ? target : target.slice(0, hash);
    const fragment = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
    const where = `${file}:${line}: ${target}`;
    const linked = path === "" ? file : join(dirname(file), decodeURIComponent(path));
    const text = path === "" ? markdown : await readText(linked);
    if (text === undefined) {
      broken.push(`${where}: no file ${linked}`);
    } else if (fragment !== undefined && !headingAnchors(text).has(fragment)) {
      broken.push(`${where}: no heading #${fragment} in ${linked}`);
    }
  }
  return broken;
}

async function readFromDisk(path: string): Promise<string | undefined> {
  try {
    const info = await Deno.stat(resolve(ROOT, path));
    // A folder is a valid target; only Markdown files have headings to check.
    if (info.isDirectory) return "";
    return await Deno.readTextFile(resolve(ROOT, path));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

Deno.test("every relative link of README.md and docs/*.md points to a file and heading that exist", async () => {
  const files = ["README.md"];
  for await (const entry of Deno.readDir(join(ROOT, "docs"))) {
    if (entry.isFile && entry.name.endsWith(".md")) files.push(`docs/${entry.name}`);
  }
  assert.ok(files.length > 5, `only ${files.length} Markdown files found`);
  const broken: string[] = [];
  let links = 0;
  for (const file of files.sort()) {
    const markdown = await Deno.readTextFile(join(ROOT, file));
    links += markdownLinks(markdown).length;
    broken.push(...await brokenLinks(relative(ROOT, join(ROOT, file)), markdown, readFromDisk));
  }
  assert.ok(links > 20, `only ${links} links found`);
  assert.deepEqual(broken, []);
});

Deno.test("a link to a missing file or heading is reported with its line; code is not read", async () => {
  const files: Record<string, string> = {
    "docs/a.md": "# Title\n\n## Exit codes: `0`, `1`\n\n## Exit codes: `0`, `1`\n",
  };
  const readText: ReadText = (path) => Promise.resolve(files[path]);
  const readme = [
    "# Top",
    "[ok](docs/a.md) [ok](docs/a.md#exit-codes-0-1) [again](docs/a.md#exit-codes-0-1-1)",
    "[web](https://example.org/x.md) [self](#top) ![img](docs/a.md)",
    "[gone](docs/b.md) [no heading](docs/a.md#resume)",
    "```md",
    "[in a code block](docs/c.md)",
    "```",
    "`[inline](docs/d.md)` [bad self](#bottom)",
  ].join("\n");
  assert.deepEqual(await brokenLinks("README.md", readme, readText), [
    "README.md:4: docs/b.md: no file docs/b.md",
    "README.md:4: docs/a.md#resume: no heading #resume in docs/a.md",
    "README.md:8: #bottom: no heading #bottom in README.md",
  ]);
  assert.deepEqual(
    await brokenLinks(
      "docs/x.md",
      "[up](../README.md#top) [side](a.md#title)",
      (path) => Promise.resolve(path === "README.md" ? "# Top\n" : files[path]),
    ),
    [],
  );
});
