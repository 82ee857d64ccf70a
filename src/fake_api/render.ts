/**
 * The fake API's answers as bytes: a chapter's page, or a table of contents
 * for a URI that is no chapter; rendered here or on a worker of the fake's
 * own (see {@linkcode PageRenderer}).
 *
 * @module
 */

import type { Volume } from "../manifest/types.ts";
import { WorkerPool } from "../offload/worker_pool.ts";
import type { FakeCanon, FakeLanguage } from "./fake_canon.ts";
import { fakeChapter } from "./fake_chapter.ts";
import { chapterPage, contentsPage } from "./fake_page.ts";

/**
 * The JSON body for `uri` in `lang`: its chapter, or a table of contents when
 * it is none or the language lacks the book. (A volume the language lacks is
 * the server's 404, before any render.)
 */
export function renderPage(
  canon: FakeCanon,
  uri: string,
  lang: string,
  revision = 0,
): Uint8Array<ArrayBuffer> {
  if (canon.availability(lang, uri) === "no-book") {
    // The volume's contents: the URI asked for is not in this language.
    const volumeUri = uri.split("/").slice(0, 3).join("/");
    return new TextEncoder().encode(JSON.stringify(contentsPage(canon, volumeUri, lang)));
  }
  const fake = fakeChapter(canon, uri, lang, revision);
  const page = fake === undefined ? contentsPage(canon, uri, lang) : chapterPage(fake, lang);
  return new TextEncoder().encode(JSON.stringify(page));
}

/** A render worker's job: the canon and the page asked for. */
export interface RenderJob {
  /** `{ volumes, seed }` as JSON: a string is cheap to post, and keys the worker's canons. */
  readonly canon: string;
  readonly uri: string;
  readonly lang: string;
  /** The page's revision: 0 as first served, one more each time it changed. */
  readonly revision: number;
}

/** The canon of a {@linkcode RenderJob}. */
export interface RenderCanon {
  readonly volumes: readonly Volume[];
  readonly seed: number;
  readonly languages: Readonly<Record<string, FakeLanguage>>;
}

/**
 * Renders pages for a fake API. With `worker`, on a worker of its own: a
 * render holds an event loop for a millisecond or more (much more when it
 * collects garbage), and on the serving loop that delays the timing of the
 * requests arriving meanwhile, which the rate limit and the arrival gaps
 * are judged by. Close it when done.
 */
export class PageRenderer {
  readonly #canon: FakeCanon;
  readonly #canonJson: string;
  readonly #pool: WorkerPool<RenderJob, Uint8Array<ArrayBuffer>> | undefined;

  constructor(canon: FakeCanon, options: { readonly worker?: boolean } = {}) {
    this.#canon = canon;
    const job: RenderCanon = {
      volumes: canon.volumes,
      seed: canon.seed,
      languages: canon.languages,
    };
    this.#canonJson = JSON.stringify(job);
    this.#pool = options.worker
      ? new WorkerPool(new URL("./render_worker.ts", import.meta.url), { name: "render worker" })
      : undefined;
  }

  /** The body for `uri` in `lang` at `revision`. */
  async render(uri: string, lang: string, revision = 0): Promise<Uint8Array<ArrayBuffer>> {
    if (this.#pool === undefined) return renderPage(this.#canon, uri, lang, revision);
    return await this.#pool.run({ canon: this.#canonJson, uri, lang, revision });
  }

  /** Stops the worker, if any. */
  close(): void {
    this.#pool?.close();
  }
}
