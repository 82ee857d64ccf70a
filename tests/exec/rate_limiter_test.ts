import assert from "node:assert/strict";
import { Dag } from "../../src/exec/dag.ts";
import { runDag } from "../../src/exec/executor.ts";
import { RateLimiter } from "../../src/exec/rate_limiter.ts";
import { VirtualClock } from "../../src/exec/virtual_clock.ts";
import { drive, EventLog, noRetry, sanitizedTest, task } from "./_helpers.ts";

/** Starts `count` acquirers at once and returns the clock time each got through. */
async function acquireAll(
  clock: VirtualClock,
  limiter: RateLimiter,
  count: number,
): Promise<number[]> {
  const starts: number[] = [];
  const all = Promise.all(
    Array.from({ length: count }, () => limiter.acquire().then(() => starts.push(clock.now()))),
  );
  await clock.runUntilIdle();
  await all;
  return starts;
}

sanitizedTest("50 acquirers at once with a 50 ms delay start exactly 50 ms apart", async () => {
  const clock = new VirtualClock();
  const starts = await acquireAll(clock, new RateLimiter({ delayMs: 50 }, clock), 50);
  assert.deepEqual(starts, Array.from({ length: 50 }, (_, i) => i * 50));
});

sanitizedTest(
  "a token bucket admits burst starts at once, then one per 1/ratePerSecond",
  async () => {
    const clock = new VirtualClock();
    const limiter = new RateLimiter({ tokenBucket: { ratePerSecond: 4, burst: 3 } }, clock);
    const starts = await acquireAll(clock, limiter, 7);
    assert.deepEqual(starts, [0, 0, 0, 250, 500, 750, 1000]);
  },
);

sanitizedTest("a token bucket refills while idle, up to its burst", async () => {
  const clock = new VirtualClock();
  const limiter = new RateLimiter({ tokenBucket: { ratePerSecond: 10, burst: 2 } }, clock);
  assert.deepEqual([limiter.tryStart(), limiter.tryStart(), limiter.tryStart()], [
    true,
    true,
    false,
  ]);
  await clock.advance(100);
  assert.deepEqual([limiter.tryStart(), limiter.tryStart()], [true, false]);
  await clock.advance(10_000);
  assert.deepEqual([limiter.tryStart(), limiter.tryStart(), limiter.tryStart()], [
    true,
    true,
    false,
  ]);
});

sanitizedTest("a delay and a token bucket both apply", async () => {
  const clock = new VirtualClock();
  const limiter = new RateLimiter(
    { delayMs: 100, tokenBucket: { ratePerSecond: 4, burst: 3 } },
    clock,
  );
  const starts = await acquireAll(clock, limiter, 7);
  assert.deepEqual(starts, [0, 100, 200, 300, 500, 750, 1000]);
});

sanitizedTest("a pause holds every start until it has passed, and never shortens", () => {
  const clock = new VirtualClock();
  const limiter = new RateLimiter({ delayMs: 10 }, clock);
  assert.equal(limiter.reserve(), 0);
  assert.equal(limiter.pauseUntil(7000), true);
  assert.equal(limiter.pauseUntil(5000), false);
  assert.equal(limiter.pausedUntil, 7000);
  assert.equal(limiter.tryStart(), false);
  assert.deepEqual([limiter.reserve(), limiter.reserve()], [7000, 7010]);
});

sanitizedTest(
  "an abort while waiting rejects with the signal's reason and leaves no timer",
  async () => {
    const clock = new VirtualClock();
    const limiter = new RateLimiter({ delayMs: 1000 }, clock);
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    assert.equal(clock.pendingTimers, 1);
    controller.abort(new Error("Interrupted"));
    await assert.rejects(waiting, new Error("Interrupted"));
    assert.equal(clock.pendingTimers, 0);
    await assert.rejects(limiter.acquire(controller.signal), new Error("Interrupted"));
  },
);

sanitizedTest(
  "changing the limits applies to the next start; the tokens left carry over",
  async () => {
    const clock = new VirtualClock();
    const limiter = new RateLimiter({ delayMs: 100 }, clock);
    assert.equal(limiter.reserve(), 0);
    limiter.setDelayMs(300);
    assert.equal(limiter.reserve(), 300);
    await clock.advance(300);
    limiter.setDelayMs(0);
    limiter.setTokenBucket({ ratePerSecond: 2, burst: 4 });
    // A new bucket starts full: four at once, then one per 500 ms.
    assert.deepEqual([1, 2, 3, 4, 5].map(() => limiter.reserve()), [300, 300, 300, 300, 800]);
    await clock.advance(1000);
    // At 1300 one token has come back; it carries over into a faster, smaller bucket.
    limiter.setTokenBucket({ ratePerSecond: 10, burst: 2 });
    assert.deepEqual([1, 2, 3].map(() => limiter.reserve()), [1300, 1400, 1500]);
    limiter.setTokenBucket(undefined);
    assert.equal(limiter.reserve(), 1500);
    assert.equal(limiter.tokenBucket, undefined);
  },
);

const invalid: readonly [string, () => void, string][] = [
  [
    "a negative delay",
    () => new RateLimiter({ delayMs: -1 }),
    'Cannot set rate limit delayMs "-1": must be 0 or more',
  ],
  [
    "a zero rate",
    () => new RateLimiter({ tokenBucket: { ratePerSecond: 0, burst: 1 } }),
    'Cannot set token bucket ratePerSecond "0": must be a finite number above 0',
  ],
  [
    "a burst below 1",
    () => new RateLimiter({ tokenBucket: { ratePerSecond: 5, burst: 0.5 } }),
    'Cannot set token bucket burst "0.5": must be a finite number of at least 1',
  ],
];

for (const [what, build, message] of invalid) {
  Deno.test(`the rate limiter rejects ${what} with a RangeError`, () => {
    assert.throws(build, new RangeError(message));
  });
}

sanitizedTest("the executor starts 50 ready tasks exactly 50 ms apart", async () => {
  const clock = new VirtualClock();
  const log = new EventLog();
  const nodes = Array.from({ length: 50 }, (_, i) => task(`t${i}`, ["b"]));
  await drive(
    clock,
    runDag(Dag.from(nodes), {
      tasks: { work: () => clock.sleep(10_000) },
      limits: { scopes: [1], tasksPerScope: 50, delayMs: 50 },
      retry: noRetry,
      clock,
      onEvent: log.onEvent,
    }),
  );
  assert.deepEqual(log.of("task-start").map((event) => event.at), nodes.map((_, i) => i * 50));
});

sanitizedTest(
  "the executor's token bucket admits burst tasks at once, then ratePerSecond",
  async () => {
    const clock = new VirtualClock();
    const log = new EventLog();
    const nodes = Array.from({ length: 8 }, (_, i) => task(`t${i}`, ["b"]));
    await drive(
      clock,
      runDag(Dag.from(nodes), {
        tasks: { work: () => clock.sleep(10) },
        limits: { scopes: [1], tasksPerScope: 8, tokenBucket: { ratePerSecond: 5, burst: 3 } },
        retry: noRetry,
        clock,
        onEvent: log.onEvent,
      }),
    );
    assert.deepEqual(log.of("task-start").map((event) => event.at), [
      0,
      0,
      0,
      200,
      400,
      600,
      800,
      1000,
    ]);
  },
);

sanitizedTest(
  "a start that went out later than decided is spaced from then, unless another start came since",
  () => {
    const clock = new VirtualClock(1000);
    const limiter = new RateLimiter({ delayMs: 25 }, clock);
    assert.ok(limiter.tryStart(1000));
    assert.equal(limiter.starts, 1);
    limiter.startWentOutAt(1007, 1);
    assert.equal(limiter.nextStartAt(), 1032, "25 ms after it went out");
    limiter.startWentOutAt(1003, 1);
    assert.equal(limiter.nextStartAt(), 1032, "never earlier");
    assert.ok(limiter.tryStart(1032));
    limiter.startWentOutAt(1040, 1);
    assert.equal(limiter.nextStartAt(), 1057, "a report on an older start is ignored");
  },
);

sanitizedTest("a start that went out late moves a token bucket's arrivals with it", () => {
  const clock = new VirtualClock(0);
  const limiter = new RateLimiter({ tokenBucket: { ratePerSecond: 40, burst: 1 } }, clock);
  assert.ok(limiter.tryStart(0));
  assert.equal(limiter.nextStartAt(), 25);
  limiter.startWentOutAt(3, limiter.starts);
  assert.equal(limiter.nextStartAt(), 28);
  // A bucket changed since the start leaves that start where the new bucket put it.
  assert.ok(limiter.tryStart(28));
  limiter.setTokenBucket({ ratePerSecond: 20, burst: 1 });
  const before = limiter.nextStartAt();
  limiter.startWentOutAt(30, limiter.starts);
  assert.equal(limiter.nextStartAt(), Math.max(before, 30));
});
