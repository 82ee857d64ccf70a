/**
 * The theoretical minimum duration of an import: no importer, however clever,
 * can finish faster under the same limits and latency.
 *
 * @module
 */

import type { RunLimits } from "./limits.ts";

/** One book's share of the work: its volume and its number of chapter requests. */
export interface BoundBook {
  /** The book's volume id. */
  readonly volume: string;
  /** Chapter requests in the book. */
  readonly chapters: number;
}

/** The lower bound and the term that sets it. */
export interface Bound {
  /** The minimum duration, ms. */
  readonly ms: number;
  /** Requests. */
  readonly requests: number;
  /** The effective concurrency: requests that can be in flight at once for this selection. */
  readonly concurrency: number;
  /** Starts per second allowed by `delay` and the token bucket (Infinity when unlimited). */
  readonly rate: number;
  /** Which term is the largest. */
  readonly limitedBy: "concurrency" | "rate" | "longest-book" | "volume";
  /** Each term, ms. */
  readonly terms: {
    readonly concurrency: number;
    readonly rate: number;
    readonly longestBook: number;
    readonly volume: number;
  };
}

/**
 * Computes `max(ceil(N/C)*L, N/R, longest book, largest volume)`:
 * - `ceil(N/C)*L`: N requests, at most C at once, each taking L;
 * - `N/R`: the rate limit, computed exactly as `(N - burst)/R + L` (the first
 *   `burst` starts are free, the last request still takes L);
 * - the longest book: `ceil(n/chaptersPerBook)*L`;
 * - each volume: `ceil(n_v/(booksPerVolume*chaptersPerBook))*L`.
 *
 * @param books the selected books, each with its volume and chapter count
 * @param limits the run's limits (`compileLimits` of its profile)
 * @param latencyMs the latency of one request, ms: the server's own, without
 *   what a client adds (after a run, the summary's `latency.serverMs`)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { theoreticalMinimum } from "./bound.ts";
 * import { compileLimits } from "./limits.ts";
 * const bound = theoreticalMinimum(
 *   [{ volume: "bofm", chapters: 22 }, { volume: "bofm", chapters: 33 }],
 *   compileLimits({ volumes: 3, booksPerVolume: 5, chaptersPerBook: 10, delayMs: 50 }),
 *   100,
 * );
 * assert.ok(bound.limitedBy === "rate");
 * assert.ok(bound.ms === 54 * 50 + 100);
 * ```
 */
export function theoreticalMinimum(
  books: readonly BoundBook[],
  limits: RunLimits,
  latencyMs: number,
): Bound {
  const requests = books.reduce((sum, b) => sum + b.chapters, 0);
  const perVolume = new Map<string, number[]>();
  for (const b of books) {
    const list = perVolume.get(b.volume) ?? [];
    list.push(b.chapters);
    perVolume.set(b.volume, list);
  }
  // The most requests the structure lets run at once: each open volume runs at
  // most booksPerVolume books, each book at most chaptersPerBook chapters.
  const volumeWidths = [...perVolume.values()].map((list) =>
    list.map((n) => Math.min(n, limits.chaptersPerBook))
      .sort((a, b) => b - a)
      .slice(0, limits.booksPerVolume)
      .reduce((s, n) => s + n, 0)
  ).sort((a, b) => b - a);
  // In a run of several languages each language's volume is a volume of its
  // own (see planBound), `volumes` of them open in each of `languages`.
  const structural = volumeWidths.slice(0, limits.volumes * limits.languages)
    .reduce((s, n) => s + n, 0);
  const concurrency = Math.max(1, Math.min(structural, limits.maxInFlight));
  const { rate, burst } = limits;

  const terms = {
    concurrency: requests === 0 ? 0 : Math.ceil(requests / concurrency) * latencyMs,
    rate: requests === 0 || rate === Infinity
      ? 0
      : (Math.max(0, requests - burst) / rate) * 1000 + latencyMs,
    longestBook: Math.max(
      0,
      ...books.map((b) => Math.ceil(b.chapters / limits.chaptersPerBook) * latencyMs),
    ),
    volume: Math.max(
      0,
      ...[...perVolume.values()].map((list) =>
        Math.ceil(
          list.reduce((s, n) => s + n, 0) / (limits.booksPerVolume * limits.chaptersPerBook),
        ) * latencyMs
      ),
    ),
  };
  const ranked = [
    ["concurrency", terms.concurrency],
    ["rate", terms.rate],
    ["longest-book", terms.longestBook],
    ["volume", terms.volume],
  ] as const;
  let best: (typeof ranked)[number] = ranked[0];
  for (const entry of ranked) if (entry[1] > best[1]) best = entry;
  return { ms: best[1], requests, concurrency, rate, limitedBy: best[0], terms };
}
