import assert from "node:assert/strict";
import { verifyChapterFile, writeChapter } from "../../src/output/chapter_file.ts";
import type { Chapter } from "../../src/source/types.ts";
import { listFiles, makeChapter, withTempDir } from "./_fixtures.ts";

async function independentSha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

Deno.test("writeChapter writes the chapter as indented JSON and reports its size and checksum", async () => {
  await withTempDir(async (dir) => {
    const chapter = makeChapter("bofm", "1-ne", 3, { verses: 31, paragraphs: 2 });
    const result = await writeChapter(dir, chapter);
    assert.equal(result.path, `${dir}/bofm/1-ne/3.json`);
    const bytes = await Deno.readFile(result.path);
    const text = new TextDecoder().decode(bytes);
    assert.deepEqual(JSON.parse(text), chapter);
    assert.equal(text, JSON.stringify(chapter, null, 2) + "\n");
    assert.equal(result.bytes, bytes.length);
    assert.equal(result.sha256, await independentSha256(bytes));
    assert.equal(result.verses, 31);
    assert.equal(result.paragraphs, 2);
    assert.deepEqual(await listFiles(dir), ["bofm/1-ne/3.json"]);
  });
});

Deno.test("writeChapter writes keys in the order of the Chapter type whatever the object's order", async () => {
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
    const fromShuffled = await writeChapter(`${dir}/a`, shuffled);
    const fromOrdered = await writeChapter(`${dir}/b`, {
      ...chapter,
      subtitle: "A subtitle",
      studyIntro: "A study help.",
    });
    assert.equal(fromShuffled.sha256, fromOrdered.sha256);
    const json = JSON.parse(await Deno.readTextFile(fromShuffled.path));
    assert.deepEqual(Object.keys(json), [
      "uri",
      "volume",
      "book",
      "chapter",
      "lang",
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
    assert.deepEqual(Object.keys(json.verses[0]), ["number", "text", "paragraphStart"]);
    assert.deepEqual(Object.keys(json.paragraphs[0]), ["id", "text"]);
    assert.deepEqual(Object.keys(json.source), ["url", "fetchedAt"]);
  });
});

Deno.test("writeChapter refuses a chapter whose book is not a slug and writes nothing", async () => {
  await withTempDir(async (dir) => {
    const chapter = { ...makeChapter("bofm", "1-ne", 1), book: "../../escape" };
    await assert.rejects(writeChapter(dir, chapter), TypeError);
    assert.deepEqual(await listFiles(dir), []);
  });
});

Deno.test("verifyChapterFile accepts a written chapter, with and without its checksum", async () => {
  await withTempDir(async (dir) => {
    const chapter = makeChapter("pgp", "js-h", 1, { paragraphs: 7 });
    const written = await writeChapter(dir, chapter);
    const expected = {
      ok: true,
      uri: "/scriptures/pgp/js-h/1",
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
    );
    const result = await verifyChapterFile(written.path);
    assert.equal(result.ok, true);
  });
});

Deno.test("verifyChapterFile names the problem of each bad file", async () => {
  await withTempDir(async (dir) => {
    const good = await writeChapter(dir, makeChapter("bofm", "enos", 1));
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
    const written = await writeChapter(dir, makeChapter("nt", "john", 11, { verses: 57 }));
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
    const written = await writeChapter(dir, makeChapter("ot", "gen", 1, { lang: "spa" }));
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
      /its path is not <volume>\/<book>\/<chapter>\.json$/,
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
    const written = await writeChapter(dir, chapter);
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
      bytes: bytes.length,
      sha256,
      verses: 75,
      paragraphs: 7,
      chapter: previous,
    });
  });
});
