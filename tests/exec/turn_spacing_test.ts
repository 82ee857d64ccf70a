import assert from "node:assert/strict";
import type { Clock } from "../../src/exec/clock.ts";
import { RateLimiter } from "../../src/exec/rate_limiter.ts";
import { TurnSpacing } from "../../src/exec/turn_spacing.ts";
import { VirtualClock } from "../../src/exec/virtual_clock.ts";
import { sanitizedTest } from "./_helpers.ts";

/** A virtual clock whose turns end when the test says so. */
class TurnClock extends VirtualClock implements Clock {
  readonly #turns: (() => void)[] = [];

  nextTurn(): Promise<void> {
    return new Promise((resolve) => this.#turns.push(resolve));
  }

  /** Ends the pending turns at `at`. */
  async endTurn(at: number): Promise<void> {
    await this.advance(at - this.now());
    for (const resolve of this.#turns.splice(0)) resolve();
    await this.settle();
  }
}

/** Decides a start at `at`, lets its turn end `costMs` later, and returns the next allowed start. */
async function startAndGoOut(
  clock: TurnClock,
  limiter: RateLimiter,
  spacing: TurnSpacing,
  at: number,
  costMs: number,
): Promise<number> {
  await clock.advance(at - clock.now());
  assert.ok(limiter.tryStart(at), `a start is allowed at ${at}`);
  spacing.started(at);
  await clock.endTurn(at + costMs);
  return limiter.nextStartAt();
}

sanitizedTest("a clock without turns leaves starts as decided", () => {
  const clock = new VirtualClock();
  assert.equal(TurnSpacing.for(clock, new RateLimiter({ delayMs: 25 }, clock)), undefined);
});

sanitizedTest(
  "starts are spaced from when they went out, the least recent cost anticipated, plus a margin",
  async () => {
    const clock = new TurnClock();
    const limiter = new RateLimiter({ delayMs: 25 }, clock);
    const spacing = TurnSpacing.for(clock, limiter)!;
    const margin = 0.5; // min(0.5 ms, 2 % of 25 ms)
    // No cost known yet: the first start is spaced from the end of its turn, in full.
    let next = await startAndGoOut(clock, limiter, spacing, 0, 0.8);
    assert.equal(next, 0.8 + margin + 25);
    // Costs 0.8, then 0.6: the least (0.6) is what a start costs anyway.
    next = await startAndGoOut(clock, limiter, spacing, next, 0.6);
    const out2 = 26.3 + 0.6;
    assert.ok(Math.abs(next - (out2 - 0.6 + margin + 25)) < 1e-9);
    // A start held up 9 ms pushes the next one back by as much: the gap on the wire holds.
    const decided3 = next;
    next = await startAndGoOut(clock, limiter, spacing, decided3, 9);
    const out3 = decided3 + 9;
    assert.ok(Math.abs(next - (out3 - 0.6 + margin + 25)) < 1e-9);
    const out4 = next + 0.6;
    assert.ok(out4 - out3 >= 25 + margin - 1e-9, "the gap between what went out is kept");
    spacing.stop();
  },
);

sanitizedTest("the margin is 2 % of a short spacing", async () => {
  const clock = new TurnClock();
  const limiter = new RateLimiter({ tokenBucket: { ratePerSecond: 200, burst: 1 } }, clock);
  const spacing = TurnSpacing.for(clock, limiter)!;
  const next = await startAndGoOut(clock, limiter, spacing, 0, 1);
  assert.ok(Math.abs(next - (1 + 0.1 + 5)) < 1e-9);
  spacing.stop();
});
