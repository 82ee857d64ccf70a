/**
 * The fake API's rate limit: a token bucket on requests.
 *
 * @module
 */

/**
 * A token bucket that starts full. Time is passed in, so tests drive it with
 * any clock.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TokenBucket } from "./token_bucket.ts";
 *
 * const bucket = new TokenBucket({ ratePerSecond: 2, burst: 1 }, 0);
 * assert.equal(bucket.take(0), 0); // granted
 * assert.equal(bucket.take(100), 400); // next token in 400 ms
 * assert.equal(bucket.take(500), 0);
 * ```
 */
export class TokenBucket {
  #ratePerSecond: number;
  #burst: number;
  #tokens: number;
  #at: number;

  /**
   * @param limit Tokens added per second, and the most the bucket holds.
   * @param now The current time, ms.
   * @throws {RangeError} When the rate is not positive or the burst is below 1.
   */
  constructor(limit: { readonly ratePerSecond: number; readonly burst: number }, now: number) {
    if (!(limit.ratePerSecond > 0)) {
      throw new RangeError(
        `Cannot create a token bucket: rate "${limit.ratePerSecond}" must be above 0`,
      );
    }
    if (!(limit.burst >= 1)) {
      throw new RangeError(
        `Cannot create a token bucket: burst "${limit.burst}" must be at least 1`,
      );
    }
    this.#ratePerSecond = limit.ratePerSecond;
    this.#burst = limit.burst;
    this.#tokens = limit.burst;
    this.#at = now;
  }

  /** Tokens added per second. */
  get ratePerSecond(): number {
    return this.#ratePerSecond;
  }

  /** The most the bucket holds. */
  get burst(): number {
    return this.#burst;
  }

  /**
   * Changes the refill rate (and the capacity, by default the same) from
   * `now` on; the tokens there are stay, up to the new capacity.
   *
   * @throws {RangeError} When the rate is not positive.
   */
  setRate(ratePerSecond: number, now: number, burst: number = this.#burst): void {
    if (!(ratePerSecond > 0)) {
      throw new RangeError(
        `Cannot set the token bucket's rate "${ratePerSecond}": must be above 0`,
      );
    }
    if (!(burst >= 1)) {
      throw new RangeError(`Cannot set the token bucket's burst "${burst}": must be at least 1`);
    }
    this.#refill(now);
    this.#ratePerSecond = ratePerSecond;
    this.#burst = burst;
    this.#tokens = Math.min(this.#tokens, burst);
  }

  /** The tokens there are at `now` (a fraction while one is refilling), without taking one. */
  available(now: number): number {
    this.#refill(now);
    return this.#tokens;
  }

  /** Ms from `now` until the bucket is full again; 0 when it is. */
  msUntilFull(now: number): number {
    this.#refill(now);
    return Math.ceil(((this.burst - this.#tokens) * 1000) / this.#ratePerSecond);
  }

  /**
   * Takes a token when one is there.
   *
   * @param now The current time, ms.
   * @returns 0 when a token was taken, else the ms until one will be there.
   */
  take(now: number): number {
    this.#refill(now);
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.#tokens) * 1000) / this.#ratePerSecond);
  }

  #refill(now: number): void {
    const elapsed = Math.max(0, now - this.#at);
    this.#tokens = Math.min(this.burst, this.#tokens + (elapsed * this.#ratePerSecond) / 1000);
    this.#at = Math.max(this.#at, now);
  }
}
