/**
 * `--out` and `--log` paths the import cannot use are refused with exit 2
 * and a message naming the path, before anything is written.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cliArgs, runMain as run } from "./_cli.ts";
import { startFakeApi } from "../src/fake_api/server.ts";
import { loadManifest } from "../src/manifest/load.ts";
import { readProgressLog } from "../src/progress/log.ts";
import { sanitizedTest } from "./exec/_helpers.ts";

const root = new URL("..", import.meta.url).pathname;
const manifest = join(root, "import.yaml");
const canon = await loadManifest(manifest);

/** Every path under `dir`, relative, sorted. */
async function tree(dir: string, prefix = ""): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(join(dir, prefix))) {
    const path = join(prefix, entry.name);
    found.push(path);
    if (entry.isDirectory) found.push(...await tree(dir, path));
  }
  return found.sort();
}

sanitizedTest(
  "an --out or --log path that cannot be used exits 2 naming it, and writes nothing (no lock either)",
  async () => {
    const api = await startFakeApi({ volumes: canon.volumes });
    const dir = await Deno.makeTempDir();
    try {
      const file = join(dir, "a-file");
      await Deno.writeTextFile(file, "not a directory\n");
      const logsDir = join(dir, "logs");
      await Deno.mkdir(logsDir);
      const yaml = join(dir, "import.yaml");
      await Deno.copyFile(manifest, yaml);
      const yamlBefore = await Deno.readFile(yaml);
      const out = join(dir, "data");
      const rows: [string[], RegExp][] = [
        [
          ["--out", `${file}/sub`],
          new RegExp(`Cannot import into "${file}/sub": "${file}" is not a directory`),
        ],
        [["--out", `${file}/sub/deeper`], new RegExp(`"${file}" is not a directory`)],
        [["--out", `${file}/sub`, "--retry-failed"], /Cannot --retry-failed: no progress log in /],
        [
          ["--out", out, "--log", logsDir],
          /Cannot write progress log ".*\/logs": it is a directory/,
        ],
        [
          ["--out", out, "--log", `${file}/run.ndjson`],
          new RegExp(
            `Cannot write progress log "${file}/run.ndjson": "${file}" is not a directory`,
          ),
        ],
        [
          ["--out", out, "--log", yaml],
          /Cannot append to ".*\/import\.yaml": it is not a progress log \(its first line is not a "run-start" record\)/,
        ],
      ];
      const before = await tree(dir);
      for (const [flags, message] of rows) {
        const args = ["import", "-m", manifest, "--api-url", api.apiUrl, "--only", "pgp/js-h"];
        const { code, stderr } = await run([...args, ...flags]);
        assert.equal(code, 2, `${flags.join(" ")}: ${stderr}`);
        assert.match(stderr, message);
        assert.equal(stderr.split("\n").length, 2, `one line: ${stderr}`);
        assert.deepEqual(await tree(dir), before, `${flags.join(" ")} wrote nothing`);
      }
      assert.deepEqual(await Deno.readFile(yaml), yamlBefore);
      assert.equal(api.stats().requests, 0);
    } finally {
      await api.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

sanitizedTest("--log an earlier run's log appends this run's records to it", async () => {
  const api = await startFakeApi({ volumes: canon.volumes });
  const dir = await Deno.makeTempDir();
  try {
    const log = join(dir, "runs.ndjson");
    const args = ["import", "-m", manifest, "--api-url", api.apiUrl, "--only", "pgp/js-h"];
    for (const force of [[], ["--force"]]) {
      const { code, stderr } = await run([
        ...args,
        "--out",
        join(dir, "data"),
        "--log",
        log,
        "-q",
        ...force,
      ]);
      assert.equal(code, 0, stderr);
    }
    const { records } = await readProgressLog(log);
    assert.equal(records.filter((r) => r.type === "run-start").length, 2);
    assert.equal(records.filter((r) => r.type === "run-end").length, 2);
  } finally {
    await api.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test('--out "" exits 2 and imports nothing into the working directory', async () => {
  const cwd = await Deno.makeTempDir();
  try {
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        ...cliArgs(),
        "import",
        "-m",
        manifest,
        "--api-url",
        "http://127.0.0.1:9/unused",
        "--only",
        "pgp/js-h",
        "--out",
        "",
      ],
      cwd,
      stdin: "null",
      env: { NO_COLOR: "1" },
    }).output();
    const errors = new TextDecoder().decode(stderr);
    assert.equal(code, 2, errors);
    assert.equal(errors, 'Invalid --out "": expected a directory path (--out . for this one)\n');
    assert.deepEqual(await tree(cwd), []);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});
