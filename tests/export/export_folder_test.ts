import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { CSV_COLUMNS } from "../../src/export/csv.ts";
import type { Passage } from "../../src/export/passage.ts";
import { runMain } from "../_cli.ts";
import { FIXTURE_MANIFEST, type Imported, parseCsv, withImported } from "./_fixture.ts";

type Row = Record<string, unknown>;

async function exportAs(imported: Imported, format: string): Promise<string> {
  const out = join(imported.work, `verses.${format}`);
  const { code, stdout, stderr } = await runMain(["export", imported.dir, "-f", format, "-o", out]);
  assert.equal(code, 0, stderr);
  assert.equal(stderr, "");
  assert.match(stdout, new RegExp(`to "${out}" as ${format}\\n$`));
  return out;
}

async function readNdjson(path: string): Promise<Passage[]> {
  const text = await Deno.readTextFile(path);
  assert.ok(text.endsWith("\n"));
  return text.slice(0, -1).split("\n").map((line) => JSON.parse(line));
}

/** The paragraphs the book manifests count, summed over the fixture's books. */
async function manifestParagraphs(imported: Imported): Promise<number> {
  let paragraphs = 0;
  for (const volume of FIXTURE_MANIFEST.volumes) {
    for (const book of volume.books) {
      const manifest = await imported.book(volume.id, book.id);
      paragraphs += manifest.chapters.reduce((sum, chapter) => sum + chapter.paragraphs, 0);
    }
  }
  return paragraphs;
}

/** `[volume, book, chapter]` of every chapter, in the order the manifests give. */
async function manifestChapterOrder(imported: Imported): Promise<string[]> {
  const order: string[] = [];
  for (const volume of imported.root.volumes) {
    const manifest = JSON.parse(
      await Deno.readTextFile(join(imported.dir, volume.volume, "manifest.json")),
    );
    for (const { book } of manifest.books) {
      for (const chapter of (await imported.book(volume.volume, book)).chapters) {
        order.push(`${volume.volume}/${book}/${chapter.chapter}`);
      }
    }
  }
  return order;
}

const count = (rows: readonly Row[], kind: string) => rows.filter((r) => r.kind === kind).length;

Deno.test("each format holds one row per verse the manifests count and one per paragraph", async () => {
  await withImported(async (imported) => {
    const verses = imported.root.totals.verses;
    const paragraphs = await manifestParagraphs(imported);
    assert.ok(verses > 0 && paragraphs > 0);

    const ndjson = await readNdjson(await exportAs(imported, "ndjson"));
    assert.equal(count(ndjson as unknown as Row[], "verse"), verses);
    assert.equal(count(ndjson as unknown as Row[], "paragraph"), paragraphs);

    const [header, ...records] = parseCsv(await Deno.readTextFile(await exportAs(imported, "csv")));
    assert.deepEqual(header, [...CSV_COLUMNS]);
    assert.equal(records.filter((r) => r[7] === "verse").length, verses);
    assert.equal(records.filter((r) => r[7] === "paragraph").length, paragraphs);

    using db = new DatabaseSync(await exportAs(imported, "sqlite"), { readOnly: true });
    const kinds = db.prepare("SELECT kind, count(*) AS n FROM verses GROUP BY kind ORDER BY kind")
      .all();
    assert.deepEqual(kinds.map((r) => [r.kind, r.n]), [["paragraph", paragraphs], [
      "verse",
      verses,
    ]]);
  });
});

Deno.test("rows come in the manifests' order of volumes, books and chapters, verses before paragraphs", async () => {
  await withImported(async (imported) => {
    const rows = await readNdjson(await exportAs(imported, "ndjson"));
    const chapters = [...new Set(rows.map((r) => `${r.volume}/${r.book}/${r.chapter}`))];
    assert.deepEqual(chapters, await manifestChapterOrder(imported));
    // Within each chapter, positions run 1..n and no verse follows a paragraph.
    for (const chapter of chapters) {
      const own = rows.filter((r) => `${r.volume}/${r.book}/${r.chapter}` === chapter);
      assert.deepEqual(own.map((r) => r.position), own.map((_, i) => i + 1));
      const firstParagraph = own.findIndex((r) => r.kind === "paragraph");
      if (firstParagraph >= 0) {
        assert.ok(own.slice(firstParagraph).every((r) => r.kind !== "verse"));
      }
    }
    // The Official Declarations are paragraphs only, keyed by their block ids.
    const od = rows.filter((r) => r.book === "od");
    assert.ok(od.length > 0 && od.every((r) => r.kind === "paragraph" && r.verse === null));
    assert.match(od[0].key, /^dc-testament\/od\/1\/p1$/);
    assert.equal(od[0].reference, "OD 1 ¶1");
  });
});

Deno.test("a verse's row holds its chapter file's text, key and reference", async () => {
  await withImported(async (imported) => {
    const file = JSON.parse(await Deno.readTextFile(join(imported.dir, "pgp", "moses", "1.json")));
    const rows = await readNdjson(await exportAs(imported, "ndjson"));
    const row = rows.find((r) => r.key === "pgp/moses/1/3");
    assert.deepEqual(row, {
      key: "pgp/moses/1/3",
      reference: "Moses 1:3",
      lang: "eng",
      volume: "pgp",
      book: "moses",
      bookTitle: "Moses",
      chapter: 1,
      kind: "verse",
      verse: 3,
      position: 3,
      paragraphStart: file.verses[2].paragraphStart,
      text: file.verses[2].text,
    });
  });
});

Deno.test("the CSV export parses back to the same rows as the NDJSON export", async () => {
  await withImported(async (imported) => {
    const ndjson = await readNdjson(await exportAs(imported, "ndjson"));
    const [header, ...records] = parseCsv(await Deno.readTextFile(await exportAs(imported, "csv")));
    const asCsv = (p: Passage) => [
      p.key,
      p.reference,
      p.lang,
      p.volume,
      p.book,
      p.bookTitle,
      String(p.chapter),
      p.kind,
      p.verse === null ? "" : String(p.verse),
      String(p.position),
      String(p.paragraphStart),
      p.text,
    ];
    assert.equal(header.length, 12);
    assert.deepEqual(records, ndjson.map(asCsv));
    // The fake's texts have commas and curly quotes, so quoting was exercised.
    assert.ok(records.some((r) => r[11].includes(",")));
  });
});

Deno.test("the SQLite export finds a verse by its words through FTS5, with its reference", async () => {
  await withImported(async (imported) => {
    const file = JSON.parse(await Deno.readTextFile(join(imported.dir, "pgp", "abr", "2.json")));
    const text: string = file.verses[4].text;
    // The verse's words as one phrase: punctuation is no part of FTS5's tokens.
    const phrase = `"${text.split(/[^\p{L}\p{N}]+/u).filter((w) => w !== "").join(" ")}"`;
    using db = new DatabaseSync(await exportAs(imported, "sqlite"), { readOnly: true });
    const found = db.prepare(
      "SELECT key, reference, text FROM find_verse WHERE search MATCH ? ORDER BY rank",
    ).all(phrase);
    assert.deepEqual({ ...found[0] }, { key: "pgp/abr/2/5", reference: "Abr. 2:5", text });

    // The tables join up: every verse has its chapter, book and volume.
    assert.deepEqual(db.prepare("PRAGMA foreign_key_check").all(), []);
    const tables = db.prepare(
      "SELECT (SELECT count(*) FROM volumes) AS volumes, (SELECT count(*) FROM books) AS books, " +
        "(SELECT count(*) FROM chapters) AS chapters",
    ).get();
    assert.deepEqual({ ...tables }, {
      volumes: 2,
      books: 6,
      chapters: imported.root.totals.importedChapters,
    });
    const byKey = db.prepare("SELECT reference, book_title FROM passages WHERE key = ?")
      .get("pgp/abr/2/5");
    assert.deepEqual({ ...byKey }, { reference: "Abr. 2:5", book_title: "Abraham" });
  });
});
