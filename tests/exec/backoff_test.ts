import assert from "node:assert/strict";
import { backoffDelay, retryAfterDelay } from "../../src/exec/backoff.ts";
import type { RetryPolicy } from "../../src/exec/types.ts";
import { seededRandom } from "./_helpers.ts";

const policy: RetryPolicy = {
  maxRetries: 8,
  baseDelayMs: 500,
  maxDelayMs: 10_000,
  multiplier: 3,
  jitter: "none",
};

Deno.test("backoff without jitter is base × multiplier^(attempt-1), capped at maxDelayMs", () => {
  const delays = [1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, policy));
  assert.deepEqual(delays, [500, 1500, 4500, 10_000, 10_000, 10_000]);
});

Deno.test("backoff with a multiplier of 1 is constant", () => {
  const constant = { ...policy, multiplier: 1 };
  assert.deepEqual([1, 2, 9].map((attempt) => backoffDelay(attempt, constant)), [500, 500, 500]);
});

Deno.test("backoff with full jitter stays within [0, capped delay) and uses the given random source", () => {
  const jittered = { ...policy, jitter: "full" } as const;
  const random = seededRandom(7);
  const expected = seededRandom(7);
  for (let attempt = 1; attempt <= 8; attempt++) {
    for (let i = 0; i < 200; i++) {
      const capped = backoffDelay(attempt, policy);
      const delay = backoffDelay(attempt, jittered, random);
      assert.ok(delay >= 0 && delay < capped, `attempt ${attempt}: ${delay} of ${capped}`);
      assert.equal(delay, expected() * capped);
    }
  }
});

Deno.test("backoff with full jitter spreads over the whole range", () => {
  const random = seededRandom(1);
  const delays = Array.from(
    { length: 1000 },
    () => backoffDelay(1, { ...policy, jitter: "full" }, random),
  );
  assert.ok(Math.min(...delays) < 50);
  assert.ok(Math.max(...delays) > 450);
});

Deno.test("backoff rejects an attempt below 1 or fractional with a RangeError", () => {
  for (const attempt of [0, -1, 1.5, NaN]) {
    assert.throws(
      () => backoffDelay(attempt, policy),
      new RangeError(
        `Cannot compute backoff for attempt "${attempt}": must be a whole number of at least 1`,
      ),
    );
  }
});

Deno.test("a Retry-After is honoured in full, and never shortens the backoff", () => {
  assert.equal(retryAfterDelay(7000, 350), 7000);
  assert.equal(retryAfterDelay(3_600_000, 350), 3_600_000);
  assert.equal(retryAfterDelay(1000, 4000), 4000);
  assert.equal(retryAfterDelay(0, 350), 350);
  assert.equal(retryAfterDelay(-5, 350), 350);
  assert.equal(retryAfterDelay(NaN, 350), 350);
  assert.equal(retryAfterDelay(Infinity, 350), 350);
});
