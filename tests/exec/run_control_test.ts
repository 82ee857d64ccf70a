import assert from "node:assert/strict";
import { Dag } from "../../src/exec/dag.ts";
import { runDag } from "../../src/exec/executor.ts";
import { RateLimiter } from "../../src/exec/rate_limiter.ts";
import { RunControl } from "../../src/exec/run_control.ts";
import { VirtualClock } from "../../src/exec/virtual_clock.ts";
import { drive, EventLog, Gates, noRetry, sanitizedTest, task } from "./_helpers.ts";

const chapters = (count: number) =>
  Dag.from(Array.from({ length: count }, (_, i) => task(`b/${i + 1}`, ["b"])));

sanitizedTest("raising maxInFlight through RunControl starts waiting tasks at once", async () => {
  const clock = new VirtualClock();
  const gates = new Gates();
  const control = new RunControl();
  const run = runDag(chapters(6), {
    tasks: { work: (node) => gates.wait(node.id) },
    limits: { scopes: [1], tasksPerScope: 10, maxInFlight: 2 },
    retry: noRetry,
    clock,
    control,
  });
  await clock.settle();
  assert.deepEqual(gates.waiting, ["b/1", "b/2"]);
  assert.equal(control.maxInFlight, 2);
  control.setMaxInFlight(5);
  assert.deepEqual(gates.waiting, ["b/1", "b/2", "b/3", "b/4", "b/5"]);
  for (const id of gates.waiting) gates.open(id);
  await clock.settle();
  gates.open("b/6");
  assert.equal((await run).done, 6);
  assert.equal(control.attached, false);
});

sanitizedTest(
  "lowering maxInFlight lets running tasks finish and holds new starts until they fit",
  async () => {
    const clock = new VirtualClock();
    const gates = new Gates();
    const control = new RunControl();
    const run = runDag(chapters(6), {
      tasks: { work: (node) => gates.wait(node.id) },
      limits: { scopes: [1], tasksPerScope: 10, maxInFlight: 4 },
      retry: noRetry,
      clock,
      control,
    });
    await clock.settle();
    control.setMaxInFlight(1);
    gates.open("b/1");
    gates.open("b/2");
    await clock.settle();
    assert.deepEqual(gates.waiting, ["b/3", "b/4"], "2 still run against a limit of 1: no start");
    gates.open("b/3");
    gates.open("b/4");
    await clock.settle();
    assert.deepEqual(gates.waiting, ["b/5"]);
    gates.open("b/5");
    await clock.settle();
    gates.open("b/6");
    assert.equal((await run).done, 6);
  },
);

sanitizedTest(
  "changing the delay and the token bucket through RunControl paces the later starts",
  async () => {
    const clock = new VirtualClock();
    const log = new EventLog();
    const control = new RunControl();
    const onEvent = log.onEvent;
    const run = runDag(chapters(7), {
      tasks: { work: () => clock.sleep(1) },
      limits: { scopes: [1], tasksPerScope: 10, delayMs: 100 },
      retry: noRetry,
      clock,
      control,
      onEvent: (event) => {
        onEvent(event);
        if (event.type === "task-start" && event.id === "b/2") control.setDelayMs(500);
        if (event.type === "task-start" && event.id === "b/4") {
          control.setDelayMs(0);
          control.setTokenBucket({ ratePerSecond: 1, burst: 2 });
        }
      },
    });
    await drive(clock, run);
    assert.deepEqual(log.of("task-start").map((event) => event.at), [
      0,
      100,
      600,
      1100,
      1100,
      1100,
      2100,
    ]);
  },
);

sanitizedTest(
  "a pause through RunControl holds every start until it ends, never shortens a longer one, and is logged",
  async () => {
    const clock = new VirtualClock();
    const log = new EventLog();
    const control = new RunControl();
    const onEvent = log.onEvent;
    const extended: boolean[] = [];
    const run = runDag(chapters(6), {
      tasks: { work: () => clock.sleep(10) },
      limits: { scopes: [1], tasksPerScope: 10, maxInFlight: 2 },
      retry: noRetry,
      clock,
      control,
      onEvent: (event) => {
        onEvent(event);
        if (event.type === "task-done" && event.id === "b/2") {
          extended.push(control.pauseUntil(clock.now() + 1000, "quota used up"));
          extended.push(control.pauseUntil(clock.now() + 400, "a shorter one"));
          extended.push(control.pauseUntil(clock.now() - 5, "already over"));
        }
      },
    });
    await drive(clock, run);
    assert.deepEqual(extended, [true, false, false]);
    assert.deepEqual(log.starts(), [
      "b/1@0#1",
      "b/2@0#1",
      "b/3@10#1", // b/1's end, just before b/2's, started it before the pause
      "b/4@1010#1", // the two slots free since 10 and 20 start together at the end
      "b/5@1010#1",
      "b/6@1020#1",
    ]);
    assert.deepEqual(
      log.of("rate-pause").map(({ at, until, reason }) => ({ at, until, reason })),
      [{ at: 10, until: 1010, reason: "quota used up" }],
    );
    assert.deepEqual(log.of("rate-resume").map((event) => event.at), [1010]);
  },
);

Deno.test("RunControl refuses reads and changes while no run is attached, and a second run", () => {
  const control = new RunControl();
  assert.throws(
    () => control.setMaxInFlight(3),
    new Error("Cannot set maxInFlight: no run is attached to this RunControl"),
  );
  assert.throws(
    () => control.delayMs,
    new Error("Cannot read delayMs: no run is attached to this RunControl"),
  );
  const target = {
    limiter: new RateLimiter(),
    maxInFlight: 1,
    setMaxInFlight() {},
    wake() {},
    pauseUntil: () => false,
    hold: () => {},
    scopeLimits: { scopes: [], tasksPerScope: 1 },
    setScopeLimits: () => {},
    record: () => {},
  };
  const detach = control.attach(target);
  assert.throws(
    () => control.attach(target),
    new TypeError("Cannot attach a run to this RunControl: another run is attached"),
  );
  assert.throws(
    () => control.setMaxInFlight(0),
    new RangeError('Cannot set maxInFlight "0": must be a whole number of at least 1'),
  );
  for (const until of [NaN, Infinity]) {
    assert.throws(
      () => control.pauseUntil(until, "why"),
      new RangeError(`Cannot pause until "${until}": must be a finite clock time`),
    );
  }
  detach();
  assert.equal(control.attached, false);
  assert.throws(
    () => control.pauseUntil(10, "why"),
    new Error("Cannot pause: no run is attached to this RunControl"),
  );
});
