/**
 * Applies a rate and an in-flight limit to a running DAG through its
 * `RunControl`, never past the profile's own limits, and reports each change
 * as a `rate-change` event.
 *
 * @module
 */

import type { RunControl } from "../run_control.ts";
import type { Limits, RateChangeCause, RateSetting, RunEvent } from "../types.ts";

/**
 * The start rate that `limits` allow, requests/s: the lower of the spacing
 * (`delayMs`) and the token bucket's rate; Infinity when neither is set.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { limitsRate } from "./rate_setter.ts";
 * assert.equal(limitsRate({ delayMs: 25 }), 40);
 * assert.equal(limitsRate({ delayMs: 25, tokenBucket: { ratePerSecond: 10, burst: 3 } }), 10);
 * assert.equal(limitsRate({}), Infinity);
 * ```
 */
export function limitsRate(limits: Pick<Limits, "delayMs" | "tokenBucket">): number {
  const fromDelay = limits.delayMs ? 1000 / limits.delayMs : Infinity;
  return Math.min(fromDelay, limits.tokenBucket?.ratePerSecond ?? Infinity);
}

/** Options of {@linkcode RateSetter}. */
export interface RateSetterOptions {
  /** The run's control; changes are skipped while no run is attached. */
  readonly control: RunControl;
  /** The profile's limits: ceilings that every setting stays within. */
  readonly limits: Limits;
  /** Receives a `rate-change` event for every change applied. */
  readonly onChange?: (event: RunEvent) => void;
}

/**
 * Holds the setting in effect and changes it. The rate is applied as the
 * limiter's minimum spacing (`max(profile delay, 1000 / rate)`), which never
 * lets two starts come closer than the rate allows, even after a late
 * timer; the profile's token bucket, if any, stays as it is. The in-flight
 * limit is capped at the profile's `maxInFlight`.
 */
export class RateSetter {
  readonly #control: RunControl;
  readonly #delayMs: number;
  readonly #maxRate: number;
  readonly #maxInFlight: number;
  readonly #onChange: ((event: RunEvent) => void) | undefined;
  #setting: RateSetting;
  /** A spacing in force instead of the setting's, ms (see {@linkcode overrideSpacing}). */
  #override: number | undefined;

  constructor(options: RateSetterOptions) {
    this.#control = options.control;
    this.#delayMs = options.limits.delayMs ?? 0;
    this.#maxRate = limitsRate(options.limits);
    this.#maxInFlight = options.limits.maxInFlight ?? Infinity;
    this.#onChange = options.onChange;
    this.#setting = { ratePerSecond: this.#maxRate, maxInFlight: this.#maxInFlight };
  }

  /** The setting in effect. */
  get setting(): RateSetting {
    return this.#setting;
  }

  /** The profile's rate limit, requests/s (Infinity for none). */
  get maxRate(): number {
    return this.#maxRate;
  }

  /** The profile's minimum spacing between starts, ms (0 for none). */
  get profileDelayMs(): number {
    return this.#delayMs;
  }

  /** The profile's in-flight limit (Infinity for none). */
  get maxInFlight(): number {
    return this.#maxInFlight;
  }

  /**
   * Applies `wanted` (capped at the profile's limits) and emits a
   * `rate-change` at `at`. Does nothing when the setting would not change or
   * no run is attached.
   *
   * @returns whether it changed the setting.
   */
  set(wanted: RateSetting, at: number, cause: RateChangeCause, reason: string): boolean {
    const to: RateSetting = {
      ratePerSecond: Math.min(wanted.ratePerSecond, this.#maxRate),
      maxInFlight: Math.max(1, Math.min(wanted.maxInFlight, this.#maxInFlight)),
    };
    const from = this.#setting;
    if (to.ratePerSecond === from.ratePerSecond && to.maxInFlight === from.maxInFlight) {
      return false;
    }
    if (!this.#control.attached) return false;
    // Recorded and reported first: a setter may start tasks at once, whose
    // events must already see (and follow) this change.
    this.#setting = to;
    this.#onChange?.({ type: "rate-change", at, from, to, cause, reason });
    if (this.#override === undefined) this.#control.setDelayMs(this.spacingMs);
    if (to.maxInFlight !== from.maxInFlight) this.#control.setMaxInFlight(to.maxInFlight);
    return true;
  }

  /** The spacing between starts the setting asks for, ms. */
  get spacingMs(): number {
    const rate = this.#setting.ratePerSecond;
    return rate === Infinity ? this.#delayMs : Math.max(this.#delayMs, 1000 / rate);
  }

  /**
   * Spaces the next starts `delayMs` apart (never closer than the profile's
   * delay) instead of as the setting asks, until {@linkcode releaseSpacing};
   * rate changes meanwhile are recorded, not applied. No `rate-change`: the
   * rate over the stretch stays the setting's.
   */
  overrideSpacing(delayMs: number): void {
    if (!this.#control.attached) return;
    this.#override = Math.max(this.#delayMs, delayMs);
    this.#control.setDelayMs(this.#override);
  }

  /** Back to the setting's spacing. */
  releaseSpacing(): void {
    if (this.#override === undefined) return;
    this.#override = undefined;
    if (this.#control.attached) this.#control.setDelayMs(this.spacingMs);
  }
}
