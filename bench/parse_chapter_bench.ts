/**
 * The CPU one chapter costs to parse, for a real chapter and for hostile
 * markup: 10,000, 40,000 and 100,000 nested `div`s (refused at depth 257,
 * so each costs what a tiny page costs), and a page nested to the limit with
 * a verse at every level (the deepest accepted shape) beside the same 250
 * verses side by side: depth should cost nothing beyond size.
 *
 *     deno bench --allow-read bench/parse_chapter_bench.ts
 *
 * Compare the rows to `real chapter (1 Nephi 3)` (a 3 KB extract of 7
 * verses) in the same run, and the two 250-verse rows (22 KB each) to each
 * other: timings on a busy machine vary, their ratios much less.
 *
 * @module
 */

import { parseChapter, type RequestedChapter } from "../src/source/parse_chapter.ts";

const URI = "/scriptures/bofm/1-ne/3";
const requested: RequestedChapter = {
  uri: URI,
  volume: "bofm",
  book: "1-ne",
  chapter: 3,
  lang: "eng",
  url: "https://example.org/api",
  fetchedAt: "2025-01-01T00:00:00.000Z",
};
const fixture = JSON.parse(
  await Deno.readTextFile(new URL("../tests/fixtures/bofm_1-ne_3.json", import.meta.url)),
);

/** A page of `body`, its text flattened as JSON.parse gives it. */
function page(body: string): unknown {
  return JSON.parse(JSON.stringify({
    meta: { title: "1 Nephi 3", pageAttributes: { "data-uri": URI } },
    content: { body },
  }));
}

const verse = (n: number) =>
  `<p class="verse" id="p${n}"><span class="verse-number">${n} </span>Verse ${n}.</p>`;

function nestedDivs(depth: number): unknown {
  return page(
    '<div class="body-block">' + "<div>".repeat(depth) + verse(1) + "</div>".repeat(depth + 1),
  );
}

/** 250 nested divs (the block, the divs, a verse and its number: 253 deep), a verse at each. */
function deepestComb(): unknown {
  let inner = "";
  for (let i = 250; i >= 1; i--) inner = `<div>${verse(i)}${inner}</div>`;
  return page(`<div class="body-block">${inner}</div>`);
}

/** The same 250 verses, each in a div of its own, side by side. */
function flatVerses(): unknown {
  let inner = "";
  for (let i = 1; i <= 250; i++) inner += `<div>${verse(i)}</div>`;
  return page(`<div class="body-block">${inner}</div>`);
}

const parse = (json: unknown) => () => {
  try {
    parseChapter(json, requested);
  } catch {
    // The nested pages are refused: what is measured is the cost of saying so.
  }
};

Deno.bench("real chapter (1 Nephi 3)", { group: "parse", baseline: true }, parse(fixture));
Deno.bench("10,000 nested divs", { group: "parse" }, parse(nestedDivs(10_000)));
Deno.bench("40,000 nested divs", { group: "parse" }, parse(nestedDivs(40_000)));
Deno.bench("100,000 nested divs", { group: "parse" }, parse(nestedDivs(100_000)));
Deno.bench(
  "250 levels, a verse at each",
  { group: "250 verses", baseline: true },
  parse(deepestComb()),
);
Deno.bench("250 verses side by side", { group: "250 verses" }, parse(flatVerses()));
