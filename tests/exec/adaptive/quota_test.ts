import assert from "node:assert/strict";
import { quotaPause } from "../../../src/exec/adaptive/quota.ts";

Deno.test("a quota used up pauses until its reset; anything else asks for nothing", () => {
  assert.deepEqual(quotaPause({ ratePerSecond: 40, remaining: 0, resetMs: 30_000 }, 1000), {
    until: 31_000,
    reason: "the server's quota is used up: it resets in 30000 ms",
  });
  for (
    const hint of [
      { remaining: 1, resetMs: 30_000 }, // one left
      { remaining: 0 }, // no reset said
      { remaining: 0, resetMs: 0 }, // resets now
      { remaining: 0, resetMs: Infinity },
      { remaining: 0, resetMs: NaN },
      { resetMs: 5000 }, // no remaining said
      {},
    ]
  ) {
    assert.equal(quotaPause(hint, 1000), undefined, JSON.stringify(hint));
  }
});
