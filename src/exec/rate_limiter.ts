/**
 * An exact limiter on the rate of task starts: a minimum spacing between any
 * two starts, a token bucket, and pauses (a server's `Retry-After`), all on an
 * injected clock.
 *
 * Each start reserves the next allowed start time, so the limits hold under
 * any concurrency. The token bucket is kept as a theoretical arrival time
 * (GCRA), which is exact without a refill timer.
 *
 * @module
 */

import { type Clock, systemClock } from "./clock.ts";

/** A token bucket on starts: `burst` starts at once, then `ratePerSecond`. */
export interface TokenBucket {
  /** Tokens added per second, > 0. */
  readonly ratePerSecond: number;
  /** Capacity, at least 1. */
  readonly burst: number;
}

/** The limits of a {@linkcode RateLimiter}. */
export interface RateLimitOptions {
  /** Minimum ms between any two starts. @default 0 */
  readonly delayMs?: number;
  /** A token bucket on starts. @default none */
  readonly tokenBucket?: TokenBucket;
}

/**
 * Limits the rate of starts. `delayMs` and `tokenBucket` both apply when both
 * are set; a pause holds every start until it has passed. The limits may be
 * changed while in use (for adaptive control); a change applies to the next
 * reservation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RateLimiter } from "./rate_limiter.ts";
 * import { VirtualClock } from "./virtual_clock.ts";
 * const clock = new VirtualClock();
 * const limiter = new RateLimiter({ delayMs: 50 }, clock);
 * assert.equal(limiter.reserve(), 0);
 * assert.equal(limiter.reserve(), 50);
 * assert.ok(!limiter.tryStart());
 * ```
 */
export class RateLimiter {
  readonly #clock: Clock;
  #delayMs = 0;
  #bucket: TokenBucket | undefined;
  /** ms per token. */
  #intervalMs = 0;
  /** How far the theoretical arrival time may run ahead of a start, ms: (burst - 1) × interval. */
  #toleranceMs = 0;
  /** Theoretical arrival time of the next start (GCRA). */
  #arrivalAt = -Infinity;
  #lastStartAt = -Infinity;
  /**
   * The theoretical arrival time before the last start was recorded, to
   * record that start again later; NaN once the bucket changed since.
   */
  #arrivalBeforeLast = -Infinity;
  #starts = 0;
  #pausedUntil = -Infinity;

  /**
   * Creates a limiter that lets starts go at the pace of `options`, timed on `clock`.
   *
   * @param options the limits.
   * @param clock the clock. @default systemClock
   * @throws {RangeError} on a negative delay or an invalid bucket.
   */
  constructor(options: RateLimitOptions = {}, clock: Clock = systemClock) {
    this.#clock = clock;
    this.setDelayMs(options.delayMs ?? 0);
    this.setTokenBucket(options.tokenBucket);
  }

  /** Minimum ms between any two starts. */
  get delayMs(): number {
    return this.#delayMs;
  }

  /** The token bucket, if any. */
  get tokenBucket(): TokenBucket | undefined {
    return this.#bucket;
  }

  /** Clock time until which starts are paused; `-Infinity` if never paused. */
  get pausedUntil(): number {
    return this.#pausedUntil;
  }

  /**
   * Changes the minimum spacing between starts.
   *
   * @throws {RangeError} when `delayMs` is negative or not a number.
   */
  setDelayMs(delayMs: number): void {
    if (!(delayMs >= 0)) {
      throw new RangeError(`Cannot set rate limit delayMs "${delayMs}": must be 0 or more`);
    }
    this.#delayMs = delayMs;
  }

  /**
   * Changes (or with `undefined`, removes) the token bucket. The tokens
   * available now carry over, capped at the new burst.
   *
   * @throws {RangeError} when the rate is not positive or the burst is below 1.
   */
  setTokenBucket(bucket: TokenBucket | undefined): void {
    if (bucket !== undefined) {
      if (!(bucket.ratePerSecond > 0) || bucket.ratePerSecond === Infinity) {
        throw new RangeError(
          `Cannot set token bucket ratePerSecond "${bucket.ratePerSecond}": must be a finite number above 0`,
        );
      }
      if (!(bucket.burst >= 1) || bucket.burst === Infinity) {
        throw new RangeError(
          `Cannot set token bucket burst "${bucket.burst}": must be a finite number of at least 1`,
        );
      }
    }
    const now = this.#clock.now();
    // A start recorded under the old bucket is not moved in the new one.
    this.#arrivalBeforeLast = Number.NaN;
    const tokens = this.#bucket === undefined ? Infinity : this.#tokensAt(now);
    this.#bucket = bucket;
    if (bucket === undefined) {
      this.#arrivalAt = -Infinity;
      return;
    }
    this.#intervalMs = 1000 / bucket.ratePerSecond;
    this.#toleranceMs = (bucket.burst - 1) * this.#intervalMs;
    const missing = bucket.burst - Math.min(tokens, bucket.burst);
    this.#arrivalAt = missing === 0 ? -Infinity : now + missing * this.#intervalMs;
  }

  /**
   * Pauses every start until clock time `until`. A pause never shortens an
   * earlier, longer one.
   *
   * @returns whether the pause was extended.
   */
  pauseUntil(until: number): boolean {
    if (until <= this.#pausedUntil) return false;
    this.#pausedUntil = until;
    return true;
  }

  /** The earliest clock time the next start may happen; may lie in the past. */
  nextStartAt(): number {
    let at = this.#lastStartAt + this.#delayMs;
    if (this.#bucket !== undefined) {
      const bucketAt = this.#arrivalAt - this.#toleranceMs;
      if (bucketAt > at) at = bucketAt;
    }
    return this.#pausedUntil > at ? this.#pausedUntil : at;
  }

  /** Whether any limit or pause is set; when not, every start is allowed at once. */
  get limited(): boolean {
    return this.#delayMs > 0 || this.#bucket !== undefined || this.#pausedUntil !== -Infinity;
  }

  /**
   * Records a start now if the limits allow one now.
   *
   * @param now the clock's time, when the caller has just read it. @default clock.now()
   * @returns whether it did.
   */
  tryStart(now: number = this.#clock.now()): boolean {
    if (this.nextStartAt() > now) return false;
    this.#record(now);
    return true;
  }

  /** Starts recorded so far (by `tryStart` and `reserve`): names the last one for {@linkcode startWentOutAt}. */
  get starts(): number {
    return this.#starts;
  }

  /**
   * Says that start number `start` (the value of {@linkcode starts} just
   * after it was recorded) took effect only at clock time `at`, later than
   * recorded: the next start is spaced from then. What a start begins (a
   * request) may go out only once the event loop has turned, and the limits
   * are meant between what goes out. Ignored when a later start has been
   * recorded since (it is spaced from that one) or when `at` is not later.
   */
  startWentOutAt(at: number, start: number): void {
    if (start !== this.#starts || !(at > this.#lastStartAt)) return;
    this.#lastStartAt = at;
    if (this.#bucket !== undefined && !Number.isNaN(this.#arrivalBeforeLast)) {
      this.#arrivalAt = (this.#arrivalBeforeLast > at ? this.#arrivalBeforeLast : at) +
        this.#intervalMs;
    }
  }

  /** Reserves the next allowed start time (now or later) and returns it, clock ms. */
  reserve(): number {
    const now = this.#clock.now();
    const next = this.nextStartAt();
    const at = next > now ? next : now;
    this.#record(at);
    return at;
  }

  /**
   * Reserves the next start time and waits for it. An abort while waiting
   * rejects with the signal's reason; the reserved time stays used.
   */
  async acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const wait = this.reserve() - this.#clock.now();
    if (wait > 0) await this.#clock.sleep(wait, signal);
  }

  #record(at: number): void {
    this.#starts++;
    this.#lastStartAt = at;
    this.#arrivalBeforeLast = this.#arrivalAt;
    if (this.#bucket !== undefined) {
      this.#arrivalAt = (this.#arrivalAt > at ? this.#arrivalAt : at) + this.#intervalMs;
    }
  }

  #tokensAt(now: number): number {
    const burst = this.#bucket!.burst;
    if (this.#arrivalAt <= now) return burst;
    return Math.max(0, burst - (this.#arrivalAt - now) / this.#intervalMs);
  }
}
