import assert from "node:assert/strict";
import { parseDocument } from "htmlparser2";
import {
  findElement,
  hasClass,
  normaliseSpace,
  plainText,
  rawText,
} from "../../src/source/html_text.ts";
import { countReads, documentOf, element, nested, text } from "./_dom_work.ts";

const cases: [name: string, html: string, expected: string][] = [
  [
    "a newline before an inline span becomes one space",
    'the\n<span class="deity-name"><span class="small-caps">Lord</span></span> spake',
    "the Lord spake",
  ],
  [
    "an empty footnote marker leaves the annotated word",
    'unto <a class="study-note-ref" href="#note1_a"><sup class="marker" data-value="a"></sup>them</a>, saying',
    "unto them, saying",
  ],
  [
    "a marker that holds its letter is dropped too",
    'unto <a href="#n"><sup class="marker" data-value="b">b</sup>them</a>.',
    "unto them.",
  ],
  [
    "the verse number and the ¶ mark are dropped",
    '<span class="verse-number">12 </span><span class="para-mark">¶ </span>And it came',
    "And it came",
  ],
  [
    "a verse number without its trailing space does not glue to the text",
    '<span class="verse-number">3</span>Behold',
    "Behold",
  ],
  [
    "poetry lines written back to back are joined by one space",
    '<span class="line">I laid me down and slept;</span><span class="line">I awaked.</span>',
    "I laid me down and slept; I awaked.",
  ],
  [
    "lines separated by whitespace get one space, not two",
    '<span class="line">one; </span>\n  <span class="line"> two</span>',
    "one; two",
  ],
  [
    "<br> inside a line separates words",
    '<span class="line">cheek bone;<br/>thou hast</span>',
    "cheek bone; thou hast",
  ],
  [
    "an empty page-break between spaced words leaves one space",
    'hither <span class="page-break" data-page="7"></span> into',
    "hither into",
  ],
  [
    "an empty page-break inside a word joins nothing",
    'wil<span class="page-break" data-page="7"></span>derness',
    "wilderness",
  ],
  [
    "clarity, language, translit and selah spans keep their text",
    '<span class="clarity-word">there was</span> <span class="language" data-lang="he">Jehovah</span>' +
    ' <span class="translit">Maher-shalal-hash-baz</span> <span class="selah">Selah</span>.',
    "there was Jehovah Maher-shalal-hash-baz Selah.",
  ],
  [
    "entities are decoded; curly quotes and dashes are kept",
    "Adam&#8217;s &amp; Eve&rsquo;s &ldquo;word&rdquo;&mdash;now &#8211; then",
    "Adam’s & Eve’s “word”—now – then",
  ],
  [
    "non-breaking, thin and ideographic spaces and tabs become single spaces",
    "I,&nbsp;Nephi,\u00a0\u2009said\tunto\u3000my\u202ffather ",
    "I, Nephi, said unto my father",
  ],
  ["comments and scripts are not text", "a<!-- note --> b<script>var x;</script> c", "a b c"],
];

for (const [name, html, expected] of cases) {
  Deno.test(`plainText: ${name}`, () => {
    assert.equal(plainText(parseDocument(html)), expected);
  });
}

Deno.test("normaliseSpace collapses runs of whitespace and trims", () => {
  assert.equal(normaliseSpace("\n  a \u00a0 b\t\tc  "), "a b c");
  assert.equal(normaliseSpace(" \u00a0 "), "");
});

Deno.test("plainText, rawText and findElement read 100,000 nested elements without recursion", () => {
  const deep = () =>
    documentOf([
      nested(100_000, [element("span", { class: "verse-number" }, [text("7 ")]), text("deep")], {
        name: "span",
        level: (i) => i % 10_000 === 0 ? [text(`${i / 10_000} `)] : [],
      }),
    ]);
  const document = deep();
  assert.equal(plainText(document), "1 2 3 4 5 6 7 8 9 10 deep");
  assert.equal(rawText(document), "1 2 3 4 5 6 7 8 9 10 7 deep");
  assert.equal(rawText(findElement(document, (e) => hasClass(e, "verse-number"))!), "7 ");
  assert.equal(findElement(document, (e) => e.name === "p"), null);
});

Deno.test("plainText costs work in proportion to the markup, however deep it nests", () => {
  const work = (depth: number) => {
    const document = documentOf([
      nested(depth, [text("end")], { name: "span", level: (i) => [text(`${i} `)] }),
    ]);
    const counter = countReads(document);
    assert.equal(plainText(document).length > depth, true);
    return counter.reads;
  };
  const small = work(10_000);
  const large = work(40_000);
  assert.ok(small >= 10_000, `the reads are counted (${small})`);
  assert.ok(large / small < 4.5, `4x the nodes cost ${(large / small).toFixed(1)}x the reads`);
});

Deno.test("hasClass finds a whole class name between any whitespace, never a part of one", () => {
  const classed = (value: string) => element("p", { class: value }, []);
  for (
    const value of ["line", "verse line", "line verse", "a\tline\nb", "  line  ", "x\u00a0line"]
  ) {
    assert.equal(hasClass(classed(value), "line"), true, JSON.stringify(value));
  }
  for (const value of ["", "lines", "xline", "line-x", "inline outline", "verse_line"]) {
    assert.equal(hasClass(classed(value), "line"), false, JSON.stringify(value));
  }
  assert.equal(hasClass(element("p", {}, []), "line"), false);
  assert.equal(hasClass(classed("line lines"), "lines"), true);
  assert.equal(hasClass(classed("xline line"), "line"), true);
});
