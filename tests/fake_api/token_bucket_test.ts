import assert from "node:assert/strict";
import { TokenBucket } from "../../src/fake_api/token_bucket.ts";

Deno.test("TokenBucket starts full and lets a burst through, then one token per 1/rate seconds", () => {
  const bucket = new TokenBucket({ ratePerSecond: 4, burst: 3 }, 1000);
  assert.deepEqual([bucket.take(1000), bucket.take(1000), bucket.take(1000)], [0, 0, 0]);
  assert.equal(bucket.take(1000), 250);
  assert.equal(bucket.take(1100), 150);
  assert.equal(bucket.take(1250), 0);
  assert.equal(bucket.take(1250), 250);
});

Deno.test("TokenBucket never holds more than its burst", () => {
  const bucket = new TokenBucket({ ratePerSecond: 10, burst: 2 }, 0);
  bucket.take(0);
  bucket.take(0);
  const after = [bucket.take(60_000), bucket.take(60_000), bucket.take(60_000)];
  assert.deepEqual(after, [0, 0, 100]);
});

Deno.test("TokenBucket refuses a rate of 0 and a burst below 1", () => {
  assert.throws(() => new TokenBucket({ ratePerSecond: 0, burst: 1 }, 0), RangeError);
  assert.throws(() => new TokenBucket({ ratePerSecond: 1, burst: 0.5 }, 0), RangeError);
});

Deno.test("TokenBucket changes its rate keeping the tokens it has, and tells what it holds without taking", () => {
  const bucket = new TokenBucket({ ratePerSecond: 10, burst: 2 }, 0);
  bucket.take(0);
  bucket.take(0);
  assert.equal(bucket.available(50), 0.5);
  assert.equal(bucket.msUntilFull(50), 150);
  bucket.setRate(1, 50);
  assert.equal(bucket.ratePerSecond, 1);
  assert.equal(bucket.available(550), 1, "half a token before, half a token in 500 ms at 1/s");
  assert.equal(bucket.take(550), 0);
  assert.equal(bucket.take(550), 1000);
  assert.equal(bucket.msUntilFull(550), 2000);
  assert.throws(() => bucket.setRate(0, 600), RangeError);
});
