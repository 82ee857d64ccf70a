import assert from "node:assert/strict";
import { VirtualClock } from "../../src/exec/virtual_clock.ts";
import { sanitizedTest } from "./_helpers.ts";

sanitizedTest("the virtual clock wakes sleepers in time order, at their own time", async () => {
  const clock = new VirtualClock(100);
  const woken: string[] = [];
  for (const [name, ms] of [["c", 30], ["a", 10], ["b", 20], ["a2", 10]] as const) {
    clock.sleep(ms).then(() => woken.push(`${name}@${clock.now()}`));
  }
  assert.equal(clock.pendingTimers, 4);
  await clock.advance(25);
  assert.deepEqual(woken, ["a@110", "a2@110", "b@120"]);
  assert.equal(clock.now(), 125);
  assert.equal(clock.pendingTimers, 1);
});

sanitizedTest(
  "advance lets promise callbacks run between wake-ups, so chained sleeps fire in the same advance",
  async () => {
    const clock = new VirtualClock();
    const woken: number[] = [];
    (async () => {
      await clock.sleep(10);
      woken.push(clock.now());
      await Promise.resolve();
      await clock.sleep(5);
      woken.push(clock.now());
    })();
    await clock.advance(20);
    assert.deepEqual(woken, [10, 15]);
  },
);

sanitizedTest("an aborted sleep rejects with the reason and is no longer pending", async () => {
  const clock = new VirtualClock();
  const controller = new AbortController();
  const sleeping = clock.sleep(1000, controller.signal);
  controller.abort(new Error("Stop"));
  await assert.rejects(sleeping, new Error("Stop"));
  assert.equal(clock.pendingTimers, 0);
  assert.equal(await clock.advanceToNextTimer(), false);
  await assert.rejects(clock.sleep(5, controller.signal), new Error("Stop"));
});

sanitizedTest("a sleep of 0 ms or less resolves without a timer", async () => {
  const clock = new VirtualClock();
  await clock.sleep(0);
  await clock.sleep(-5);
  assert.equal(clock.pendingTimers, 0);
  assert.equal(clock.now(), 0);
});

sanitizedTest(
  "runUntilIdle fires every timer, including ones scheduled while running, and counts them",
  async () => {
    const clock = new VirtualClock();
    let ticks = 0;
    const tick = (): Promise<void> =>
      clock.sleep(30_000).then(() => ++ticks < 3 ? tick() : undefined);
    tick();
    assert.equal(await clock.runUntilIdle(), 3);
    assert.equal(clock.now(), 90_000);
  },
);

sanitizedTest("runUntilIdle stops work that never stops scheduling timers", async () => {
  const clock = new VirtualClock();
  const controller = new AbortController();
  const forever = (): Promise<void> => clock.sleep(1, controller.signal).then(forever, () => {});
  forever();
  await assert.rejects(
    clock.runUntilIdle(10),
    new Error("Cannot run the clock until idle: more than 10 timers fired"),
  );
  controller.abort();
});

Deno.test("advance rejects a negative step", async () => {
  await assert.rejects(
    new VirtualClock().advance(-1),
    new RangeError('Cannot advance the clock by "-1" ms: must be 0 or more'),
  );
});
