/**
 * Spaces rate-limited starts by when their work went out, not by when they
 * were decided.
 *
 * What a task starts (a request's bytes) leaves only once the event loop
 * turns, and work in that turn (a response being handled, an event sink, the
 * HTTP client's first set-up) can hold it up: a limiter that counts from its
 * decision lets two requests reach the server closer than its spacing when
 * the first went out late. This waits for the end of each start's turn
 * (`Clock.nextTurn`) and records the start as having happened then.
 *
 * Each start takes some time from its decision to the end of its turn even
 * when nothing holds it up (the handler's own synchronous part): the least
 * of the recent ones is taken as that cost and anticipated, so that the
 * spacing between what goes out stays the configured one plus a small
 * margin (the jitter a strict server must not see as a shortfall), instead
 * of growing by that cost at every start. The first starts of a run, which
 * open the connections, get a wider margin.
 *
 * @module
 */

import type { Clock } from "./clock.ts";
import type { RateLimiter } from "./rate_limiter.ts";

/** Recent starts whose cost is remembered. */
const _WINDOW = 16;
/**
 * The most of a start's cost that is anticipated, ms: more is a start held
 * up (the first ones, cold, take tens of ms), and anticipating it would
 * space the next, prompt start too close.
 */
const _MAX_ANTICIPATED_MS = 1;
/** The margin added to the spacing between what goes out, ms, at most. */
const _MAX_MARGIN_MS = 0.5;
/** ... and at most this fraction of the spacing. */
const _MARGIN_FRACTION = 0.02;
/**
 * The first starts of a run are the ones that open connections, whose
 * set-up holds a request back by a millisecond or more beyond the end of
 * its turn (the very first by more); they get a wider margin.
 */
const _OPENING_STARTS = 16;
/** The margin of those first starts, ms, at most ... */
const _MAX_OPENING_MARGIN_MS = 3;
/** ... and at most this fraction of the spacing. */
const _OPENING_MARGIN_FRACTION = 0.1;

/** Records each start of `limiter` at the end of its turn; see the module doc. */
export class TurnSpacing {
  readonly #clock: Clock & Required<Pick<Clock, "nextTurn">>;
  readonly #limiter: RateLimiter;
  readonly #stop = new AbortController();
  /** Decision to end of turn of recent starts, ms; NaN until measured. */
  readonly #costs = new Float64Array(_WINDOW).fill(Number.NaN);
  #next = 0;
  /** Starts that have gone out. */
  #outCount = 0;

  /**
   * @returns undefined for a clock without turns (a virtual one): starts
   *   stay as decided.
   */
  static for(clock: Clock, limiter: RateLimiter): TurnSpacing | undefined {
    return clock.nextTurn === undefined
      ? undefined
      : new TurnSpacing(clock as Clock & Required<Pick<Clock, "nextTurn">>, limiter);
  }

  private constructor(clock: Clock & Required<Pick<Clock, "nextTurn">>, limiter: RateLimiter) {
    this.#clock = clock;
    this.#limiter = limiter;
  }

  /** The limiter's last start (or starts) was decided at clock time `decidedAt` in this turn. */
  started(decidedAt: number): void {
    const start = this.#limiter.starts;
    this.#clock.nextTurn(this.#stop.signal).then(() => this.#wentOut(decidedAt, start), () => {});
  }

  /** Forgets the starts still waiting for their turn to end; call when the run ends. */
  stop(): void {
    this.#stop.abort();
  }

  #wentOut(decidedAt: number, start: number): void {
    const outAt = this.#clock.now();
    const cost = outAt - decidedAt;
    let least = Infinity;
    for (const known of this.#costs) if (known < least) least = known; // NaN never is
    this.#costs[this.#next] = cost;
    this.#next = (this.#next + 1) % _WINDOW;
    // Until costs are known, none is anticipated: the first starts are spaced widest.
    const anticipated = least === Infinity ? 0 : Math.min(least, cost, _MAX_ANTICIPATED_MS);
    const spacing = this.#spacingMs();
    const margin = this.#outCount++ < _OPENING_STARTS
      ? Math.min(_MAX_OPENING_MARGIN_MS, spacing * _OPENING_MARGIN_FRACTION)
      : Math.min(_MAX_MARGIN_MS, spacing * _MARGIN_FRACTION);
    this.#limiter.startWentOutAt(outAt - anticipated + margin, start);
  }

  /** The spacing the limiter keeps between starts, ms: its delay or one token's worth. */
  #spacingMs(): number {
    const bucket = this.#limiter.tokenBucket;
    return Math.max(this.#limiter.delayMs, bucket === undefined ? 0 : 1000 / bucket.ratePerSecond);
  }
}
