import assert from "node:assert/strict";
import { join } from "node:path";
import { runMain as run } from "../_cli.ts";
import { startFakeApi } from "../../src/fake_api/server.ts";
import { loadManifest } from "../../src/manifest/load.ts";

const root = new URL("../..", import.meta.url).pathname;
const shipped = join(root, "import.yaml");
const canon = await loadManifest(shipped);

/** Every file under `dir` whose bytes hold `secret`, or [] when `dir` does not exist. */
async function filesHolding(dir: string, secret: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (at: string) => {
    for await (const entry of Deno.readDir(at)) {
      const path = join(at, entry.name);
      if (entry.isDirectory) await walk(path);
      else if ((await Deno.readTextFile(path)).includes(secret)) found.push(path);
    }
  };
  await walk(dir).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
  return found;
}

Deno.test({
  name:
    "import refuses credentials in --api-url or source.url with exit 2, sending and writing nothing",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const api = await startFakeApi({ volumes: canon.volumes.filter((v) => v.id === "pgp") });
    const dir = await Deno.makeTempDir();
    const withSecret = api.apiUrl.replace("http://", "http://reader:s3cr3t-pw@");
    try {
      const out = join(dir, "data");
      const flag = await run([
        "import",
        ...["-m", shipped, "--out", out, "--only", "pgp/abr/1", "--api-url", withSecret],
      ]);
      assert.equal(flag.code, 2, flag.stderr);
      assert.match(
        flag.stderr,
        /Invalid --api-url "http:\/\/\*\*\*@127\.0\.0\.1:\d+\/.*": expected a URL without a user name or password/,
      );
      assert.doesNotMatch(flag.stderr + flag.stdout, /s3cr3t|reader/);

      // The same URL in the manifest: a located error.
      const file = join(dir, "import.yaml");
      const text = await Deno.readTextFile(shipped);
      const urlLine = text.split("\n").findIndex((line) => /^\s+url:/.test(line)) + 1;
      await Deno.writeTextFile(file, text.replace(/^(\s+url:).*$/m, `$1 "${withSecret}"`));
      await Deno.mkdir(join(dir, "profiles"));
      for await (const entry of Deno.readDir(join(root, "profiles"))) {
        await Deno.copyFile(join(root, "profiles", entry.name), join(dir, "profiles", entry.name));
      }
      const manifest = await run(["import", "-m", file, "--out", out, "--only", "pgp/abr/1"]);
      assert.equal(manifest.code, 2, manifest.stderr);
      assert.match(
        manifest.stderr,
        new RegExp(
          `${
            file.replaceAll("/", "\\/")
          }:${urlLine}:\\d+: source\\.url: expected a URL without a user name or password`,
        ),
      );
      assert.doesNotMatch(manifest.stderr + manifest.stdout, /s3cr3t|reader/);

      assert.equal(api.stats().requests, 0);
      await assert.rejects(Deno.stat(out), Deno.errors.NotFound);
      assert.deepEqual(await filesHolding(dir, "s3cr3t"), [file]);
    } finally {
      await api.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
