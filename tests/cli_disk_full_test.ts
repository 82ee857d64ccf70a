/**
 * End-to-end: the real CLI as a subprocess importing the canon from the fake
 * API into a real, tiny file system that fills up after a few chapters.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cliArgs } from "./_cli.ts";
import { startFakeApi } from "../src/fake_api/server.ts";
import { loadManifest } from "../src/manifest/load.ts";
import { isTempFileName } from "../src/output/atomic_write.ts";
import { verifyChapterFile } from "../src/output/chapter_file.ts";
import type { BookManifest } from "../src/output/manifest_types.ts";
import { mountTmpfs } from "./_tmpfs.ts";

const root = new URL("..", import.meta.url).pathname;
const canon = await loadManifest(join(root, "import.yaml"));
const MAX_IN_FLIGHT = 8;

async function filesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) found.push(...await filesUnder(path));
    else found.push(path);
  }
  return found;
}

Deno.test({
  name:
    "on a disk that fills up the CLI stops at the first write error: exit 1, one line naming the file, a summary, valid files",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    // Room for about 20 chapter files (each takes whole 4 KiB pages), the lock and the log.
    await using disk = await mountTmpfs(128);
    const api = await startFakeApi({ volumes: canon.volumes, latencyMs: 2 });
    const dir = await Deno.makeTempDir();
    const out = join(disk.dir, "data");
    try {
      const profile = join(dir, "fast.yaml");
      await Deno.writeTextFile(
        profile,
        `volumes: 5\nbooksPerVolume: 10\nchaptersPerBook: 20\nmaxInFlight: ${MAX_IN_FLIGHT}\ndelay: 0\n`,
      );
      const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
        args: [
          ...cliArgs(),
          "import",
          "--api-url",
          api.apiUrl,
          "--out",
          out,
          "--profile",
          profile,
        ],
        cwd: root,
        stdin: "null",
        env: { NO_COLOR: "1" },
      }).output();
      const errors = new TextDecoder().decode(stderr);
      const summary = new TextDecoder().decode(stdout);

      assert.equal(code, 1, errors);
      const stops = errors.split("\n").filter((line) => line.startsWith("Import stopped"));
      assert.equal(stops.length, 1, errors);
      const escaped = out.replaceAll("/", "\\/");
      assert.match(
        stops[0],
        new RegExp(
          `^Import stopped at the first write error: Cannot write "${escaped}\\/[^"]+\\.json": ` +
            `no space left on device \\(ENOSPC: the disk is full\\)\\. The files written before it are kept`,
        ),
      );
      assert.doesNotMatch(errors, /^\s+at |RunEventError|Uncaught|^error:/m, "no stack trace");
      assert.match(
        summary,
        /^Chapters: \d+ imported, 0 skipped, \d+ failed, [\d,]+ cancelled, of 1,584$/m,
      );
      assert.match(summary, /^Stopped: Cannot write ".+": no space left on device/m);

      const files = await filesUnder(out);
      assert.deepEqual(files.filter((f) => isTempFileName(f.split("/").at(-1)!)), []);
      const chapters = files.filter((f) => /\/\d+\.json$/.test(f));
      assert.ok(chapters.length > 0, "some chapters fitted");
      for (const file of chapters) {
        const check = await verifyChapterFile(file);
        assert.ok(check.ok, check.ok ? "" : check.reason);
      }
      // Stopped at the first write error, not after the whole canon.
      const served = api.stats().requests;
      assert.ok(
        served <= chapters.length + 2 * MAX_IN_FLIGHT,
        `${served} chapters served for ${chapters.length} written`,
      );
      // A manifest that fitted is whole and lists only files that are on disk.
      for (const file of files.filter((f) => f.endsWith("/manifest.json"))) {
        const manifest = JSON.parse(await Deno.readTextFile(file));
        if (!("book" in manifest)) continue;
        for (const chapter of (manifest as BookManifest).chapters) {
          assert.ok(chapters.includes(join(file, "..", chapter.file)), `${file}: ${chapter.file}`);
        }
      }
    } finally {
      await api.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
