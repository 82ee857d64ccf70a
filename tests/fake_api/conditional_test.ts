import assert from "node:assert/strict";
import { startFakeApi } from "../../src/fake_api/server.ts";
import { loadManifest } from "../../src/manifest/load.ts";
import { ROOT } from "../_cli.ts";
import { sanitizedTest } from "../exec/_helpers.ts";

const manifest = await loadManifest(`${ROOT}/import.yaml`);
const URI = "/scriptures/pgp/moses/1";

async function get(apiUrl: string, headers: Record<string, string> = {}, lang = "eng") {
  const response = await fetch(`${apiUrl}?lang=${lang}&uri=${URI}`, { headers });
  const body = await response.text();
  return {
    status: response.status,
    etag: response.headers.get("etag"),
    lastModified: response.headers.get("last-modified"),
    body,
  };
}

sanitizedTest(
  "the fake answers 304 to a request whose validators still match, with no body",
  async () => {
    const api = await startFakeApi({ volumes: manifest.volumes });
    try {
      const first = await get(api.apiUrl);
      assert.equal(first.status, 200);
      assert.ok(first.etag?.startsWith('"') && first.lastModified);
      const byTag = await get(api.apiUrl, { "if-none-match": first.etag! });
      assert.deepEqual([byTag.status, byTag.body, byTag.etag], [304, "", first.etag]);
      const byDate = await get(api.apiUrl, { "if-modified-since": first.lastModified! });
      assert.equal(byDate.status, 304);
      // If-None-Match decides when both are sent (RFC 9110): another tag gets the page.
      const other = await get(api.apiUrl, {
        "if-none-match": '"other"',
        "if-modified-since": first.lastModified!,
      });
      assert.equal(other.status, 200);
      assert.deepEqual(api.stats().byStatus, { "200": 2, "304": 2 });
      assert.equal(api.stats().bytesSent, new TextEncoder().encode(first.body).length * 2);
    } finally {
      await api.close();
    }
  },
);

sanitizedTest(
  "a touched page has new text and validators, so a conditional request gets it",
  async () => {
    const api = await startFakeApi({ volumes: manifest.volumes });
    try {
      const before = await get(api.apiUrl);
      const spanish = await get(api.apiUrl, {}, "spa");
      api.touch(URI, "eng");
      const after = await get(api.apiUrl, {
        "if-none-match": before.etag!,
      });
      assert.equal(after.status, 200);
      assert.notEqual(after.etag, before.etag);
      assert.notEqual(after.body, before.body);
      assert.ok(Date.parse(after.lastModified!) > Date.parse(before.lastModified!));
      const unchanged = await get(api.apiUrl, { "if-none-match": spanish.etag! }, "spa");
      assert.equal(unchanged.status, 304, "the other language's page did not change");
    } finally {
      await api.close();
    }
  },
);
