import assert from "node:assert/strict";
import { formatUtcTime } from "../../src/progress/format.ts";
import { TerminalView, type TerminalViewOptions } from "../../src/progress/terminal.ts";
import { ev, FakeClock, rateChange } from "./_helpers.ts";

// 2026-11-29T12:03:00Z: a pause of 41 s from here ends at 12:03:41.
const T0 = Date.UTC(2026, 10, 29, 12, 3, 0);

function setup(options: Partial<TerminalViewOptions> = {}) {
  const clock = new FakeClock(T0);
  const writes: string[] = [];
  const view = new TerminalView({
    clock,
    output: { write: (text) => writes.push(text) },
    isTerminal: true,
    color: false,
    totals: { volumes: 1, books: 1, chapters: 3 },
    formatTime: formatUtcTime,
    ...options,
  });
  // Each event happens at the clock's time, `t` ms after T0.
  const at = (t: number, make: (at: number) => Parameters<typeof view.handle>[0]) => {
    clock.set(T0 + t);
    view.handle(make(T0 + t));
  };
  return { clock, writes, view, at };
}

// An ANSI cursor or erase code (ESC [ n letter), built so as not to hold a control character.
const CURSOR_CODE = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, "g");

const HEAD_0 = "0%  chapters 0/3  books 0/1  volumes 0/1  failed 0  retries 0";

Deno.test("terminal view redraws its lines in place, with ETA — until a chapter was imported", async () => {
  const { clock, writes, view, at } = setup();
  at(0, (t) => ev.runStart(t, 5, 3, 2));
  assert.deepEqual(writes, [
    `\r\x1b[2K${HEAD_0}\n\x1b[2Kin flight: volumes 0, books 0, chapters 0  — ch/s  elapsed 0:00  ETA —`,
  ]);

  at(1000, (t) => ev.open(t, "bofm", 0));
  at(1000, (t) => ev.open(t, "bofm/1-ne", 1));
  at(1000, (t) => ev.start(t, "bofm/1-ne/1"));
  at(1000, (t) => ev.start(t, "bofm/1-ne/2"));
  assert.equal(writes.length, 2, "the events at the same time draw one frame");
  assert.equal(
    writes[1],
    `\x1b[1A\r\x1b[2K${HEAD_0}\n\x1b[2Kin flight: volumes 1, books 0, chapters 0  — ch/s  elapsed 0:01  ETA —`,
  );
  await clock.advance(100);
  assert.equal(
    writes[2],
    `\x1b[1A\r\x1b[2K${HEAD_0}\n\x1b[2Kin flight: volumes 1, books 1, chapters 2  — ch/s  elapsed 0:01  ETA —` +
      "\n\x1b[2Kin progress: bofm/1-ne",
    "a trailing frame shows the events the throttle held back",
  );

  at(2000, (t) => ev.done(t, "bofm/1-ne/1", 1000));
  assert.equal(
    writes[3],
    "\x1b[2A\r\x1b[2K33%  chapters 1/3  books 0/1  volumes 0/1  failed 0  retries 0\n" +
      "\x1b[2Kin flight: volumes 1, books 1, chapters 1  0.5 ch/s  elapsed 0:02  ETA 0:04\n" +
      "\x1b[2Kin progress: bofm/1-ne",
  );

  at(2500, (t) => ev.retry(t, "bofm/1-ne/2", 1, 429));
  at(2500, (t) => ev.pause(t, T0 + 41_000));
  await clock.advance(100);
  assert.equal(
    writes[5],
    "\x1b[2A\r\x1b[2K33%  chapters 1/3  books 0/1  volumes 0/1  failed 0  retries 1\n" +
      "\x1b[2Kin flight: volumes 1, books 1, chapters 0  0.4 ch/s  elapsed 0:03  ETA 0:05\n" +
      "\x1b[2Kin progress: bofm/1-ne\n" +
      "\x1b[2Kpaused by the server until 12:03:41  39 s left",
  );

  at(41_000, (t) => ev.resume(t));
  assert.equal(
    writes[6],
    "\x1b[3A\r\x1b[2K33%  chapters 1/3  books 0/1  volumes 0/1  failed 0  retries 1\n" +
      "\x1b[2Kin flight: volumes 1, books 1, chapters 0  — ch/s  elapsed 0:41  ETA —\n" +
      "\x1b[2Kin progress: bofm/1-ne" +
      "\n\x1b[2K\x1b[1A",
    "the pause line is cleared, and ETA is — again once the speed window holds no import",
  );

  at(41_000, (t) => ev.start(t, "bofm/1-ne/2", 2));
  at(42_000, (t) => ev.done(t, "bofm/1-ne/2", 1000));
  at(42_000, (t) => ev.failed(t, "bofm/1-ne/3", "HTTP 404", 1, 404));
  at(42_000, (t) => ev.done(t, "bofm/1-ne/manifest", 5, "book-manifest"));
  at(42_000, (t) => ev.close(t, "bofm/1-ne", 1));
  at(42_000, (t) => ev.done(t, "bofm/manifest", 5, "volume-manifest"));
  at(42_000, (t) => ev.close(t, "bofm", 0));
  assert.equal(clock.pending, 1, "a trailing frame is due");
  at(42_000, (t) => ev.end(t));
  // The book's manifest was written, but one of its chapters failed: not done.
  assert.deepEqual(writes.slice(-2), [
    "\x1b[2A\r\x1b[2K100%  chapters 2/3  books 0/1  volumes 0/1  failed 1  retries 1\n" +
    "\x1b[2Kin flight: volumes 0, books 0, chapters 0  0.1 ch/s  elapsed 0:42  ETA 0:00" +
    "\n\x1b[2K\x1b[1A",
    "\n",
  ]);
  assert.equal(clock.pending, 0, "the end cancels the trailing frame");
  view.stop();
  await clock.advance(1000);
  assert.equal(writes.length, 10, "nothing is drawn after the end");
});

Deno.test("terminal view draws two events 50 ms apart as one frame, then one trailing frame", async () => {
  const { clock, writes, at } = setup();
  at(0, (t) => ev.runStart(t));
  at(1000, (t) => ev.start(t, "pgp/moses/1"));
  at(1050, (t) => ev.start(t, "pgp/moses/2"));
  assert.equal(writes.length, 2);
  assert.ok(writes[1].includes("chapters 1  "));
  await clock.advance(49);
  assert.equal(writes.length, 2, "no frame before 100 ms since the last");
  await clock.advance(1);
  assert.equal(writes.length, 3);
  assert.ok(writes[2].includes("chapters 2  "));
  await clock.advance(1000);
  assert.equal(writes.length, 3, "a trailing frame is drawn once");
});

Deno.test("terminal view stop() cancels a pending frame and leaves no timer behind", async () => {
  const { clock, writes, view, at } = setup();
  at(0, (t) => ev.runStart(t));
  at(10, (t) => ev.start(t, "pgp/moses/1"));
  assert.equal(clock.pending, 1);
  view.stop();
  assert.equal(clock.pending, 0);
  assert.equal(writes.length, 3, "first frame, final frame, newline");
  assert.equal(writes[2], "\n");
  await clock.advance(1000);
  view.handle(ev.done(T0 + 1000, "pgp/moses/1", 990));
  assert.equal(writes.length, 3);
});

Deno.test("terminal view colours the percent, failures and the pause when colour is on", () => {
  const { writes, at } = setup({ color: true });
  at(0, (t) => ev.runStart(t));
  at(100, (t) => ev.failed(t, "bofm/1-ne/3", "HTTP 404", 1, 404));
  at(200, (t) => ev.pause(t, T0 + 41_000));
  assert.ok(writes[2].includes("\x1b[1m33%\x1b[22m"));
  assert.ok(writes[2].includes("\x1b[31mfailed 1\x1b[39m"));
  assert.ok(writes[2].includes("\x1b[33mpaused by the server until 12:03:41\x1b[39m"));
});

Deno.test("terminal view off a terminal prints a plain line every 5 s, on a pause and at the end", () => {
  const { writes, at } = setup({ isTerminal: false, color: true });
  at(0, (t) => ev.runStart(t));
  at(1000, (t) => ev.open(t, "bofm", 0));
  at(1000, (t) => ev.open(t, "bofm/1-ne", 1));
  at(1000, (t) => ev.start(t, "bofm/1-ne/1"));
  at(4000, (t) => ev.done(t, "bofm/1-ne/1", 3000));
  at(5000, (t) => ev.start(t, "bofm/1-ne/2"));
  at(6000, (t) => ev.retry(t, "bofm/1-ne/2", 1, 429));
  at(6000, (t) => ev.pause(t, T0 + 41_000));
  at(41_000, (t) => ev.resume(t));
  at(41_000, (t) => ev.start(t, "bofm/1-ne/2", 2));
  at(42_000, (t) => ev.done(t, "bofm/1-ne/2", 1000));
  at(42_000, (t) => ev.start(t, "bofm/1-ne/3"));
  at(42_000, (t) => ev.cancelled(t, "bofm/1-ne/3"));
  at(42_000, (t) => ev.done(t, "bofm/1-ne/manifest", 5, "book-manifest"));
  at(42_000, (t) => ev.close(t, "bofm/1-ne", 1));
  at(42_000, (t) => ev.done(t, "bofm/manifest", 5, "volume-manifest"));
  at(42_000, (t) => ev.close(t, "bofm", 0));
  at(42_000, (t) => ev.end(t, { aborted: true }));
  assert.deepEqual(writes, [
    "33%  chapters 1/3  books 0/1  volumes 0/1  failed 0  retries 0; " +
    "in flight: volumes 1, books 1, chapters 1  0.2 ch/s  elapsed 0:05  ETA 0:10\n",
    "33%  chapters 1/3  books 0/1  volumes 0/1  failed 0  retries 1; " +
    "in flight: volumes 1, books 1, chapters 0  0.2 ch/s  elapsed 0:06  ETA 0:12; " +
    "paused by the server until 12:03:41  35 s left\n",
    "33%  chapters 1/3  books 0/1  volumes 0/1  failed 0  retries 1; " +
    "in flight: volumes 1, books 1, chapters 0  — ch/s  elapsed 0:41  ETA —\n",
    // Interrupted with a chapter cancelled: not 100 %, no ETA, and the book (whose
    // manifest was written over 2 of its 3 chapters) and its volume are not done.
    "stopped at 66%  chapters 2/3  books 0/1  volumes 0/1  failed 0  retries 1; " +
    "in flight: volumes 0, books 0, chapters 0  0.1 ch/s  elapsed 0:42\n",
  ]);
  const text = writes.join("");
  assert.ok(!text.includes("\x1b"), "no escape sequence");
  assert.ok(!text.includes("\r"), "no carriage return");
});

Deno.test("terminal view counts a book and its volume done only when every chapter is on disk", () => {
  const { writes, view, at } = setup({
    isTerminal: false,
    totals: { volumes: 1, books: 2, chapters: 3 },
  });
  at(0, (t) => ev.runStart(t));
  at(0, (t) => ev.done(t, "bofm/1-ne/1", 10));
  at(0, (t) => ev.done(t, "bofm/1-ne/manifest", 5, "book-manifest"));
  at(0, (t) => ev.done(t, "bofm/2-ne/1", 10));
  at(0, (t) => ev.failed(t, "bofm/2-ne/2", "HTTP 500", 1, 500));
  at(0, (t) => ev.done(t, "bofm/2-ne/manifest", 5, "book-manifest"));
  at(0, (t) => ev.done(t, "bofm/manifest", 5, "volume-manifest"));
  at(0, (t) => ev.end(t));
  view.stop();
  assert.ok(
    writes.at(-1)!.includes("chapters 2/3  books 1/2  volumes 0/1  failed 1"),
    writes.at(-1),
  );
});

Deno.test("terminal view note() writes a message above the frame, which the next frame keeps", async () => {
  const { clock, writes, view, at } = setup();
  at(0, (t) => ev.runStart(t));
  at(1000, (t) => ev.open(t, "bofm", 0));
  at(1000, (t) => ev.open(t, "bofm/1-ne", 1));
  await clock.advance(100); // the trailing frame: three lines now
  writes.length = 0;
  view.note("Interrupted: finishing manifests");
  // Back to the frame's first line, erase down, the message on its own line, then the frame anew.
  assert.ok(writes[0].startsWith("\x1b[2A\r\x1b[JInterrupted: finishing manifests\n"), writes[0]);
  assert.ok(writes[1].startsWith(`\r\x1b[2K${HEAD_0}`), "the frame is drawn below, not over it");
  at(2000, (t) => ev.start(t, "bofm/1-ne/1"));
  const screen = writes.slice(2).join("");
  // A later frame moves up over its own 3 lines only, never onto the message.
  assert.ok(!screen.includes("\x1b[3A"), screen);
  assert.ok(screen.includes("\x1b[2A"), screen);
  view.stop();
});

Deno.test("terminal view note() without a terminal frame writes the message as a line", () => {
  const { writes, view } = setup({ isTerminal: false });
  view.note("Interrupted");
  assert.deepEqual(writes, ["Interrupted\n"]);
  view.stop();
});

Deno.test("terminal view in quiet mode prints nothing, not even at the end", () => {
  const { writes, view, at } = setup({ quiet: true });
  at(0, (t) => ev.runStart(t));
  at(6000, (t) => ev.done(t, "bofm/1-ne/1", 100));
  at(7000, (t) => ev.pause(t, T0 + 41_000));
  at(8000, (t) => ev.end(t));
  view.stop();
  assert.deepEqual(writes, []);
});

Deno.test("terminal view shows no NaN or Infinity when nothing is to be done", () => {
  const { writes, view, at } = setup({ totals: { volumes: 0, books: 0, chapters: 0 } });
  at(0, (t) => ev.runStart(t));
  view.stop();
  assert.equal(
    writes[1],
    "\x1b[1A\r\x1b[2K100%  chapters 0/0  books 0/0  volumes 0/0  failed 0  retries 0\n" +
      "\x1b[2Kin flight: volumes 0, books 0, chapters 0  — ch/s  elapsed 0:00  ETA 0:00",
  );
});

Deno.test("terminal view shows no speed, rather than Infinity, for an import at the start time", () => {
  const { writes, view, at } = setup();
  at(0, (t) => ev.runStart(t));
  at(0, (t) => ev.done(t, "bofm/1-ne/1", 0));
  view.stop();
  assert.doesNotMatch(writes.join(""), /NaN|Infinity/);
  assert.ok(writes[1].includes("33%  chapters 1/3  "));
  assert.ok(writes[1].endsWith("— ch/s  elapsed 0:00  ETA —"));
});

Deno.test("terminal view shows the current rate and in-flight limit once a rate-change arrived", () => {
  const { writes, at } = setup({ isTerminal: false });
  at(0, (t) => ev.runStart(t));
  at(1000, (t) => rateChange(t, 10, 20, { inFlight: 3, cause: "slow-start" }));
  at(6000, (t) => rateChange(t, 20, 17.5, { inFlight: 12 }));
  at(7000, (t) => rateChange(t, 17.5, Infinity));
  at(8000, (t) => ev.end(t));
  assert.deepEqual(writes, [
    `${HEAD_0}; in flight: volumes 0, books 0, chapters 0  — ch/s  elapsed 0:06  ETA —; ` +
    "rate 17.5/s, at most 12 in flight  (test: 20/s to 17.5/s)\n",
    `${HEAD_0}; in flight: volumes 0, books 0, chapters 0  — ch/s  elapsed 0:08  ETA —; ` +
    "rate unlimited  (test: 17.5/s to Infinity/s)\n",
  ]);
});

Deno.test("terminal view prints nothing on stop() when no run started (a refused setup)", () => {
  for (const isTerminal of [false, true]) {
    const { writes, view } = setup({ isTerminal });
    view.stop();
    assert.deepEqual(writes, []);
  }
});

Deno.test("on a narrow terminal every line fits its width, so a redraw leaves no stale line", () => {
  for (const columns of [80, 40]) {
    const { writes, at, view } = setup({
      columns: () => columns,
      bookChapters: new Map([["bofm/1-ne", 22], ["bofm/2-ne", 33], ["bofm/jacob", 7]]),
      totals: { volumes: 5, books: 88, chapters: 1584 },
    });
    at(0, (t) => ev.runStart(t));
    at(0, (t) => ev.open(t, "bofm", 0));
    for (const book of ["bofm/1-ne", "bofm/2-ne", "bofm/jacob"]) at(0, (t) => ev.open(t, book, 1));
    at(500, (t) => ev.done(t, "bofm/1-ne/1", 400));
    at(1000, (t) =>
      rateChange(t, 40, 36, {
        inFlight: 10,
        cause: "limit",
      }));
    at(2000, (t) => ev.pause(t, T0 + 30_000));
    const running = writes.at(-1) ?? "";
    view.stop();
    const frames = writes.join("");
    // Each line of each frame: what follows an erase-line code, up to the next newline.
    const lines = frames.split("\x1b[2K").slice(1).map((part) => part.split("\n")[0]);
    assert.ok(lines.length > 0);
    for (const line of lines) {
      const visible = line.replace(CURSOR_CODE, "").replaceAll("\r", "");
      assert.ok([...visible].length < columns, `${columns} columns: ${JSON.stringify(visible)}`);
    }
    assert.match(running, /in progress: bofm\/1-ne 1\/22/);
    assert.match(running, /paused by the server until 12:03:30/);
    if (columns === 80) assert.match(running, /28 s left/);
  }
});

Deno.test("a server pause counts down on a terminal: one frame a second, none after it ends", async () => {
  const { writes, at, clock, view } = setup();
  at(0, (t) => ev.runStart(t));
  at(200, (t) => ev.pause(t, T0 + 3200));
  assert.match(writes.at(-1)!, /3 s left$/);
  await clock.advance(1000);
  assert.match(writes.at(-1)!, /2 s left$/);
  await clock.advance(1000);
  assert.match(writes.at(-1)!, /1 s left$/);
  await clock.advance(1000);
  assert.match(writes.at(-1)!, /0 s left$/);
  assert.equal(clock.pending, 0, "no countdown frame after the pause ended");
  view.stop();
});

Deno.test("terminal view of a run of several languages counts the language level and what a language lacks apart", () => {
  const lines: string[] = [];
  const view = new TerminalView({
    clock: new FakeClock(T0),
    output: { write: (text) => lines.push(text) },
    isTerminal: false,
    color: false,
    plainIntervalMs: 0,
    totals: { languages: 2, volumes: 2, books: 2, chapters: 2 },
  });
  view.handle({ type: "run-start", at: T0, nodes: 7, tasks: 2, sinks: 5 });
  view.handle({ type: "scope-open", at: T0, scope: "ceb", depth: 0 });
  view.handle({ type: "scope-open", at: T0, scope: "ceb/ot", depth: 1 });
  view.handle({ type: "scope-open", at: T0, scope: "ceb/ot/obad", depth: 2 });
  view.handle({
    type: "task-start",
    at: T0,
    id: "ceb/ot/obad/1",
    kind: "chapter",
    attempt: 1,
    role: "task",
  });
  view.handle({
    type: "task-done",
    at: T0,
    id: "ceb/ot/obad/1",
    kind: "chapter",
    attempts: 1,
    durationMs: 10,
    value: { notAvailable: { scope: "ot", reason: "HTTP 404" } },
  });
  view.stop();
  const last = lines.at(-1)!;
  assert.match(
    last,
    /^50% {2}chapters 0\/2 {2}books 0\/2 {2}volumes 0\/2 {2}languages 2 {2}failed 0/,
  );
  assert.match(last, /not available 1/);
  assert.match(last, /in flight: languages 1, volumes 1, books 1, chapters 0/);
});
