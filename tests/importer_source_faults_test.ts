import assert from "node:assert/strict";
import { join } from "node:path";
import { startFakeApi } from "../src/fake_api/server.ts";
import { runImport } from "../src/importer.ts";
import { loadManifest, loadProfile } from "../src/manifest/load.ts";

const root = new URL("..", import.meta.url).pathname;
const canon = await loadManifest(join(root, "import.yaml"));
const aggressive = await loadProfile("aggressive", { profilesDir: join(root, "profiles") });

/** `bytes` with the byte after the first `"title":"` replaced by a Latin-1 "é". */
function latin1Title(bytes: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const marker = new TextEncoder().encode('"title":"');
  const text = new TextDecoder().decode(bytes);
  const at = new TextEncoder().encode(text.slice(0, text.indexOf('"title":"'))).byteLength +
    marker.byteLength;
  const damaged = bytes.slice();
  damaged[at] = 0xe9;
  return damaged;
}

Deno.test({
  name:
    "a body that is not UTF-8 and a redirect to another origin are recorded failures; the other chapters import",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const fake = await startFakeApi({ volumes: canon.volumes.filter((v) => v.id === "pgp") });
    // A server in front of the fake that damages Abraham 1 and redirects Abraham 2 to the
    // fake itself: another origin, on loopback, which the https/loopback rule alone allows.
    const proxy = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
      const url = new URL(request.url);
      const target = `${fake.apiUrl}${url.search}`;
      const uri = url.searchParams.get("uri");
      if (uri === "/scriptures/pgp/abr/2") return Response.redirect(target, 302);
      const answer = await fetch(target);
      const bytes = new Uint8Array(await answer.arrayBuffer());
      const body = uri === "/scriptures/pgp/abr/1" ? latin1Title(bytes) : bytes;
      return new Response(body, { status: answer.status, headers: answer.headers });
    });
    const out = await Deno.makeTempDir();
    try {
      const result = await runImport({
        manifest: {
          ...canon,
          source: { ...canon.source, url: `http://127.0.0.1:${proxy.addr.port}/api` },
        },
        profile: { ...aggressive, delayMs: 0 },
        selection: { only: ["pgp/abr"] },
        outDir: out,
        log: false,
      });
      assert.equal(result.exitCode, 1);
      assert.equal(result.summary.chapters.imported, 3);
      const failures = result.summary.failures.map(({ id, reason, attempts }) => ({
        id,
        reason,
        attempts,
      }));
      assert.equal(failures.length, 2, JSON.stringify(failures));
      const [utf8, redirect] = failures.sort((a, b) => a.id.localeCompare(b.id));
      assert.equal(utf8.id, "pgp/abr/1");
      assert.equal(utf8.attempts, 1, "permanent: not tried again");
      assert.match(
        utf8.reason,
        /^Cannot read response for "\/scriptures\/pgp\/abr\/1": body is not valid UTF-8: invalid byte sequence at byte \d+ \(0xe9\)$/,
      );
      assert.equal(redirect.id, "pgp/abr/2");
      assert.equal(redirect.attempts, 1, "permanent: not tried again");
      assert.match(
        redirect.reason,
        /refused redirect \(HTTP 302\) to another origin: "http:\/\/127\.0\.0\.1:\d+\/study\/api\/[^"]*\?lang=eng&uri=/,
      );
      assert.equal(
        fake.stats().byUri["/scriptures/pgp/abr/2"] ?? 0,
        0,
        "nothing sent to the other origin",
      );

      for (const [chapter, written] of [[1, false], [2, false], [3, true]] as const) {
        const exists = await Deno.stat(join(out, "pgp", "abr", `${chapter}.json`)).then(
          () => true,
          () => false,
        );
        assert.equal(exists, written, `abr/${chapter}.json`);
      }
    } finally {
      await proxy.shutdown();
      await fake.close();
      await Deno.remove(out, { recursive: true });
    }
  },
});
