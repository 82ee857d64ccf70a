import assert from "node:assert/strict";
import { AimdRate } from "../../../src/exec/adaptive/aimd_rate.ts";
import type { LimitReading } from "../../../src/exec/adaptive/limit_estimate.ts";
import { adaptiveParams } from "../../../src/exec/adaptive/params.ts";

// The mechanics at the slow start the helpers below were written for; the defaults have their own test.
const PARAMS = adaptiveParams({ slowStartDoublingMs: 250 });
const GROW = { grow: true } as const;

/** An AimdRate that grew from 10/s to 40/s by t = 0 (two doublings of slow start). */
function at40(): AimdRate {
  const aimd = new AimdRate(PARAMS, { maxRate: Infinity, at: -1000 });
  aimd.advance(-500, GROW);
  assert.equal(aimd.rate, 40);
  return aimd;
}

/** An AimdRate that found a ceiling of 40/s at t = 0 and recovered to its plateau. */
function atPlateau(): AimdRate {
  const aimd = at40();
  aimd.onLimit(0, { startedAt: 0, startRate: 40, what: "HTTP 429" });
  aimd.advance(10_000, GROW);
  return aimd;
}

Deno.test("slow start doubles every slowStartDoublingMs, or every two baseline latencies if longer", () => {
  const aimd = new AimdRate(PARAMS, { maxRate: Infinity, at: 0 });
  assert.equal(aimd.rate, 10);
  assert.equal(aimd.advance(250, GROW)?.rate, 20);
  assert.equal(aimd.advance(250, GROW), undefined, "no time passed");
  const decision = aimd.advance(1050, { grow: true, baselineMs: 400 });
  assert.equal(decision?.rate, 40);
  assert.equal(decision?.cause, "slow-start");
  assert.equal(decision?.reason, "no limit seen yet: doubling every 800 ms");
  // By default every 150 ms: 10/s to 100/s in half a second.
  const fast = new AimdRate(adaptiveParams(), { maxRate: Infinity, at: 0 });
  assert.equal(fast.advance(150, { grow: true, baselineMs: 50 })?.rate, 20);
});

Deno.test("time without growth (a pause, a hold) is not made up for", () => {
  const aimd = new AimdRate(PARAMS, { maxRate: Infinity, at: 0 });
  aimd.advance(5000, { grow: false });
  assert.equal(aimd.rate, 10);
  assert.equal(aimd.advance(5250, GROW)?.rate, 20);
});

Deno.test("the rate stays within the floor and the cap, and the cap wins over the floor", () => {
  const capped = new AimdRate(PARAMS, { maxRate: 25, at: 0 });
  const decision = capped.advance(1000, GROW)!;
  assert.equal(decision.rate, 25);
  assert.equal(decision.reason, "at the cap 25.0/s (the profile's limit)");
  assert.ok(decision.force, "reaching the cap is applied even as a small step");
  const low = new AimdRate(PARAMS, { maxRate: Infinity, at: 0 });
  for (let i = 0; i < 10; i++) {
    low.onOverload(i * 10_000, {
      startedAt: i * 10_000,
      startRate: low.rate,
      what: "HTTP 503",
      kind: "overload",
    });
  }
  assert.equal(low.rate, PARAMS.minRate);
  const below = new AimdRate(PARAMS, { maxRate: 0.2, at: 0 });
  assert.equal(below.rate, 0.2, "a cap below the floor still caps");
});

Deno.test("a 429 sets the ceiling at the rate its request was sent at and decreases by 0.9", () => {
  const aimd = at40();
  const decision = aimd.onLimit(520, { startedAt: 500, startRate: 38, what: "HTTP 429" })!;
  assert.deepEqual(decision, {
    rate: 34.2,
    cause: "limit",
    reason: "HTTP 429 at 38.0/s: ceiling 38.0/s, rate x0.9",
    force: true,
  });
  assert.equal(aimd.ceiling, 38);
  assert.equal(aimd.lastDecreaseAt, 520);
});

Deno.test("a 429 for a request sent before the last decrease belongs to its episode", () => {
  const aimd = atPlateau();
  const rate = aimd.rate;
  assert.equal(aimd.onLimit(10_050, { startedAt: -1, startRate: 40, what: "HTTP 429" }), undefined);
  assert.equal(aimd.rate, rate);
});

Deno.test("below the ceiling the rate recovers concavely to the plateau, 3 % under it, and holds", () => {
  const aimd = at40();
  aimd.onLimit(0, { startedAt: 0, startRate: 40, what: "HTTP 429" });
  assert.equal(aimd.rate, 36);
  const first = aimd.advance(1000, GROW)!;
  const second = aimd.advance(2000, GROW)!;
  // The gap to 38.8 shrinks by e each second: fast first, slow near the ceiling.
  assert.ok(Math.abs(first.rate - (38.8 - 2.8 / Math.E)) < 1e-9);
  assert.ok(second.rate - first.rate < first.rate - 36);
  assert.equal(first.cause, "recover");
  const landed = aimd.advance(6000, GROW)!;
  assert.deepEqual([landed.rate, landed.force], [38.8, true]);
  assert.equal(landed.reason, "at 38.8/s (the ceiling 40.0/s less 3 %)");
  assert.equal(aimd.advance(20_000, GROW), undefined, "holds at the plateau");
});

Deno.test("a ceiling at its highest is probed after 30 s, doubled for each 429 that confirms it", () => {
  const aimd = atPlateau();
  assert.equal(aimd.advance(29_900, GROW), undefined);
  const probe = aimd.advance(30_500, GROW)!;
  assert.equal(probe.cause, "probe");
  assert.match(
    probe.reason,
    /^probing above the ceiling 40\.0\/s: 30\.5 s since the last refusal$/,
  );
  // Only the half second since the hold ended counts: half a doubling.
  assert.ok(Math.abs(probe.rate - 38.8 * Math.SQRT2) < 1e-9);
  // The probe fails above the ceiling: the ceiling holds, and the next probe waits 60 s.
  const failed = aimd.onLimit(30_600, { startedAt: 30_500, startRate: 42, what: "HTTP 429" })!;
  assert.equal(
    failed.reason,
    "HTTP 429 at 42.0/s while probing: the ceiling 40.0/s holds, rate x0.9",
  );
  assert.equal(aimd.ceiling, 40);
  aimd.advance(45_000, GROW);
  assert.equal(aimd.rate, 38.8);
  assert.equal(aimd.advance(90_500, GROW), undefined, "60 s after the failed probe, not yet");
  assert.equal(aimd.advance(90_700, GROW)?.cause, "probe");
});

Deno.test("a probe that passes 1.5 x the ceiling forgets it and grows on", () => {
  const aimd = atPlateau();
  aimd.advance(30_000, GROW);
  const decision = aimd.advance(30_300, { grow: true, baselineMs: 20 })!;
  assert.equal(aimd.ceiling, 40);
  assert.ok(decision.rate > 38.8 && decision.rate < 60);
  const past = aimd.advance(30_700, GROW)!;
  assert.equal(past.reason, "no refusal up to 1.5x the ceiling 40.0/s: the limit rose");
  assert.equal(aimd.ceiling, Infinity);
  const next = aimd.advance(31_700, GROW)!;
  assert.equal(next.cause, "probe", "then at the probing pace, not slow start");
  assert.ok(Math.abs(next.rate - 2 * past.rate) < 1e-9);
});

Deno.test("a 429 again before the rate recovered means the limit dropped: x0.67, then halving", () => {
  const aimd = atPlateau();
  // Under 10 s after the last refusal: not timing noise at the plateau.
  aimd.onLimit(9_500, { startedAt: 9_400, startRate: 38.8, what: "HTTP 429" });
  assert.ok(Math.abs(aimd.rate - 34.92) < 1e-9);
  const second = aimd.onLimit(10_600, { startedAt: 10_550, startRate: 34.92, what: "HTTP 429" })!;
  assert.equal(
    second.reason,
    "HTTP 429 again at 34.9/s within 3.0 s of the last decrease: the limit dropped, " +
      "ceiling 34.9/s, rate x0.67",
  );
  const third = aimd.onLimit(11_700, {
    startedAt: 11_650,
    startRate: aimd.rate,
    what: "HTTP 429",
  })!;
  assert.match(third.reason, /rate x0\.5$/);
  // A 429 after the rate recovered past where it was decreased to is a plain one.
  aimd.advance(17_500, GROW);
  const plain = aimd.onLimit(18_500, {
    startedAt: 18_400,
    startRate: aimd.rate,
    what: "HTTP 429",
  })!;
  assert.match(plain.reason, /rate x0\.9$/);
});

Deno.test("below 80 % of a recent peak the ceiling is probed after 4 s; the peak fades with a 30 s half-life", () => {
  const aimd = atPlateau();
  // Held 40/s for 9 s (over 5 s: a peak; under 10 s: not timing noise).
  // Then the limit drops to 10/s.
  aimd.onLimit(9_000, { startedAt: 8_900, startRate: 38.8, what: "HTTP 429" });
  aimd.onLimit(10_100, { startedAt: 10_050, startRate: aimd.rate, what: "HTTP 429" });
  aimd.onLimit(11_200, { startedAt: 11_150, startRate: 10, what: "HTTP 429" });
  assert.equal(aimd.ceiling, 10);
  assert.equal(aimd.advance(17_000, GROW)?.reason, "at 9.7/s (the ceiling 10.0/s less 3 %)");
  assert.equal(aimd.advance(17_100, GROW)?.cause, "probe", "4 s after the last refusal were up");
  // The probe fails: the ceiling holds.
  aimd.onLimit(17_300, { startedAt: 17_200, startRate: 10.5, what: "HTTP 429" });
  assert.equal(aimd.ceiling, 10);
  // Minutes later the peak has faded: a refusal at the plateau confirms the
  // ceiling again, and the next probe waits 30 s x 2^2.
  aimd.advance(250_000, { grow: false });
  aimd.onLimit(250_000, { startedAt: 249_900, startRate: 9.7, what: "HTTP 429" });
  assert.equal(aimd.advance(260_000, GROW)?.cause, "recover");
  assert.equal(aimd.advance(266_000, GROW), undefined, "no probe 4 s after");
  assert.equal(aimd.advance(369_000, GROW), undefined);
  assert.equal(aimd.advance(371_000, GROW)?.cause, "probe");
  // Without a peak, a first ceiling waits 30 s.
  const quiet = new AimdRate(PARAMS, { maxRate: Infinity, at: 0 });
  quiet.onLimit(0, { startedAt: 0, startRate: 10, what: "HTTP 429" });
  quiet.advance(10_000, GROW);
  assert.equal(quiet.advance(20_000, GROW), undefined);
  assert.equal(quiet.advance(30_100, GROW)?.cause, "probe");
});

Deno.test("an overload decreases by 0.7 and marks a soft ceiling, probed 2 s after the last one", () => {
  const aimd = atPlateau();
  const decision = aimd.onOverload(12_000, {
    startedAt: 11_950,
    startRate: 38.8,
    what: "HTTP 503",
    kind: "overload",
  })!;
  assert.deepEqual([decision.cause, decision.reason], [
    "overload",
    "HTTP 503 at 38.8/s: rate x0.7",
  ]);
  const latency = aimd.onOverload(12_500, {
    startedAt: 12_400,
    startRate: aimd.rate,
    what: "latency 120 ms, 2.4x the baseline 50 ms,",
    kind: "latency",
  })!;
  assert.equal(latency.cause, "latency");
  assert.match(latency.reason, /rate x0\.9$/);
  assert.equal(aimd.advance(14_000, GROW)?.cause, "recover");
  assert.equal(
    aimd.advance(20_000, GROW)?.reason,
    "at 26.3/s (the rate before the slowdown less 3 %)",
  );
  const probe = aimd.advance(20_100, GROW)!;
  assert.equal(probe.cause, "probe");
  assert.match(probe.reason, /^growing past 26\.3\/s: 7\.6 s since the slowdown$/);
  aimd.advance(25_000, GROW);
  // Back at the 429 ceiling's plateau: the slowdown is over.
  assert.equal(aimd.rate, 38.8);
});

Deno.test("an announced limit sets the rate at once and replaces what refusals taught", () => {
  const aimd = atPlateau();
  const decision = aimd.announce(19.4, 11_000, "the server announces 20.0/s: at most 19.4/s");
  assert.deepEqual(decision, {
    rate: 19.4,
    cause: "announced",
    reason: "the server announces 20.0/s: at most 19.4/s",
    force: true,
  });
  assert.equal(aimd.ceiling, Infinity);
  assert.equal(aimd.advance(20_000, GROW), undefined, "at the cap: nothing to grow");
  aimd.announce(58.2, 21_000, "the server announces 60.0/s: at most 58.2/s");
  assert.equal(aimd.rate, 58.2);
});

/** A reading of `rate` at a bucket of `bucketMs` (the curve does not matter to AimdRate). */
function reading(rate: number, bucketMs: number, known = false): LimitReading {
  return { rate, least: rate, bucketMs, bucketKnown: known, crossed: false, curve: [] };
}

Deno.test("a reading below the rate refused is the ceiling, and the rate goes straight to its plateau", () => {
  const aimd = at40();
  // Refused at 75/s by a bucket of 100 ms that the slow start emptied; the starts read 40/s.
  const decision = aimd.onLimit(0, {
    startedAt: -10,
    startRate: 75,
    what: "HTTP 429",
    reading: reading(40, 100),
    pauseMs: 1000,
  })!;
  assert.equal(aimd.ceiling, 40);
  assert.equal(decision.reason, "HTTP 429 at 40.0/s: ceiling 40.0/s, rate x0.9");
  // The pause refills the bucket: no dip, the plateau at once, the margin as
  // much of 3 % as the pause costs (900 of its 1000 ms).
  assert.ok(Math.abs(decision.rate - 40 * (1 - 0.03 * 0.9)) < 1e-9, `${decision.rate}`);
});

Deno.test("a refusal at the plateau long after the last, that the starts read at about the rate sent, paces one step lower and wins it back", () => {
  const bunched = () => {
    const aimd = atPlateau();
    const decision = aimd.onLimit(20_000, {
      startedAt: 19_950,
      startRate: 38.8,
      what: "HTTP 429",
      reading: reading(38.7, 100),
    })!;
    return { aimd, decision };
  };
  const { aimd, decision } = bunched();
  assert.equal(decision.bunched, true);
  assert.equal(aimd.ceiling, 40, "the ceiling holds");
  assert.match(decision.reason, /at the plateau of the ceiling 40\.0\/s: pacing 6 % under it/);
  assert.ok(Math.abs(decision.rate - 37.6) < 1e-9);
  assert.equal(aimd.advance(30_000, GROW), undefined, "holds there");
  // 30 s without another: the step is won back.
  const quiet = bunched().aimd;
  quiet.advance(50_100, GROW);
  quiet.advance(60_000, GROW);
  assert.equal(quiet.rate, 38.8);
  // Soon after a refusal, one at the plateau is no noise: the reading is the ceiling.
  const again = aimd.onLimit(25_000, {
    startedAt: 24_950,
    startRate: 37.6,
    what: "HTTP 429",
    reading: reading(37.5, 100),
  })!;
  assert.equal(again.bunched, undefined);
  assert.equal(aimd.ceiling, 37.5);
});

Deno.test("a probe waits longer the more of a refusal's pause the bucket does not bank", () => {
  const probeAt = (bucketMs: number) => {
    const aimd = at40();
    aimd.onLimit(0, {
      startedAt: 0,
      startRate: 40,
      what: "HTTP 429",
      reading: reading(40, bucketMs),
      pauseMs: 1000,
    });
    for (let at = 1000; at < 200_000; at += 500) {
      if (aimd.advance(at, GROW)?.cause === "probe") return at;
    }
    return Infinity;
  };
  // A bucket of a second refills in the pause: a refused probe is nearly free.
  assert.ok(Math.abs(probeAt(1000) - 30_500) <= 1000, `${probeAt(1000)}`);
  // A bucket of 100 ms banks a tenth of it: 30 s x 1.9.
  assert.ok(Math.abs(probeAt(100) - 57_000) <= 1000, `${probeAt(100)}`);
});

Deno.test("a bucket a check found sets the ceiling from the reading again, never above the rate refused", () => {
  const aimd = at40();
  aimd.onLimit(0, { startedAt: 0, startRate: 42, what: "HTTP 429", reading: reading(25, 100) });
  assert.equal(aimd.ceiling, 25);
  const decision = aimd.bucketFound(1500, {
    reading: { ...reading(48, 25, true), least: 39 },
    pauseMs: 1000,
    what: "1 of 2 requests sent at once after the pause answered 429: the bucket holds 1",
  });
  // A third of the way from the least (39) to the rate refused (40: it was sent at 40/s).
  assert.ok(Math.abs(aimd.ceiling - (39 + 1 / 3)) < 1e-9);
  assert.equal(decision.cause, "limit");
  assert.match(decision.reason, /ceiling 39\.3\/s$/);
});
