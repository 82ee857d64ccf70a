import assert from "node:assert/strict";
import { parseDocument } from "htmlparser2";
import { TaskError } from "../../src/exec/types.ts";
import { MAX_MARKUP_DEPTH, parseMarkup } from "../../src/source/parse_markup.ts";

function depthOf(html: string): number {
  let deepest = 0;
  const stack: [{ children?: unknown[] }, number][] = [[parseDocument(html), 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    deepest = Math.max(deepest, depth);
    for (const child of (node.children ?? []) as { children?: unknown[]; type: string }[]) {
      if (child.type === "tag") stack.push([child, depth + 1]);
    }
  }
  return deepest;
}

Deno.test("parseMarkup builds the same DOM as parseDocument", () => {
  const html = '<div class="body-block"><p class="verse" id="p1"><span>1 </span>a<br>b</p></div>';
  const ours = parseMarkup(html, { what: "/x" });
  assert.deepEqual(
    JSON.stringify(ours, ["name", "attribs", "children", "data", "class", "id"]),
    JSON.stringify(parseDocument(html), ["name", "attribs", "children", "data", "class", "id"]),
  );
});

Deno.test("parseMarkup accepts nesting up to the limit and refuses one level more, permanently", () => {
  const at = (depth: number) => "<div>".repeat(depth) + "x" + "</div>".repeat(depth);
  assert.equal(depthOf(at(MAX_MARKUP_DEPTH)), MAX_MARKUP_DEPTH);
  parseMarkup(at(MAX_MARKUP_DEPTH), { what: "/x" });
  assert.throws(
    () => parseMarkup(at(MAX_MARKUP_DEPTH + 1), { what: "/scriptures/bofm/1-ne/3" }),
    (error: unknown) =>
      error instanceof TaskError && !error.retryable &&
      error.message ===
        'Cannot parse chapter "/scriptures/bofm/1-ne/3": content.body nests elements deeper ' +
          `than 256: a <div> at character ${256 * 5}`,
  );
  assert.throws(
    () => parseMarkup("<b><i>x</i></b>", { what: "/x", maxDepth: 1 }),
    /<i> at character 3/,
  );
});

Deno.test("parseMarkup stops at the first element too deep, not at the end of 100,000 nested divs", () => {
  const body = '<div class="body-block">' + "<div>".repeat(100_000) + "<p>x</p>" +
    "</div>".repeat(100_001);
  // The error is raised where the 257th element starts: the parser read no further.
  assert.throws(
    () => parseMarkup(body, { what: "/x" }),
    new RegExp(`deeper than 256: a <div> at character ${24 + 255 * 5}$`),
  );
});

Deno.test("the chapters the project knows nest far below the limit", async () => {
  const fixtures = new URL("../fixtures/", import.meta.url);
  for await (const entry of Deno.readDir(fixtures)) {
    if (!entry.name.endsWith(".json")) continue; // the fixtures also hold logs and scripts
    const json = JSON.parse(await Deno.readTextFile(new URL(entry.name, fixtures)));
    const body = json?.content?.body;
    if (typeof body !== "string") continue;
    assert.ok(depthOf(body) <= 16, `${entry.name} nests ${depthOf(body)} deep`);
  }
});
