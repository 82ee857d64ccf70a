import assert from "node:assert/strict";
import { join } from "node:path";
import { main } from "../src/cli.ts";

const root = new URL("..", import.meta.url).pathname;

/** Runs `import` on a manifest of these bytes (with the shipped profiles) into a folder that does not exist yet. */
async function importFrom(
  manifest: Uint8Array,
  extra: string[] = [],
): Promise<{ code: number; stderr: string; file: string; outExists: boolean }> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(dir, "profiles"));
    for await (const entry of Deno.readDir(join(root, "profiles"))) {
      await Deno.copyFile(join(root, "profiles", entry.name), join(dir, "profiles", entry.name));
    }
    const file = join(dir, "import.yaml");
    await Deno.writeFile(file, manifest);
    const out = join(dir, "out");
    let stderr = "";
    const code = await main(["import", "--manifest", file, "--out", out, ...extra], {
      stdout: () => {},
      stderr: (text) => (stderr += text),
    });
    const outExists = await Deno.stat(out).then(() => true, () => false);
    return { code, stderr, file, outExists };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const text = (...lines: string[]) => new TextEncoder().encode(lines.map((l) => `${l}\n`).join(""));
const HEAD = [
  "source:",
  "  url: http://127.0.0.1:9/api",
  "volumes:",
  "  - id: ot",
  "    title: Old",
];

Deno.test("import refuses a bad manifest or profile with its location, exit 2, and writes nothing", async () => {
  const trillion = await importFrom(
    text(...HEAD, "    books: [{ id: gen, title: Genesis, chapters: 1000000000000 }]"),
  );
  assert.deepEqual([trillion.code, trillion.outExists], [2, false]);
  assert.equal(
    trillion.stderr,
    `${trillion.file}:6:50: volumes[0].books[0].chapters: expected at most 1000, got 1000000000000\n`,
  );

  const latin1 = await importFrom(
    new Uint8Array([
      ...text(...HEAD),
      ...text("    books: [{ id: gen, title: G_nesis, chapters: 2 }]"),
    ])
      .map((byte) => byte === 0x5f ? 0xe9 : byte),
  );
  assert.deepEqual([latin1.code, latin1.outExists], [2, false]);
  assert.equal(
    latin1.stderr,
    `${latin1.file}:6:32: expected UTF-8 text, got the byte 0xE9, which is not UTF-8 here ` +
      "(save the file as UTF-8)\n",
  );

  const passwd = await importFrom(
    text(...HEAD, "    books: [{ id: gen, title: Genesis, chapters: 2 }]"),
    ["--profile", "/etc/passwd"],
  );
  assert.deepEqual([passwd.code, passwd.outExists], [2, false]);
  assert.match(
    passwd.stderr,
    /^\/etc\/passwd:1:1: expected a mapping at the top level, got plain text, not YAML: "root:/,
  );
  assert.ok(passwd.stderr.length < 250, passwd.stderr);
});
