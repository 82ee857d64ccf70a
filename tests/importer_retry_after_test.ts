import assert from "node:assert/strict";
import { join } from "node:path";
import { startFakeApi } from "../src/fake_api/server.ts";
import { runImport } from "../src/importer.ts";
import { loadManifest, loadProfile } from "../src/manifest/load.ts";
import type { BookManifest } from "../src/output/manifest_types.ts";
import { readProgressLog } from "../src/progress/log.ts";

const root = new URL("..", import.meta.url).pathname;
const canon = await loadManifest(join(root, "import.yaml"));
const aggressive = await loadProfile("aggressive", { profilesDir: join(root, "profiles") });

Deno.test({
  name: "a server asking to wait 27 hours fails that chapter at once and the import goes on",
  sanitizeOps: true,
  sanitizeResources: true,
  fn: async () => {
    const api = await startFakeApi({ volumes: canon.volumes });
    const out = await Deno.makeTempDir();
    // Without the cap the run would pause for 27 hours: stop it instead, so the test fails.
    const watchdog = new AbortController();
    const timer = setTimeout(() => watchdog.abort(new Error("still paused after 30 s")), 30_000);
    try {
      const refused = "/scriptures/pgp/moses/3";
      const fetchWithRefusal: typeof fetch = (input, init) => {
        const url = new URL(input instanceof Request ? input.url : String(input));
        if (url.searchParams.get("uri") !== refused) return fetch(input, init);
        const headers = { "Retry-After": "100000", "Content-Type": "application/json" };
        return Promise.resolve(
          new Response('{"error":"come back tomorrow"}', {
            status: 429,
            statusText: "Too Many Requests",
            headers,
          }),
        );
      };
      const result = await runImport({
        manifest: {
          ...canon,
          source: { ...canon.source, url: api.apiUrl },
          retry: { ...canon.retry, baseDelayMs: 5, maxDelayMs: 50 },
        },
        profile: { ...aggressive, delayMs: 0 },
        selection: { only: ["pgp/moses"] },
        outDir: out,
        fetch: fetchWithRefusal,
        signal: watchdog.signal,
      });
      assert.equal(result.exitCode, 1);
      assert.equal(canon.retry.maxRetryAfterMs, 300_000, "the shipped cap: 5 minutes");
      assert.equal(result.summary.chapters.imported, 7);
      const reason = `Cannot fetch chapter "${refused}": HTTP 429 Too Many Requests ` +
        "(Retry-After 100000000 ms): the server asks to wait 27 h 47 min, more than the " +
        "5 min 0 s the retry policy allows";
      assert.deepEqual(result.summary.failures.map((f) => [f.id, f.reason, f.attempts]), [
        ["pgp/moses/3", reason, 1],
      ]);
      const book = JSON.parse(
        await Deno.readTextFile(join(out, "pgp", "moses", "manifest.json")),
      ) as BookManifest;
      assert.deepEqual(book.failed.map((f) => [f.chapter, f.reason]), [[3, reason]]);
      const { records } = await readProgressLog(result.logPath!);
      assert.deepEqual(records.filter((r) => r.type === "rate-pause"), [], "no pause of the run");
      assert.deepEqual(records.filter((r) => r.type === "task-retry"), [], "no retry");
      // The other chapters were each asked for once, the refused one never again.
      assert.equal(api.stats().requests, 7);
    } finally {
      clearTimeout(timer);
      await api.close();
      await Deno.remove(out, { recursive: true });
    }
  },
});
