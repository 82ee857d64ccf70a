import assert from "node:assert/strict";
import { writeBookManifest } from "../../src/output/book_manifest.ts";
import { sha256Hex } from "../../src/output/digest.ts";
import { bookManifestPath, rootManifestPath } from "../../src/output/paths.ts";
import {
  readBookManifest,
  readRootManifest,
  readVolumeManifest,
} from "../../src/output/read_manifest.ts";
import { writeRootManifest } from "../../src/output/root_manifest.ts";
import { makeBook, makeManifest, withTempDir } from "./_fixtures.ts";

const manifest = makeManifest([
  { id: "nt", title: "New Testament", books: [makeBook("jude", 1), makeBook("rev", 22)] },
]);

Deno.test("readBookManifest returns a book manifest with the checksum of its file", async () => {
  await withTempDir(async (dir) => {
    const written = await writeBookManifest(dir, manifest, "nt", "jude", new Map());
    const path = bookManifestPath(dir, "nt", "jude");
    const read = await readBookManifest(path, "nt", "jude");
    assert.deepEqual(read, {
      ok: true,
      manifest: written,
      sha256: await sha256Hex(await Deno.readFile(path)),
    });
  });
});

Deno.test("readBookManifest and readVolumeManifest say why a file cannot be used", async () => {
  await withTempDir(async (dir) => {
    await writeBookManifest(dir, manifest, "nt", "jude", new Map());
    const path = bookManifestPath(dir, "nt", "jude");
    const rows: [Promise<unknown>, string, RegExp][] = [
      [
        readBookManifest(path, "nt", "rev"),
        "invalid",
        /: it describes nt\/jude, expected nt\/rev$/,
      ],
      [readBookManifest(`${dir}/absent.json`, "nt", "jude"), "missing", /: no such file$/],
      [
        readVolumeManifest(path, "nt"),
        "invalid",
        /^Cannot read volume manifest ".*": at "books": /,
      ],
      [readVolumeManifest(`${dir}/nt/manifest.json`, "nt"), "missing", /: no such file$/],
    ];
    for (const [promise, problem, reason] of rows) {
      const read = await promise as { ok: boolean; problem: string; reason: string };
      assert.equal(read.ok, false);
      assert.equal(read.problem, problem);
      assert.match(read.reason, reason);
    }
    await Deno.writeTextFile(path, "[1, 2");
    const broken = await readBookManifest(path, "nt", "jude");
    assert.match(
      !broken.ok ? broken.reason : "",
      /^Cannot read book manifest ".*": not valid JSON: /,
    );
  });
});

Deno.test("readRootManifest returns the root manifest written, and says why another file is not one", async () => {
  await withTempDir(async (dir) => {
    const written = await writeRootManifest(dir, manifest, { tool: { name: "t", version: "1" } });
    const path = rootManifestPath(dir);
    assert.deepEqual(await readRootManifest(path), {
      ok: true,
      manifest: written,
      sha256: await sha256Hex(await Deno.readFile(path)),
    });
    await writeBookManifest(dir, manifest, "nt", "jude", new Map());
    const notRoot = await readRootManifest(bookManifestPath(dir, "nt", "jude"));
    assert.match(
      !notRoot.ok ? notRoot.reason : "",
      /^Cannot read root manifest ".*": at "source": /,
    );
  });
});
