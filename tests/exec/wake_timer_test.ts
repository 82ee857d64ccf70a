import assert from "node:assert/strict";
import { VirtualClock } from "../../src/exec/virtual_clock.ts";
import { WakeTimer } from "../../src/exec/wake_timer.ts";
import { sanitizedTest } from "./_helpers.ts";

sanitizedTest("the wake timer keeps one timer and moves it earlier, never later", async () => {
  const clock = new VirtualClock();
  const woken: number[] = [];
  const timer = new WakeTimer(clock, () => woken.push(clock.now()));
  timer.wakeBy(500, 0);
  timer.wakeBy(800, 0);
  assert.equal(clock.pendingTimers, 1);
  timer.wakeBy(200, 0);
  assert.equal(clock.pendingTimers, 1);
  await clock.runUntilIdle();
  assert.deepEqual(woken, [200]);
  assert.equal(timer.armed, false);
});

sanitizedTest("the wake timer ignores Infinity and cancels without a trace", async () => {
  const clock = new VirtualClock();
  let woken = 0;
  const timer = new WakeTimer(clock, () => woken++);
  timer.wakeBy(Infinity, 0);
  assert.equal(timer.armed, false);
  timer.wakeBy(100, 0);
  timer.cancel();
  assert.equal(clock.pendingTimers, 0);
  await clock.advance(1000);
  assert.equal(woken, 0);
  timer.wakeBy(1500, 1000);
  await clock.runUntilIdle();
  assert.equal(woken, 1);
});
