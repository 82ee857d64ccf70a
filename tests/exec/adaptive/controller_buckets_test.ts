import assert from "node:assert/strict";
import { sanitizedTest } from "../_helpers.ts";
import { type SimServerOptions, simulate } from "./_sim.ts";

/**
 * The whole canon (1,584 requests) the way `deno task import` meets the fake
 * API over loopback: 50 ms of work per answer, a refusal answered at once,
 * arrivals jittering by half a millisecond and bunched now and then by the
 * server's own stalls; the `adaptive` profile's ceiling of 10 in flight.
 */
const CANON = 1584;
const LOOPBACK: Omit<SimServerOptions, "rate"> = {
  latencyMs: 1,
  processingMs: 50,
  transitJitterMs: 0.5,
  stalls: { perSecond: 20, meanMs: 1.5 },
};

for (const bucketMs of [100, 1000]) {
  for (const rate of [10, 40, 100]) {
    sanitizedTest(
      `behind a bucket of ${bucketMs} ms of tokens at ${rate}/s, saying nothing but 429 and a whole-second Retry-After, the canon takes at most 1.10 x N/R with under 2 % 429s, none sent before its Retry-After`,
      async () => {
        const sim = await simulate({
          server: { ...LOOPBACK, rate, bucketMs },
          tasks: CANON,
          limits: { maxInFlight: 10 },
        });
        assert.equal(sim.report.done, CANON);
        const ideal = (CANON / rate) * 1000;
        assert.ok(
          sim.report.durationMs <= 1.1 * ideal,
          `${(sim.report.durationMs / ideal).toFixed(3)} x N/R: ` +
            sim.changes.filter((c) => c.cause === "limit").map((c) => c.reason).join("; "),
        );
        const refused = sim.server.count(429) / sim.server.arrivals.length;
        assert.ok(refused < 0.02, `${(refused * 100).toFixed(2)} % answered 429`);
        assert.equal(sim.server.beforeRetryAfter, 0, "a request came before a Retry-After ran out");
      },
    );
  }
}

for (const bucketMs of [100, 1000]) {
  sanitizedTest(
    `behind a bucket of ${bucketMs} ms at 40/s that announces its limit only on its 429s, the adaptive profile and a fixed one at the limit take at most 1.05 x N/R`,
    async () => {
      const server = { ...LOOPBACK, rate: 40, bucketMs, announce: "on-429" as const };
      const ideal = (CANON / 40) * 1000;
      const adaptive = await simulate({ server, tasks: CANON, limits: { maxInFlight: 10 } });
      // `aggressive`: 25 ms between starts, as many in flight as its scopes allow.
      const fixed = await simulate({
        server,
        tasks: CANON,
        adaptive: false,
        limits: { delayMs: 25, maxInFlight: 50 },
      });
      for (const [name, sim] of [["adaptive", adaptive], ["fixed", fixed]] as const) {
        assert.equal(sim.report.done, CANON);
        assert.ok(
          sim.report.durationMs <= 1.05 * ideal,
          `${name}: ${(sim.report.durationMs / ideal).toFixed(3)} x N/R`,
        );
        assert.equal(sim.server.beforeRetryAfter, 0);
      }
      // Refused once at most: the answer that announced the limit.
      assert.ok(adaptive.server.count(429) <= 2, `${adaptive.server.count(429)} answered 429`);
    },
  );
}

sanitizedTest(
  "a burst after the pause tells a strict spacing from a small bucket: one holds it, the other takes one",
  async () => {
    // 40/s: a bucket of 100 ms holds 4; a strict spacing holds 1.
    const bucket = await simulate({
      server: { ...LOOPBACK, rate: 40, bucketMs: 100 },
      tasks: 300,
      limits: { maxInFlight: 10 },
    });
    const strict = await simulate({
      server: { ...LOOPBACK, rate: 40 },
      tasks: 300,
      limits: { maxInFlight: 10 },
    });
    const found = (reason: string) =>
      /requests sent at once after the pause answered 429/.test(reason);
    assert.ok(!bucket.changes.some((c) => found(c.reason)), "the bucket held the burst");
    const check = strict.changes.find((c) => found(c.reason));
    assert.match(check?.reason ?? "", /: the bucket holds 1: /);
    // Read again at one request, the ceiling is the strict spacing's, within 5 %.
    const ceiling = Number(/ceiling ([\d.]+)\/s/.exec(check!.reason)![1]);
    assert.ok(Math.abs(ceiling / 40 - 1) <= 0.05, `ceiling ${ceiling}`);
  },
);
