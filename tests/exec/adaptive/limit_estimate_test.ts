import assert from "node:assert/strict";
import { LimitEstimate } from "../../../src/exec/adaptive/limit_estimate.ts";
import { TokenBucket } from "../../../src/fake_api/token_bucket.ts";

/**
 * Sends at `rateAt(t)` into a token bucket from `from` until the first
 * refusal; records every start. Returns the refused start's time.
 */
function sendUntilRefused(
  estimate: LimitEstimate,
  bucket: TokenBucket,
  from: number,
  rateAt: (t: number) => number,
): number {
  let at = from;
  for (let i = 0; i < 100_000; i++) {
    if (bucket.take(at) > 0) return at;
    estimate.started(at);
    at += 1000 / rateAt(at - from);
  }
  throw new Error("never refused");
}

/** A slow start: 10/s doubling every 150 ms. */
const rampFrom10 = (t: number) => 10 * 2 ** (t / 150);

Deno.test("a slow start that empties a bucket of 100 ms reads the limit, not the rate it was refused at", () => {
  for (const limit of [40, 100]) {
    const estimate = new LimitEstimate({ priorBucketMs: 100 });
    const bucket = new TokenBucket({ ratePerSecond: limit, burst: limit / 10 }, 0);
    const refusedAt = sendUntilRefused(estimate, bucket, 0, rampFrom10);
    assert.ok(rampFrom10(refusedAt) > 1.5 * limit, "refused far above the limit");
    const reading = estimate.read(refusedAt)!;
    assert.equal(reading.bucketKnown, false);
    assert.ok(Math.abs(reading.rate / limit - 1) <= 0.05, `${limit}/s read ${reading.rate}`);
  }
});

Deno.test("two refusals after different sending cross at the bucket's size, both at the limit", () => {
  // A one-second bucket at 40/s: the prior of 100 ms reads far too high.
  const estimate = new LimitEstimate({ priorBucketMs: 100 });
  const bucket = new TokenBucket({ ratePerSecond: 40, burst: 40 }, 0);
  const first = sendUntilRefused(estimate, bucket, 0, rampFrom10);
  const ramp = estimate.read(first)!;
  assert.ok(ramp.rate > 1.5 * 40, `the prior reads ${ramp.rate}`);
  estimate.remember(ramp);
  // A pause of a second (it refills the bucket), then a steady 90/s until refused.
  estimate.paused(first);
  const second = sendUntilRefused(estimate, bucket, first + 1000, () => 90);
  const reading = estimate.read(second)!;
  assert.equal(reading.bucketKnown, true);
  assert.equal(reading.crossed, true);
  assert.ok(Math.abs(reading.rate / 40 - 1) <= 0.05, `read ${reading.rate}`);
  assert.ok(Math.abs((reading.rate * reading.bucketMs) / 1000 / 40 - 1) <= 0.15);
});

Deno.test("a bucket a check found is kept in requests: it reads the limit at a new rate", () => {
  const estimate = new LimitEstimate({ priorBucketMs: 100 });
  // A strict spacing at 20/s, the prior read as 2 requests; a check finds 1.
  const bucket = new TokenBucket({ ratePerSecond: 20, burst: 1 }, 0);
  const first = sendUntilRefused(estimate, bucket, 0, rampFrom10);
  estimate.remember(estimate.read(first)!);
  const found = estimate.bucketFound(1)!;
  assert.equal(found.bucketKnown, true);
  // The accepted gap before the refusal is the least the limit can be.
  assert.ok(found.least <= 20 && found.least > 15, `least ${found.least}`);
  // The limit drops to 5/s; a steady 10/s is refused on its second request.
  bucket.setRate(5, first + 1000);
  estimate.paused(first);
  const at = first + 1000 + 1000;
  estimate.started(at);
  estimate.started(at + 100);
  estimate.started(at + 200);
  const reading = estimate.read(at + 300)!;
  assert.equal(reading.bucketKnown, true);
  // Three starts in 200 ms through a bucket of 1: at least (3 - 1) / 0.2 s.
  assert.ok(reading.least === 10, `least ${reading.least}`);
});

Deno.test("a refusal's own pause comes first: its starts are the stretch before that pause", () => {
  const estimate = new LimitEstimate();
  for (let i = 0; i < 10; i++) estimate.started(i * 20);
  // The refused request started at 200; its pause is reported before its answer.
  estimate.paused(205);
  // An extension by another refusal of the same episode moves nothing.
  estimate.paused(206);
  const reading = estimate.read(200)!;
  assert.ok(reading.rate > 0 && reading.rate < Infinity);
  assert.equal(estimate.read(100_000), undefined, "nothing sent since the pause");
});
