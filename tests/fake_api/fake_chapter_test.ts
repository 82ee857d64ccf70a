import assert from "node:assert/strict";
import { FakeCanon } from "../../src/fake_api/fake_canon.ts";
import { expectedChapter, fakeChapter } from "../../src/fake_api/fake_chapter.ts";
import { chapterPage, contentsPage } from "../../src/fake_api/fake_page.ts";
import { loadManifest } from "../../src/manifest/load.ts";
import { parseChapter } from "../../src/source/parse_chapter.ts";
import type { Chapter } from "../../src/source/types.ts";
import { SMALL_CANON } from "./_canon.ts";

const canon = new FakeCanon(SMALL_CANON, { seed: 1 });

function serve(uri: string, lang = "eng") {
  const fake = fakeChapter(canon, uri);
  assert.ok(fake, `${uri} is a chapter`);
  // Through JSON, as a client receives it.
  const page = JSON.parse(JSON.stringify(chapterPage(fake, lang)));
  return { fake, page, body: page.content.body as string };
}

function parse(uri: string, page: unknown): Chapter {
  const [, , volume, book, chapter] = uri.split("/");
  return parseChapter(page, {
    uri,
    volume,
    book,
    chapter: Number(chapter),
    lang: "eng",
    url: "http://127.0.0.1/x",
    fetchedAt: "2025-01-01T00:00:00.000Z",
    proseOnly: book === "od",
  });
}

function parsedFields(chapter: Chapter) {
  const { title, number, subtitle, intro, studyIntro, summary, verses, paragraphs } = chapter;
  return { title, number, subtitle, intro, studyIntro, summary, verses, paragraphs };
}

Deno.test("a served chapter is in the real response shape", () => {
  const { page } = serve("/scriptures/ot/gen/3", "spa");
  assert.equal(page.uri, "/scriptures/ot/gen/3");
  assert.equal(page.verified, true);
  assert.equal(page.meta.title, "Genesis 3");
  assert.deepEqual(
    [
      page.meta.pageAttributes["data-uri"],
      page.meta.pageAttributes.lang,
      page.meta.pageAttributes["data-content-type"],
    ],
    ["/scriptures/ot/gen/3", "spa", "chapter"],
  );
  assert.equal(typeof page.content.body, "string");
  assert.ok(page.content.body.startsWith("<header>"));
  const [key, note] = Object.entries(page.content.footnotes)[0] as [string, { marker: string }];
  assert.match(key, /^note\d+_[abc]$/);
  assert.match(note.marker, /^\d+[abc]$/);
});

Deno.test("served Genesis carries the markup traps: empty markers, ¶, small caps, nbsp, page breaks, quotes, dashes", () => {
  const bodies = Array.from({ length: 50 }, (_, i) => serve(`/scriptures/ot/gen/${i + 1}`).body)
    .join("");
  for (
    const trap of [
      '<sup class="marker" data-value="a"></sup>',
      '<span class="para-mark">¶ </span>',
      '<span class="deity-name"><span class="small-caps">Lord</span></span>',
      '<span class="clarity-word">',
      '<span class="translit">',
      "&nbsp;",
      "\u00a0",
      '<span class="page-break" data-page="',
      "&#8217;",
      "&amp;c.",
      "“",
      "—",
      "<section>",
      '<footer class="study-notes">',
    ]
  ) {
    assert.ok(bodies.includes(trap), `served Genesis contains ${JSON.stringify(trap)}`);
  }
});

Deno.test("served psalms are poetry with lines, superscriptions and Selah, and parse to the expected text", () => {
  const bodies: string[] = [];
  let intros = 0;
  for (let n = 1; n <= 150; n++) {
    const uri = `/scriptures/ot/ps/${n}`;
    const { fake, page, body } = serve(uri);
    bodies.push(body);
    if (fake.intro) intros++;
    assert.deepEqual(parsedFields(parse(uri, page)), expectedChapter(fake), uri);
  }
  const all = bodies.join("");
  assert.ok(all.includes('class="verse contains-line"'));
  assert.ok(all.includes('</span><span class="line">'), "lines back to back, no space between");
  assert.ok(all.includes("<br/>"));
  assert.ok(all.includes('<span class="selah">Selah</span>.'));
  assert.ok(intros > 50 && intros < 150, `${intros} psalms with a superscription`);
  assert.ok(all.includes('<p class="intro"'));
});

Deno.test("served Joseph Smith—History 1 has 75 verses then closing paragraphs p76..p82", () => {
  const uri = "/scriptures/pgp/js-h/1";
  const { fake, page } = serve(uri);
  const chapter = parse(uri, page);
  assert.deepEqual(
    chapter.verses.map((v) => v.number),
    Array.from({ length: 75 }, (_, i) => i + 1),
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
  assert.deepEqual(parsedFields(chapter), expectedChapter(fake));
});

Deno.test("served Articles of Faith 1 has 13 verses, a signature and no summary", () => {
  const uri = "/scriptures/pgp/a-of-f/1";
  const { fake, page, body } = serve(uri);
  const chapter = parse(uri, page);
  assert.equal(chapter.verses.length, 13);
  assert.deepEqual(chapter.paragraphs.map((p) => p.id), ["signature1"]);
  assert.match(chapter.paragraphs[0].text, /^\w+ \w+\.$/);
  assert.equal(chapter.summary, null);
  assert.ok(!body.includes("study-summary"));
  assert.deepEqual(parsedFields(chapter), expectedChapter(fake));
});

Deno.test("served Official Declarations are prose paragraphs without a verse number, closing with an office without id", () => {
  for (const uri of ["/scriptures/dc-testament/od/1", "/scriptures/dc-testament/od/2"]) {
    const { fake, page, body } = serve(uri);
    assert.ok(!body.includes("verse-number"), `${uri} has no verse number`);
    assert.ok(!body.includes('class="verse'), `${uri} has no verse`);
    assert.match(
      body,
      /<div class="closing-block"><p class="signature" data-aid="\d+" id="signature1">[^<]+<\/p>\n<p class="office" data-aid="\d+"><em>/,
    );
    const chapter = parse(uri, page);
    assert.deepEqual(chapter.verses, []);
    assert.ok(chapter.paragraphs.length >= 6, `${uri}: ${chapter.paragraphs.length} paragraphs`);
    assert.equal(chapter.title, `Official Declaration ${uri.at(-1)}`);
    const prose = chapter.paragraphs.length - 2;
    assert.deepEqual(chapter.paragraphs.map((p) => p.id), [
      ...Array.from({ length: prose }, (_, i) => `p${i + 1}`),
      "signature1",
      null,
    ]);
    assert.deepEqual(chapter.paragraphs.at(-1), {
      id: null,
      text: "President of The Church of Jesus Christ of Latter-day Saints.",
    });
    assert.match(
      chapter.studyIntro ?? "",
      /^A declaration issued by President \w+ \w+ in \d{4}\.$/,
    );
    assert.equal(chapter.subtitle, null);
    assert.deepEqual(parsedFields(chapter), expectedChapter(fake));
  }
});

Deno.test("served D&C 116 and 120 have no summary; other sections do", () => {
  for (const n of [116, 120]) {
    const uri = `/scriptures/dc-testament/dc/${n}`;
    const { page, body } = serve(uri);
    assert.ok(!body.includes("study-summary"), `${uri} has no summary`);
    assert.ok(body.includes('class="study-intro"'));
    assert.equal(parse(uri, page).summary, null);
  }
  const { page } = serve("/scriptures/dc-testament/dc/121");
  assert.notEqual(parse("/scriptures/dc-testament/dc/121", page).summary, null);
});

Deno.test("served D&C sections carry a study intro with an entity and a non-breaking space, read as plain text", () => {
  for (const n of [1, 76, 116, 138]) {
    const uri = `/scriptures/dc-testament/dc/${n}`;
    const { fake, page, body } = serve(uri);
    assert.match(
      body,
      /<p class="study-intro" data-aid="\d+" id="study_intro1">Revelation given through Joseph Smith&#160;the Prophet, at \w+ \w+&#8217;s Ferry, /,
    );
    const chapter = parse(uri, page);
    assert.match(
      chapter.studyIntro ?? "",
      /^Revelation given through Joseph Smith the Prophet, at \w+ \w+’s Ferry, [A-Z][a-z]+ \d{1,2}, 18\d\d\.$/,
    );
    assert.equal(chapter.intro, null, "a study intro is not the original intro");
    assert.deepEqual(parsedFields(chapter), expectedChapter(fake));
  }
  for (const uri of ["/scriptures/ot/gen/1", "/scriptures/ot/ps/23", "/scriptures/pgp/moses/1"]) {
    const { page, body } = serve(uri);
    assert.ok(!body.includes("study-intro"), `${uri} has no study intro`);
    assert.equal(parse(uri, page).studyIntro, null);
  }
});

Deno.test("served Joseph Smith—History and Articles of Faith carry their book's subtitle; others none", () => {
  const cases: [uri: string, subtitle: string | null][] = [
    ["/scriptures/pgp/js-h/1", "Extracts from the History of Joseph Smith, the Prophet"],
    ["/scriptures/pgp/a-of-f/1", "of The Church of Jesus Christ of Latter-day Saints"],
    ["/scriptures/pgp/moses/1", null],
    ["/scriptures/ot/gen/1", null],
    ["/scriptures/dc-testament/dc/1", null],
  ];
  for (const [uri, subtitle] of cases) {
    const { fake, page, body } = serve(uri);
    assert.equal(body.includes('<p class="subtitle"'), subtitle !== null, uri);
    const chapter = parse(uri, page);
    assert.equal(chapter.subtitle, subtitle, uri);
    assert.deepEqual(parsedFields(chapter), expectedChapter(fake), uri);
  }
});

Deno.test("a served chapter is the same for the same seed and differs for another", () => {
  const uri = "/scriptures/ot/gen/12";
  const again = new FakeCanon(SMALL_CANON, { seed: 1 });
  const other = new FakeCanon(SMALL_CANON, { seed: 2 });
  assert.deepEqual(chapterPage(fakeChapter(again, uri)!, "eng"), serve(uri).page);
  assert.notDeepEqual(chapterPage(fakeChapter(other, uri)!, "eng"), serve(uri).page);
});

Deno.test("contents pages name the nearest book, volume or root, never the URI asked for", () => {
  const cases: [asked: string, answered: string][] = [
    ["/scriptures/dc-testament/dc/139", "/scriptures/dc-testament/dc"],
    ["/scriptures/dc-testament/xyz/1", "/scriptures/dc-testament"],
    ["/scriptures/nt/matt/1", "/scriptures"],
    ["", "/scriptures"],
  ];
  for (const [asked, answered] of cases) {
    const page = contentsPage(canon, asked, "eng");
    assert.equal(page.meta.pageAttributes["data-uri"], answered, asked);
    assert.equal(page.uri, answered);
    assert.equal(page.meta.pageAttributes["data-content-type"], "table-of-contents");
    assert.ok(!page.content.body.includes('class="verse'));
  }
});

Deno.test("every chapter of import.yaml's canon parses to exactly what the fake API invented", async () => {
  const { volumes } = await loadManifest(new URL("../../import.yaml", import.meta.url).pathname);
  const full = new FakeCanon(volumes, { seed: 11 });
  let chapters = 0;
  let verses = 0;
  for (const volume of volumes) {
    for (const book of volume.books) {
      for (let n = 1; n <= book.chapters; n++) {
        const uri = `/scriptures/${volume.id}/${book.id}/${n}`;
        const fake = fakeChapter(full, uri)!;
        const chapter = parse(uri, JSON.parse(JSON.stringify(chapterPage(fake, "eng"))));
        assert.deepEqual(parsedFields(chapter), expectedChapter(fake), uri);
        assert.equal(chapter.verses.length, full.verseCount(volume.id, book.id, n));
        chapters++;
        verses += chapter.verses.length;
      }
    }
  }
  const expectedVerses = volumes.flatMap((v) => v.books).reduce((n, b) => n + (b.verses ?? 0), 0);
  assert.equal(chapters, volumes.flatMap((v) => v.books).reduce((n, b) => n + b.chapters, 0));
  assert.equal(verses, expectedVerses);
});
