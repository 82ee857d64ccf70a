import assert from "node:assert/strict";
import { TaskError } from "../../src/exec/types.ts";
import {
  chapterFromMarkup,
  parseChapter,
  type RequestedChapter,
} from "../../src/source/parse_chapter.ts";
import type { Chapter } from "../../src/source/types.ts";
import { countReads, documentOf, element, nested, text } from "./_dom_work.ts";

const FETCHED_AT = "2025-03-01T12:00:00.000Z";

function requestFor(uri: string): RequestedChapter {
  const [, , volume, book, chapter] = uri.split("/");
  return {
    uri,
    volume,
    book,
    chapter: Number(chapter),
    lang: "eng",
    url: `https://example.org/api?lang=eng&uri=${encodeURIComponent(uri)}`,
    fetchedAt: FETCHED_AT,
    // The Official Declarations are the canon's prose-only book.
    proseOnly: book === "od",
  };
}

async function fixture(name: string): Promise<unknown> {
  const text = await Deno.readTextFile(new URL(`../fixtures/${name}`, import.meta.url));
  return JSON.parse(text);
}

async function parseFixture(name: string, uri: string): Promise<Chapter> {
  return parseChapter(await fixture(name), requestFor(uri));
}

/** Verses as `[number, text, paragraphStart]` rows, easier to read in a failure diff. */
function rows(chapter: Chapter): [number, string, boolean][] {
  return chapter.verses.map((v) => [v.number, v.text, v.paragraphStart]);
}

Deno.test("parseChapter keeps annotated words, drops empty footnote markers and reads small-caps Lord as written", async () => {
  const chapter = await parseFixture("ot_gen_2.json", "/scriptures/ot/gen/2");
  assert.deepEqual(rows(chapter), [
    [1, "Thus the heavens and the earth were finished, and all the host of them.", false],
    [
      2,
      "And on the seventh day God ended his work which he had made; and he rested on the seventh day from all his work which he had made.",
      false,
    ],
    [
      3,
      "And God blessed the seventh day, and sanctified it: because that in it he had rested from all his work which God created and made.",
      false,
    ],
    [
      4,
      "These are the generations of the heavens and of the earth when they were created, in the day that the Lord God made the earth and the heavens,",
      true,
    ],
    [
      5,
      "And every plant of the field before it was in the earth, and every herb of the field before it grew: for the Lord God had not caused it to rain upon the earth, and there was not a man to till the ground.",
      false,
    ],
    [
      6,
      "But there went up a mist from the earth, and watered the whole face of the ground.",
      false,
    ],
    [
      7,
      "And the Lord God formed man of the dust of the ground, and breathed into his nostrils the breath of life; and man became a living soul.",
      false,
    ],
  ]);
  assert.deepEqual(chapter.paragraphs, [], "the footer's study-note paragraph is not chapter text");
  assert.equal(chapter.title, "Genesis 2");
  assert.equal(chapter.number, "Chapter 2");
  assert.equal(chapter.intro, null);
  assert.equal(chapter.subtitle, null);
  assert.equal(chapter.studyIntro, null);
  assert.equal(
    chapter.summary,
    "The creation is finished; the seventh day is hallowed; the Lord God forms man of the dust of the ground.",
  );
});

Deno.test("parseChapter records the request: uri, canon position, language and source", async () => {
  const chapter = await parseFixture("ot_gen_2.json", "/scriptures/ot/gen/2");
  assert.equal(chapter.uri, "/scriptures/ot/gen/2");
  assert.equal(chapter.volume, "ot");
  assert.equal(chapter.book, "gen");
  assert.equal(chapter.chapter, 2);
  assert.equal(chapter.lang, "eng");
  assert.deepEqual(chapter.source, {
    url: "https://example.org/api?lang=eng&uri=%2Fscriptures%2Fot%2Fgen%2F2",
    fetchedAt: FETCHED_AT,
  });
});

Deno.test("parseChapter joins poetry lines with one space and keeps the psalm's superscription as intro", async () => {
  const chapter = await parseFixture("ot_ps_3.json", "/scriptures/ot/ps/3");
  assert.deepEqual(rows(chapter), [
    [
      1,
      "Lord, how are they increased that trouble me! many are they that rise up against me.",
      false,
    ],
    [2, "Many there be which say of my soul, There is no help for him in God. Selah.", false],
    [3, "But thou, O Lord, art a shield for me; my glory, and the lifter up of mine head.", false],
    [4, "I cried unto the Lord with my voice, and he heard me out of his holy hill. Selah.", false],
    [5, "I laid me down and slept; I awaked; for the Lord sustained me.", false],
    [
      6,
      "I will not be afraid of ten thousands of people, that have set themselves against me round about.",
      false,
    ],
    [
      7,
      "Arise, O Lord; save me, O my God: for thou hast smitten all mine enemies upon the cheek bone; thou hast broken the teeth of the ungodly.",
      false,
    ],
    [8, "Salvation belongeth unto the Lord: thy blessing is upon thy people. Selah.", false],
  ]);
  assert.equal(chapter.intro, "A Psalm of David, when he fled from Absalom his son.");
  assert.equal(chapter.number, "Psalm 3");
  assert.deepEqual(chapter.paragraphs, []);
});

Deno.test("parseChapter finds verses nested in sections and keeps Joseph Smith—History's closing paragraphs p76..p82", async () => {
  const chapter = await parseFixture("pgp_js-h_1.json", "/scriptures/pgp/js-h/1");
  assert.deepEqual(chapter.verses.map((v) => v.number), [1, 2, 3]);
  assert.equal(
    chapter.verses[0].text,
    "Owing to the many reports which have been put in circulation by evil-disposed and designing persons, in relation to the rise and progress of the Church of Jesus Christ of Latter-day Saints, all of which have been designed by the authors thereof to militate against its character as a Church and its progress in the world—I have been induced to write this history, to disabuse the public mind, and put all inquirers after truth in possession of the facts, as they have transpired, in relation both to myself and the Church, so far as I have such facts in my possession.",
  );
  assert.equal(
    chapter.verses[1].text,
    "In this history I shall present the various events in relation to this Church, in truth and righteousness, as they have transpired, or as they at present exist, being now [1838] the eighth year since the organization of the said Church.",
  );
  assert.equal(
    chapter.verses[2].text,
    "I was born in the year of our Lord one thousand eight hundred and five, on the twenty-third day of December, in the town of Sharon, Windsor county, State of Vermont. . . . My father, Joseph Smith, Sen., left the State of Vermont, and moved to Palmyra, Ontario (now Wayne) county, in the State of New York, when I was in my tenth year, or thereabouts.",
  );
  assert.deepEqual(chapter.paragraphs.map((p) => p.id), [
    "p76",
    "p77",
    "p78",
    "p79",
    "p80",
    "p81",
    "p82",
  ]);
  assert.equal(
    chapter.paragraphs[0].text,
    "Oliver Cowdery describes these events thus: “These were days never to be forgotten—to sit under the sound of a voice dictated by the inspiration of heaven, awakened the utmost gratitude of this bosom! Day after day I continued, uninterrupted, to write from his mouth, as he translated with the Urim and Thummim, or, as the Nephites would have said, ‘Interpreters,’ the history or record called ‘The Book of Mormon.’",
  );
  assert.equal(
    chapter.paragraphs[3].text,
    "“After writing the account given of the Savior’s ministry to the remnant of the seed of Jacob, upon this continent, it was easy to be seen that darkness covered the earth.",
  );
  assert.equal(
    chapter.paragraphs[4].text,
    "“But, amid all this, the Lord’s voice was heard, and we rejoiced.",
  );
  assert.equal(
    chapter.paragraphs[6].text,
    "“The assurance that we were in the presence of an angel, the certainty that we heard the voice of Jesus, and the truth unsullied as it flowed from a pure personage, dictated by the will of God, is to me past description.” (Messenger and Advocate, vol. 1 (October 1834), pp. 14–16.)",
  );
  assert.equal(chapter.title, "Joseph Smith—History 1");
  assert.equal(chapter.subtitle, "Extracts from the History of Joseph Smith, the Prophet");
});

Deno.test("parseChapter reads the Articles of Faith: 13 verses, a signature paragraph, no number, no summary", async () => {
  const chapter = await parseFixture("pgp_a-of-f_1.json", "/scriptures/pgp/a-of-f/1");
  assert.deepEqual(chapter.verses.map((v) => v.number), [
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11,
    12,
    13,
  ]);
  assert.equal(
    chapter.verses[0].text,
    "We believe in God, the Eternal Father, and in His Son, Jesus Christ, and in the Holy Ghost.",
  );
  assert.equal(
    chapter.verses[1].text,
    "We believe that men will be punished for their own sins, and not for Adam’s transgression.",
  );
  assert.equal(
    chapter.verses[12].text,
    "We believe in being honest, true, chaste, benevolent, virtuous, and in doing good to all men; indeed, we may say that we follow the admonition of Paul—We believe all things, we hope all things, we have endured many things, and hope to be able to endure all things. If there is anything virtuous, lovely, or of good report or praiseworthy, we seek after these things.",
  );
  assert.ok(chapter.verses.every((v) => !v.paragraphStart));
  assert.deepEqual(chapter.paragraphs, [{ id: "signature1", text: "Joseph Smith." }]);
  assert.equal(chapter.number, null);
  assert.equal(chapter.summary, null);
  assert.equal(chapter.title, "Articles of Faith 1");
  assert.equal(chapter.subtitle, "of The Church of Jesus Christ of Latter-day Saints");
  assert.equal(chapter.studyIntro, null);
});

Deno.test("parseChapter reads an Official Declaration as prose paragraphs without verses", async () => {
  const chapter = await parseFixture("dc-testament_od_1.json", "/scriptures/dc-testament/od/1");
  assert.deepEqual(chapter.verses, []);
  assert.deepEqual(chapter.paragraphs, [
    { id: "p1", text: "To Whom It May Concern:" },
    {
      id: "p2",
      text:
        "Press dispatches having been sent for political purposes, from Salt Lake City, which have been widely published, to the effect that the Utah Commission, in their recent report to the Secretary of the Interior, allege that plural marriages are still being solemnized and that forty or more such marriages have been contracted in Utah since last June or during the past year, also that in public discourses the leaders of the Church have taught, encouraged and urged the continuance of the practice of polygamy—",
    },
    {
      id: "p3",
      text:
        "I, therefore, as President of The Church of Jesus Christ of Latter-day Saints, do hereby, in the most solemn manner, declare that these charges are false.",
    },
    { id: "signature1", text: "Wilford Woodruff" },
    { id: "office1", text: "President of The Church of Jesus Christ of Latter-day Saints." },
    {
      id: "p4",
      text:
        "The question is this: Which is the wisest course for the Latter-day Saints to pursue — to continue to attempt to practice plural marriage, or to cease the practice?",
    },
  ]);
  assert.equal(chapter.number, "Official Declaration 1");
  assert.equal(chapter.summary, null);
  assert.equal(chapter.studyIntro, "A declaration issued by President Wilford Woodruff in 1890.");
  assert.equal(chapter.subtitle, null);
});

Deno.test("parseChapter reads D&C 116: one verse, a null summary, footer notes left out", async () => {
  const chapter = await parseFixture("dc-testament_dc_116.json", "/scriptures/dc-testament/dc/116");
  assert.deepEqual(rows(chapter), [[
    1,
    "Spring Hill is named by the Lord Adam-ondi-Ahman, because, said he, it is the place where Adam shall come to visit his people, or the Ancient of Days shall sit, as spoken of by Daniel the prophet.",
    false,
  ]]);
  assert.deepEqual(chapter.paragraphs, []);
  assert.equal(chapter.summary, null);
  assert.equal(chapter.intro, null, "a study intro is not the original intro");
  assert.equal(
    chapter.studyIntro,
    "Revelation given to Joseph Smith the Prophet, near Wight’s Ferry, at a place called Spring Hill, Daviess County, Missouri, May 19, 1838.",
  );
  assert.equal(chapter.number, "Section 116");
});

Deno.test("parseChapter turns non-breaking spaces into spaces and drops a marker that holds its letter", async () => {
  const chapter = await parseFixture("bofm_1-ne_3.json", "/scriptures/bofm/1-ne/3");
  assert.deepEqual(rows(chapter), [
    [
      1,
      "And it came to pass that I, Nephi, returned from speaking with the Lord, to the tent of my father.",
      true,
    ],
    [
      2,
      "And it came to pass that he spake unto me, saying: Behold I have dreamed a dream, in the which the Lord hath commanded me that thou and thy brethren shall return to Jerusalem.",
      false,
    ],
    [
      3,
      "For behold, Laban hath the record of the Jews and also a genealogy of my forefathers, and they are engraven upon plates of brass.",
      false,
    ],
    [
      4,
      "Wherefore, the Lord hath commanded me that thou and thy brothers should go unto the house of Laban, and seek the records, and bring them down hither into the wilderness.",
      false,
    ],
    [
      5,
      "And now, behold thy brothers murmur, saying it is a hard thing which I have required of them; but behold I have not required it of them, but it is a commandment of the Lord.",
      false,
    ],
    [
      6,
      "Therefore go, my son, and thou shalt be favored of the Lord, because thou hast not murmured.",
      false,
    ],
    [
      7,
      "And it came to pass that I, Nephi, said unto my father: I will go and do the things which the Lord hath commanded, for I know that the Lord giveth no commandments unto the children of men, save he shall prepare a way for them that they may accomplish the thing which he commandeth them.",
      false,
    ],
  ]);
  assert.equal(
    chapter.summary,
    "Lehi’s sons return to Jerusalem to obtain the plates of brass — Laban refuses to give the plates up.",
  );
  assert.deepEqual(
    chapter.paragraphs,
    [],
    "subtitle and header paragraphs are not body paragraphs",
  );
  assert.equal(chapter.subtitle, "His Reign and Ministry");
  assert.equal(chapter.title, "1 Nephi 3", "meta.title, not the book title");
});

Deno.test("parseChapter refuses a table of contents answered for a chapter, permanently", async () => {
  const json = await fixture("contents_dc-testament.json");
  assert.throws(
    () => parseChapter(json, requestFor("/scriptures/dc-testament/dc/1")),
    (error: unknown) =>
      error instanceof TaskError && !error.retryable &&
      error.message ===
        'Cannot import chapter "/scriptures/dc-testament/dc/1": the server answered with another page: ' +
          "/scriptures/dc-testament instead of /scriptures/dc-testament/dc/1",
  );
});

Deno.test("parseChapter refuses a page with neither verses nor paragraphs, permanently", async () => {
  const json = await fixture("nt_matt_5_empty.json");
  assert.throws(
    () => parseChapter(json, requestFor("/scriptures/nt/matt/5")),
    (error: unknown) =>
      error instanceof TaskError && !error.retryable && /empty chapter/.test(error.message),
  );
});

/** A response in the real shape around `body`. */
function page(uri: string, body: string, meta: Record<string, unknown> = {}): unknown {
  return {
    meta: { title: "A Title 1", pageAttributes: { "data-uri": uri, lang: "eng" }, ...meta },
    content: { body, footnotes: {} },
    uri,
    verified: true,
  };
}

const URI = "/scriptures/bofm/alma/7";

Deno.test("parseChapter finds verses nested deeper, with extra classes and attributes in any order", () => {
  const chapter = parseChapter(
    page(
      URI,
      '<div class="body-block"><section><div class="wrapper">' +
        '<p id="p1" class="verse verse-first highlight" data-aid="1"><span class="verse-number">1 </span>One.</p>' +
        '</div></section><p data-aid="2" class="verse" id="p2"><span class="verse-number"> 2 </span>Two.</p></div>',
    ),
    requestFor(URI),
  );
  assert.deepEqual(rows(chapter), [[1, "One.", false], [2, "Two.", false]]);
});

Deno.test("parseChapter treats a ¶ written as plain text as a paragraph start", () => {
  const chapter = parseChapter(
    page(
      URI,
      '<p class="verse" id="p1"><span class="verse-number">1 </span>¶&nbsp;Now it came.</p>',
    ),
    requestFor(URI),
  );
  assert.deepEqual(rows(chapter), [[1, "Now it came.", true]]);
});

Deno.test("parseChapter without a body block takes paragraphs with an id from outside the header and notes", () => {
  const chapter = parseChapter(
    page(
      URI,
      '<header><p class="title-number" id="title_number1">Chapter 7</p><p id="x1">In the header.</p></header>' +
        '<p class="verse" id="p1"><span class="verse-number">1 </span>One.</p>' +
        '<p id="p2">After the verses.</p><p>No id.</p><p class="study-intro">Not here.</p>' +
        '<aside class="study-notes"><p id="n1">A note.</p></aside><div class="footnotes"><p id="n2">Another.</p></div>',
    ),
    requestFor(URI),
  );
  // With nothing to say where the text is, an id-less paragraph may be anything.
  assert.deepEqual(chapter.paragraphs, [{ id: "p2", text: "After the verses." }]);
  assert.equal(chapter.studyIntro, "Not here.", "outside any body block, a header class is header");
  assert.equal(chapter.number, "Chapter 7");
});

Deno.test("parseChapter leaves out figures, tables and note containers inside the body block", () => {
  const chapter = parseChapter(
    page(
      URI,
      '<div class="body-block"><p class="verse" id="p1"><span class="verse-number">1 </span>One.</p>' +
        '<figure><img src="f.png"><figcaption><p>Facsimile No. 1</p></figcaption></figure>' +
        "<table><tr><td><p>A cell.</p></td></tr></table>" +
        '<div class="study-note"><p>A note.</p></div><div class="footnote"><p>Another.</p></div>' +
        "<p>Closing words.</p></div>",
    ),
    requestFor(URI),
  );
  assert.deepEqual(chapter.paragraphs, [{ id: null, text: "Closing words." }]);
});

Deno.test("parseChapter reads a header the page wraps inside its body block", () => {
  const chapter = parseChapter(
    page(
      URI,
      '<div class="body-block"><header><p class="title-number">Chapter 3</p>' +
        '<p class="study-summary">Sum.</p></header>' +
        '<p class="verse" id="p1"><span class="verse-number">1 </span>One.</p>' +
        '<p class="study-intro" id="p2">A heading of the text.</p></div>',
    ),
    requestFor(URI),
  );
  assert.equal(chapter.number, "Chapter 3");
  assert.equal(chapter.summary, "Sum.");
  assert.equal(chapter.studyIntro, null, "a header class outside a header, in the block, is text");
  assert.deepEqual(chapter.paragraphs, [{ id: "p2", text: "A heading of the text." }]);
});

Deno.test("parseChapter falls back to the top-level uri and to h1#title1", () => {
  const chapter = parseChapter(
    {
      meta: {},
      content: {
        body: '<header><h1 id="title1">The Book of Alma</h1></header>' +
          '<div class="body-block"><p class="verse" id="p1"><span class="verse-number">1 </span>One.</p></div>',
      },
      uri: URI,
    },
    requestFor(URI),
  );
  assert.equal(chapter.title, "The Book of Alma");
  assert.equal(chapter.number, null);
});

const refusals: [name: string, json: unknown, retryable: boolean, message: RegExp][] = [
  [
    "null",
    null,
    true,
    /^Cannot parse chapter "\/scriptures\/bofm\/alma\/7": missing content\.body$/,
  ],
  ["no content", { meta: {}, uri: URI }, true, /missing content\.body/],
  [
    "a body that is not a string",
    { content: { body: 42 }, uri: URI },
    true,
    /missing content\.body/,
  ],
  [
    "no page URI at all",
    { content: { body: '<p class="verse"><span class="verse-number">1</span>x</p>' } },
    false,
    /another page: \(no URI\) instead of \/scriptures\/bofm\/alma\/7/,
  ],
  [
    "a data-uri that differs from a matching top-level uri",
    {
      meta: { pageAttributes: { "data-uri": "/scriptures/bofm/alma" } },
      content: { body: "" },
      uri: URI,
    },
    false,
    /another page: \/scriptures\/bofm\/alma instead of/,
  ],
  [
    "a verse without a number",
    page(URI, '<div class="body-block"><p class="verse" id="p3">No number.</p></div>'),
    false,
    /verse "p3" has no integer verse number \(found ""\)/,
  ],
  [
    "a verse number that is not an integer",
    page(URI, '<p class="verse" id="p3"><span class="verse-number">3a </span>x</p>'),
    false,
    /verse "p3" has no integer verse number \(found "3a"\)/,
  ],
  [
    "only header paragraphs",
    page(
      URI,
      '<header><p class="study-summary" id="study_summary1">Summary.</p></header><div class="body-block"><p id="p1"> </p></div>',
    ),
    false,
    /empty chapter/,
  ],
];

for (const [name, json, retryable, message] of refusals) {
  Deno.test(`parseChapter refuses ${name}`, () => {
    assert.throws(
      () => parseChapter(json, requestFor(URI)),
      (error: unknown) =>
        error instanceof TaskError && error.retryable === retryable && message.test(error.message),
    );
  });
}

Deno.test("a page URI that differs only in case, encoding, a trailing slash or a query is the same page", () => {
  const body = '<div class="body-block"><p class="verse" id="p1">' +
    '<span class="verse-number">1 </span>Text.</p></div>';
  for (
    const pageUri of [
      "/scriptures/bofm/alma/7/",
      "/Scriptures/BofM/alma/7",
      "%2Fscriptures%2Fbofm%2Falma%2F7",
      "/scriptures/bofm/alma/7?lang=eng",
    ]
  ) {
    const chapter = parseChapter(page(pageUri, body), requestFor(URI));
    assert.equal(chapter.uri, URI, pageUri);
  }
  assert.throws(
    () => parseChapter(page("/scriptures/bofm/alma/70", body), requestFor(URI)),
    /another page: \/scriptures\/bofm\/alma\/70 instead of/,
  );
});

Deno.test("a page of paragraphs without verses is an empty chapter unless its book is prose-only", async () => {
  const json = await fixture("dc-testament_od_1.json");
  const asVerseBook = { ...requestFor("/scriptures/dc-testament/od/1"), proseOnly: false };
  assert.throws(
    () => parseChapter(json, asVerseBook),
    (error: unknown) =>
      error instanceof TaskError && !error.retryable &&
      error.message.endsWith("empty chapter (no verses)"),
  );
});

Deno.test("verse numbers in other scripts and merged ranges are read; falling numbers are refused", () => {
  const verse = (n: string, text: string) =>
    `<p class="verse"><span class="verse-number">${n} </span>${text}</p>`;
  const arabic = parseChapter(
    page(URI, `<div class="body-block">${verse("١", "One.")}${verse("٢–٣", "Two.")}</div>`),
    requestFor(URI),
  );
  assert.deepEqual(rows(arabic), [[1, "One.", false], [2, "Two.", false]]);
  assert.throws(
    () =>
      parseChapter(
        page(URI, `<div class="body-block">${verse("1", "One.")}${verse("1", "Again.")}</div>`),
        requestFor(URI),
      ),
    /verse numbers do not rise: 1 then 1/,
  );
});

Deno.test("a page in another language than the one asked for is refused", () => {
  const body =
    '<div class="body-block"><p class="verse"><span class="verse-number">1 </span>Uno.</p></div>';
  const json = page(URI, body);
  (json as { meta: { pageAttributes: { lang: string } } }).meta.pageAttributes.lang = "spa";
  assert.throws(
    () => parseChapter(json, requestFor(URI)),
    /the server answered in another language: spa instead of eng/,
  );
});

Deno.test("furigana and footnote markers of any tag stay out of the verse text", () => {
  const chapter = parseChapter(
    page(
      URI,
      '<div class="body-block"><p class="verse"><span class="verse-number">1 </span>' +
        '<ruby>主<rp>(</rp><rt>しゅ</rt><rp>)</rp></ruby>は<a class="study-note-ref">言<span class="marker">*</span></a>われた。</p></div>',
    ),
    requestFor(URI),
  );
  assert.deepEqual(rows(chapter), [[1, "主は言われた。", false]]);
});

Deno.test("headings inside the body block are kept as paragraphs", () => {
  const chapter = parseChapter(
    page(
      URI,
      '<header><p class="title-number" id="title_number1">Psalm 119</p></header>' +
        '<div class="body-block"><p class="title" id="title2">ALEPH.</p>' +
        '<p class="verse" id="p1"><span class="verse-number">1 </span>Blessed.</p></div>',
    ),
    requestFor(URI),
  );
  assert.deepEqual(chapter.paragraphs, [{ id: "title2", text: "ALEPH." }]);
  assert.equal(chapter.number, "Psalm 119");
});

/** A verse in the real markup, without an id unless given. */
function verse(n: number, text: string, id = ""): string {
  const idAttribute = id === "" ? "" : ` id="${id}"`;
  return `<p class="verse"${idAttribute}><span class="verse-number">${n} </span>${text}</p>`;
}

const bodyParagraphs: [
  name: string,
  body: string,
  verses: number[],
  paragraphs: { id: string | null; text: string }[],
][] = [
  [
    "a paragraph without an id between verses is kept, in document order",
    '<div class="body-block">' + verse(1, "One.", "p1") + "<p>Between the verses.</p>" +
    verse(2, "Two.", "p2") + '<p id="p3">Closing.</p><p class="signature">Signed.</p></div>',
    [1, 2],
    [
      { id: null, text: "Between the verses." },
      { id: "p3", text: "Closing." },
      { id: null, text: "Signed." },
    ],
  ],
  [
    "a verse without an id or with more classes is a verse, never a paragraph",
    '<div class="body-block">' + verse(1, "One.") +
    '<p class="highlight verse contains-line" data-aid="7"><span class="verse-number">2 </span>Two.</p>' +
    "<p>After.</p></div>",
    [1, 2],
    [{ id: null, text: "After." }],
  ],
  [
    "nested body blocks give each paragraph once",
    '<div class="body-block"><p>Outer.</p><div class="body-block"><p>Inner.</p>' +
    verse(1, "One.") + '</div><p id="p9">After.</p></div>',
    [1],
    [
      { id: null, text: "Outer." },
      { id: null, text: "Inner." },
      { id: "p9", text: "After." },
    ],
  ],
  [
    "two sibling body blocks give their paragraphs in document order",
    '<div class="body-block"><p>First.</p></div><div class="body-block">' + verse(1, "One.") +
    "<p>Second.</p></div>",
    [1],
    [{ id: null, text: "First." }, { id: null, text: "Second." }],
  ],
  [
    "empty paragraphs, with or without an id, are skipped",
    '<div class="body-block">' + verse(1, "One.") +
    '<p> </p><p id="p2">&nbsp;</p><p><span class="page-break" data-page="4"></span></p>' +
    '<p id="">Kept.</p></div>',
    [1],
    [{ id: null, text: "Kept." }],
  ],
  [
    "paragraphs without an id in notes or the header are left out",
    "<header><p>A header line.</p></header>" +
    '<div class="body-block">' + verse(1, "One.") +
    '<aside><p>An aside.</p></aside><div class="study-notes"><p>A note.</p></div>' +
    '<div class="closing-block"><p class="office"><em>Office.</em></p></div></div>' +
    '<footer class="study-notes"><p>A footer note.</p></footer>',
    [1],
    [{ id: null, text: "Office." }],
  ],
];

for (const [name, body, verses, paragraphs] of bodyParagraphs) {
  Deno.test(`parseChapter: ${name}`, () => {
    const chapter = parseChapter(page(URI, body), requestFor(URI));
    assert.deepEqual(chapter.verses.map((v) => v.number), verses);
    assert.deepEqual(chapter.paragraphs, paragraphs);
  });
}

const VERSE_BLOCK = `<div class="body-block">${verse(1, "One.", "p1")}</div>`;

const headerFields: [
  name: string,
  header: string,
  expected: { subtitle: string | null; intro: string | null; studyIntro: string | null },
][] = [
  [
    "no subtitle, intro or study intro: all null",
    '<h1 id="title1">The Book of Alma</h1><p class="title-number" id="title_number1">Chapter 7</p>',
    { subtitle: null, intro: null, studyIntro: null },
  ],
  [
    "a p.subtitle#subtitle1 is the subtitle",
    '<h1 id="title1">The Book of Alma</h1><p class="subtitle" id="subtitle1">The Son of Alma</p>',
    { subtitle: "The Son of Alma", intro: null, studyIntro: null },
  ],
  [
    "a #subtitle1 without the class is the subtitle",
    '<p id="subtitle1">The\n  Son&#160;of Alma</p>',
    { subtitle: "The Son of Alma", intro: null, studyIntro: null },
  ],
  [
    "a p.subtitle without an id is the subtitle",
    '<p class="subtitle">The Son of Alma</p>',
    { subtitle: "The Son of Alma", intro: null, studyIntro: null },
  ],
  [
    "a study intro is kept apart from the intro",
    '<p class="study-intro" id="study_intro1">Revelation given at Kirtland, Ohio, ' +
    'December 1832.<a class="study-note-ref" href="#note0_a"><sup class="marker" data-value="a"></sup></a></p>',
    {
      subtitle: null,
      intro: null,
      studyIntro: "Revelation given at Kirtland, Ohio, December 1832.",
    },
  ],
  [
    "subtitle, intro and study intro together",
    '<p class="subtitle" id="subtitle1">Sub.</p><p class="intro" id="intro1">Intro.</p>' +
    '<p class="study-intro" id="study_intro1">Study&#8217;s intro.</p>',
    { subtitle: "Sub.", intro: "Intro.", studyIntro: "Study’s intro." },
  ],
  [
    "empty subtitle and study intro are null",
    '<p class="subtitle" id="subtitle1"> </p><p class="study-intro" id="study_intro1">&nbsp;</p>',
    { subtitle: null, intro: null, studyIntro: null },
  ],
];

for (const [name, header, expected] of headerFields) {
  Deno.test(`parseChapter header: ${name}`, () => {
    const chapter = parseChapter(
      page(URI, `<header>${header}</header>${VERSE_BLOCK}`),
      requestFor(URI),
    );
    const { subtitle, intro, studyIntro } = chapter;
    assert.deepEqual({ subtitle, intro, studyIntro }, expected);
    assert.deepEqual(chapter.paragraphs, [], "header paragraphs are not body paragraphs");
  });
}

Deno.test("a subtitle or study-intro class inside the body block is a paragraph, not a header field", () => {
  const chapter = parseChapter(
    page(
      URI,
      '<header><p class="study-intro" id="study_intro1">The headnote.</p></header>' +
        '<div class="body-block"><p class="subtitle">A heading of the text.</p>' +
        verse(1, "One.") + '<p class="study-intro">Inside the text.</p></div>',
    ),
    requestFor(URI),
  );
  assert.equal(chapter.subtitle, null);
  assert.equal(chapter.studyIntro, "The headnote.");
  assert.deepEqual(chapter.paragraphs, [
    { id: null, text: "A heading of the text." },
    { id: null, text: "Inside the text." },
  ]);
});

/**
 * A body block of `depth` nested divs, each holding verse `i`, a paragraph
 * and a footnote before the next level: every verse and paragraph has all
 * the levels above it as ancestors.
 */
function comb(depth: number) {
  const level = (i: number) => [
    element("p", { class: "verse", id: `p${i}` }, [
      element("span", { class: "verse-number" }, [text(`${i} `)]),
      text(`verse ${i}`),
      element("sup", { class: "marker" }, [text("a")]),
    ]),
    element("p", { id: `x${i}` }, [text(`paragraph ${i}`)]),
    element("footer", { class: "study-notes" }, [element("p", { id: `n${i}` }, [text("note")])]),
  ];
  return documentOf([element("div", { class: "body-block" }, [nested(depth, [], { level })])]);
}

Deno.test("reading a chapter costs work in proportion to its markup, however deep it nests", () => {
  const work = (depth: number) => {
    const document = comb(depth);
    const counter = countReads(document);
    const chapter = chapterFromMarkup(document, requestFor(URI), "Alma 7");
    assert.equal(chapter.verses.length, depth);
    assert.deepEqual(chapter.verses[depth - 1], {
      number: depth,
      text: `verse ${depth}`,
      paragraphStart: false,
    });
    assert.equal(chapter.paragraphs.length, depth, "the notes' paragraphs are left out");
    return counter.reads;
  };
  const small = work(2_000);
  const large = work(8_000);
  assert.ok(small > 2_000 * 6, `the reads are counted (${small})`);
  // Linear work gives 4x the reads for 4x the nodes; walking the ancestors of
  // every verse (what the parser did) gives 16x.
  assert.ok(large / small < 4.5, `4x the nodes cost ${(large / small).toFixed(1)}x the reads`);
});

Deno.test("parseChapter fails a body of 100,000 nested divs at once, permanently, saying where", () => {
  const body = '<div class="body-block">' + "<div>".repeat(100_000) +
    verse(1, "Deep.", "p1") + "</div>".repeat(100_001);
  assert.throws(
    () => parseChapter(page(URI, body), requestFor(URI)),
    (error: unknown) =>
      error instanceof TaskError && !error.retryable &&
      error.message ===
        `Cannot parse chapter "${URI}": content.body nests elements deeper than 256: ` +
          `a <div> at character ${24 + 255 * 5}`,
  );
});

Deno.test("parseChapter reads a body nested up to the limit", () => {
  // The block, 253 divs, the verse and its number: 256 deep.
  const body = '<div class="body-block">' + "<div>".repeat(253) + verse(1, "Deep.", "p1") +
    "</div>".repeat(254);
  const chapter = parseChapter(page(URI, body), requestFor(URI));
  assert.deepEqual(chapter.verses, [{ number: 1, text: "Deep.", paragraphStart: false }]);
});

Deno.test("a p inside another p (which htmlparser2 builds from <p><span><p>) is text of the outer one", () => {
  const chapter = parseChapter(
    page(
      URI,
      '<div class="body-block"><p class="verse" id="p1"><span class="verse-number">1 </span>' +
        'One <span><p class="verse" id="p2"><span class="verse-number">2 </span>two</p></span>' +
        ' <span><p id="x">three</p></span></p></div>',
    ),
    requestFor(URI),
  );
  assert.deepEqual(chapter.verses, [{ number: 1, text: "One two three", paragraphStart: false }]);
  assert.deepEqual(chapter.paragraphs, []);
});
