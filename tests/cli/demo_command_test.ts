import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT, runMain } from "../_cli.ts";
import { sanitizedTest } from "../exec/_helpers.ts";

const manifest = join(ROOT, "import.yaml");

Deno.test("demo offers no --api-url: it serves its own API", async () => {
  const help = await runMain(["demo", "--help"]);
  assert.equal(help.code, 0);
  assert.ok(!help.stdout.includes("--api-url"), help.stdout);
  assert.ok(help.stdout.includes("--latency"));
  assert.ok((await runMain(["import", "--help"])).stdout.includes("--api-url"));
  const given = await runMain(["demo", "--api-url", "https://example.org/api"]);
  assert.equal(given.code, 2);
  assert.match(given.stderr, /unknown option '--api-url'/);
});

sanitizedTest(
  "demo -q prints only the summary, no banner, and reads a plain --latency as ms",
  async () => {
    const out = await Deno.makeTempDir();
    try {
      const { code, stdout, stderr } = await runMain([
        "demo",
        "-m",
        manifest,
        "--only",
        "pgp/abr/1",
        "--out",
        out,
        "--latency",
        "0",
        "-q",
      ]);
      assert.equal(code, 0, stderr);
      assert.equal(stderr, "");
      assert.match(stdout, /chapters/);
      const chapter = JSON.parse(await Deno.readTextFile(join(out, "pgp/abr/1.json")));
      assert.equal(chapter.uri, "/scriptures/pgp/abr/1");
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
);

sanitizedTest(
  "demo --compress gzip stores .json.gz, says it re-encodes a plain folder, and refuses another value",
  async () => {
    const out = await Deno.makeTempDir();
    const args = ["demo", "-m", manifest, "--only", "pgp/abr/1-2", "--out", out, "--latency", "0"];
    try {
      const plain = await runMain([...args, "-q"]);
      assert.equal(plain.code, 0, plain.stderr);
      const packed = await runMain([...args, "--compress", "gzip"]);
      assert.equal(packed.code, 0, packed.stderr);
      assert.match(
        packed.stderr,
        /^2 chapters stored as \.json will be re-encoded as \.json\.gz without fetching$/m,
      );
      assert.match(
        packed.stdout,
        /^Chapter files on disk: [\d.]+ KB before, [\d.]+ KB after \(gzip\); 2 re-encoded on disk without fetching$/m,
      );
      const names = (await Array.fromAsync(Deno.readDir(join(out, "pgp/abr")))).map((e) => e.name);
      assert.deepEqual(names.sort(), ["1.json.gz", "2.json.gz", "manifest.json"]);

      const bad = await runMain([...args, "--compress", "zip"]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /Invalid --compress "zip": expected none or gzip/);
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
);
