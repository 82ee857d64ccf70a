import assert from "node:assert/strict";
import {
  DUPLICATE_SIGNAL_WINDOW_MS,
  InterruptCounter,
  type InterruptVerdict,
  listenForInterrupts,
} from "../../src/cli/interrupt.ts";

/** A clock that reads whatever the test last set. */
function manualClock(): { now: () => number; at: number } {
  const clock = { at: 0, now: () => clock.at };
  return clock;
}

/** The verdict of a signal received at each of `times` (ms), in order. */
function verdicts(times: readonly number[], windowMs?: number): InterruptVerdict[] {
  const clock = manualClock();
  const counter = new InterruptCounter({ clock, windowMs });
  return times.map((at) => {
    clock.at = at;
    return counter.receive();
  });
}

Deno.test("the window is one second", () => {
  assert.equal(DUPLICATE_SIGNAL_WINDOW_MS, 1000);
});

const rows: [string, number[], InterruptVerdict[]][] = [
  ["one signal stops", [0], ["stop"]],
  // The terminal's SIGINT and deno task's forwarded copy of the same keystroke.
  ["a copy 0.3 ms later is the same keystroke", [0, 0.3], ["stop", "copy"]],
  ["copies up to just inside the window count once", [0, 24, 500, 999.9], [
    "stop",
    "copy",
    "copy",
    "copy",
  ]],
  ["a signal a whole window after the first quits", [0, 1000], ["stop", "quit"]],
  ["a second keystroke and its own copy quit", [0, 1, 1500, 1501], [
    "stop",
    "copy",
    "quit",
    "quit",
  ]],
  // A shutdown far longer than the window does not trap the user.
  ["a signal a minute later, after copies, still quits", [0, 5, 60_000], ["stop", "copy", "quit"]],
];
for (const [name, times, expected] of rows) {
  Deno.test(`interrupt counter: ${name}`, () => {
    assert.deepEqual(verdicts(times), expected);
  });
}

Deno.test("a key held down (auto-repeat every 40 ms) quits one window after the first press", () => {
  const times = Array.from({ length: 40 }, (_, i) => i * 40);
  const result = verdicts(times);
  assert.equal(result[0], "stop");
  // Measured from the first signal, not the latest: presses closer together
  // than the window do not keep pushing the way out back.
  assert.equal(result.indexOf("quit"), 25); // 25 × 40 ms = 1000 ms
  assert.ok(result.slice(1, 25).every((v) => v === "copy"));
});

Deno.test("the window can be set, and a negative or NaN one is refused", () => {
  assert.deepEqual(verdicts([0, 199, 200], 200), ["stop", "copy", "quit"]);
  assert.deepEqual(verdicts([0, 0], 0), ["stop", "quit"]);
  assert.throws(() => new InterruptCounter({ windowMs: -1 }), RangeError);
  assert.throws(() => new InterruptCounter({ windowMs: NaN }), /windowMs NaN/);
});

/** Signal listeners a test fires by hand, in place of Deno's. */
function fakeSignals() {
  const handlers = new Map<Deno.Signal, Set<() => void>>();
  return {
    add: (signal: Deno.Signal, handler: () => void) => {
      if (!handlers.has(signal)) handlers.set(signal, new Set());
      handlers.get(signal)!.add(handler);
    },
    remove: (signal: Deno.Signal, handler: () => void) => handlers.get(signal)?.delete(handler),
    fire: (signal: Deno.Signal) => {
      for (const handler of handlers.get(signal) ?? []) handler();
    },
    count: () => [...handlers.values()].reduce((sum, set) => sum + set.size, 0),
  };
}

Deno.test("listenForInterrupts stops once on a doubled Ctrl-C and quits on a later one", () => {
  const clock = manualClock();
  const signals = fakeSignals();
  const calls: string[] = [];
  const stopListening = listenForInterrupts({
    signals: ["SIGINT", "SIGTERM"],
    clock,
    onStop: () => calls.push(`stop@${clock.at}`),
    onQuit: () => calls.push(`quit@${clock.at}`),
    addSignalListener: signals.add,
    removeSignalListener: signals.remove,
  });
  assert.equal(signals.count(), 2);

  signals.fire("SIGINT"); // the terminal's
  clock.at = 2;
  signals.fire("SIGINT"); // deno task's copy
  clock.at = 600;
  signals.fire("SIGTERM"); // one counter for every signal: a supervisor's copy
  assert.deepEqual(calls, ["stop@0"]);

  clock.at = 1200;
  signals.fire("SIGINT");
  assert.deepEqual(calls, ["stop@0", "quit@1200"]);

  stopListening();
  assert.equal(signals.count(), 0);
});
