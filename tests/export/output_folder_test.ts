import assert from "node:assert/strict";
import { join } from "node:path";
import { ExportInputError, openOutputFolder } from "../../src/export/output_folder.ts";
import type { Passage } from "../../src/export/passage.ts";
import { runMain } from "../_cli.ts";
import { filesIn, withImported } from "./_fixture.ts";

async function readNdjson(path: string): Promise<Passage[]> {
  return (await Deno.readTextFile(path)).trimEnd().split("\n").map((line) => JSON.parse(line));
}

Deno.test("a tampered chapter file is reported, not exported, and the export exits 1", async () => {
  await withImported(async (imported) => {
    const path = join(imported.dir, "pgp", "moses", "2.json");
    const file = JSON.parse(await Deno.readTextFile(path));
    const versesOfTampered = file.verses.length;
    file.verses[0].text = "A verse no import ever fetched.";
    await Deno.writeTextFile(path, JSON.stringify(file, null, 2) + "\n");

    const out = join(imported.work, "verses.ndjson");
    const { code, stderr } = await runMain(["export", imported.dir, "-f", "ndjson", "-o", out]);
    assert.equal(code, 1);
    assert.match(
      stderr,
      /^Not exported: pgp\/moses\/2: Cannot verify chapter file ".*\/pgp\/moses\/2\.json": SHA-256 [0-9a-f]{64} does not match the expected [0-9a-f]{64}\n/,
    );
    assert.match(stderr, /\n1 chapter not exported: missing, failed or not matching/);
    const rows = await readNdjson(out);
    assert.equal(rows.filter((r) => r.key.startsWith("pgp/moses/2/")).length, 0);
    assert.equal(
      rows.filter((r) => r.kind === "verse").length,
      imported.root.totals.verses - versesOfTampered,
    );
    assert.ok(rows.some((r) => r.key === "pgp/moses/3/1"), "the chapters after it are exported");
  });
});

Deno.test("a deleted chapter file is reported as missing", async () => {
  await withImported(async (imported) => {
    await Deno.remove(join(imported.dir, "pgp", "abr", "4.json"));
    const out = join(imported.work, "verses.csv");
    const { code, stderr } = await runMain(["export", imported.dir, "-f", "csv", "-o", out]);
    assert.equal(code, 1);
    assert.match(
      stderr,
      /Not exported: pgp\/abr\/4: Cannot verify chapter file .*: no such file\n/,
    );
  });
});

Deno.test("a book manifest edited after the volume manifest drops its whole book, and says so", async () => {
  await withImported(async (imported) => {
    const path = join(imported.dir, "pgp", "js-m", "manifest.json");
    const manifest = JSON.parse(await Deno.readTextFile(path));
    await Deno.writeTextFile(path, JSON.stringify({ ...manifest, updatedAt: "2000-01-01" }));
    const folder = await openOutputFolder(imported.dir);
    assert.deepEqual(folder.problems, [{
      scope: "pgp/js-m",
      chapters: 1,
      reason: `Cannot trust "${path}": it changed since the volume manifest recorded its SHA-256`,
    }]);
    assert.equal(folder.volumes[1].books.some((book) => book.book === "js-m"), false);
  });
});

Deno.test("a volume of import.yaml that was never imported is reported with its chapter count", async () => {
  await withImported(async (imported) => {
    await Deno.remove(join(imported.dir, "dc-testament"), { recursive: true });
    const folder = await openOutputFolder(imported.dir);
    assert.deepEqual(folder.problems.map((p) => [p.scope, p.chapters]), [["dc-testament", 2]]);
    assert.match(folder.problems[0].reason, /Cannot read volume manifest .*: no such file/);
  });
});

Deno.test("--lang selects the folder's language and refuses one it does not hold, writing nothing", async () => {
  await withImported(async (imported) => {
    const folder = await openOutputFolder(imported.dir, { langs: ["eng"] });
    assert.deepEqual(folder.langs, ["eng"]);
    await assert.rejects(
      () => openOutputFolder(imported.dir, { langs: ["eng", "spa"] }),
      ExportInputError,
      `Cannot export --lang spa: "${imported.dir}" holds eng only`,
    );
    const out = join(imported.work, "verses.sqlite");
    const { code, stderr } = await runMain([
      "export",
      imported.dir,
      "-f",
      "sqlite",
      "-o",
      out,
      "--lang",
      "spa",
    ]);
    assert.equal(code, 2);
    assert.match(stderr, /^Cannot export --lang spa: ".*" holds eng only\n$/);
    assert.deepEqual(await filesIn(imported.work), []);
  });
});
