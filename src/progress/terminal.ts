/**
 * The live progress view: a sink of the run's events that redraws a few lines
 * in place on a terminal, or prints a plain line every few seconds elsewhere.
 *
 * @module
 */

import type { Clock } from "../exec/clock.ts";
import type { RateSetting, RunEvent } from "../exec/types.ts";
import { formatCount, formatLocalTime, formatStopwatch, paint } from "./format.ts";
import { notAvailableOf } from "./log_record.ts";

/** Node kinds the view counts. */
const _CHAPTER = "chapter";
const _BOOK = "book-manifest";
const _VOLUME = "volume-manifest";

/** Options of {@linkcode TerminalView}. */
export interface TerminalViewOptions {
  /** The run's clock: frames are throttled and timed on it. */
  readonly clock: Clock;
  /** Where frames go (e.g. a wrapper of `Deno.stderr`). */
  readonly output: { write(text: string): void };
  /** Redraw in place; otherwise print plain lines with no control characters. */
  readonly isTerminal: boolean;
  /** ANSI colours; only used on a terminal (see `colorEnabled`). */
  readonly color: boolean;
  /** Print nothing at all. @default false */
  readonly quiet?: boolean;
  /**
   * What the run will do, from the plan. With `languages` above 1 the run has
   * a language level above volumes (scopes one deeper, ids led by the language).
   */
  readonly totals: {
    readonly languages?: number;
    readonly volumes: number;
    readonly books: number;
    readonly chapters: number;
  };
  /** Renders the end of a server pause. @default formatLocalTime (HH:MM:SS, local) */
  readonly formatTime?: (at: number) => string;
  /** Least ms between two frames on a terminal. @default 100 */
  readonly frameIntervalMs?: number;
  /** Ms between two plain lines off a terminal. @default 5000 */
  readonly plainIntervalMs?: number;
  /** The window of the moving average speed, ms. @default 10000 */
  readonly speedWindowMs?: number;
  /**
   * The terminal's width now, in columns: every line is fitted to it (parts
   * dropped from the end, then cut with `…`), so that no line wraps and a
   * redraw overwrites exactly what the last one drew. @default none: lines as they come
   */
  readonly columns?: () => number;
  /** Chapters selected per book (`volume/book`), to show a book in progress as `bofm/alma 12/63`. */
  readonly bookChapters?: ReadonlyMap<string, number>;
}

/**
 * Shows a run's progress: percent; volumes, books and chapters done of total;
 * failures and retries; volumes and books open and chapters in flight; speed;
 * elapsed time; ETA; a server-requested pause; and, once an adaptive
 * controller changed it (`rate-change`), the current request rate and
 * in-flight limit.
 *
 * Speed is a windowed moving average: chapters imported in the last
 * `speedWindowMs` divided by that window (or by the time since the start,
 * while the run is younger than the window). ETA is the chapters not yet
 * ended divided by that speed, shown as `—` while no chapter was imported in
 * the window.
 *
 * On a terminal, frames are drawn on events, at most one per
 * `frameIntervalMs`; an event that falls inside the interval schedules one
 * trailing frame on the clock, cancelled by {@linkcode TerminalView.stop}.
 * Off a terminal, a plain line is printed on the first event at least
 * `plainIntervalMs` after the previous line, at once when the server pauses
 * the run, and at the end.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TerminalView } from "./terminal.ts";
 * const lines: string[] = [];
 * const view = new TerminalView({
 *   clock: { now: () => 0, sleep: () => Promise.resolve() },
 *   output: { write: (text) => lines.push(text) },
 *   isTerminal: false,
 *   color: false,
 *   totals: { volumes: 1, books: 1, chapters: 1 },
 * });
 * view.handle({ type: "run-start", at: 0, nodes: 3, tasks: 1, sinks: 2 });
 * view.stop();
 * assert.ok(lines[0].startsWith("0%  chapters 0/1  books 0/1"));
 * ```
 */
export class TerminalView {
  readonly #o:
    & Required<Omit<TerminalViewOptions, "quiet" | "columns" | "bookChapters">>
    & Pick<TerminalViewOptions, "columns" | "bookChapters">
    & { quiet: boolean };
  #startedAt: number | undefined;
  #chapters = { imported: 0, skipped: 0, failed: 0, cancelled: 0, notAvailable: 0 };
  /** Books and volumes whose manifest was written with every chapter on disk. */
  #books = 0;
  #volumes = 0;
  /** Books (and their volumes) with a chapter failed or cancelled: not counted as done. */
  readonly #incomplete = new Set<string>();
  #retries = 0;
  /** Open scopes per depth: [volumes, books], or [languages, volumes, books]. */
  readonly #open: number[];
  /** The depth of a book's scope: 1, or 2 with a language level. */
  readonly #bookDepth: number;
  readonly #inFlight = new Set<string>();
  #completions: number[] = [];
  #pausedUntil: number | undefined;
  /** The rate and in-flight limit of the last `rate-change`, and why, if any. */
  #rate: { readonly setting: RateSetting; readonly reason: string } | undefined;
  /** Books open now, in the order they opened, with their chapters ended in this run. */
  readonly #openBooks = new Map<string, number>();
  /** The run was aborted (from its `run-end`). */
  #aborted = false;
  /** When the last terminal frame was drawn. */
  #lastFrameAt: number | undefined;
  #frameLines = 0;
  /** When the last plain line was printed (the start counts as one). */
  #lastLineAt: number | undefined;
  #trailing: AbortController | undefined;
  /** When the pending frame is due. */
  #trailingAt = Infinity;
  #finished = false;

  constructor(options: TerminalViewOptions) {
    this.#o = {
      ...options,
      quiet: options.quiet ?? false,
      color: options.isTerminal && options.color,
      formatTime: options.formatTime ?? formatLocalTime,
      frameIntervalMs: options.frameIntervalMs ?? 100,
      plainIntervalMs: options.plainIntervalMs ?? 5000,
      speedWindowMs: options.speedWindowMs ?? 10_000,
    };
    const languages = (options.totals.languages ?? 1) > 1;
    this.#open = languages ? [0, 0, 0] : [0, 0];
    this.#bookDepth = languages ? 2 : 1;
  }

  /** Takes one event into account and redraws if due. A sink of the run's events. */
  readonly handle = (event: RunEvent): void => {
    if (this.#o.quiet || this.#finished) return;
    this.#startedAt ??= event.at;
    this.#lastLineAt ??= event.at;
    this.#apply(event);
    if (event.type === "run-end") return this.stop();
    const now = this.#o.clock.now();
    if (this.#o.isTerminal) return this.#frameIfDue(now);
    if (event.type === "rate-pause" || now - this.#lastLineAt >= this.#o.plainIntervalMs) {
      this.#plainLine(now);
    }
  };

  /**
   * Prints a message of its own above the live frame (e.g. what a Ctrl-C
   * does), so that the next redraw does not overwrite it: the frame is
   * erased, the message written, and the frame drawn again below it.
   * Without a live frame the message is just written.
   */
  readonly note = (message: string): void => {
    const text = message.endsWith("\n") ? message : `${message}\n`;
    if (!this.#o.isTerminal || this.#frameLines === 0 || this.#finished || this.#o.quiet) {
      this.#o.output.write(text);
      return;
    }
    // Up to the frame's first line, clear to the end of the screen, then the message.
    const up = this.#frameLines > 1 ? `\x1b[${this.#frameLines - 1}A` : "";
    this.#o.output.write(`${up}\r\x1b[J${text}`);
    this.#frameLines = 0;
    this.#draw(this.#o.clock.now());
  };

  /**
   * Draws the final frame (a terminal frame ends with a newline) and cancels
   * any pending frame. Called by the `run-end` event; calling it again is harmless.
   */
  stop(): void {
    this.#trailing?.abort();
    this.#trailing = undefined;
    if (this.#o.quiet || this.#finished) return;
    this.#finished = true;
    // No event seen: the run never started (a refused --out or --log), so there is no progress to show.
    if (this.#startedAt === undefined) return;
    const now = this.#o.clock.now();
    if (this.#o.isTerminal) {
      this.#draw(now);
      this.#o.output.write("\n");
    } else {
      this.#plainLine(now);
    }
  }

  #apply(event: RunEvent): void {
    switch (event.type) {
      case "run-start":
        break;
      case "scope-open":
      case "scope-close":
        if (event.depth < this.#open.length) {
          this.#open[event.depth] += event.type === "scope-open" ? 1 : -1;
        }
        if (event.depth === this.#bookDepth) {
          if (event.type === "scope-open") this.#openBooks.set(event.scope, 0);
          else this.#openBooks.delete(event.scope);
        }
        break;
      case "task-start":
        if (event.role === "task") this.#inFlight.add(event.id);
        break;
      case "task-retry":
        this.#retries++;
        this.#inFlight.delete(event.id);
        break;
      case "task-done":
      case "task-skipped":
        this.#inFlight.delete(event.id);
        if (event.kind === _BOOK || event.kind === _VOLUME) {
          // `<volume>/<book>/manifest`, `<volume>/manifest`: done only when nothing in it was lost.
          const scope = event.id.slice(0, event.id.lastIndexOf("/"));
          if (this.#incomplete.has(scope)) break;
          if (event.kind === _BOOK) this.#books++;
          else this.#volumes++;
          break;
        }
        if (event.kind !== _CHAPTER) break;
        this.#countInBook(event.id);
        if (notAvailableOf(event.value) !== undefined) {
          this.#chapters.notAvailable++;
        } else if (event.type === "task-skipped") {
          this.#chapters.skipped++;
        } else {
          this.#chapters.imported++;
          this.#completions.push(event.at);
        }
        break;
      case "task-failed":
      case "task-cancelled":
        this.#inFlight.delete(event.id);
        if (event.kind !== _CHAPTER) break;
        this.#countInBook(event.id);
        this.#markIncomplete(event.id);
        if (event.type === "task-failed") this.#chapters.failed++;
        else this.#chapters.cancelled++;
        break;
      case "rate-pause":
        this.#pausedUntil = event.until;
        break;
      case "rate-resume":
        this.#pausedUntil = undefined;
        break;
      case "rate-change":
        this.#rate = { setting: event.to, reason: event.reason };
        break;
      case "run-end":
        this.#pausedUntil = undefined;
        this.#aborted = event.report.aborted;
        break;
      case "control":
        break;
      default: {
        const unhandled: never = event;
        throw new TypeError(`Cannot show event: unknown type "${String(unhandled)}"`);
      }
    }
  }

  #frameIfDue(now: number): void {
    const last = this.#lastFrameAt;
    if (last === undefined || now - last >= this.#o.frameIntervalMs) {
      return this.#draw(now);
    }
    // A frame already due by then (the throttle's, or a pause's countdown) will show this event.
    const due = last + this.#o.frameIntervalMs;
    if (this.#trailing !== undefined && this.#trailingAt <= due) return;
    this.#scheduleFrame(due - now);
  }

  #draw(now: number): void {
    this.#trailing?.abort();
    this.#trailing = undefined;
    const lines = this.#lines(now);
    // Back to the first line of the previous frame, then overwrite each line.
    let frame = this.#frameLines > 1 ? `\x1b[${this.#frameLines - 1}A\r` : "\r";
    frame += lines.map((line) => `\x1b[2K${line}`).join("\n");
    const extra = this.#frameLines - lines.length;
    if (extra > 0) frame += "\n\x1b[2K".repeat(extra) + `\x1b[${extra}A`;
    this.#o.output.write(frame);
    this.#frameLines = lines.length;
    this.#lastFrameAt = now;
    // A pause shows its countdown: one frame a second until it ends.
    if (this.#pausedUntil !== undefined && this.#pausedUntil > now && !this.#finished) {
      this.#scheduleFrame(Math.min(1000, this.#pausedUntil - now));
    }
  }

  #scheduleFrame(inMs: number): void {
    this.#trailing?.abort();
    const trailing = new AbortController();
    this.#trailing = trailing;
    this.#trailingAt = this.#o.clock.now() + inMs;
    this.#o.clock.sleep(inMs, trailing.signal).then(
      () => {
        if (this.#trailing !== trailing) return;
        this.#trailing = undefined;
        this.#draw(this.#o.clock.now());
      },
      () => {/* cancelled by a newer frame or by stop() */},
    );
  }

  #plainLine(now: number): void {
    this.#o.output.write(`${this.#lines(now, false).join("; ")}\n`);
    this.#lastLineAt = now;
  }

  /** A chapter of `<volume>/<book>/<n>` was not imported: its book and volume are not done. */
  #markIncomplete(chapterId: string): void {
    const book = chapterId.slice(0, chapterId.lastIndexOf("/"));
    this.#incomplete.add(book);
    this.#incomplete.add(book.slice(0, book.lastIndexOf("/")));
  }

  #countInBook(chapterId: string): void {
    const book = chapterId.slice(0, chapterId.lastIndexOf("/"));
    const ended = this.#openBooks.get(book);
    if (ended !== undefined) this.#openBooks.set(book, ended + 1);
  }

  // Each line is a list of parts, most telling first; on a terminal of known
  // width, parts are dropped from the end until the line fits.
  #lines(now: number, fit = true): string[] {
    const { totals, color } = this.#o;
    const c = this.#chapters;
    // Cancelled chapters are not done: an interrupted run never shows 100 %.
    const done = c.imported + c.skipped + c.failed + c.notAvailable;
    const ended = done + c.cancelled;
    const percent = totals.chapters > 0 ? Math.floor((done * 100) / totals.chapters) : 100;
    const failed = `failed ${formatCount(c.failed)}`;
    const speed = this.#speed(now);
    const remaining = Math.max(0, totals.chapters - ended);
    const eta = remaining === 0 ? 0 : speed === undefined ? NaN : (remaining / speed) * 1000;
    const stopped = this.#finished && this.#aborted;
    const lines: string[][] = [
      [
        paint(stopped ? `stopped at ${percent}%` : `${percent}%`, "bold", color),
        `chapters ${formatCount(c.imported + c.skipped)}/${formatCount(totals.chapters)}`,
        `books ${formatCount(this.#books)}/${formatCount(totals.books)}`,
        `volumes ${formatCount(this.#volumes)}/${formatCount(totals.volumes)}`,
        ...(this.#bookDepth === 2 ? [`languages ${formatCount(totals.languages!)}`] : []),
        paint(failed, "red", color && c.failed > 0),
        ...(c.notAvailable > 0 ? [`not available ${formatCount(c.notAvailable)}`] : []),
        `retries ${formatCount(this.#retries)}`,
      ],
      [
        "in flight: " + (this.#bookDepth === 2 ? `languages ${this.#open[0]}, ` : "") +
        `volumes ${this.#open[this.#bookDepth - 1]}, books ${this.#open[this.#bookDepth]}, ` +
        `chapters ${this.#inFlight.size}`,
        `${speed === undefined ? "—" : speed.toFixed(1)} ch/s`,
        `elapsed ${formatStopwatch(now - this.#startedAt!)}`,
        ...(stopped ? [] : [`ETA ${formatStopwatch(eta)}`]),
      ],
    ];
    if (this.#openBooks.size > 0 && !this.#finished && this.#o.isTerminal) {
      const books = [...this.#openBooks].map(([book, ended]) => {
        // A language's book (`spa/bofm/alma`) has the chapters of the book it is a translation of.
        const key = this.#bookDepth === 2 ? book.slice(book.indexOf("/") + 1) : book;
        const of = this.#o.bookChapters?.get(key);
        return of === undefined ? book : `${book} ${formatCount(ended)}/${formatCount(of)}`;
      });
      lines.push([`in progress: ${books[0]}`, ...books.slice(1)]);
    }
    if (this.#rate !== undefined) {
      lines.push([_formatRate(this.#rate.setting), `(${this.#rate.reason})`]);
    }
    if (this.#pausedUntil !== undefined) {
      const until = this.#o.formatTime(this.#pausedUntil);
      const left = Math.max(0, Math.ceil((this.#pausedUntil - now) / 1000));
      lines.push([
        paint(`paused by the server until ${until}`, "yellow", color),
        `${formatCount(left)} s left`,
      ]);
    }
    const width = fit && this.#o.isTerminal ? this.#o.columns?.() : undefined;
    return lines.map((parts) => _fit(parts, width));
  }

  // Chapters imported per second over the window; undefined while none was.
  #speed(now: number): number | undefined {
    const from = now - this.#o.speedWindowMs;
    this.#completions = this.#completions.filter((at) => at > from);
    const span = Math.min(this.#o.speedWindowMs, now - this.#startedAt!);
    if (this.#completions.length === 0 || span <= 0) return undefined;
    return this.#completions.length / (span / 1000);
  }
}

// The parts joined by two spaces, as many as fit in `width` columns less one
// (a line filling the last column would wrap on some terminals); the first
// part alone is cut with "…" when even it does not fit.
function _fit(parts: readonly string[], width: number | undefined): string {
  const line = parts.join("  ");
  if (width === undefined || !(width > 1)) return line;
  const room = width - 1;
  let kept = parts.length;
  while (kept > 1 && _visible(parts.slice(0, kept).join("  ")) > room) kept--;
  const fitted = parts.slice(0, kept).join("  ");
  if (_visible(fitted) <= room) return fitted;
  const plain = _stripAnsi(fitted);
  return room <= 1 ? plain.slice(0, room) : plain.slice(0, room - 1) + "…";
}

// Columns a string takes: its characters less the colour codes.
function _visible(text: string): number {
  return [..._stripAnsi(text)].length;
}

function _stripAnsi(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "\x1b" && text[i + 1] === "[") {
      i += 2;
      while (i < text.length && !/[A-Za-z]/.test(text[i])) i++;
      continue;
    }
    out += text[i];
  }
  return out;
}

// "rate 38.8/s, at most 5 in flight"; "rate unlimited" without limits.
function _formatRate(rate: RateSetting): string {
  const perSecond = Number.isFinite(rate.ratePerSecond)
    ? `${rate.ratePerSecond.toFixed(1)}/s`
    : "unlimited";
  const inFlight = Number.isFinite(rate.maxInFlight)
    ? `, at most ${formatCount(rate.maxInFlight)} in flight`
    : "";
  return `rate ${perSecond}${inFlight}`;
}
