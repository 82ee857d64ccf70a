/**
 * Ctrl-C and SIGTERM, counted once per keystroke.
 *
 * One Ctrl-C at a terminal can reach the importer more than once: the
 * terminal sends SIGINT to the whole foreground process group, and a runner
 * such as `deno task` (or `npm run`, a supervisor) passes the one it got on
 * to its child as well. Measured under `deno task` through a pty on a busy
 * 2-core machine (60 keystrokes), a quarter arrived twice, the copies 0.2-24
 * ms apart; the others arrived once.
 * So a signal counts as "quit at once" only when it comes at least
 * {@link DUPLICATE_SIGNAL_WINDOW_MS} after the first: any signal before
 * that is a copy of the first keystroke and changes nothing.
 *
 * The window is measured from the first signal, not from the latest one, so
 * a user who keeps pressing (or holds the key down, repeating at 20-30 per
 * second) still gets out one window after the first press, however long the
 * shutdown takes.
 *
 * @module
 */

import { type Clock, systemClock } from "../exec/clock.ts";

/**
 * How long after the first signal further signals are taken as copies of the
 * same keystroke, ms. Forty times the widest spread measured between the
 * copies, so a busy machine does not split one keystroke into two; short
 * enough that a user who wants out presses again and is out within a second
 * or so. A shutdown usually ends well inside it (tens of ms).
 */
export const DUPLICATE_SIGNAL_WINDOW_MS = 1000;

/**
 * The notice of the first Ctrl-C for the command `args` runs: a watcher
 * (`import --queue URL --watch RUN`) only stops following the run, which goes
 * on in its workers; a worker finishes its jobs in hand; any other command
 * finishes its manifests.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { interruptNotice } from "./interrupt.ts";
 * assert.match(interruptNotice(["import", "--queue", "redis://h", "--watch", "r1"]), /stopping watching/);
 * assert.match(interruptNotice(["worker", "--queue", "redis://h:6379"]), /the jobs in hand/);
 * assert.match(interruptNotice(["import", "-s", "pgp"]), /finishing manifests/);
 * ```
 */
export function interruptNotice(args: readonly string[]): string {
  const quit = "(Ctrl-C again after a second to quit at once)";
  const watching = args[0] === "import" &&
    args.some((arg) => arg === "--watch" || arg.startsWith("--watch="));
  if (watching) return `Interrupted: stopping watching; the run goes on in its workers ${quit}\n`;
  if (args[0] === "worker") return `Interrupted: finishing the jobs in hand ${quit}\n`;
  return `Interrupted: finishing manifests ${quit}\n`;
}

/**
 * What a signal means:
 * - `"stop"`: the first one; stop starting work, finish the manifests, print the summary.
 * - `"copy"`: within the window of the first; the same keystroke again, ignore it.
 * - `"quit"`: at least the window after the first; the user wants out now.
 */
export type InterruptVerdict = "stop" | "copy" | "quit";

/** The options of {@link InterruptCounter}. */
export interface InterruptCounterOptions {
  /** Where the time of each signal comes from. @default systemClock */
  readonly clock?: Pick<Clock, "now">;
  /** See {@link DUPLICATE_SIGNAL_WINDOW_MS}, ms. @default DUPLICATE_SIGNAL_WINDOW_MS */
  readonly windowMs?: number;
}

/**
 * Tells the first signal, its copies, and a genuinely second one apart, by
 * the time each is received. Pure apart from the clock it is given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { InterruptCounter } from "./interrupt.ts";
 *
 * let now = 0;
 * const counter = new InterruptCounter({ clock: { now: () => now }, windowMs: 1000 });
 * assert.equal(counter.receive(), "stop");
 * now = 3; // deno task's forwarded copy of the same Ctrl-C
 * assert.equal(counter.receive(), "copy");
 * now = 1500; // the user presses again
 * assert.equal(counter.receive(), "quit");
 * ```
 */
export class InterruptCounter {
  readonly #clock: Pick<Clock, "now">;
  readonly #windowMs: number;
  #firstAt: number | undefined;

  /** @throws {RangeError} when `windowMs` is negative or not a number */
  constructor(options: InterruptCounterOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#windowMs = options.windowMs ?? DUPLICATE_SIGNAL_WINDOW_MS;
    if (!(this.#windowMs >= 0)) {
      throw new RangeError(`Cannot count interrupts: windowMs ${this.#windowMs} is not >= 0`);
    }
  }

  /** Counts one signal received now and says what it means. */
  receive(): InterruptVerdict {
    const now = this.#clock.now();
    if (this.#firstAt === undefined) {
      this.#firstAt = now;
      return "stop";
    }
    return now - this.#firstAt >= this.#windowMs ? "quit" : "copy";
  }
}

/** The options of {@link listenForInterrupts}. */
export interface InterruptListenerOptions extends InterruptCounterOptions {
  /** The signals that interrupt. */
  readonly signals: readonly Deno.Signal[];
  /** Called once, on the first signal. */
  readonly onStop: () => void;
  /** Called on a signal at least the window after the first (usually exits the process). */
  readonly onQuit: () => void;
  /** @default Deno.addSignalListener */
  readonly addSignalListener?: (signal: Deno.Signal, handler: () => void) => void;
  /** @default Deno.removeSignalListener */
  readonly removeSignalListener?: (signal: Deno.Signal, handler: () => void) => void;
}

/**
 * Listens for `signals` and calls `onStop` on the first, nothing on its
 * copies, and `onQuit` on a genuinely later one (see {@link InterruptCounter}).
 *
 * @returns A function that stops listening.
 */
export function listenForInterrupts(options: InterruptListenerOptions): () => void {
  const add = options.addSignalListener ?? Deno.addSignalListener;
  const remove = options.removeSignalListener ?? Deno.removeSignalListener;
  const counter = new InterruptCounter(options);
  const handler = () => {
    const verdict = counter.receive();
    switch (verdict) {
      case "stop":
        return options.onStop();
      case "copy":
        return;
      case "quit":
        return options.onQuit();
      default: {
        const unknown: never = verdict;
        throw new Error(`Unknown interrupt verdict: ${unknown}`);
      }
    }
  };
  for (const signal of options.signals) add(signal, handler);
  return () => {
    for (const signal of options.signals) remove(signal, handler);
  };
}

/**
 * Where a message that is no command's output goes (what a Ctrl-C does):
 * to the live view while one is drawing, so that its next frame does not
 * overwrite the message, else to the fallback (stderr).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NoticeBoard } from "./interrupt.ts";
 * const seen: string[] = [];
 * const notices = new NoticeBoard((text) => seen.push(`stderr: ${text}`));
 * const diverted = notices.divert((text) => seen.push(`view: ${text}`));
 * notices.say("stopping");
 * diverted[Symbol.dispose]();
 * notices.say("again");
 * assert.deepEqual(seen, ["view: stopping", "stderr: again"]);
 * ```
 */
export class NoticeBoard {
  readonly #fallback: (text: string) => void;
  readonly #writers: ((text: string) => void)[] = [];

  constructor(fallback: (text: string) => void) {
    this.#fallback = fallback;
  }

  /** Writes `text` where notices go now. */
  say(text: string): void {
    (this.#writers.at(-1) ?? this.#fallback)(text);
  }

  /** Sends notices to `write` until the returned handle is disposed. */
  divert(write: (text: string) => void): Disposable {
    this.#writers.push(write);
    return {
      [Symbol.dispose]: () => {
        const at = this.#writers.lastIndexOf(write);
        if (at >= 0) this.#writers.splice(at, 1);
      },
    };
  }
}
