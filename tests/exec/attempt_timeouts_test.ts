import assert from "node:assert/strict";
import { AttemptTimeouts } from "../../src/exec/attempt_timeouts.ts";
import { VirtualClock } from "../../src/exec/virtual_clock.ts";
import { sanitizedTest } from "./_helpers.ts";

function setUp() {
  const clock = new VirtualClock();
  const run = new AbortController();
  const timedOut: string[] = [];
  const timeouts = new AttemptTimeouts(clock, 30_000, run.signal, (index, attempt) => {
    timedOut.push(`${index}#${attempt}@${clock.now()}`);
    timeouts.expire(index);
  });
  return { clock, run, timedOut, timeouts };
}

sanitizedTest("an attempt's signal aborts with a TimeoutError when its time is up", async () => {
  const { clock, timedOut, timeouts } = setUp();
  const signal = timeouts.arm(3, 2);
  await clock.advance(29_999);
  assert.equal(signal.aborted, false);
  await clock.advance(1);
  assert.deepEqual(timedOut, ["3#2@30000"]);
  assert.equal(signal.reason.name, "TimeoutError");
  assert.equal(signal.reason.message, "Attempt timed out after 30000 ms");
});

sanitizedTest("an attempt's signal aborts with the run's reason", () => {
  const { clock, run, timeouts } = setUp();
  const signal = timeouts.arm(0, 1);
  run.abort(new Error("Interrupted"));
  assert.equal(signal.reason.message, "Interrupted");
  timeouts.clear(0);
  assert.equal(clock.pendingTimers, 0);
});

sanitizedTest(
  "clearing an attempt removes its timer and its listener on the run's signal",
  async () => {
    const { clock, run, timedOut, timeouts } = setUp();
    const signal = timeouts.arm(1, 1);
    timeouts.clear(1);
    assert.equal(clock.pendingTimers, 0);
    run.abort();
    await clock.advance(60_000);
    assert.equal(signal.aborted, false);
    assert.deepEqual(timedOut, []);
  },
);
