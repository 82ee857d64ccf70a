import assert from "node:assert/strict";
import { Dag } from "../../../src/exec/dag.ts";
import { runDag } from "../../../src/exec/executor.ts";
import { limitsRate, RateSetter } from "../../../src/exec/adaptive/rate_setter.ts";
import { RunControl } from "../../../src/exec/run_control.ts";
import type { RunEvent } from "../../../src/exec/types.ts";
import { VirtualClock } from "../../../src/exec/virtual_clock.ts";
import { drive, noRetry, sanitizedTest, task } from "../_helpers.ts";

Deno.test("limitsRate is the lower of the spacing and the token bucket", () => {
  assert.equal(limitsRate({ delayMs: 100 }), 10);
  assert.equal(limitsRate({ tokenBucket: { ratePerSecond: 2.5, burst: 1 } }), 2.5);
  assert.equal(limitsRate({ delayMs: 100, tokenBucket: { ratePerSecond: 50, burst: 4 } }), 10);
  assert.equal(limitsRate({ delayMs: 0 }), Infinity);
});

sanitizedTest(
  "RateSetter applies rate and in-flight limit within the profile's, reports each change first, and skips no-ops",
  async () => {
    const clock = new VirtualClock();
    const control = new RunControl();
    const events: RunEvent[] = [];
    const limits = { scopes: [1], tasksPerScope: 10, delayMs: 50, maxInFlight: 4 };
    const setter = new RateSetter({ control, limits, onChange: (e) => events.push(e) });
    assert.deepEqual(setter.setting, { ratePerSecond: 20, maxInFlight: 4 });
    assert.equal(
      setter.set({ ratePerSecond: 5, maxInFlight: 2 }, 0, "start", "x"),
      false,
      "no run attached: nothing changes",
    );
    const seen: string[] = [];
    const run = runDag(Dag.from([task("a", ["s"]), task("b", ["s"])]), {
      tasks: { work: () => clock.sleep(10) },
      limits,
      retry: noRetry,
      clock,
      control,
      onEvent: (event) => {
        events.push(event);
        if (event.type !== "run-start") return;
        assert.equal(
          setter.set({ ratePerSecond: 5, maxInFlight: 2 }, event.at, "start", "slow"),
          true,
        );
        seen.push(`${control.delayMs} ${control.maxInFlight}`);
        assert.equal(
          setter.set({ ratePerSecond: 5, maxInFlight: 2 }, event.at, "start", "again"),
          false,
        );
        // Above the profile's limits: capped at 20/s and 4 in flight; never below 1 in flight.
        setter.set({ ratePerSecond: 100, maxInFlight: 0 }, event.at, "probe", "fast");
        seen.push(`${control.delayMs} ${control.maxInFlight}`);
        setter.set({ ratePerSecond: Infinity, maxInFlight: Infinity }, event.at, "probe", "all");
        seen.push(`${control.delayMs} ${control.maxInFlight}`);
      },
    });
    await drive(clock, run);
    assert.deepEqual(seen, ["200 2", "50 1", "50 4"]);
    const changes = events.filter((e) => e.type === "rate-change");
    assert.deepEqual(
      changes.map((c) => c.type === "rate-change" && [c.from, c.to, c.cause, c.reason]),
      [
        [
          { ratePerSecond: 20, maxInFlight: 4 },
          { ratePerSecond: 5, maxInFlight: 2 },
          "start",
          "slow",
        ],
        [
          { ratePerSecond: 5, maxInFlight: 2 },
          { ratePerSecond: 20, maxInFlight: 1 },
          "probe",
          "fast",
        ],
        [
          { ratePerSecond: 20, maxInFlight: 1 },
          { ratePerSecond: 20, maxInFlight: 4 },
          "probe",
          "all",
        ],
      ],
    );
    assert.equal(events[0].type, "run-start");
    assert.equal(
      events[1].type,
      "rate-change",
      "the change is reported before any start it allows",
    );
  },
);

sanitizedTest(
  "RateSetter.overrideSpacing spaces starts otherwise until released, never closer than the profile's delay, and changes no setting",
  async () => {
    const clock = new VirtualClock();
    const control = new RunControl();
    const events: RunEvent[] = [];
    const limits = { scopes: [1], tasksPerScope: 10, delayMs: 10 };
    const setter = new RateSetter({ control, limits, onChange: (e) => events.push(e) });
    const delays: number[] = [];
    const run = runDag(Dag.from([task("a", ["s"])]), {
      tasks: { work: () => clock.sleep(10) },
      limits,
      retry: noRetry,
      clock,
      control,
      onEvent: (event) => {
        if (event.type !== "run-start") return;
        setter.set({ ratePerSecond: 20, maxInFlight: 4 }, event.at, "start", "20/s");
        delays.push(control.delayMs);
        setter.overrideSpacing(0);
        delays.push(control.delayMs);
        // A change meanwhile is recorded, and applied at the release.
        setter.set({ ratePerSecond: 40, maxInFlight: 4 }, event.at, "recover", "40/s");
        delays.push(control.delayMs);
        setter.releaseSpacing();
        delays.push(control.delayMs);
      },
    });
    await drive(clock, run);
    assert.deepEqual(delays, [50, 10, 10, 25]);
    assert.deepEqual(events.map((e) => e.type === "rate-change" && e.reason), ["20/s", "40/s"]);
  },
);
