import assert from "node:assert/strict";
import { Dag } from "../../../src/exec/dag.ts";
import { runDag } from "../../../src/exec/executor.ts";
import { AdaptiveController } from "../../../src/exec/adaptive/controller.ts";
import { RunControl } from "../../../src/exec/run_control.ts";
import { type RunEvent, TaskError } from "../../../src/exec/types.ts";
import { VirtualClock } from "../../../src/exec/virtual_clock.ts";
import { drive, sanitizedTest } from "../_helpers.ts";
import { simulate, type Simulation } from "./_sim.ts";

/** The first time the rate set reached `rate`, ms; Infinity if never. */
function firstReached(sim: Simulation, rate: number): number {
  return sim.changes.find((change) => change.to.ratePerSecond >= rate)?.at ?? Infinity;
}

/** The rates set in [from, to): the one in effect at `from` and every change after. */
function ratesBetween(sim: Simulation, from: number, to: number): number[] {
  return [
    sim.rateAt(from),
    ...sim.changes.filter((c) => c.at > from && c.at < to).map((c) => c.to.ratePerSecond),
  ];
}

for (const latencyMs of [20, 200]) {
  for (const limit of [5, 20, 40, 100]) {
    sanitizedTest(
      `against an unknown limit of ${limit}/s at ${latencyMs} ms the rate reaches 90 % of it within 10 s, with under 2 % 429s over 1,000 requests`,
      async () => {
        const sim = await simulate({ server: { rate: limit, latencyMs }, tasks: 1000 });
        assert.equal(sim.report.done, 1000);
        const reached = firstReached(sim, 0.9 * limit);
        assert.ok(reached <= 10_000, `90 % of ${limit}/s first at ${reached} ms`);
        const refused = sim.server.count(429) / sim.server.arrivals.length;
        assert.ok(refused < 0.02, `${(refused * 100).toFixed(2)} % answered 429`);
        // The rate is what the server sees, not just a number: from then on, at
        // least 75 % of the limit got through (each 429 costs a 1 s pause, a
        // tenth of the whole run at 100/s; a strict spacing, as here, costs one
        // pause more than a bucket: the burst after the first that tells them
        // apart, so 70 % at 100/s).
        const throughput = sim.throughput(reached, sim.report.durationMs);
        assert.ok(
          throughput >= (limit === 100 ? 0.7 : 0.75) * limit,
          `${throughput.toFixed(1)}/s served after ${reached} ms`,
        );
        // Above the limit only while probing, and rarely: once a ceiling was found, at most every 30 s.
        const above = sim.changes.filter((c) => c.at > 10_000 && c.to.ratePerSecond > limit);
        assert.ok(above.every((c) => c.cause === "probe"), above.map((c) => c.reason).join("; "));
        const probes = new Set(above.map((c) => Math.floor(c.at / 30_000)));
        assert.ok(probes.size <= Math.ceil(sim.report.durationMs / 30_000), [...probes].join());
      },
    );
  }
}

for (const latencyMs of [20, 200]) {
  sanitizedTest(
    `at ${latencyMs} ms, when the limit drops from 40/s to 10/s and comes back, the rate follows both ways within 10 s and settles within 25 %`,
    async () => {
      const sim = await simulate({
        server: { rate: (at) => at < 20_000 ? 40 : at < 40_000 ? 10 : 40, latencyMs },
        tasks: 2200,
      });
      assert.equal(sim.report.done, 2200);
      assert.ok(sim.report.durationMs > 60_000, "the run outlasts the schedule");
      const within = (rates: number[], limit: number) =>
        rates.every((rate) => rate >= 0.75 * limit && rate <= 1.25 * limit);
      assert.ok(within(ratesBetween(sim, 10_000, 20_000), 40), "settled before the drop");
      assert.ok(
        within(ratesBetween(sim, 30_000, 40_000), 10),
        `down: ${ratesBetween(sim, 30_000, 40_000).map((r) => r.toFixed(1))}`,
      );
      assert.ok(
        within(ratesBetween(sim, 50_000, sim.report.durationMs), 40),
        `back up: ${ratesBetween(sim, 50_000, sim.report.durationMs).map((r) => r.toFixed(1))}`,
      );
      // Below the peak the limit is probed every few seconds, so that its return
      // is seen soon; each probe costs a 1 s Retry-After pause.
      assert.ok(sim.throughput(30_000, 40_000) >= 0.6 * 10, `${sim.throughput(30_000, 40_000)}/s`);
      assert.ok(sim.throughput(50_000, 55_000) >= 0.75 * 40, `${sim.throughput(50_000, 55_000)}/s`);
    },
  );
}

for (const latencyMs of [20, 200]) {
  for (const limit of [5, 20, 40]) {
    sanitizedTest(
      `at ${latencyMs} ms, a server announcing its limit of ${limit}/s in headers gets no 429 at all`,
      async () => {
        const sim = await simulate({
          server: { rate: limit, latencyMs, announce: true },
          tasks: 500,
        });
        assert.equal(sim.server.count(429), 0);
        assert.equal(sim.report.done, 500);
        // One request went first; its answer set the rate, 2 % under the limit.
        assert.equal(sim.changes[1].cause, "announced");
        assert.equal(sim.changes[1].to.ratePerSecond, limit * 0.98);
        // 2 % under the limit, after one round trip for the first answer.
        const ideal = (500 / limit) * 1000;
        assert.ok(
          sim.report.durationMs <= 1.06 * ideal,
          `${sim.report.durationMs} ms for ${ideal}`,
        );
      },
    );
  }
}

sanitizedTest(
  "at 100/s a 0.2 ms jitter exceeds the 2 % headroom: one 429, after which the rate stays under it",
  async () => {
    const sim = await simulate({
      server: { rate: 100, latencyMs: 20, announce: true },
      tasks: 1000,
    });
    assert.ok(sim.server.count(429) <= 1, `${sim.server.count(429)} answered 429`);
    // 10 s at the limit; one Retry-After pause and the recovery after it.
    assert.ok(sim.report.durationMs <= 1.2 * 10_000, `${sim.report.durationMs} ms`);
  },
);

for (const latencyMs of [20, 200]) {
  sanitizedTest(
    `at ${latencyMs} ms, a 2 s burst of 503s eases the rate, which recovers within 10 s after it`,
    async () => {
      const sim = await simulate({
        server: { rate: 40, latencyMs, outages: [[15_000, 17_000]] },
        tasks: 1500,
      });
      assert.equal(sim.report.done, 1500, "every request got through in the end");
      const before = sim.rateAt(15_000);
      assert.ok(before >= 0.9 * 40 * 0.97, `before the burst: ${before}`);
      const eased = Math.min(...ratesBetween(sim, 15_000, 17_500));
      assert.ok(eased <= 0.5 * before, `eased to ${eased.toFixed(1)} from ${before.toFixed(1)}`);
      assert.ok(
        sim.changes.some((c) =>
          c.cause === "overload" && /^HTTP 503 \(\d+ of the last 20 answers\) at /.test(c.reason)
        ),
      );
      assert.ok(sim.rateAt(27_000) >= 0.9 * before, `at 27 s: ${sim.rateAt(27_000).toFixed(1)}`);
    },
  );
}

sanitizedTest(
  "a server that slows under load (one worker, 40/s) is eased off before its queue overflows into 503s",
  async () => {
    const sim = await simulate({
      server: { rate: Infinity, latencyMs: 20, serviceMs: 25, maxQueue: 20 },
      tasks: 1500,
    });
    assert.equal(sim.server.count(503), 0);
    assert.ok(sim.changes.some((c) => c.cause === "latency"), "the latency gradient acted");
    const throughput = 1500 / (sim.report.durationMs / 1000);
    assert.ok(throughput >= 0.75 * 40, `${throughput.toFixed(1)}/s of a 40/s server`);
  },
);

sanitizedTest("the rate and the in-flight limit never exceed the profile's ceilings", async () => {
  const sim = await simulate({
    server: { rate: Infinity, latencyMs: 200 },
    tasks: 400,
    limits: { delayMs: 50, maxInFlight: 3 },
  });
  for (const change of sim.changes) {
    assert.ok(change.to.ratePerSecond <= 20, change.reason);
    assert.ok(change.to.maxInFlight <= 3, change.reason);
  }
  const starts = sim.events.filter((e) => e.type === "task-start").map((e) => e.at);
  for (let i = 1; i < starts.length; i++) assert.ok(starts[i] - starts[i - 1] >= 50 - 1e-9);
  let running = 0;
  let peak = 0;
  for (const event of sim.events) {
    if (event.type === "task-start") running++;
    if (event.type === "task-done" || event.type === "task-retry") running--;
    peak = Math.max(peak, running);
  }
  assert.ok(peak <= 3, `peak ${peak} in flight`);
  assert.equal(sim.changes.at(-1)!.to.ratePerSecond, 20, "it reached the ceiling and stayed");
});

sanitizedTest(
  "one request goes first; the in-flight limit then follows Little's law with room",
  async () => {
    const sim = await simulate({ server: { rate: Infinity, latencyMs: 200 }, tasks: 30 });
    const [start, first] = sim.changes;
    assert.deepEqual([start.cause, start.to.maxInFlight], ["start", 1]);
    assert.match(first.reason, /^first answer in \d+ ms$/);
    // 10/s x ~200 ms x 2 + 1
    assert.ok(first.to.maxInFlight >= 4 && first.to.maxInFlight <= 6, `${first.to.maxInFlight}`);
    const starts = sim.events.filter((e) => e.type === "task-start");
    assert.ok(starts[1].at >= first.at, "the second request waited for the first answer");
  },
);

sanitizedTest(
  "the 429s of requests sent before a decrease are one episode: one decrease, and each waits out the pause",
  async () => {
    const clock = new VirtualClock();
    const control = new RunControl();
    const events: RunEvent[] = [];
    const controller = new AdaptiveController({
      control,
      clock,
      limits: { scopes: [1], tasksPerScope: 20 },
      onChange: (event) => events.push(event),
    });
    const nodes = Array.from({ length: 20 }, (_, i) => ({
      id: `t${i}`,
      kind: "work",
      deps: [],
      scope: ["s"],
      role: "task" as const,
    }));
    await drive(
      clock,
      runDag(Dag.from(nodes), {
        tasks: {
          work: async () => {
            const startedAt = clock.now();
            await clock.sleep(500);
            // Every attempt sent in [600, 1000) ms is refused: several in flight at once.
            if (startedAt >= 600 && startedAt < 1000) {
              throw new TaskError("HTTP 429", { retryable: true, status: 429, retryAfterMs: 1000 });
            }
          },
        },
        limits: { scopes: [1], tasksPerScope: 20 },
        retry: { maxRetries: 3, baseDelayMs: 10, maxDelayMs: 5000, multiplier: 2, jitter: "none" },
        clock,
        control,
        onEvent: (event) => {
          events.push(event);
          controller.observe(event);
        },
      }),
    );
    const refused = events.filter((e) => e.type === "task-retry");
    assert.ok(refused.length >= 3, `${refused.length} refused`);
    const decreases = events.filter((e) => e.type === "rate-change" && e.cause === "limit");
    assert.equal(decreases.length, 1, JSON.stringify(decreases));
    const pause = events.find((e) => e.type === "rate-pause")!;
    const after = events.filter((e) => e.type === "task-start" && e.at > pause.at);
    assert.ok(
      after.every((e) => e.at >= pause.at + 1000),
      "no start before the Retry-After ran out",
    );
  },
);

sanitizedTest(
  "timeouts decrease the rate as an overload, from the second on; a network error does not",
  async () => {
    const clock = new VirtualClock();
    const control = new RunControl();
    const changes: Extract<RunEvent, { type: "rate-change" }>[] = [];
    const controller = new AdaptiveController({
      control,
      clock,
      limits: { scopes: [1], tasksPerScope: 10 },
      onChange: (event) => changes.push(event as Extract<RunEvent, { type: "rate-change" }>),
    });
    const nodes = ["a", "b", "c", "d"].map((id) => ({
      id,
      kind: "work",
      deps: [],
      scope: ["s"],
      role: "task" as const,
    }));
    await drive(
      clock,
      runDag(Dag.from(nodes), {
        tasks: {
          work: async (node, context) => {
            if (node.id === "b" && context.attempt === 1) {
              throw new TaskError("Network error: connection reset", { retryable: true });
            }
            // "c" and "d" hang on their first attempt until the executor's timeout ends it.
            const hangs = (node.id === "c" || node.id === "d") && context.attempt === 1;
            await clock.sleep(hangs ? 60_000 : 50, context.signal);
          },
        },
        limits: { scopes: [1], tasksPerScope: 1 },
        retry: { maxRetries: 2, baseDelayMs: 10, maxDelayMs: 100, multiplier: 2, jitter: "none" },
        attemptTimeoutMs: 5000,
        clock,
        control,
        onEvent: controller.observe,
      }),
    );
    // The first timeout alone is noise; the second, 2 of the last 5 answers, is trouble.
    const decreases = changes.filter((c) => c.cause === "overload");
    assert.equal(decreases.length, 1);
    assert.match(
      decreases[0].reason,
      /^timeout after 5000 ms \(2 of the last 5 answers\) at [\d.]+\/s: rate x0\.7$/,
    );
  },
);

Deno.test("a 429 after the rate was raised is set down to the raised rate, not to the spacing before it", async () => {
  const clock = new VirtualClock();
  const control = new RunControl();
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
  const reasons: string[] = [];
  const controller = new AdaptiveController({
    control,
    clock,
    limits: { scopes: [1], tasksPerScope: 10 },
    onChange: (event) => event.type === "rate-change" && reasons.push(event.reason),
  });
  const start = (id: string, at: number) =>
    controller.observe({ type: "task-start", at, id, kind: "k", attempt: 1, role: "task" });
  controller.observe({ type: "run-start", at: 0, nodes: 9, tasks: 9, sinks: 0 });
  start("a", 0);
  await clock.advance(100);
  controller.hint({ ratePerSecond: 40 });
  controller.observe({
    type: "task-done",
    at: 100,
    id: "a",
    kind: "k",
    attempts: 1,
    durationMs: 100,
    value: null,
  });
  start("b", 100);
  start("c", 126);
  controller.observe({
    type: "task-retry",
    at: 130,
    id: "c",
    kind: "k",
    attempt: 1,
    delayMs: 1000,
    reason: "HTTP 429",
    status: 429,
    retryAfterMs: 1000,
  });
  assert.equal(
    reasons.at(-1),
    "HTTP 429 at 39.2/s under the announced limit: pacing 3 % lower, at most 38.0/s",
  );
});

for (const latencyMs of [20, 200]) {
  sanitizedTest(
    `at ${latencyMs} ms, scattered 503s (one request in 40, whatever the load) do not slow the run`,
    async () => {
      const sim = await simulate({
        server: { rate: 40, latencyMs, errorEvery: 40 },
        tasks: 1000,
      });
      assert.equal(sim.report.done, 1000);
      assert.ok(sim.server.count(503) >= 20);
      assert.deepEqual(sim.changes.filter((c) => c.cause === "overload"), []);
      // 1,000 requests and 25 retries at 40/s, 3 % under, after one slow start.
      const ideal = (1025 / 40) * 1000;
      assert.ok(sim.report.durationMs <= 1.15 * ideal, `${sim.report.durationMs} ms for ${ideal}`);
    },
  );
}

for (const latencyMs of [20, 200]) {
  sanitizedTest(
    `at ${latencyMs} ms, behind a one-second bucket (which lets a client run above the limit until it is empty) the rate comes down from 5x to near the limit within 10 s`,
    async () => {
      const sim = await simulate({
        server: { rate: 40, bucketMs: 1000, latencyMs },
        tasks: 1200,
      });
      assert.equal(sim.report.done, 1200);
      // The first refusal comes late, far above the limit (the bucket emptied);
      // what the server took over the pause and the sending after it brings
      // the rate down within one more refusal, not over a minute of them.
      const first = sim.changes.find((c) => c.cause === "limit")!;
      assert.ok(first.from.ratePerSecond > 2 * 40, `first refused at ${first.from.ratePerSecond}`);
      // Some overshoot stays: a refusal some seconds after a pause looks the same
      // as a strict limit refusing at its edge, so the refused rate stays the ceiling.
      const above = sim.changes.filter((c) => c.at > 10_000 && c.to.ratePerSecond > 1.6 * 40);
      assert.ok(
        above.every((c) => c.cause === "probe"),
        `above 1.6x the limit after 10 s: ${above.map((c) => c.to.ratePerSecond.toFixed(1))}`,
      );
      assert.ok(
        sim.changes.some((c) =>
          /\(the starts before it read [\d.]+\/s, a bucket of [\d.]+ requests\)/.test(c.reason)
        ),
      );
      // Each refusal episode refuses what is in flight when the bucket empties: at 200 ms, more.
      const refused = sim.server.count(429) / sim.server.arrivals.length;
      const budget = latencyMs === 20 ? 0.02 : 0.05;
      assert.ok(refused < budget, `${(refused * 100).toFixed(2)} % answered 429`);
    },
  );
}
