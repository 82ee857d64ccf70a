import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT, runMain } from "../_cli.ts";
import { lockOutDir } from "../../src/output/lock.ts";
import { startFakeApi } from "../../src/fake_api/server.ts";
import { loadManifest } from "../../src/manifest/load.ts";

// A run refused before it starts has no progress to show: a terminal sees the
// refusal alone, not a "0 %" frame drawn first.

Deno.test({
  name: "an import refused on a busy output folder prints the refusal and no progress frame",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const manifest = await loadManifest(join(ROOT, "import.yaml"));
    const api = await startFakeApi({ volumes: manifest.volumes });
    const out = await Deno.makeTempDir();
    const lock = await lockOutDir(out);
    try {
      const { code, stderr } = await runMain(
        ["import", "--api-url", api.apiUrl, "--out", out, "--source", "pgp"],
        { isTerminal: true, columns: () => 100 },
      );
      assert.equal(code, 2, stderr);
      assert.match(stderr, /another import \(pid \d+\) is running there/);
      assert.doesNotMatch(
        stderr,
        /\d+%|chapters 0\//,
        "no progress frame for a run that never started",
      );
      assert.equal(api.stats().requests, 0, "nothing was requested");
    } finally {
      lock.release();
      await api.close();
      await Deno.remove(out, { recursive: true });
    }
  },
});

Deno.test("an import refused for a bad language code prints the refusal and no progress frame", async () => {
  const { code, stderr } = await runMain(
    ["import", "--lang", "english", "--source", "pgp", "--out", "/nonexistent/never-written"],
    { isTerminal: true, columns: () => 100 },
  );
  assert.equal(code, 2, stderr);
  assert.match(stderr, /Invalid --lang "english"/);
  assert.doesNotMatch(stderr, /\d+%/);
});
