import assert from "node:assert/strict";
import process from "node:process";
import { systemClock } from "../../src/exec/clock.ts";
import { WakeTimer } from "../../src/exec/wake_timer.ts";
import { sanitizedTest } from "./_helpers.ts";

sanitizedTest("systemClock.sleepUntil never resolves before its target", async () => {
  // Targets at every fraction of a millisecond, across the timer's lead.
  for (let i = 0; i < 40; i++) {
    const at = systemClock.now() + (i % 8) * 0.73;
    await systemClock.sleepUntil(at);
    assert.ok(systemClock.now() >= at, `woke ${at - systemClock.now()} ms early`);
  }
});

sanitizedTest("systemClock.sleepUntil resolves at once for a past target", async () => {
  const before = systemClock.now();
  await systemClock.sleepUntil(before - 1000);
  assert.ok(systemClock.now() >= before);
});

sanitizedTest(
  "an aborted systemClock.sleepUntil rejects with the reason and leaves no timer behind",
  async () => {
    const controller = new AbortController();
    const reason = new Error("stop");
    const far = systemClock.sleepUntil(systemClock.now() + 60_000, controller.signal);
    controller.abort(reason);
    await assert.rejects(far, (error) => error === reason);
    // Aborted in its last stretch, while it yields turn by turn: 0.3 ms is
    // within any lead (at least 0.5 ms), so no timer is set, only an immediate.
    // A thread preempted for 0.3 ms between the target and the call finds it
    // due at once, with nothing left to abort: then it is tried again.
    for (let tries = 1;; tries++) {
      const near = new AbortController();
      const at = systemClock.now() + 0.3;
      const close = systemClock.sleepUntil(at, near.signal);
      if (systemClock.now() >= at && tries < 20) {
        await close;
        continue;
      }
      queueMicrotask(() => near.abort(reason));
      await assert.rejects(close, (error) => error === reason);
      break;
    }
    await assert.rejects(systemClock.sleepUntil(0, controller.signal), (error) => error === reason);
  },
);

sanitizedTest("the wake timer on the system clock fires at its time, not before", async () => {
  let firedAt = 0;
  const { promise, resolve } = Promise.withResolvers<void>();
  const timer = new WakeTimer(systemClock, () => {
    firedAt = systemClock.now();
    resolve();
  });
  const now = systemClock.now();
  timer.wakeBy(now + 30, now);
  timer.wakeBy(now + 12.4, now);
  await promise;
  assert.ok(firedAt >= now + 12.4);
  assert.equal(timer.armed, false);
});

sanitizedTest(
  "waits longer than a timer allows neither end early nor spin; NaN is refused",
  async () => {
    const warnings: unknown[] = [];
    const onWarning = (warning: unknown) => warnings.push(warning);
    process.on("warning", onWarning);
    try {
      const controller = new AbortController();
      const thirtyDays = 30 * 24 * 3600 * 1000;
      const settled: string[] = [];
      const waits = [
        systemClock.sleep(thirtyDays, controller.signal),
        systemClock.sleepUntil(systemClock.now() + thirtyDays, controller.signal),
        systemClock.sleepUntil(Infinity, controller.signal),
      ].map((wait, i) =>
        wait.then(() => settled.push(`resolved ${i}`), () => settled.push(`${i}`))
      );
      await systemClock.sleep(20);
      assert.deepEqual(settled, [], "none ended before its time");
      assert.deepEqual(warnings, [], "no timer was given more than it takes");
      controller.abort(new Error("stop"));
      await Promise.all(waits);
      assert.deepEqual(settled, ["0", "1", "2"]);
    } finally {
      process.off("warning", onWarning);
    }
    await assert.rejects(systemClock.sleepUntil(NaN), new RangeError("Cannot sleep until NaN"));
    await assert.rejects(systemClock.sleep(NaN), new RangeError("Cannot sleep NaN ms"));
  },
);
