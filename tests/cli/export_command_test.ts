import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT, runMain } from "../_cli.ts";
import { filesIn, withImported } from "../export/_fixture.ts";

/** `[what, args after "export", the message]`; `DIR`, `OUT` and `WORK` are filled in. */
const badInput: [string, string[], RegExp][] = [
  ["no --format", ["DIR", "-o", "OUT"], /required option '-f, --format <format>' not specified/],
  [
    "an unknown --format",
    ["DIR", "-f", "xml", "-o", "OUT"],
    /argument 'xml' is invalid\. Allowed choices are ndjson, csv, sqlite/,
  ],
  ["no --out", ["DIR", "-f", "csv"], /required option '-o, --out <file>' not specified/],
  ["an empty --out", ["DIR", "-f", "csv", "-o", ""], /^Invalid --out "": expected a file path\n$/],
  [
    "a --lang that is no language code",
    ["DIR", "-f", "csv", "-o", "OUT", "--lang", "English"],
    /^Invalid --lang "English": expected a 2-3 letter lowercase language code\n$/,
  ],
  [
    "an empty --lang list",
    ["DIR", "-f", "csv", "-o", "OUT", "--lang", ","],
    /^Invalid --lang ",": expected language codes\n$/,
  ],
  [
    "a folder that is no output folder",
    ["WORK", "-f", "ndjson", "-o", "OUT"],
    /^Cannot export ".*": it is not an import's output folder \(Cannot read root manifest ".*manifest\.json": no such file\)\n$/,
  ],
  [
    "an --out that is a directory",
    ["DIR", "-f", "sqlite", "-o", "DIR"],
    /^Cannot export to ".*": it is a directory, expected a file\n$/,
  ],
  [
    "no folder and a manifest that does not exist",
    ["-m", "WORK/missing.yaml", "-f", "csv", "-o", "OUT"],
    /Cannot read manifest ".*missing\.yaml"/,
  ],
];

Deno.test("export refuses bad flags with exit 2 and a message, and writes nothing", async () => {
  await withImported(async (imported) => {
    const before = await filesIn(imported.dir);
    for (const [what, args, message] of badInput) {
      const filled = args.map((arg) =>
        arg.replace("DIR", imported.dir).replace("OUT", join(imported.work, "out.csv"))
          .replace("WORK", imported.work)
      );
      const { code, stdout, stderr } = await runMain(["export", ...filled]);
      assert.equal(code, 2, `${what}: ${stderr}`);
      assert.match(stderr, message, what);
      assert.equal(stdout, "", what);
      assert.deepEqual(await filesIn(imported.work), [], `${what}: wrote a file`);
      assert.deepEqual(await filesIn(imported.dir), before, `${what}: wrote into the folder`);
    }
  });
});

Deno.test("export refuses to replace a file without --force, and replaces it with --force", async () => {
  await withImported(async (imported) => {
    const out = join(imported.work, "verses.sqlite");
    await Deno.writeTextFile(out, "keep me");
    const refused = await runMain(["export", imported.dir, "-f", "sqlite", "-o", out]);
    assert.equal(refused.code, 2);
    assert.equal(
      refused.stderr,
      `Cannot export to "${out}": the file exists (pass --force to replace it)\n`,
    );
    assert.equal(await Deno.readTextFile(out), "keep me");

    const forced = await runMain(["export", imported.dir, "-f", "sqlite", "-o", out, "--force"]);
    assert.equal(forced.code, 0, forced.stderr);
    const header = new TextDecoder().decode((await Deno.readFile(out)).subarray(0, 15));
    assert.equal(header, "SQLite format 3");
    assert.deepEqual(await filesIn(imported.work), ["verses.sqlite"], "no temporary file is left");
  });
});

Deno.test("export without a folder reads the one the manifest's output.dir names", async () => {
  await withImported(async (imported) => {
    const manifest = join(imported.work, "project", "import.yaml");
    await Deno.mkdir(join(imported.work, "project", "profiles"), { recursive: true });
    for await (const entry of Deno.readDir(join(ROOT, "profiles"))) {
      await Deno.copyFile(
        join(ROOT, "profiles", entry.name),
        join(imported.work, "project", "profiles", entry.name),
      );
    }
    const text = await Deno.readTextFile(join(ROOT, "import.yaml"));
    await Deno.writeTextFile(manifest, text.replace(/dir: \.\/data/, `dir: ${imported.dir}`));
    const out = join(imported.work, "verses.ndjson");
    const { code, stdout, stderr } = await runMain([
      "export",
      "-m",
      manifest,
      "-f",
      "ndjson",
      "-o",
      out,
    ]);
    assert.equal(code, 0, stderr);
    assert.equal(
      stdout,
      `Exported ${imported.root.totals.verses.toLocaleString("en-US")} verses and ` +
        `${(await Deno.readTextFile(out)).split('"kind":"paragraph"').length - 1} paragraphs of ` +
        `${imported.root.totals.importedChapters} chapters (eng) from "${imported.dir}" to ` +
        `"${out}" as ndjson\n`,
    );
  });
});

Deno.test("an interrupted export exits 130 and leaves no file, not even a temporary one", async () => {
  await withImported(async (imported) => {
    const controller = new AbortController();
    controller.abort(new DOMException("Interrupted by signal", "AbortError"));
    const out = join(imported.work, "verses.csv");
    const { code, stderr } = await runMain(["export", imported.dir, "-f", "csv", "-o", out], {
      signal: controller.signal,
    });
    assert.equal(code, 130);
    assert.equal(stderr, `Export interrupted: "${out}" was not written\n`);
    assert.deepEqual(await filesIn(imported.work), []);
  });
});

Deno.test("export --source scopes the export to volumes, so a partial import exports with exit 0", async () => {
  await withImported(async (imported) => {
    // As if the folder had been imported with --source pgp only.
    await Deno.remove(join(imported.dir, "dc-testament"), { recursive: true });
    const out = join(imported.work, "pgp.ndjson");
    const all = await runMain(["export", imported.dir, "-f", "ndjson", "-o", out]);
    assert.equal(all.code, 1);
    assert.match(all.stderr, /^Not exported: dc-testament \(2 chapters\): Cannot read volume/);

    const pgp = await runMain([
      "export",
      imported.dir,
      "-f",
      "ndjson",
      "-o",
      out,
      "--force",
      "-s",
      "PGP",
    ]);
    assert.equal(pgp.code, 0, pgp.stderr);
    assert.equal(pgp.stderr, "");
    const rows = (await Deno.readTextFile(out)).trimEnd().split("\n").map((l) => JSON.parse(l));
    assert.ok(rows.length > 0 && rows.every((row) => row.volume === "pgp"));

    const unknown = await runMain([
      "export",
      imported.dir,
      "-f",
      "csv",
      "-o",
      out,
      "-s",
      "bom",
      "--force",
    ]);
    assert.equal(unknown.code, 2);
    assert.match(
      unknown.stderr,
      /^Cannot export --source bom: no such volume in ".*" \(valid: dc-testament, pgp\)\n$/,
    );
    assert.equal((await Deno.readTextFile(out)).split("\n")[0].startsWith("{"), true, "kept");
  });
});
