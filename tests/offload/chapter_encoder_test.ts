import assert from "node:assert/strict";
import { staticGraph } from "../_static_graph.ts";
import { TaskError } from "../../src/exec/types.ts";
import { ChapterEncoder, defaultChapterWorkers } from "../../src/offload/chapter_encoder.ts";
import { encodeChapter } from "../../src/output/chapter_encoding.ts";
import { parseChapterBody, type RequestedChapter } from "../../src/source/parse_chapter.ts";
import { loadManifest } from "../../src/manifest/load.ts";
import type { BookLabel } from "../../src/output/chapter_encoding.ts";
import { sha256Hex } from "../../src/output/digest.ts";
import { gunzip } from "../../src/output/gzip.ts";

const sanitized = { sanitizeOps: true, sanitizeResources: true };

async function fixture(name: string): Promise<Uint8Array> {
  return await Deno.readFile(new URL(`../fixtures/${name}`, import.meta.url));
}

function requested(uri: string, proseOnly = false): RequestedChapter {
  const [, , volume, book, chapter] = uri.split("/");
  return {
    uri,
    volume,
    book,
    chapter: Number(chapter),
    lang: "eng",
    url: `https://example.org/api?uri=${uri}`,
    fetchedAt: "2025-01-01T00:00:00.000Z",
    proseOnly,
  };
}

const SHIPPED = await loadManifest(new URL("../../import.yaml", import.meta.url).pathname);

/** The book of a chapter URI in the shipped import.yaml, as the importer hands it over. */
function bookOf(uri: string): { book: BookLabel } {
  const [, , volume, book] = uri.split("/");
  const found = SHIPPED.volumes.find((v) => v.id === volume)?.books.find((b) => b.id === book);
  assert.ok(found !== undefined, uri);
  return { book: found };
}

/** What parsing here throws, or undefined. */
function inlineError(bytes: Uint8Array, asked: RequestedChapter): TaskError | undefined {
  try {
    parseChapterBody(bytes, asked);
    return undefined;
  } catch (error) {
    return error as TaskError;
  }
}

Deno.test({
  name: "a chapter encoded on a worker is byte for byte the one encoded here, references included",
  ...sanitized,
  fn: async () => {
    const encoder = new ChapterEncoder({ workers: 1 });
    try {
      for (
        const [name, uri, prose, reference] of [
          ["bofm_1-ne_3.json", "/scriptures/bofm/1-ne/3", false, "1 Ne. 3"],
          ["ot_ps_3.json", "/scriptures/ot/ps/3", false, "Ps. 3"],
          ["dc-testament_od_1.json", "/scriptures/dc-testament/od/1", true, "OD 1"],
        ] as const
      ) {
        const bytes = await fixture(name);
        const { book } = bookOf(uri);
        const here = await encodeChapter(parseChapterBody(bytes, requested(uri, prose)), book);
        const there = await encoder.encode(bytes.slice(), requested(uri, prose), { book });
        assert.deepEqual(there, here, name);
        const file = JSON.parse(new TextDecoder().decode(there.bytes));
        assert.equal(file.reference, reference, name);
      }
    } finally {
      encoder.close();
    }
  },
});

Deno.test({
  name:
    "a worker fails a bad body, another page or an empty chapter with the class, reason and retryability of parsing here",
  ...sanitized,
  fn: async () => {
    const encoder = new ChapterEncoder({ workers: 1 });
    try {
      const cases: [string, Uint8Array, RequestedChapter][] = [
        [
          "unparsable JSON",
          new TextEncoder().encode('{"meta": '),
          requested("/scriptures/ot/gen/2"),
        ],
        ["another page", await fixture("ot_gen_2.json"), requested("/scriptures/ot/gen/3")],
        [
          "an empty chapter",
          await fixture("nt_matt_5_empty.json"),
          requested("/scriptures/nt/matt/5"),
        ],
        ["no content.body", new TextEncoder().encode("{}"), requested("/scriptures/ot/gen/2")],
      ];
      for (const [what, bytes, asked] of cases) {
        const expected = inlineError(bytes, asked);
        assert.ok(expected instanceof TaskError, `${what} fails here`);
        const actual = await encoder.encode(bytes.slice(), asked, bookOf(asked.uri))
          .catch((error) => error);
        assert.ok(actual instanceof TaskError, `${what}: ${actual}`);
        assert.equal(actual.message, expected.message, what);
        assert.equal(actual.retryable, expected.retryable, what);
      }
    } finally {
      encoder.close();
    }
  },
});

Deno.test({
  name: "an encoding whose attempt is aborted rejects with the signal's reason at once",
  ...sanitized,
  fn: async () => {
    const encoder = new ChapterEncoder({ workers: 1 });
    try {
      const abort = new AbortController();
      const bytes = await fixture("bofm_1-ne_3.json");
      const pending = encoder.encode(bytes, requested("/scriptures/bofm/1-ne/3"), {
        ...bookOf("/scriptures/bofm/1-ne/3"),
        signal: abort.signal,
      });
      const reason = new Error("timeout after 30000 ms");
      abort.abort(reason);
      await assert.rejects(pending, (error) => error === reason);
      // The worker still answers the next one.
      const again = await encoder.encode(
        await fixture("bofm_1-ne_3.json"),
        requested("/scriptures/bofm/1-ne/3"),
        bookOf("/scriptures/bofm/1-ne/3"),
      );
      assert.ok(again.verses > 0);
    } finally {
      encoder.close();
    }
  },
});

Deno.test("without workers a chapter is encoded here, with the same result", async () => {
  const encoder = new ChapterEncoder({ workers: 0 });
  assert.equal(encoder.workers, 0);
  const bytes = await fixture("bofm_1-ne_3.json");
  const uri = "/scriptures/bofm/1-ne/3";
  const here = await encodeChapter(parseChapterBody(bytes, requested(uri)), bookOf(uri).book);
  assert.deepEqual(await encoder.encode(bytes, requested(uri), bookOf(uri)), here);
  encoder.close();
});

Deno.test("the default is one worker per core beyond the first, from 1 to 4", () => {
  assert.deepEqual([1, 2, 3, 8, 64].map(defaultChapterWorkers), [1, 1, 2, 4, 4]);
  assert.throws(() => new ChapterEncoder({ workers: -1 }), RangeError);
});

Deno.test("the chapter worker loads only what parsing needs: no zod, yaml or manifest schema", async () => {
  // Each worker is an isolate of its own: every module in its graph is loaded,
  // compiled and kept again there, in start-up time and in resident memory.
  const specifiers = await staticGraph("src/offload/chapter_worker.ts");
  assert.ok(specifiers.some((s) => s.endsWith("/src/source/parse_chapter.ts")), "parses");
  const heavy = specifiers.filter((s) =>
    /^npm:\/(zod|yaml|commander)@/.test(s) || s.includes("/src/manifest/")
  );
  assert.deepEqual(heavy, []);
});

Deno.test("no thread loads node:zlib before a chapter is compressed or inflated", async () => {
  // About 6 MB and 15-25 ms for every chapter worker of a run that stores plain JSON.
  for (const path of ["src/offload/chapter_worker.ts", "src/importer.ts"]) {
    const specifiers = await staticGraph(path);
    assert.ok(specifiers.some((s) => s.endsWith("/src/output/gzip.ts")), `${path} can compress`);
    assert.deepEqual(specifiers.filter((s) => s === "node:zlib"), [], path);
  }
});

Deno.test("the importer's own thread does not load the HTML parser: its workers parse", async () => {
  const specifiers = await staticGraph("src/importer.ts");
  assert.ok(specifiers.some((s) => s.endsWith("/src/source/request.ts")), "fetches");
  const parser = specifiers.filter((s) =>
    /^npm:\/(htmlparser2|domhandler)@/.test(s) || s.endsWith("/src/source/parse_chapter.ts")
  );
  assert.deepEqual(parser, []);
});

Deno.test({
  name:
    "a worker gzips a chapter when asked (the checksum over the gzipped bytes) and re-encodes stored files both ways",
  ...sanitized,
  fn: async () => {
    const encoder = new ChapterEncoder({ workers: 1 });
    try {
      const uri = "/scriptures/bofm/1-ne/3";
      const bytes = await fixture("bofm_1-ne_3.json");
      const { book } = bookOf(uri);
      const plain = await encodeChapter(parseChapterBody(bytes, requested(uri)), book);
      const packed = await encoder.encode(bytes.slice(), requested(uri), {
        book,
        compression: "gzip",
      });
      assert.equal(packed.compression, "gzip");
      assert.deepEqual(await gunzip(packed.bytes), plain.bytes, "the same JSON text, gzipped");
      assert.equal(packed.sha256, await sha256Hex(packed.bytes));
      assert.notEqual(packed.sha256, plain.sha256);
      assert.ok(packed.bytes.length * 2 < plain.bytes.length);

      const inflated = await encoder.recode({ bytes: packed.bytes, from: "gzip", to: "none" });
      assert.deepEqual(inflated, { bytes: plain.bytes, sha256: plain.sha256 });
      const again = await encoder.recode({ bytes: plain.bytes.slice(), from: "none", to: "gzip" });
      assert.deepEqual(await gunzip(again.bytes), plain.bytes);
      await assert.rejects(
        () => encoder.recode({ bytes: plain.bytes.slice(), from: "gzip", to: "none" }),
        /Cannot read gzip/,
      );
    } finally {
      encoder.close();
    }
  },
});
