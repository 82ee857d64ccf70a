/**
 * A GET that follows redirects itself, one checked hop at a time, so that no
 * redirect takes a request where `source.url` could not.
 *
 * @module
 */

import { TaskError } from "../exec/types.ts";
import { redactUrl, urlProblem } from "../manifest/schema.ts";

/** The statuses fetch would follow, each meaning "GET the Location instead" for a GET. */
const _REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Options of {@link fetchFollowingRedirects}. */
export interface FetchFollowingRedirectsOptions {
  /** Sends each hop; called with `redirect: "manual"`. */
  readonly fetch: typeof fetch;
  /** Sent with every hop. */
  readonly headers: HeadersInit;
  /** Named in error messages: the chapter URI. */
  readonly what: string;
  /** Passed to every hop. */
  readonly signal?: AbortSignal;
  /** Redirects followed before the request is refused. @default 5 */
  readonly maxRedirects?: number;
}

/**
 * GETs `url` with `redirect: "manual"` and follows redirects itself, at most
 * `maxRedirects`, each hop only when its target passes the rule `source.url`
 * passes ({@link urlProblem}: https, or http on a loopback host, no user
 * name or password) and has the same origin as `url`.
 *
 * Another origin is refused, not only re-checked: the spacing, concurrency,
 * rate limit and `Retry-After` the user configured are an agreement with the
 * server they named, a remote server must not steer requests to a loopback
 * service (http is allowed there), and a chapter file's `source.url` must name
 * where its text came from. A server that moved answers with the URL to put
 * in `source.url`.
 *
 * Returns the first answer that is not a redirect (a 3xx without a
 * `Location` is such an answer); the bodies of the redirects are cancelled.
 * Errors of `fetch` (network errors, the signal's reason) pass through as
 * they are.
 *
 * @throws {TaskError} Permanent, with the redirect's `status`, when a
 * redirect is refused: its target breaks the rule, is another origin or is
 * not a URL, or there are more than `maxRedirects`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TaskError } from "../exec/types.ts";
 * import { fetchFollowingRedirects } from "./redirects.ts";
 *
 * const fetch = (input: string | URL | Request) =>
 *   Promise.resolve(
 *     String(input).endsWith("/old")
 *       ? Response.redirect("http://example.org/new", 301)
 *       : new Response("ok"),
 *   );
 * const error = await fetchFollowingRedirects("http://127.0.0.1:9/old", {
 *   fetch: fetch as typeof globalThis.fetch, headers: {}, what: "/scriptures/pgp/abr/1",
 * }).catch((e) => e);
 * assert.ok(error instanceof TaskError && !error.retryable);
 * assert.match(error.message, /refused redirect \(HTTP 301\): expected an https URL/);
 * ```
 */
export async function fetchFollowingRedirects(
  url: string,
  options: FetchFollowingRedirectsOptions,
): Promise<Response> {
  const { headers, signal, what } = options;
  const maxRedirects = options.maxRedirects ?? 5;
  const origin = new URL(url).origin;
  let target = url;
  for (let followed = 0;; followed++) {
    const response = await options.fetch(target, { headers, signal, redirect: "manual" });
    const location = response.headers.get("location");
    if (!_REDIRECTS.has(response.status) || location === null) return response;
    await response.body?.cancel().catch(() => {});
    const refused = (why: string) =>
      new TaskError(
        `Cannot fetch chapter "${what}": refused redirect (HTTP ${response.status})${why}`,
        {
          retryable: false,
          status: response.status,
        },
      );
    target = _nextHop(location, target, origin, refused);
    if (followed === maxRedirects) {
      throw refused(
        `: more than ${maxRedirects} redirects (the last to ${JSON.stringify(target)})`,
      );
    }
  }
}

/** The absolute URL a `Location` leads to, once it passes the rule and the origin check. */
function _nextHop(
  location: string,
  from: string,
  origin: string,
  refused: (why: string) => TaskError,
): string {
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    throw refused(
      `: the Location is not a URL: ${JSON.stringify(redactUrl(location).slice(0, 200))}`,
    );
  }
  const problem = urlProblem(next.href);
  if (problem !== undefined) throw refused(`: ${problem}`);
  if (next.origin !== origin) {
    throw refused(
      ` to another origin: ${JSON.stringify(next.href)} (redirects are followed only within ` +
        `${origin}; put the endpoint it redirects to in source.url)`,
    );
  }
  return next.href;
}
