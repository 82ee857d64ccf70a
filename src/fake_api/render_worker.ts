/**
 * The fake API's render worker: renders pages off the serving event loop
 * (see `PageRenderer`). Keeps one canon per seed and set of volumes.
 *
 * @module
 */

import { serveJobs } from "../offload/worker_pool.ts";
import { FakeCanon } from "./fake_canon.ts";
import { type RenderCanon, type RenderJob, renderPage } from "./render.ts";

const canons = new Map<string, FakeCanon>();

serveJobs<RenderJob, Uint8Array<ArrayBuffer>>(({ canon: key, uri, lang, revision }) => {
  let canon = canons.get(key);
  if (canon === undefined) {
    const { volumes, seed, languages } = JSON.parse(key) as RenderCanon;
    canons.set(key, canon = new FakeCanon(volumes, { seed, languages }));
  }
  const bytes = renderPage(canon, uri, lang, revision);
  return { value: bytes, transfer: [bytes.buffer] };
});
