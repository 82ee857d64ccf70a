/** The queue's adaptive controller, on virtual time, against knobs that record what it sets. */
import assert from "node:assert/strict";
import { RunControl } from "../../src/exec/run_control.ts";
import type { RunEvent } from "../../src/exec/types.ts";
import { VirtualClock } from "../../src/exec/virtual_clock.ts";
import type { Profile } from "../../src/manifest/types.ts";
import {
  QueueController,
  QueueControlTarget,
  type QueueKnobs,
  type QueueLimiter,
} from "../../src/queue/control.ts";
import { sanitizedTest } from "../exec/_helpers.ts";

const ADAPTIVE: Profile = {
  name: "adaptive",
  file: "profiles/adaptive.yaml",
  volumes: 5,
  booksPerVolume: 10,
  chaptersPerBook: 20,
  maxInFlight: 10,
  delayMs: 0,
  adaptive: { startRate: 10, minRate: 0.5 },
};

type Sent =
  | { readonly limiter: QueueLimiter | undefined }
  | { readonly maxInFlight: number }
  | { readonly pauseMs: number };

/** Knobs that record every value sent, in order. */
function recordingKnobs(): { readonly knobs: QueueKnobs; readonly sent: Sent[] } {
  const sent: Sent[] = [];
  const knobs: QueueKnobs = {
    setLimiter: (limiter) => Promise.resolve(void sent.push({ limiter })),
    setMaxInFlight: (maxInFlight) => Promise.resolve(void sent.push({ maxInFlight })),
    pause: (ms) => Promise.resolve(void sent.push({ pauseMs: ms })),
  };
  return { knobs, sent };
}

/** The limiter window and in-flight cap the knobs hold after `sent`. */
function held(sent: readonly Sent[]): { duration?: number; maxInFlight?: number } {
  const state: { duration?: number; maxInFlight?: number } = {};
  for (const value of sent) {
    if ("limiter" in value) state.duration = value.limiter?.duration;
    if ("maxInFlight" in value) state.maxInFlight = value.maxInFlight;
  }
  return state;
}

sanitizedTest(
  "the leader's controller starts the queue at the start rate and one job, then follows every worker's answers",
  async () => {
    const clock = new VirtualClock(1_000_000);
    const { knobs, sent } = recordingKnobs();
    const changes: RunEvent[] = [];
    const controller = new QueueController({
      knobs,
      profile: ADAPTIVE,
      clock,
      onChange: (event) => changes.push(event),
    });
    await clock.settle();
    // 10/s: one start per 100 ms window; one job until the first answer.
    assert.deepEqual(sent, [{ limiter: { max: 1, duration: 100 } }, { maxInFlight: 1 }]);

    // Worker A's chapter answers in 50 ms: Little's law, ceil(10/s × 50 ms × 2) + 1.
    const at = clock.now();
    controller.take({
      run: "r1",
      event: { type: "task-start", at, id: "a/1", kind: "chapter", attempt: 1, role: "task" },
    });
    await clock.advance(50);
    controller.take({
      run: "r1",
      event: {
        type: "task-done",
        at: clock.now(),
        id: "a/1",
        kind: "chapter",
        attempts: 1,
        durationMs: 50,
        value: null,
      },
    });
    await clock.settle();
    // More than one job now, and what the queue holds is the controller's setting.
    assert.ok(controller.setting.maxInFlight > 1);
    assert.deepEqual(held(sent), {
      duration: Math.ceil(1000 / controller.setting.ratePerSecond),
      maxInFlight: controller.setting.maxInFlight,
    });

    // Worker B's chapter is refused: the rate goes down for every worker.
    controller.take({
      run: "r1",
      event: {
        type: "task-start",
        at: clock.now(),
        id: "a/2",
        kind: "chapter",
        attempt: 1,
        role: "task",
      },
    });
    await clock.advance(20);
    controller.take({
      run: "r1",
      event: {
        type: "task-retry",
        at: clock.now(),
        id: "a/2",
        kind: "chapter",
        attempt: 1,
        delayMs: 1000,
        reason: "HTTP 429",
        status: 429,
        retryAfterMs: 1000,
      },
    });
    controller.take({
      run: "r1",
      event: { type: "rate-pause", at: clock.now(), until: clock.now() + 1000, reason: "429" },
    });
    await clock.settle();
    const refused = changes.findLast((e) => e.type === "rate-change");
    assert.ok(refused?.type === "rate-change" && refused.cause === "limit", "no decrease");
    assert.ok(refused.to.ratePerSecond < refused.from.ratePerSecond);
    assert.deepEqual(held(sent), {
      duration: Math.ceil(1000 / controller.setting.ratePerSecond),
      maxInFlight: controller.setting.maxInFlight,
    });
    // Stopping ends the wait for the pause's end; nothing more is set.
    const before = sent.length;
    await controller.stop();
    await clock.advance(2000);
    controller.take({
      run: "r1",
      event: {
        type: "task-start",
        at: clock.now(),
        id: "a/3",
        kind: "chapter",
        attempt: 1,
        role: "task",
      },
    });
    await clock.settle();
    assert.equal(sent.length, before);
  },
);

sanitizedTest(
  "changes made while one is being sent go to Redis together, the latest winning",
  async () => {
    const sent: (QueueLimiter | undefined)[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let enter: () => void = () => {};
    const entered = new Promise<void>((resolve) => (enter = resolve));
    const knobs: QueueKnobs = {
      setLimiter: async (limiter) => {
        sent.push(limiter);
        enter();
        await gate;
      },
      setMaxInFlight: () => Promise.resolve(),
      pause: () => Promise.resolve(),
    };
    const target = new QueueControlTarget(knobs, {
      maxInFlight: 10,
      scopeLimits: { scopes: [1], tasksPerScope: 1 },
      clock: new VirtualClock(),
    });
    const control = new RunControl();
    const detach = control.attach(target);
    control.setDelayMs(100);
    await entered;
    // While 100 ms is being sent.
    control.setDelayMs(50);
    control.setDelayMs(40);
    release();
    await target.settled();
    assert.deepEqual(sent, [{ max: 1, duration: 100 }, { max: 1, duration: 40 }]);
    // No change, nothing sent.
    control.setDelayMs(40);
    await target.settled();
    assert.equal(sent.length, 2);
    // Unlimited: BullMQ's limiter is told so.
    control.setDelayMs(0);
    await target.settled();
    assert.deepEqual(sent[2], undefined);
    assert.equal(sent.length, 3);
    detach();
  },
);

sanitizedTest("a change Redis refused is sent again with the next one", async () => {
  const sent: number[] = [];
  const errors: string[] = [];
  let fail = true;
  const knobs: QueueKnobs = {
    setLimiter: () => Promise.resolve(),
    setMaxInFlight: (n) => {
      if (fail) return Promise.reject(new Error("Connection is closed."));
      sent.push(n);
      return Promise.resolve();
    },
    pause: () => Promise.resolve(),
  };
  const target = new QueueControlTarget(knobs, {
    maxInFlight: 10,
    scopeLimits: { scopes: [1], tasksPerScope: 1 },
    onError: (error) => errors.push(error.message),
    clock: new VirtualClock(),
  });
  const control = new RunControl();
  const detach = control.attach(target);
  control.setMaxInFlight(3);
  await target.settled();
  assert.deepEqual(errors, ["Connection is closed."]);
  fail = false;
  control.setDelayMs(10);
  await target.settled();
  assert.deepEqual(sent, [3]);
  detach();
});

Deno.test("the queue's controller refuses what the queue does not keep, and a fixed profile", () => {
  const target = new QueueControlTarget(recordingKnobs().knobs, {
    maxInFlight: 10,
    scopeLimits: { scopes: [5, 10], tasksPerScope: 20 },
  });
  assert.throws(() => target.hold(true), /Cannot hold the starts of a queue/);
  assert.throws(() => target.setScopeLimits({ scopes: [1], tasksPerScope: 1 }), /scope limits/);
  const { adaptive: _, ...fixed } = ADAPTIVE;
  assert.throws(
    () => new QueueController({ ...recordingKnobs(), profile: fixed, onChange: () => {} }),
    /Cannot adapt the rate of profile "adaptive": it is not adaptive/,
  );
});

sanitizedTest(
  "the leader's controller sends its settings again when Redis lost them, even mid-send",
  async () => {
    const clock = new VirtualClock(1_000_000);
    const { knobs, sent } = recordingKnobs();
    const controller = new QueueController({ knobs, profile: ADAPTIVE, clock, onChange: () => {} });
    await clock.settle();
    assert.deepEqual(sent, [{ limiter: { max: 1, duration: 100 } }, { maxInFlight: 1 }]);
    // Nothing changed: nothing is sent; asked to send again, both are.
    await controller.resend();
    assert.deepEqual(sent.slice(2), [{ limiter: { max: 1, duration: 100 } }, { maxInFlight: 1 }]);
    // Asked while a send is under way (a cap being set): what it sends is sent once more after.
    const slow: QueueKnobs = {
      ...knobs,
      setMaxInFlight: async (maxInFlight) => {
        await clock.sleep(10);
        sent.push({ maxInFlight });
      },
    };
    const target = new QueueControlTarget(slow, {
      maxInFlight: 3,
      scopeLimits: { scopes: [1], tasksPerScope: 1 },
      clock,
    });
    target.wake();
    await clock.advance(20);
    const mark = sent.length;
    const first = target.resend();
    await clock.advance(5);
    const second = target.resend();
    await clock.advance(20);
    await Promise.all([first, second]);
    assert.deepEqual(sent.slice(mark).filter((value) => "maxInFlight" in value), [
      { maxInFlight: 3 },
      { maxInFlight: 3 },
    ]);
    await controller.stop();
  },
);
