import assert from "node:assert/strict";
import { Parser } from "htmlparser2";
import { startFakeApi } from "../../src/fake_api/server.ts";
import { loadManifest } from "../../src/manifest/load.ts";
import { ROOT } from "../_cli.ts";
import { sanitizedTest } from "../exec/_helpers.ts";

const manifest = await loadManifest(`${ROOT}/import.yaml`);

async function page(apiUrl: string, lang: string, uri: string) {
  const response = await fetch(`${apiUrl}?lang=${lang}&uri=${uri}`);
  return { status: response.status, body: await response.json() };
}

sanitizedTest(
  "the fake serves several languages: the same blocks and verse counts, other words",
  async () => {
    const api = await startFakeApi({ volumes: manifest.volumes });
    try {
      const eng = await page(api.apiUrl, "eng", "/scriptures/bofm/1-ne/3");
      const spa = await page(api.apiUrl, "spa", "/scriptures/bofm/1-ne/3");
      assert.deepEqual([eng.status, spa.status], [200, 200]);
      assert.equal(spa.body.meta.pageAttributes.lang, "spa");
      assert.equal(spa.body.meta.pageAttributes["data-uri"], "/scriptures/bofm/1-ne/3");
      const ids = (body: { content: { body: string } }) => {
        const found: string[] = [];
        new Parser({ onopentag: (_name, attrs) => void (attrs.id && found.push(attrs.id)) })
          .end(body.content.body);
        return found;
      };
      assert.deepEqual(ids(spa.body), ids(eng.body), "block ids line up across languages");
      assert.notEqual(spa.body.content.body, eng.body.content.body, "the words differ");
    } finally {
      await api.close();
    }
  },
);

sanitizedTest(
  "a volume a language lacks answers 404; a book it lacks, the volume's contents",
  async () => {
    const api = await startFakeApi({ volumes: manifest.volumes });
    try {
      assert.equal((await page(api.apiUrl, "ceb", "/scriptures/ot/gen/1")).status, 404);
      assert.equal((await page(api.apiUrl, "tpi", "/scriptures/dc-testament/dc/1")).status, 404);
      assert.equal((await page(api.apiUrl, "xyz", "/scriptures/bofm/1-ne/1")).status, 404);
      const missing = await page(api.apiUrl, "ceb", "/scriptures/pgp/js-h/1");
      assert.equal(missing.status, 200);
      assert.equal(missing.body.meta.pageAttributes["data-uri"], "/scriptures/pgp");
      const served = await page(api.apiUrl, "ceb", "/scriptures/pgp/moses/1");
      assert.equal(served.body.meta.pageAttributes["data-uri"], "/scriptures/pgp/moses/1");
    } finally {
      await api.close();
    }
  },
);

sanitizedTest("the render worker serves the same languages as the serving loop", async () => {
  const inline = await startFakeApi({ volumes: manifest.volumes });
  const worker = await startFakeApi({ volumes: manifest.volumes, renderWorker: true });
  try {
    for (
      const [lang, uri] of [["por", "/scriptures/nt/matt/5"], ["ceb", "/scriptures/pgp/js-h/1"]]
    ) {
      assert.deepEqual(await page(worker.apiUrl, lang, uri), await page(inline.apiUrl, lang, uri));
    }
  } finally {
    await inline.close();
    await worker.close();
  }
});
