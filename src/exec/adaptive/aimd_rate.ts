/**
 * The rate half of the adaptive controller, as a pure state machine on
 * injected time: additive (concave) increase toward a remembered ceiling,
 * multiplicative decrease on refusals, errors and slow answers, and rare
 * probes above the ceiling.
 *
 * @module
 */

import type { RateChangeCause } from "../types.ts";
import type { AdaptiveParams } from "./params.ts";

/** A new rate and why. */
export interface RateDecision {
  /** Requests per second. */
  readonly rate: number;
  readonly cause: RateChangeCause;
  readonly reason: string;
  /** Apply it even when it is a small change: a decrease, or a landmark such as the plateau. */
  readonly force: boolean;
}

/** What an overload signal was: a server error or timeout, or latency. */
export type OverloadKind = "overload" | "latency";

/**
 * The request rate of an adaptive run.
 *
 * - **Slow start.** With no limit seen, the rate doubles every
 *   `slowStartDoublingMs` (or four baseline latencies, if longer).
 * - **Ceiling.** A refusal for rate (429) records the rate its request was
 *   sent at as the ceiling and multiplies the rate by `limitDecrease`; a
 *   refusal again within `repeatWindowMs`, for a request sent before the
 *   rate recovered from that decrease, means the limit dropped: the first
 *   time by the geometric mean of both factors (x0.67), then by
 *   `repeatDecrease`. Refusals of requests sent before the
 *   last decrease are the same episode and ignored.
 * - **Recovery.** Below the plateau (`ceiling × (1 - margin)`) the rate
 *   closes the gap exponentially with `recoveryTimeMs`: quickly at first,
 *   slowly near the ceiling, where refusals are likely.
 * - **Probe.** After holding at the plateau for a while (long for a ceiling
 *   at its highest, doubled for each refusal confirming it; short for a
 *   ceiling below the recent peak), the rate doubles every `probeDoublingMs`
 *   until a refusal sets a new ceiling; past 1.5 × the ceiling it is
 *   forgotten and slow start resumes.
 * - **Overload.** A server error, a timeout or a latency surge multiplies the
 *   rate by `overloadDecrease` or `latencyDecrease` and marks a soft
 *   ceiling, recovered the same way but probed after `overloadProbeDelayMs`.
 * - **Caps.** The rate never exceeds `maxRate` (the profile's limits and any
 *   announced limit); an announced limit replaces what refusals taught.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AimdRate } from "./aimd_rate.ts";
 * import { adaptiveParams } from "./params.ts";
 * const aimd = new AimdRate(adaptiveParams(), { maxRate: Infinity, at: 0 });
 * assert.equal(aimd.rate, 10);
 * aimd.advance(1000, { grow: true });
 * assert.equal(aimd.rate, 160); // four doublings in a second
 * const decision = aimd.onLimit(1100, { startedAt: 1050, startRate: 40, what: "HTTP 429" });
 * assert.equal(decision?.rate, 36);
 * assert.equal(aimd.ceiling, 40);
 * ```
 */
export class AimdRate {
  readonly #p: AdaptiveParams;
  #rate: number;
  #maxRate: number;
  #capReason = "the profile's limit";
  /** The rate of the last refusal for rate; Infinity when none. */
  #ceiling = Infinity;
  /** Refusals that confirmed the same ceiling in a row. */
  #confirmations = 0;
  /** The highest ceiling seen, re-anchored at `#peakAt`. */
  #peak = 0;
  #peakAt = 0;
  /** The rate of the last overload or latency decrease; Infinity when none. */
  #soft = Infinity;
  #lastDecreaseAt = -Infinity;
  /** Refusals in a row that came before the rate recovered. */
  #repeats = 0;
  /** The rate right after the last decrease. */
  #rateAfterDecrease = Infinity;
  #lastLimitAt = -Infinity;
  #lastOverloadAt = -Infinity;
  #lastAt: number;

  /**
   * @param params the parameters (checked).
   * @param options.maxRate the cap, requests/s (Infinity for none).
   * @param options.at the clock's time now, ms.
   */
  constructor(params: AdaptiveParams, options: { maxRate: number; at: number }) {
    this.#p = params;
    this.#maxRate = options.maxRate;
    this.#rate = this.#clamp(params.startRate);
    this.#lastAt = options.at;
  }

  /** The rate now, requests/s. */
  get rate(): number {
    return this.#rate;
  }

  /** The rate of the last refusal for rate (Infinity when none or forgotten). */
  get ceiling(): number {
    return this.#ceiling;
  }

  /** The cap, requests/s. */
  get maxRate(): number {
    return this.#maxRate;
  }

  /** When the rate was last decreased, clock ms: signals about requests sent before are stale. */
  get lastDecreaseAt(): number {
    return this.#lastDecreaseAt;
  }

  /**
   * A new cap the server announced (already less its headroom): the rate
   * goes straight to it and what refusals taught is forgotten.
   */
  announce(maxRate: number, at: number, reason: string): RateDecision {
    this.#lastAt = Math.max(this.#lastAt, at);
    this.#maxRate = maxRate;
    this.#capReason = reason;
    this.#ceiling = Infinity;
    this.#soft = Infinity;
    this.#confirmations = 0;
    this.#rate = this.#clamp(maxRate);
    return { rate: this.#rate, cause: "announced", reason, force: true };
  }

  /**
   * A refusal for rate of a request sent at `startedAt` with the rate then
   * `startRate`; undefined when it belongs to an episode already acted on.
   * `acceptedRate`, when known, is what the server took over the cycle
   * before (pause and sending): well below the refused rate (under 60 %),
   * the server's bucket let the run above its limit for a while, and the
   * ceiling is the geometric mean of both: far enough down to stop the
   * refusals soon, not so far that a strict limit's edge is lost.
   */
  onLimit(
    at: number,
    signal: {
      readonly startedAt: number;
      readonly startRate: number;
      readonly what: string;
      readonly acceptedRate?: number;
    },
  ): RateDecision | undefined {
    if (signal.startedAt < this.#lastDecreaseAt) return undefined;
    const p = this.#p;
    const refusedAt = Math.min(signal.startRate, this.#rate);
    const accepted = signal.acceptedRate;
    const overran = accepted !== undefined && accepted < _OVERRAN_SHARE * refusedAt;
    const sent = overran ? Math.sqrt(refusedAt * accepted) : refusedAt;
    const old = this.#ceiling;
    // Refused above the ceiling: a probe failed, the ceiling holds.
    const probe = old < Infinity && sent > old;
    // Refused again soon, before the rate even recovered from the last decrease: the limit dropped.
    const repeat = !probe && signal.startedAt - this.#lastDecreaseAt < p.repeatWindowMs &&
      sent <= 1.01 * this.#rateAfterDecrease;
    this.#confirmations = old < Infinity && (probe || Math.abs(sent - old) <= 0.1 * old)
      ? this.#confirmations + 1
      : 0;
    // A ceiling held for a while is a level the limit may come back to.
    if (old < Infinity && at - this.#lastLimitAt >= p.peakHoldMs) {
      this.#peak = Math.max(this.#peakEffective(at), old);
      this.#peakAt = at;
    }
    const ceiling = probe ? old : sent;
    if (ceiling < this.#ceiling) {
      // Re-anchor the peak's decay on the new, lower ceiling.
      this.#peak = this.#peakEffective(at);
      this.#peakAt = at;
    }
    this.#ceiling = ceiling;
    this.#soft = Infinity;
    // The first repeat may still be the edge of the limit (a slow start that
    // overshot): meet halfway; from the second on, halve.
    this.#repeats = repeat ? this.#repeats + 1 : 0;
    const factor = this.#repeats === 0
      ? p.limitDecrease
      : this.#repeats === 1
      ? _round2(Math.sqrt(p.limitDecrease * p.repeatDecrease))
      : p.repeatDecrease;
    this.#rate = this.#rateAfterDecrease = this.#clamp(factor * ceiling);
    this.#lastDecreaseAt = this.#lastLimitAt = this.#lastAt = Math.max(this.#lastAt, at);
    const refused = overran
      ? `${_rate(refusedAt)} (the server took ${_rate(accepted)} since its last pause)`
      : _rate(refusedAt);
    const reason = probe
      ? `${signal.what} at ${refused} while probing: the ceiling ${
        _rate(old)
      } holds, rate x${factor}`
      : repeat
      ? `${signal.what} again at ${refused} within ${
        _seconds(p.repeatWindowMs)
      } of the last decrease: the limit dropped${
        overran ? `, ceiling ${_rate(sent)}` : ""
      }, rate x${factor}`
      : `${signal.what} at ${refused}: ceiling ${_rate(sent)}, rate x${factor}`;
    return { rate: this.#rate, cause: "limit", reason, force: true };
  }

  /**
   * A server error, timeout (`overload`) or latency surge (`latency`) for a
   * request sent at `startedAt`; undefined when already acted on.
   */
  onOverload(
    at: number,
    signal: {
      readonly startedAt: number;
      readonly startRate: number;
      readonly what: string;
      readonly kind: OverloadKind;
    },
  ): RateDecision | undefined {
    if (signal.startedAt < this.#lastDecreaseAt) return undefined;
    const sent = Math.min(signal.startRate, this.#rate);
    const factor = signal.kind === "latency" ? this.#p.latencyDecrease : this.#p.overloadDecrease;
    this.#soft = sent;
    this.#rate = this.#rateAfterDecrease = this.#clamp(factor * sent);
    this.#lastDecreaseAt = this.#lastOverloadAt = this.#lastAt = Math.max(this.#lastAt, at);
    return {
      rate: this.#rate,
      cause: signal.kind,
      reason: `${signal.what} at ${_rate(sent)}: rate x${factor}`,
      force: true,
    };
  }

  /**
   * Moves time to `at`; with `grow`, the rate grows for the time passed. Time
   * passed without `grow` (paused, latency holding, nothing to send) is not
   * made up for.
   *
   * @param options.baselineMs the baseline latency, which slows slow start.
   * @returns the new rate, or undefined when it did not change.
   */
  advance(
    at: number,
    options: { readonly grow: boolean; readonly baselineMs?: number },
  ): RateDecision | undefined {
    const dt = at - this.#lastAt;
    if (dt <= 0) return undefined;
    this.#lastAt = at;
    if (!options.grow || this.#rate >= this.#maxRate) return undefined;
    const p = this.#p;
    const plateau = (ceiling: number) => ceiling * (1 - p.margin);
    if (this.#ceiling === Infinity && this.#soft === Infinity) {
      if (this.#lastDecreaseAt === -Infinity) {
        const doublingMs = Math.max(p.slowStartDoublingMs, 4 * (options.baselineMs ?? 0));
        return this.#grow(
          this.#rate * 2 ** (dt / doublingMs),
          "slow-start",
          `no limit seen yet: doubling every ${Math.round(doublingMs)} ms`,
        );
      }
      // Past what the server once refused or struggled with: grow at the probing pace.
      const doublingMs = this.#probeDoublingMs(options.baselineMs);
      return this.#grow(
        this.#rate * 2 ** (dt / doublingMs),
        "probe",
        `past the last known limit: doubling every ${Math.round(doublingMs)} ms`,
      );
    }
    const softPlateau = plateau(this.#soft);
    const limitPlateau = plateau(this.#ceiling);
    const target = Math.min(softPlateau, limitPlateau, this.#maxRate);
    if (this.#rate < target) {
      const gap = (target - this.#rate) * Math.exp(-dt / p.recoveryTimeMs);
      const landed = gap <= 0.005 * target;
      const what = softPlateau < limitPlateau
        ? "the rate before the slowdown"
        : `the ceiling ${_rate(this.#ceiling)}`;
      return this.#set(
        landed ? target : target - gap,
        "recover",
        `${landed ? "at" : "recovering toward"} ${_rate(target)} (${what} less ${
          _percent(p.margin)
        })`,
        landed,
      );
    }
    if (softPlateau < limitPlateau) {
      const from = this.#lastOverloadAt + p.overloadProbeDelayMs;
      if (at < from) return undefined;
      // Only the time since the hold ended counts.
      const growMs = Math.min(dt, at - from);
      const doubling = this.#probeDoublingMs(options.baselineMs);
      const rate = Math.min(this.#rate * 2 ** (growMs / doubling), limitPlateau);
      // Well past the slowdown, or back at the ceiling's plateau: the slowdown is over.
      if (rate >= Math.min(1.25 * this.#soft, limitPlateau)) this.#soft = Infinity;
      return this.#grow(
        rate,
        "probe",
        `growing past ${_rate(softPlateau)}: ${
          _seconds(at - this.#lastOverloadAt)
        } since the slowdown`,
      );
    }
    const from = this.#lastLimitAt + this.#probeDelay(at);
    if (at < from) return undefined;
    const growMs = Math.min(dt, at - from);
    const rate = this.#rate * 2 ** (growMs / this.#probeDoublingMs(options.baselineMs));
    if (rate >= 1.5 * this.#ceiling) {
      const reason = `no refusal up to 1.5x the ceiling ${_rate(this.#ceiling)}: the limit rose`;
      this.#ceiling = Infinity;
      this.#confirmations = 0;
      return this.#grow(rate, "probe", reason);
    }
    return this.#grow(
      rate,
      "probe",
      `probing above the ceiling ${_rate(this.#ceiling)}: ${
        _seconds(at - this.#lastLimitAt)
      } since the last refusal`,
    );
  }

  /**
   * While probing the rate doubles every `probeDoublingMs`, or eight baseline
   * latencies if longer: a refusal is seen one round trip after the request
   * that crossed the limit, by when the rate has grown by 2^(1/8), about 9 %.
   */
  #probeDoublingMs(baselineMs: number | undefined): number {
    return Math.max(this.#p.probeDoublingMs, 8 * (baselineMs ?? 0));
  }

  /** How long to hold at the ceiling's plateau before probing, ms. */
  #probeDelay(at: number): number {
    const p = this.#p;
    if (this.#ceiling < 0.8 * this.#peakEffective(at)) return p.dropProbeDelayMs;
    return Math.min(p.probeDelayMaxMs, p.probeDelayMs * 2 ** this.#confirmations);
  }

  /** The peak, its excess over the ceiling halving every `peakHalfLifeMs`. */
  #peakEffective(at: number): number {
    const base = this.#ceiling === Infinity ? 0 : this.#ceiling;
    if (this.#peak <= base) return this.#peak;
    return base + (this.#peak - base) * 2 ** (-(at - this.#peakAt) / this.#p.peakHalfLifeMs);
  }

  #grow(rate: number, cause: RateChangeCause, reason: string): RateDecision {
    const capped = rate >= this.#maxRate;
    return this.#set(
      rate,
      cause,
      capped ? `at the cap ${_rate(this.#maxRate)} (${this.#capReason})` : reason,
      capped,
    );
  }

  #set(rate: number, cause: RateChangeCause, reason: string, force: boolean): RateDecision {
    this.#rate = this.#clamp(rate);
    return { rate: this.#rate, cause, reason, force };
  }

  /** The floor, then the cap: a cap below the floor wins (the server said so). */
  #clamp(rate: number): number {
    return Math.min(this.#maxRate, Math.max(this.#p.minRate, rate));
  }
}

/**
 * A server that took less than this share of the refused rate since its last
 * pause let the run far above its limit. A higher share may as well be a
 * strict limit refusing at its edge some seconds after a pause that banked
 * nothing: the refused rate then stays the ceiling.
 */
const _OVERRAN_SHARE = 0.6;

function _rate(perSecond: number): string {
  return `${perSecond.toFixed(1)}/s`;
}

function _seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function _percent(fraction: number): string {
  return `${Math.round(fraction * 100)} %`;
}

function _round2(n: number): number {
  return Math.round(n * 100) / 100;
}
