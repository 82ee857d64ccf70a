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
    // The first 16 starts open the connections: a margin of min(3 ms, 10 %).
    const opening = 2.5;
    // No cost known yet: the first start is spaced from the end of its turn, in full.
    let next = await startAndGoOut(clock, limiter, spacing, 0, 0.8);
    assert.equal(next, 0.8 + opening + 25);
    // Costs 0.8, then 0.6: the least (0.6) is what a start costs anyway.
    const decided2 = next;
    next = await startAndGoOut(clock, limiter, spacing, decided2, 0.6);
    assert.ok(Math.abs(next - (decided2 + 0.6 - 0.6 + opening + 25)) < 1e-9);
    for (let i = 3; i <= 16; i++) next = await startAndGoOut(clock, limiter, spacing, next, 0.6);
    // Then a margin of min(0.5 ms, 2 %).
    const margin = 0.5;
    const decided17 = next;
    next = await startAndGoOut(clock, limiter, spacing, decided17, 0.6);
    assert.ok(Math.abs(next - (decided17 + margin + 25)) < 1e-9);
    // A start held up 9 ms pushes the next one back by as much: the gap on the wire holds.
    const decided18 = next;
    next = await startAndGoOut(clock, limiter, spacing, decided18, 9);
    const out18 = decided18 + 9;
    assert.ok(Math.abs(next - (out18 - 0.6 + margin + 25)) < 1e-9);
    const out19 = next + 0.6;
    assert.ok(out19 - out18 >= 25 + margin - 1e-9, "the gap between what went out is kept");
    spacing.stop();
  },
);

sanitizedTest("the margins are 10 % and 2 % of a short spacing", async () => {
  const clock = new TurnClock();
  const limiter = new RateLimiter({ tokenBucket: { ratePerSecond: 200, burst: 1 } }, clock);
  const spacing = TurnSpacing.for(clock, limiter)!;
  let next = await startAndGoOut(clock, limiter, spacing, 0, 1);
  assert.ok(Math.abs(next - (1 + 0.5 + 5)) < 1e-9);
  for (let i = 2; i <= 16; i++) next = await startAndGoOut(clock, limiter, spacing, next, 1);
  const decided = next;
  next = await startAndGoOut(clock, limiter, spacing, decided, 1);
  assert.ok(Math.abs(next - (decided + 0.1 + 5)) < 1e-9);
  spacing.stop();
});

sanitizedTest(
  "a start held up is not anticipated: the next, prompt one keeps its spacing",
  async () => {
    const clock = new TurnClock();
    const limiter = new RateLimiter({ delayMs: 50 }, clock);
    const spacing = TurnSpacing.for(clock, limiter)!;
    // Cold starts: 20 ms, then 12 ms from decision to the end of their turn.
    let next = await startAndGoOut(clock, limiter, spacing, 0, 20);
    const decided2 = next;
    next = await startAndGoOut(clock, limiter, spacing, decided2, 12);
    const out2 = decided2 + 12;
    // At most 1 ms of the 12 is anticipated.
    assert.ok(Math.abs(next - (out2 - 1 + 3 + 50)) < 1e-9);
    const out3 = next + 0.3;
    assert.ok(
      out3 - out2 >= 50,
      `a prompt third start goes out ${out3 - out2} ms after the second`,
    );
    spacing.stop();
  },
);
