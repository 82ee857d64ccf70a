import assert from "node:assert/strict";
import { AnnouncedCap } from "../../../src/exec/adaptive/announced_cap.ts";
import { RunControl } from "../../../src/exec/run_control.ts";
import { VirtualClock } from "../../../src/exec/virtual_clock.ts";
import { sanitizedTest } from "../_helpers.ts";
import { simulate } from "./_sim.ts";

sanitizedTest(
  "a fixed profile faster than the announced limit is capped 2 % under it from the first answer, with no 429 after it",
  async () => {
    const sim = await simulate({
      server: { rate: 40, latencyMs: 50, announce: true },
      tasks: 400,
      adaptive: false,
      limits: { delayMs: 20, maxInFlight: 10 },
    });
    // Sent at its own 50/s before the first answer came back: the second request is refused.
    const capped = sim.changes[0].at;
    const refused = sim.server.arrivals.filter((a) => a.status === 429);
    assert.equal(refused.length, 1);
    assert.ok(refused[0].at < capped);
    assert.deepEqual(
      sim.changes.map((c) => [c.from, c.to, c.cause, c.reason]),
      [[
        { ratePerSecond: 50, maxInFlight: 10 },
        { ratePerSecond: 39.2, maxInFlight: 10 },
        "announced",
        "the server announces 40.0/s: at most 39.2/s",
      ]],
    );
    // 400 at 39.2/s, and the one Retry-After second.
    assert.ok(sim.report.durationMs <= 400 / 39.2 * 1000 + 1100, `${sim.report.durationMs} ms`);
  },
);

sanitizedTest("a fixed profile slower than the announced limit keeps its own pace", async () => {
  const sim = await simulate({
    server: { rate: 40, latencyMs: 50, announce: true },
    tasks: 100,
    adaptive: false,
    limits: { delayMs: 100 },
  });
  assert.deepEqual(sim.changes, [], "nothing to change: the profile's 10/s is under 39.2/s");
  const starts = sim.events.filter((e) => e.type === "task-start").map((e) => e.at);
  assert.ok(starts.every((at, i) => i === 0 || at - starts[i - 1] >= 100 - 1e-9));
});

sanitizedTest(
  "a fixed profile follows an announced limit down and back up, never above its own",
  async () => {
    const sim = await simulate({
      server: {
        rate: (at) => at < 5000 ? 40 : at < 10_000 ? 10 : 40,
        latencyMs: 20,
        announce: true,
      },
      tasks: 500,
      adaptive: false,
      limits: { delayMs: 30 },
    });
    // 40/s at first is above the profile's 33.3/s: nothing to change until it drops.
    assert.deepEqual(sim.changes.map((c) => [c.to.ratePerSecond.toFixed(2), c.cause]), [
      ["9.80", "announced"],
      ["33.33", "announced"],
    ]);
    assert.ok(
      sim.server.count(429) <= 2,
      "at most the requests already sent when the limit dropped",
    );
  },
);

sanitizedTest(
  "a 429 while capped moves the cap one headroom lower, once per episode; a new announcement starts afresh",
  () => {
    const clock = new VirtualClock();
    const control = new RunControl();
    const reasons: string[] = [];
    const cap = new AnnouncedCap({
      control,
      clock,
      limits: { scopes: [1], tasksPerScope: 1, delayMs: 20 },
      onChange: (event) => event.type === "rate-change" && reasons.push(event.reason),
    });
    // No run attached: the cap records nothing it cannot apply.
    cap.hint({ ratePerSecond: 40 });
    assert.equal(cap.setting.ratePerSecond, 50);
    control.attach({
      limiter: { setDelayMs: () => {}, setTokenBucket: () => {} } as never,
      maxInFlight: Infinity,
      setMaxInFlight: () => {},
      wake: () => {},
      pauseUntil: () => false,
      hold: () => {},
      scopeLimits: { scopes: [], tasksPerScope: 1 },
      setScopeLimits: () => {},
      record: () => {},
    });
    cap.hint({ ratePerSecond: 41 });
    assert.equal(cap.setting.ratePerSecond, 41 * 0.98);
    const start = (id: string, at: number) =>
      cap.observe({ type: "task-start", at, id, kind: "k", attempt: 1, role: "task" });
    const refuse = (id: string, at: number, status = 429) =>
      cap.observe({
        type: "task-retry",
        at,
        id,
        kind: "k",
        attempt: 1,
        delayMs: 1000,
        reason: `HTTP ${status}`,
        status,
      });
    start("a", 10);
    start("b", 20);
    refuse("a", 30);
    refuse("b", 31);
    assert.ok(
      Math.abs(cap.setting.ratePerSecond - 41 * 0.98 * 0.97) < 1e-9,
      "one cut for the episode",
    );
    start("c", 40);
    refuse("c", 50, 503);
    assert.ok(
      Math.abs(cap.setting.ratePerSecond - 41 * 0.98 * 0.97) < 1e-9,
      "a 503 is not about the rate",
    );
    start("d", 60);
    refuse("d", 70);
    assert.ok(Math.abs(cap.setting.ratePerSecond - 41 * 0.98 * 0.97 ** 2) < 1e-9);
    // 30 s without a refusal win one step back, and 30 s more the next; never past the first.
    start("e", 30_000);
    assert.ok(
      Math.abs(cap.setting.ratePerSecond - 41 * 0.98 * 0.97 ** 2) < 1e-9,
      "not yet at 29.9 s",
    );
    start("f", 30_070);
    assert.ok(Math.abs(cap.setting.ratePerSecond - 41 * 0.98 * 0.97) < 1e-9);
    start("g", 60_070);
    start("h", 200_000);
    assert.equal(cap.setting.ratePerSecond, 41 * 0.98);
    cap.hint({ ratePerSecond: 20 });
    assert.equal(cap.setting.ratePerSecond, 20 * 0.98);
    assert.deepEqual(reasons, [
      "the server announces 41.0/s: at most 40.2/s",
      "HTTP 429 at 40.2/s under the announced 41.0/s: pacing 3 % lower, at most 39.0/s",
      "HTTP 429 at 39.0/s under the announced 41.0/s: pacing 3 % lower, at most 37.8/s",
      "no refusal for 30 s under the announced 41.0/s: pacing a step closer, at most 39.0/s",
      "no refusal for 30 s under the announced 41.0/s: pacing a step closer, at most 40.2/s",
      "the server announces 20.0/s: at most 19.6/s",
    ]);
  },
);

sanitizedTest(
  "a fixed profile refused at its own rate by a strict server steps 3 % lower, never above its own rate",
  async () => {
    // A strict spacing (one token) at exactly the profile's 40/s, arrivals
    // jittered by 1.5 ms: refusals at 40/s, none once the pacing leaves room.
    const sim = await simulate({
      server: { rate: 40, latencyMs: 50, transitJitterMs: 1.5 },
      tasks: 1000,
      adaptive: false,
      limits: { delayMs: 25, maxInFlight: 10 },
    });
    const limits = sim.changes.filter((c) => c.cause === "limit");
    assert.ok(limits.length >= 1, "a refusal at the profile's own rate steps it lower");
    assert.equal(limits[0].to.ratePerSecond, 40 * 0.97);
    assert.match(
      limits[0].reason,
      /^HTTP 429 at 40\.0\/s at the profile's own 40\.0\/s: pacing 3 % lower/,
    );
    assert.ok(sim.changes.every((c) => (c.to.ratePerSecond ?? Infinity) <= 40));
    const refused = sim.server.arrivals.filter((a) => a.status === 429).length;
    // Each 429 costs a whole second; with no step the run is refused again and again.
    assert.ok(refused <= 5, `${refused} refused`);
  },
);
