/**
 * A check of the bucket a limit reading assumed: after a pause, a few
 * requests at once.
 *
 * @module
 */

/** What the check found. */
export type BucketCheckResult =
  /** Every request of the burst was taken: the bucket holds at least `size`. */
  | { readonly kind: "holds"; readonly size: number }
  /** Some were refused: the bucket holds the `tokens` taken. */
  | { readonly kind: "smaller"; readonly tokens: number };

/**
 * One reading of a refusal cannot tell a small bucket emptied by a burst far
 * above the limit from a strict spacing refusing just above it (see
 * `LimitEstimate`); it assumes a bucket of some ms of tokens. A pause refills
 * any bucket of up to a pause's worth, so the first `size` requests after it
 * can go at once (`size` the tokens assumed): if the bucket holds them, the
 * check cost nothing (they only went earlier than their spacing; the next
 * waits until the burst's spacing has passed, so the bucket is as full then
 * as it would have been); if it holds fewer, how many were taken (they
 * arrive in any order) tells how many it holds, and the reading is read
 * again at that bucket.
 *
 * States: `armed` until the pause ends, `sending` the burst, `waiting` for
 * its answers, then done.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BucketCheck } from "./bucket_check.ts";
 * const check = new BucketCheck(4);
 * check.resumed();
 * for (const id of ["a", "b", "c", "d"]) check.started(id);
 * assert.equal(check.sending, false);
 * assert.equal(check.answered("a", false), undefined);
 * assert.equal(check.answered("d", true), undefined, "the others are still out");
 * assert.equal(check.answered("c", true), undefined);
 * assert.deepEqual(check.answered("b", false), { kind: "smaller", tokens: 2 });
 * ```
 */
export class BucketCheck {
  /** Requests in the burst. */
  readonly size: number;
  #state: "armed" | "sending" | "waiting" | "done" = "armed";
  /** The burst's requests in start order, and which are still unanswered. */
  readonly #ids: string[] = [];
  readonly #pending = new Set<string>();
  #cut = false;
  /** Requests of the burst refused for rate. */
  #refused = 0;

  /** @param size requests to send at once, at least 2. */
  constructor(size: number) {
    if (!(Number.isInteger(size) && size >= 2)) {
      throw new RangeError(`Cannot check a bucket with a burst of "${size}": expected 2 or more`);
    }
    this.size = size;
  }

  /** Whether the check waits for the pause to end. */
  get armed(): boolean {
    return this.#state === "armed";
  }

  /** Whether the burst is being sent: starts are not spaced. */
  get sending(): boolean {
    return this.#state === "sending";
  }

  /** Whether the check is over (found, or given up). */
  get done(): boolean {
    return this.#state === "done";
  }

  /** The pause ended: the burst starts. */
  resumed(): void {
    if (this.#state === "armed") this.#state = "sending";
  }

  /** A request started; returns whether it was the burst's last. */
  started(id: string): boolean {
    if (this.#state !== "sending") return false;
    this.#ids.push(id);
    this.#pending.add(id);
    if (this.#ids.length < this.size) return false;
    this.#state = "waiting";
    return true;
  }

  /** Whether `id` is one of the burst's requests still unanswered. */
  has(id: string): boolean {
    return this.#pending.has(id);
  }

  /**
   * A request was answered (`refused` for rate or not); the result once the
   * check is over, else undefined.
   */
  answered(id: string, refused: boolean): BucketCheckResult | undefined {
    if (!this.#pending.delete(id)) return undefined;
    // Sent at once, they arrive in any order: how many were taken tells.
    if (refused) this.#refused++;
    if (this.#state !== "waiting" || this.#pending.size > 0) return undefined;
    this.#state = "done";
    const taken = this.#ids.length - this.#refused;
    if (this.#refused > 0) return { kind: "smaller", tokens: taken };
    return this.#cut ? undefined : { kind: "holds", size: this.size };
  }

  /**
   * A pause began (a refusal's own pause comes before its answer): the burst
   * stops where it is; a refusal among it still tells, a burst cut short
   * that was all taken does not.
   */
  paused(): void {
    if (this.#state !== "sending") return;
    this.#state = "waiting";
    this.#cut = true;
  }

  /** The check can tell nothing more: no result. */
  cancel(): void {
    this.#state = "done";
    this.#pending.clear();
  }
}
