import assert from "node:assert/strict";
import { theoreticalMinimum as boundOf } from "../../src/plan/bound.ts";
import { compileLimits, type ProfileLimits } from "../../src/plan/limits.ts";

const limits = { volumes: 3, booksPerVolume: 5, chaptersPerBook: 10, delayMs: 0 };

/** The bound under a profile's limits, compiled as a run compiles them. */
function theoreticalMinimum(
  books: Parameters<typeof boundOf>[0],
  profile: ProfileLimits,
  latencyMs: number,
) {
  return boundOf(books, compileLimits(profile), latencyMs);
}

Deno.test("bound is ceil(N/C)*L when only concurrency limits", () => {
  // 1 volume, 15 books of 10: at most 5 books x 10 chapters = 50 in flight.
  const books = Array.from({ length: 15 }, () => ({ volume: "v", chapters: 10 }));
  const bound = theoreticalMinimum(books, limits, 100);
  assert.equal(bound.concurrency, 50);
  assert.equal(bound.ms, 300);
  assert.equal(bound.limitedBy, "concurrency");
});

Deno.test("bound is set by the rate when delay dominates", () => {
  const books = [{ volume: "v", chapters: 239 }];
  const bound = theoreticalMinimum(books, { ...limits, delayMs: 50 }, 150);
  assert.equal(bound.rate, 20);
  assert.equal(bound.ms, 238 * 50 + 150);
  assert.equal(bound.limitedBy, "rate");
});

Deno.test("bound is set by the longest book when one book dwarfs the rest", () => {
  const books = [{ volume: "v", chapters: 150 }, { volume: "w", chapters: 1 }];
  const bound = theoreticalMinimum(books, { ...limits, maxInFlight: 100 }, 100);
  assert.equal(bound.terms.longestBook, 1500);
  assert.equal(bound.limitedBy, "longest-book");
});

Deno.test("a token bucket lets its burst start at once", () => {
  const books = [{ volume: "v", chapters: 100 }];
  const bound = theoreticalMinimum(
    books,
    { ...limits, chaptersPerBook: 100, requestsPerSecond: 10, burst: 10 },
    100,
  );
  assert.equal(bound.ms, 9000 + 100);
});

Deno.test("an empty selection has a zero bound, not NaN", () => {
  const bound = theoreticalMinimum([], { ...limits, delayMs: 50 }, 100);
  assert.equal(bound.ms, 0);
});

Deno.test("maxInFlight caps the effective concurrency", () => {
  const books = Array.from({ length: 20 }, (_, i) => ({ volume: `v${i % 4}`, chapters: 30 }));
  assert.equal(theoreticalMinimum(books, limits, 100).concurrency, 150);
  assert.equal(theoreticalMinimum(books, { ...limits, maxInFlight: 16 }, 100).concurrency, 16);
});

Deno.test("a token bucket without a burst starts one request at once", () => {
  const books = [{ volume: "v", chapters: 100 }];
  const profile = { ...limits, chaptersPerBook: 100, requestsPerSecond: 10 };
  assert.equal(theoreticalMinimum(books, profile, 100).ms, 9900 + 100);
});

Deno.test("a delay slower than the bucket sets the rate, and the bucket's burst then counts for nothing", () => {
  const compiled = compileLimits({ ...limits, delayMs: 200, requestsPerSecond: 10, burst: 10 });
  assert.equal(compiled.rate, 5);
  assert.equal(compiled.burst, 1);
  assert.deepEqual(compiled.executor.tokenBucket, { ratePerSecond: 10, burst: 10 });
});
