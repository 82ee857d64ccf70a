import assert from "node:assert/strict";
import {
  findChapterFile,
  otherEncodingPaths,
  OtherEncodingSweeper,
  removeOtherEncodings,
  verifyChapterFile,
  writeChapter,
} from "../../src/output/chapter_file.ts";
import type { Chapter } from "../../src/source/types.ts";
import type { Book } from "../../src/manifest/types.ts";
import { loadManifest } from "../../src/manifest/load.ts";
import { parseChapterBody } from "../../src/source/parse_chapter.ts";
import { BOOK_LABEL, listFiles, makeChapter, withTempDir } from "./_fixtures.ts";

async function independentSha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

Deno.test("writeChapter writes the chapter as indented JSON and reports its size and checksum", async () => {
  await withTempDir(async (dir) => {
    const chapter = makeChapter("bofm", "1-ne", 3, { verses: 31, paragraphs: 2 });
    const result = await writeChapter(dir, chapter, { book: BOOK_LABEL });
    assert.equal(result.path, `${dir}/bofm/1-ne/3.json`);
    const bytes = await Deno.readFile(result.path);
    const text = new TextDecoder().decode(bytes);
    const { verses, ...rest } = chapter;
    const expected = {
      format: 2,
      ...rest,
      bookTitle: "A Book",
      reference: "Bk. 3",
      verses: verses.map((verse) => ({
        ...verse,
        reference: `Bk. 3:${verse.number}`,
        key: `bofm/1-ne/3/${verse.number}`,
      })),
    };
    assert.deepEqual(JSON.parse(text), expected);
    assert.equal(text, JSON.stringify(JSON.parse(text), null, 2) + "\n");
    assert.equal(result.bytes, bytes.length);
    assert.equal(result.sha256, await independentSha256(bytes));
    assert.equal(result.verses, 31);
    assert.equal(result.paragraphs, 2);
    assert.deepEqual(await listFiles(dir), ["bofm/1-ne/3.json"]);
  });
});

Deno.test("writeChapter writes keys in the order of the chapter file format whatever the object's order", async () => {
  await withTempDir(async (dir) => {
    const chapter = makeChapter("ot", "ps", 117, { verses: 2, paragraphs: 1 });
    const shuffled = {
      source: { fetchedAt: chapter.source.fetchedAt, url: chapter.source.url },
      verses: chapter.verses.map((verse) => ({
        paragraphStart: verse.paragraphStart,
        text: verse.text,
        number: verse.number,
      })),
      paragraphs: chapter.paragraphs.map((paragraph) => ({
        text: paragraph.text,
        id: paragraph.id,
      })),
      summary: chapter.summary,
      studyIntro: "A study help.",
      intro: chapter.intro,
      subtitle: "A subtitle",
      number: chapter.number,
      title: chapter.title,
      lang: chapter.lang,
      chapter: chapter.chapter,
      book: chapter.book,
      volume: chapter.volume,
      uri: chapter.uri,
    } satisfies Chapter;
    const fromShuffled = await writeChapter(`${dir}/a`, shuffled, { book: BOOK_LABEL });
    const fromOrdered = await writeChapter(`${dir}/b`, {
      ...chapter,
      subtitle: "A subtitle",
      studyIntro: "A study help.",
    }, { book: BOOK_LABEL });
    assert.equal(fromShuffled.sha256, fromOrdered.sha256);
    const json = JSON.parse(await Deno.readTextFile(fromShuffled.path));
    assert.deepEqual(Object.keys(json), [
      "format",
      "uri",
      "volume",
      "book",
      "chapter",
      "lang",
      "bookTitle",
      "reference",
      "title",
      "number",
      "subtitle",
      "intro",
      "studyIntro",
      "summary",
      "verses",
      "paragraphs",
      "source",
    ]);
    assert.deepEqual(Object.keys(json.verses[0]), [
      "number",
      "reference",
      "key",
      "text",
      "paragraphStart",
    ]);
    assert.deepEqual(Object.keys(json.paragraphs[0]), ["id", "text"]);
    assert.deepEqual(Object.keys(json.source), ["url", "fetchedAt"]);
  });
});

Deno.test("writeChapter refuses a chapter whose book is not a slug and writes nothing", async () => {
  await withTempDir(async (dir) => {
    const chapter = { ...makeChapter("bofm", "1-ne", 1), book: "../../escape" };
    await assert.rejects(writeChapter(dir, chapter, { book: BOOK_LABEL }), TypeError);
    assert.deepEqual(await listFiles(dir), []);
  });
});

Deno.test("verifyChapterFile accepts a written chapter, with and without its checksum", async () => {
  await withTempDir(async (dir) => {
    const written = await writeChapter(dir, makeChapter("pgp", "js-h", 1, { paragraphs: 7 }), {
      book: BOOK_LABEL,
    });
    // The file's JSON as written: the chapter and what the writer adds (title, references).
    const chapter = JSON.parse(await Deno.readTextFile(written.path));
    const expected = {
      ok: true,
      uri: "/scriptures/pgp/js-h/1",
      compression: "none",
      bytes: written.bytes,
      sha256: written.sha256,
      verses: 3,
      paragraphs: 7,
      chapter,
    };
    assert.deepEqual(await verifyChapterFile(written.path), expected);
    assert.deepEqual(await verifyChapterFile(written.path, written.sha256), expected);
    assert.deepEqual(
      await verifyChapterFile(written.path, written.sha256.toUpperCase()),
      expected,
    );
  });
});

Deno.test("verifyChapterFile accepts a chapter of paragraphs only (an Official Declaration)", async () => {
  await withTempDir(async (dir) => {
    const written = await writeChapter(
      dir,
      makeChapter("dc-testament", "od", 1, { verses: 0, paragraphs: 5 }),
      { book: BOOK_LABEL },
    );
    const result = await verifyChapterFile(written.path);
    assert.equal(result.ok, true);
  });
});

Deno.test("verifyChapterFile names the problem of each bad file", async () => {
  await withTempDir(async (dir) => {
    const good = await writeChapter(dir, makeChapter("bofm", "enos", 1), { book: BOOK_LABEL });
    const goodText = await Deno.readTextFile(good.path);
    const path = `${dir}/bofm/enos/1.json`;
    const rows: [
      name: string,
      content: string | Uint8Array | null,
      problem: string,
      reason: RegExp,
    ][] = [
      ["missing", null, "missing", /: no such file$/],
      ["truncated", goodText.slice(0, goodText.length / 2), "invalid", /: not valid JSON: /],
      ["empty", "", "invalid", /: not valid JSON: /],
      ["not UTF-8", new Uint8Array([0x7b, 0xff, 0x7d]), "invalid", /: not valid JSON: /],
      [
        "corrupted key",
        goodText.replace('"verses"', '"versez"'),
        "invalid",
        /: not a chapter: at "verses": /,
      ],
      [
        "wrong type",
        goodText.replace('"chapter": 1', '"chapter": "1"'),
        "invalid",
        /: not a chapter: at "chapter": /,
      ],
      [
        "a subtitle that is not a string or null",
        goodText.replace('"subtitle": null', '"subtitle": 3'),
        "invalid",
        /: not a chapter: at "subtitle": /,
      ],
      [
        "a study intro that is not a string or null",
        goodText.replace('"studyIntro": null', '"studyIntro": false'),
        "invalid",
        /: not a chapter: at "studyIntro": /,
      ],
      [
        "a paragraph id that is not a string or null",
        JSON.stringify({
          ...makeChapter("bofm", "enos", 1),
          paragraphs: [{ id: 2, text: "Closing." }],
        }),
        "invalid",
        /: not a chapter: at "paragraphs\.0\.id": /,
      ],
      [
        "a paragraph without its id key",
        JSON.stringify({ ...makeChapter("bofm", "enos", 1), paragraphs: [{ text: "Closing." }] }),
        "invalid",
        /: not a chapter: at "paragraphs\.0\.id": /,
      ],
      [
        "another chapter's content",
        goodText.replaceAll("/scriptures/bofm/enos/1", "/scriptures/bofm/enos/2"),
        "invalid",
        /: uri is "\/scriptures\/bofm\/enos\/2", expected "\/scriptures\/bofm\/enos\/1"$/,
      ],
      [
        "no verse and no paragraph",
        JSON.stringify({ ...makeChapter("bofm", "enos", 1), verses: [] }),
        "invalid",
        /: it holds no verse and no paragraph$/,
      ],
    ];
    for (const [name, content, problem, reason] of rows) {
      await Deno.remove(path).catch(() => {});
      if (typeof content === "string") await Deno.writeTextFile(path, content);
      if (content instanceof Uint8Array) await Deno.writeFile(path, content);
      const result = await verifyChapterFile(path);
      assert.equal(result.ok, false, name);
      if (result.ok) continue;
      assert.equal(result.problem, problem, name);
      assert.ok(result.reason.startsWith(`Cannot verify chapter file "${path}": `), name);
      assert.match(result.reason, reason, name);
    }
  });
});

Deno.test("verifyChapterFile hands back the file's JSON as verified, keys newer than the schema kept", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/bofm/enos/1.json`;
    await Deno.mkdir(`${dir}/bofm/enos`, { recursive: true });
    const file = { ...makeChapter("bofm", "enos", 1, { verses: 2 }), bookTitle: "Enos" };
    await Deno.writeTextFile(path, JSON.stringify(file));
    const verified = await verifyChapterFile(path);
    assert.equal(verified.ok, true);
    assert.deepEqual(verified.ok && verified.chapter, file);
  });
});

Deno.test("verifyChapterFile detects a valid chapter whose bytes do not match the checksum", async () => {
  await withTempDir(async (dir) => {
    const written = await writeChapter(dir, makeChapter("nt", "john", 11, { verses: 57 }), {
      book: BOOK_LABEL,
    });
    // One letter changed: still a valid chapter, but not the file that was written.
    const text = await Deno.readTextFile(written.path);
    await Deno.writeTextFile(written.path, text.replace("Verse 35", "Verse 3S"));
    assert.equal((await verifyChapterFile(written.path)).ok, true);
    const result = await verifyChapterFile(written.path, written.sha256);
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.problem, "checksum");
    assert.match(
      !result.ok ? result.reason : "",
      new RegExp(`SHA-256 [0-9a-f]{64} does not match the expected ${written.sha256}$`),
    );
    const wrong = await verifyChapterFile(written.path, "0".repeat(64));
    assert.equal(!wrong.ok && wrong.problem, "checksum");
  });
});

Deno.test("verifyChapterFile checks the chapter against an explicit identity and language", async () => {
  await withTempDir(async (dir) => {
    const written = await writeChapter(dir, makeChapter("ot", "gen", 1, { lang: "spa" }), {
      book: BOOK_LABEL,
    });
    const identity = { volume: "ot", book: "gen", chapter: 1 };
    assert.equal(
      (await verifyChapterFile(written.path, undefined, { expected: identity })).ok,
      true,
    );
    const english = await verifyChapterFile(written.path, undefined, {
      expected: { ...identity, lang: "eng" },
    });
    assert.match(!english.ok ? english.reason : "", /: lang is "spa", expected "eng"$/);
    const other = await verifyChapterFile(written.path, undefined, {
      expected: { ...identity, uri: "/scriptures/ot/gen/1?lang=spa" },
    });
    assert.equal(!other.ok && other.problem, "invalid");
  });
});

Deno.test("verifyChapterFile refuses a path that does not name a chapter file", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/chapter.json`, "{}");
    const result = await verifyChapterFile(`${dir}/chapter.json`);
    assert.equal(!result.ok && result.problem, "invalid");
    assert.match(
      !result.ok ? result.reason : "",
      /its path is not <volume>\/<book>\/<chapter>\.json or \.json\.gz$/,
    );
  });
});

Deno.test("writeChapter always writes subtitle, studyIntro and paragraph ids, null when absent", async () => {
  await withTempDir(async (dir) => {
    const chapter: Chapter = {
      ...makeChapter("dc-testament", "od", 1, { verses: 0 }),
      studyIntro: "A declaration issued in 1890.",
      paragraphs: [
        { id: "signature1", text: "Wilford Woodruff" },
        { id: null, text: "President of The Church of Jesus Christ of Latter-day Saints." },
      ],
    };
    const written = await writeChapter(dir, chapter, { book: BOOK_LABEL });
    const text = await Deno.readTextFile(written.path);
    const json = JSON.parse(text);
    assert.equal(json.subtitle, null);
    assert.ok(Object.hasOwn(json, "subtitle"), "a null subtitle is written, not left out");
    assert.equal(json.studyIntro, "A declaration issued in 1890.");
    assert.deepEqual(json.paragraphs, chapter.paragraphs);
    assert.ok(text.includes('"id": null,\n'), "a paragraph without id has an id key of null");
    assert.deepEqual(await verifyChapterFile(written.path, written.sha256), {
      ok: true,
      uri: "/scriptures/dc-testament/od/1",
      compression: "none",
      bytes: written.bytes,
      sha256: written.sha256,
      verses: 0,
      paragraphs: 2,
      chapter: json,
    });
  });
});

Deno.test("verifyChapterFile accepts a chapter file written before subtitle and studyIntro existed", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/pgp/js-h/1.json`;
    await Deno.mkdir(`${dir}/pgp/js-h`, { recursive: true });
    // The previous version's exact key set: no subtitle, no studyIntro.
    const { subtitle: _subtitle, studyIntro: _studyIntro, ...previous } = makeChapter(
      "pgp",
      "js-h",
      1,
      { verses: 75, paragraphs: 7 },
    );
    const text = JSON.stringify(previous, null, 2) + "\n";
    assert.ok(!text.includes("subtitle") && !text.includes("studyIntro"));
    await Deno.writeTextFile(path, text);
    const bytes = new TextEncoder().encode(text);
    const sha256 = await independentSha256(bytes);
    assert.deepEqual(await verifyChapterFile(path, sha256), {
      ok: true,
      uri: "/scriptures/pgp/js-h/1",
      compression: "none",
      bytes: bytes.length,
      sha256,
      verses: 75,
      paragraphs: 7,
      chapter: previous,
    });
  });
});

const SHIPPED = await loadManifest(new URL("../../import.yaml", import.meta.url).pathname);

/** A fixture response parsed as the importer parses it, and its book in the shipped import.yaml. */
async function realChapter(name: string, uri: string): Promise<{ chapter: Chapter; book: Book }> {
  const [, , volume, bookId, number] = uri.split("/");
  const book = SHIPPED.volumes.find((v) => v.id === volume)?.books.find((b) => b.id === bookId);
  assert.ok(book !== undefined, uri);
  const bytes = await Deno.readFile(new URL(`../fixtures/${name}`, import.meta.url));
  const chapter = parseChapterBody(bytes, {
    uri,
    volume,
    book: bookId,
    chapter: Number(number),
    lang: "eng",
    url: `https://example.org/api?uri=${uri}`,
    fetchedAt: "2026-01-01T00:00:00.000Z",
    proseOnly: book.verses === 0,
  });
  return { chapter, book };
}

Deno.test("a real chapter file carries its book's title and the Church's references for every verse", async () => {
  await withTempDir(async (dir) => {
    const rows: [string, string, string, string, string, string][] = [
      // fixture, uri, bookTitle, chapter reference, first verse reference, its key
      [
        "bofm_1-ne_3.json",
        "/scriptures/bofm/1-ne/3",
        "1 Nephi",
        "1 Ne. 3",
        "1 Ne. 3:1",
        "bofm/1-ne/3/1",
      ],
      ["ot_ps_3.json", "/scriptures/ot/ps/3", "Psalms", "Ps. 3", "Ps. 3:1", "ot/ps/3/1"],
      [
        "dc-testament_dc_116.json",
        "/scriptures/dc-testament/dc/116",
        "Sections",
        "D&C 116",
        "D&C 116:1",
        "dc-testament/dc/116/1",
      ],
      [
        "pgp_js-h_1.json",
        "/scriptures/pgp/js-h/1",
        "Joseph Smith—History",
        "JS—H 1",
        "JS—H 1:1",
        "pgp/js-h/1/1",
      ],
      [
        "pgp_a-of-f_1.json",
        "/scriptures/pgp/a-of-f/1",
        "Articles of Faith",
        "A of F 1",
        "A of F 1:1",
        "pgp/a-of-f/1/1",
      ],
    ];
    for (const [name, uri, bookTitle, reference, first, key] of rows) {
      const { chapter, book } = await realChapter(name, uri);
      const written = await writeChapter(dir, chapter, { book });
      const json = JSON.parse(await Deno.readTextFile(written.path));
      assert.deepEqual(
        [json.format, json.bookTitle, json.reference],
        [2, bookTitle, reference],
        name,
      );
      assert.deepEqual([json.verses[0].reference, json.verses[0].key], [first, key], name);
      // Every verse: its own number, in the chapter's reference and key.
      for (const verse of json.verses) {
        assert.equal(verse.reference, `${reference}:${verse.number}`, name);
        assert.equal(verse.key, `${uri.slice("/scriptures/".length)}/${verse.number}`, name);
      }
      assert.equal(json.verses.length, chapter.verses.length, name);
      assert.equal((await verifyChapterFile(written.path, written.sha256)).ok, true, name);
    }
  });
});

Deno.test("1 Nephi 3 verse 7 of the fixture is 1 Ne. 3:7, key bofm/1-ne/3/7", async () => {
  await withTempDir(async (dir) => {
    const { chapter, book } = await realChapter("bofm_1-ne_3.json", "/scriptures/bofm/1-ne/3");
    const written = await writeChapter(dir, chapter, { book });
    const json = JSON.parse(await Deno.readTextFile(written.path));
    // The fixture holds the chapter's first 7 verses.
    assert.equal(json.verses.length, 7);
    const seventh = json.verses[6];
    assert.deepEqual([seventh.number, seventh.reference, seventh.key], [
      7,
      "1 Ne. 3:7",
      "bofm/1-ne/3/7",
    ]);
    assert.match(
      seventh.text,
      /^And it came to pass that I, Nephi, said unto my father: I will go and do/,
    );
  });
});

Deno.test("an Official Declaration has a chapter reference and no verse references", async () => {
  await withTempDir(async (dir) => {
    const { chapter, book } = await realChapter(
      "dc-testament_od_1.json",
      "/scriptures/dc-testament/od/1",
    );
    const written = await writeChapter(dir, chapter, { book });
    const json = JSON.parse(await Deno.readTextFile(written.path));
    assert.deepEqual([json.bookTitle, json.reference, json.verses], [
      "Official Declarations",
      "OD 1",
      [],
    ]);
    assert.ok(json.paragraphs.length > 0);
  });
});

Deno.test("a book without an abbreviation is referred to by its title", async () => {
  await withTempDir(async (dir) => {
    const chapter = makeChapter("bofm", "enos", 1, { verses: 2 });
    const written = await writeChapter(dir, chapter, { book: { title: "Enos" } });
    const json = JSON.parse(await Deno.readTextFile(written.path));
    assert.deepEqual(json.verses.map((verse: { reference: string }) => verse.reference), [
      "Enos 1:1",
      "Enos 1:2",
    ]);
  });
});

Deno.test("verifyChapterFile accepts a real chapter as the previous format wrote it (format 1, no references)", async () => {
  await withTempDir(async (dir) => {
    const { chapter } = await realChapter("bofm_1-ne_3.json", "/scriptures/bofm/1-ne/3");
    // Format 1 was the Chapter itself, in the order of its type, with no format key.
    const text = JSON.stringify(chapter, null, 2) + "\n";
    assert.ok(!text.includes('"format"') && !text.includes('"reference"'));
    const path = `${dir}/bofm/1-ne/3.json`;
    await Deno.mkdir(`${dir}/bofm/1-ne`, { recursive: true });
    await Deno.writeTextFile(path, text);
    const sha256 = await independentSha256(new TextEncoder().encode(text));
    const check = await verifyChapterFile(path, sha256);
    assert.deepEqual(check.ok && [check.verses, check.paragraphs], [7, 0]);
  });
});

Deno.test("verifyChapterFile refuses a format-2 file whose references do not name its verses, or an unknown format", async () => {
  await withTempDir(async (dir) => {
    const written = await writeChapter(dir, makeChapter("bofm", "enos", 1, { verses: 3 }), {
      book: { title: "Enos", abbrev: "Enos" },
    });
    const good = JSON.parse(await Deno.readTextFile(written.path));
    const edits: [string, (json: Record<string, unknown> & typeof good) => void, string][] = [
      [
        "a wrong key",
        (json) => (json.verses[1].key = "bofm/enos/1/3"),
        'verses.1.key is "bofm/enos/1/3", expected "bofm/enos/1/2"',
      ],
      [
        "a missing reference",
        (json) => delete json.verses[2].reference,
        'verses.2.reference is undefined, expected "Enos 1:3"',
      ],
      ["no bookTitle", (json) => delete json.bookTitle, 'format 2 lacks "bookTitle"'],
      [
        "format 3",
        (json) => (json.format = 3),
        "format 3 is not one this importer reads (1, or 2)",
      ],
    ];
    for (const [what, edit, reason] of edits) {
      const json = structuredClone(good);
      edit(json);
      await Deno.writeTextFile(written.path, JSON.stringify(json, null, 2) + "\n");
      const check = await verifyChapterFile(written.path);
      assert.equal(check.ok, false, what);
      assert.ok(
        !check.ok && check.problem === "invalid" && check.reason.endsWith(reason),
        `${what}: ${!check.ok && check.reason}`,
      );
    }
  });
});

Deno.test("a gzipped chapter file verifies over its stored bytes, and a torn one fails as not whole gzip", async () => {
  await withTempDir(async (dir) => {
    const chapter = makeChapter("pgp", "js-h", 1);
    const packed = await writeChapter(dir, chapter, { book: BOOK_LABEL, compression: "gzip" });
    const plain = await writeChapter(dir, chapter, { book: BOOK_LABEL });
    assert.equal(packed.path, `${dir}/pgp/js-h/1.json.gz`);
    assert.equal(packed.compression, "gzip");
    assert.ok(packed.bytes < plain.bytes);
    const check = await verifyChapterFile(packed.path, packed.sha256);
    assert.ok(check.ok && check.compression === "gzip" && check.bytes === packed.bytes);
    assert.equal((await verifyChapterFile(packed.path, plain.sha256)).ok, false);
    const stored = await Deno.readFile(packed.path);
    await Deno.writeFile(packed.path, stored.subarray(0, stored.length - 3));
    const torn = await verifyChapterFile(packed.path);
    assert.equal(!torn.ok && torn.problem, "invalid");
    assert.match(!torn.ok ? torn.reason : "", /not a whole gzip file/);
  });
});

Deno.test("findChapterFile takes the file that verifies, preferred compression first, else names the first failure", async () => {
  await withTempDir(async (dir) => {
    const chapter = makeChapter("pgp", "js-h", 1);
    const expected = { volume: "pgp", book: "js-h", chapter: 1 };
    const missing = await findChapterFile(dir, { expected, prefer: "gzip" });
    assert.ok(!missing.ok && missing.problem === "missing");
    assert.equal(missing.path, `${dir}/pgp/js-h/1.json.gz`);

    const plain = await writeChapter(dir, chapter, { book: BOOK_LABEL });
    const packed = await writeChapter(dir, chapter, { book: BOOK_LABEL, compression: "gzip" });
    const preferred = await findChapterFile(dir, { expected, prefer: "gzip" });
    assert.ok(preferred.ok && preferred.path === packed.path);
    // The recorded checksum picks the file, whichever is preferred.
    const recorded = await findChapterFile(dir, {
      expected,
      prefer: "gzip",
      expectedSha256: plain.sha256,
    });
    assert.ok(recorded.ok && recorded.path === plain.path && recorded.compression === "none");

    await Deno.remove(plain.path);
    await Deno.writeTextFile(packed.path, "not gzip");
    const invalid = await findChapterFile(dir, { expected });
    assert.ok(!invalid.ok && invalid.problem === "invalid", "the file there, not the one missing");
    assert.equal(invalid.path, packed.path);
  });
});

Deno.test("removeOtherEncodings leaves one file per chapter: the one named", async () => {
  await withTempDir(async (dir) => {
    const chapter = makeChapter("pgp", "js-h", 1);
    const plain = await writeChapter(dir, chapter, { book: BOOK_LABEL });
    const packed = await writeChapter(dir, chapter, { book: BOOK_LABEL, compression: "gzip" });
    assert.deepEqual(otherEncodingPaths(packed.path), [plain.path]);
    assert.throws(() => otherEncodingPaths(`${dir}/pgp/js-h/manifest.json`), TypeError);
    assert.deepEqual(removeOtherEncodings(packed.path), [plain.path]);
    assert.deepEqual(removeOtherEncodings(packed.path), [], "nothing left to remove");
    assert.deepEqual(await listFiles(dir), ["pgp/js-h/1.json.gz"]);
  });
});

Deno.test("OtherEncodingSweeper removes what removeOtherEncodings would, listing each folder once", async () => {
  await withTempDir(async (dir) => {
    const plain = [];
    for (let chapter = 1; chapter <= 2; chapter++) {
      plain.push(
        await writeChapter(dir, makeChapter("pgp", "js-h", chapter), { book: BOOK_LABEL }),
      );
    }
    const packed = [];
    for (let chapter = 1; chapter <= 3; chapter++) {
      packed.push(
        await writeChapter(dir, makeChapter("pgp", "js-h", chapter), {
          book: BOOK_LABEL,
          compression: "gzip",
        }),
      );
    }
    const sweeper = new OtherEncodingSweeper();
    assert.deepEqual(sweeper.remove(packed[0].path), [plain[0].path]);
    assert.deepEqual(sweeper.remove(packed[0].path), [], "nothing left to remove");
    assert.deepEqual(sweeper.remove(packed[2].path), [], "3.json never was");
    // Listed at its first file: a file that appears later is not looked for.
    await Deno.writeTextFile(`${dir}/pgp/js-h/3.json`, "{}");
    assert.deepEqual(sweeper.remove(packed[2].path), []);
    assert.deepEqual(sweeper.remove(packed[1].path), [plain[1].path]);
    assert.deepEqual(await listFiles(dir), [
      "pgp/js-h/1.json.gz",
      "pgp/js-h/2.json.gz",
      "pgp/js-h/3.json",
      "pgp/js-h/3.json.gz",
    ]);
    // A folder that cannot be listed: each file's other encodings are asked for.
    assert.deepEqual(new OtherEncodingSweeper().remove(`${dir}/none/x/1.json`), []);
  });
});
