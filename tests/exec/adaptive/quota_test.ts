import assert from "node:assert/strict";
import { MAX_QUOTA_PAUSE_MS, quotaPause } from "../../../src/exec/adaptive/quota.ts";

Deno.test("a quota used up pauses until its reset; anything else asks for nothing", () => {
  assert.deepEqual(quotaPause({ ratePerSecond: 40, remaining: 0, resetMs: 30_000 }, 1000), {
    until: 31_000,
    reason: "the server's quota is used up: it resets in 30000 ms",
  });
  assert.equal(MAX_QUOTA_PAUSE_MS, 60_000);
  assert.equal(quotaPause({ remaining: 0, resetMs: 60_000 }, 0)?.until, 60_000);
  for (
    const hint of [
      { remaining: 1, resetMs: 30_000 }, // one left
      { remaining: 0 }, // no reset said
      { remaining: 0, resetMs: 0 }, // resets now
      { remaining: 0, resetMs: Infinity },
      { remaining: 0, resetMs: 60_001 }, // a daily quota, or a reset misread: the 429 decides
      { remaining: 0, resetMs: 1.79e15 },
      { remaining: 0, resetMs: NaN },
      { resetMs: 5000 }, // no remaining said
      {},
    ]
  ) {
    assert.equal(quotaPause(hint, 1000), undefined, JSON.stringify(hint));
  }
});
