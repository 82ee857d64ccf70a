/**
 * The rate half of the adaptive controller, as a pure state machine on
 * injected time: additive (concave) increase toward a remembered ceiling,
 * multiplicative decrease on refusals, errors and slow answers, and rare
 * probes above the ceiling.
 *
 * @module
 */

import type { RateChangeCause } from "../types.ts";
import type { LimitReading } from "./limit_estimate.ts";
import type { AdaptiveParams } from "./params.ts";

/** A new rate and why. */
export interface RateDecision {
  /** Requests per second. */
  readonly rate: number;
  readonly cause: RateChangeCause;
  readonly reason: string;
  /** Apply it even when it is a small change: a decrease, or a landmark such as the plateau. */
  readonly force: boolean;
  /** A refusal at the plateau that bunched arrivals explain: it paced lower, the ceiling held. */
  readonly bunched?: boolean;
}

/** What an overload signal was: a server error or timeout, or latency. */
export type OverloadKind = "overload" | "latency";

/**
 * The request rate of an adaptive run.
 *
 * - **Slow start.** With no limit seen, the rate doubles every
 *   `slowStartDoublingMs` (or two baseline latencies, if longer).
 * - **Ceiling.** A refusal for rate (429) sets the ceiling at what the starts
 *   before it read (see `LimitEstimate`), never above the rate its request
 *   was sent at, and the rate goes to the plateau under it (the pause
 *   refilled the server's bucket); without a reading, the rate refused, and
 *   the rate times `limitDecrease`. A refusal again within `repeatWindowMs`
 *   that no reading explains, for a request sent before the rate recovered
 *   from that decrease, means the limit dropped: the first time by the
 *   geometric mean of both factors (x0.67), then by `repeatDecrease`.
 *   Refusals of requests sent before the last decrease are the same episode
 *   and ignored.
 * - **Timing noise.** A refusal at the plateau, 10 s or more after the last,
 *   that the starts read at about the rate sent leaves the ceiling and adds
 *   `marginStep` to the margin, won back after `marginRecoveryMs` without
 *   another. Under an announced limit every refusal at it does.
 * - **Margin.** The plateau is `ceiling × (1 - margin × cost)` less the
 *   steps, where `cost` is the share of a refusal's pause the server's
 *   bucket does not bank (a bucket of a second refills in a second's pause:
 *   nearly free), but at least one over the bucket's requests.
 * - **Recovery.** Below the plateau the rate closes the gap exponentially
 *   with `recoveryTimeMs`: quickly at first, slowly near the ceiling.
 * - **Probe.** After holding at the plateau for a while (long for a ceiling
 *   at its highest, doubled for each refusal confirming it, and longer by
 *   the refusal's cost; short for a ceiling below the recent peak), the
 *   rate doubles every `probeDoublingMs` until a refusal; past 1.5 × the
 *   ceiling it is forgotten and slow start resumes.
 * - **Overload.** A server error, a timeout or a latency surge multiplies the
 *   rate by `overloadDecrease` or `latencyDecrease` and marks a soft
 *   ceiling, recovered the same way but probed after `overloadProbeDelayMs`.
 * - **Caps.** The rate never exceeds `maxRate` (the profile's limits and any
 *   announced limit); an announced limit replaces what refusals taught.
 * - **A bucket found.** {@linkcode bucketFound}: a burst after the pause
 *   found the bucket smaller than a reading assumed; the reading read again
 *   at it is the ceiling.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AimdRate } from "./aimd_rate.ts";
 * import { adaptiveParams } from "./params.ts";
 * const aimd = new AimdRate(adaptiveParams(), { maxRate: Infinity, at: 0 });
 * assert.equal(aimd.rate, 10);
 * aimd.advance(600, { grow: true });
 * assert.equal(aimd.rate, 160); // four doublings in 600 ms
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
  /** Whether `#maxRate` is a limit the server announced (less its headroom). */
  #announced = false;
  /** The limit the last refusals for rate read; Infinity when none. */
  #ceiling = Infinity;
  /** Margin steps added by refusals at the plateau, each won back after `marginRecoveryMs` without one. */
  #extraSteps = 0;
  #extraSince = -Infinity;
  /**
   * The share of a refusal's pause the server's bucket does not bank
   * (undefined while no reading told): the base margin is kept in that
   * proportion (all of it when unknown), since a bucket that refills during
   * the pause makes a refusal almost free, and probes wait longer by it.
   */
  #refusalCost: number | undefined;
  /** The rate the last refusal's request was sent at. */
  #lastRefusedAt = Infinity;
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
    this.#announced = true;
    this.#ceiling = Infinity;
    this.#soft = Infinity;
    this.#confirmations = 0;
    this.#extraSteps = 0;
    // Refusals of requests sent before (the answer that announced it may be
    // one) are what the announcement already answers.
    this.#lastDecreaseAt = Math.max(this.#lastDecreaseAt, at);
    this.#rateAfterDecrease = 0;
    this.#rate = this.#clamp(this.#capNow());
    return { rate: this.#rate, cause: "announced", reason, force: true };
  }

  /**
   * A refusal for rate of a request sent at `startedAt` with the rate then
   * `startRate`; undefined when it belongs to an episode already acted on.
   * `reading`, when known, is what the starts before it say of the limit
   * (see {@linkcode LimitEstimate}): the ceiling, where it is lower than the
   * rate refused. A refusal at the plateau that the reading cannot tell from
   * arrivals bunching on their way (it reads about the rate sent) leaves the
   * ceiling and paces one `marginStep` lower.
   */
  onLimit(
    at: number,
    signal: {
      readonly startedAt: number;
      readonly startRate: number;
      readonly what: string;
      readonly reading?: LimitReading;
      /** The pause the refusal asked for (its `Retry-After`), ms. */
      readonly pauseMs?: number;
    },
  ): RateDecision | undefined {
    if (signal.startedAt < this.#lastDecreaseAt) return undefined;
    const p = this.#p;
    this.#winBackMargin(at);
    // What a refusal costs: the pause, less what the bucket banks meanwhile.
    if (
      signal.reading !== undefined && signal.reading.rate < Infinity &&
      signal.pauseMs !== undefined && signal.pauseMs > 0
    ) {
      this.#refusalCost = _refusalCost(signal.reading, signal.pauseMs);
    }
    const refusedAt = Math.min(signal.startRate, this.#rate);
    this.#lastRefusedAt = refusedAt;
    const reading = signal.reading;
    const read = _read(reading, refusedAt);
    const old = this.#ceiling;
    const held = Math.min(this.#plateau(old), this.#announced ? this.#capNow() : Infinity);
    // Refused at the plateau, long after the last refusal, and the server
    // took about what was sent: the pacing left too little room for the
    // timing between client and server. Under an announced limit, a refusal
    // at it is that, whatever the reading.
    const underAnnounced = this.#announced && old === Infinity &&
      refusedAt <= 1.01 * this.#capNow();
    const bunched = underAnnounced || (held < Infinity &&
      Math.abs(refusedAt - held) <= 0.01 * held &&
      read >= (1 - p.marginStep) * refusedAt && at - this.#lastLimitAt >= _BUNCHED_QUIET_MS);
    // Refused above the ceiling: a probe failed, the ceiling holds unless the reading is higher.
    const probe = !bunched && old < Infinity && refusedAt > old;
    // Refused again soon, before the rate even recovered from the last
    // decrease: the limit dropped. Unless the reading explains it (it reads
    // lower than the ceiling refused under): a reading to follow.
    const informed = reading?.bucketKnown === true && reading.rate < Infinity;
    const repeat = !probe && !informed &&
      signal.startedAt - this.#lastDecreaseAt < p.repeatWindowMs &&
      refusedAt <= 1.01 * this.#rateAfterDecrease &&
      !(old < Infinity && read < refusedAt && read < (1 - p.marginStep) * old);
    // A probe's refusal raises the ceiling only on a reading of a known bucket.
    const ceiling = bunched ? old : probe ? (informed ? Math.max(old, read) : old) : read;
    this.#confirmations = old < Infinity && (probe || Math.abs(ceiling - old) <= 0.1 * old)
      ? this.#confirmations + 1
      : 0;
    // A ceiling held for a while is a level the limit may come back to.
    if (old < Infinity && at - this.#lastLimitAt >= p.peakHoldMs) {
      this.#peak = Math.max(this.#peakEffective(at), old);
      this.#peakAt = at;
    }
    if (ceiling < this.#ceiling) {
      // Re-anchor the peak's decay on the new, lower ceiling.
      this.#peak = this.#peakEffective(at);
      this.#peakAt = at;
    }
    this.#ceiling = ceiling;
    this.#soft = Infinity;
    if (bunched) {
      this.#extraSteps = Math.min(this.#extraSteps + 1, _MAX_EXTRA_STEPS);
      this.#extraSince = at;
    }
    // The first repeat may still be the edge of the limit (a slow start that
    // overshot): meet halfway; from the second on, halve.
    this.#repeats = repeat ? this.#repeats + 1 : 0;
    const factor = this.#repeats === 0
      ? p.limitDecrease
      : this.#repeats === 1
      ? _round2(Math.sqrt(p.limitDecrease * p.repeatDecrease))
      : p.repeatDecrease;
    const target = bunched
      ? Math.min(this.#plateau(ceiling), this.#announced ? this.#capNow() : Infinity)
      : ceiling;
    // With a reading the pause refilled the bucket: straight to the new
    // plateau. Without one (refused with nothing sent before it since the
    // last pause), or refused again soon, down by the factor.
    const next = reading !== undefined && !repeat && !probe
      ? (bunched ? target : this.#plateau(ceiling))
      : factor * target;
    this.#rate = this.#rateAfterDecrease = this.#clamp(next);
    this.#lastDecreaseAt = this.#lastLimitAt = this.#lastAt = Math.max(this.#lastAt, at);
    const read_ = read < refusedAt
      ? ` (the starts before it read ${_rate(read)}${
        reading?.bucketKnown
          ? `, a bucket of ${_count((reading.rate * reading.bucketMs) / 1000)}`
          : ""
      })`
      : "";
    const refused = `${_rate(refusedAt)}${read_}`;
    const reason = underAnnounced
      ? `${signal.what} at ${_rate(refusedAt)} under the announced limit: pacing ${
        _percent(p.marginStep)
      } lower, at most ${_rate(this.#capNow())}`
      : bunched
      ? `${signal.what} at ${refused} at the plateau of the ceiling ${_rate(old)}: pacing ${
        _percent(this.#marginNow())
      } under it, rate x${factor}`
      : probe
      ? `${signal.what} at ${refused} while probing: the ceiling ${
        _rate(ceiling)
      } holds, rate x${factor}`
      : repeat
      ? `${signal.what} again at ${refused} within ${
        _seconds(p.repeatWindowMs)
      } of the last decrease: the limit dropped, ceiling ${_rate(ceiling)}, rate x${factor}`
      : `${signal.what} at ${refused}: ceiling ${_rate(ceiling)}, rate x${factor}`;
    return {
      rate: this.#rate,
      cause: "limit",
      reason,
      force: true,
      ...(bunched ? { bunched } : {}),
    };
  }

  /**
   * A burst after a pause found the server's bucket smaller than a reading
   * assumed: `reading`, read again at the bucket found, is the ceiling.
   */
  bucketFound(
    at: number,
    signal: { readonly reading: LimitReading; readonly pauseMs?: number; readonly what: string },
  ): RateDecision {
    const { reading, pauseMs } = signal;
    if (pauseMs !== undefined && pauseMs > 0) {
      this.#refusalCost = _refusalCost(reading, pauseMs);
    }
    this.#ceiling = Math.min(_read(reading, this.#lastRefusedAt), this.#maxRate);
    this.#confirmations = 0;
    this.#repeats = 0;
    this.#rate = this.#rateAfterDecrease = this.#clamp(this.#plateau(this.#ceiling));
    this.#lastDecreaseAt = this.#lastLimitAt = this.#lastAt = Math.max(this.#lastAt, at);
    return {
      rate: this.#rate,
      cause: "limit",
      reason: `${signal.what}: the starts before the last refusal read ${
        _rate(reading.rate)
      } at that bucket: ceiling ${_rate(this.#ceiling)}`,
      force: true,
    };
  }

  /** The margin under the ceiling now: the base and the steps refusals at the plateau added. */
  #marginNow(): number {
    const p = this.#p;
    return Math.min(0.5, p.margin * (this.#refusalCost ?? 1) + this.#extraSteps * p.marginStep);
  }

  /** The cap less the margin steps refusals under an announced limit added. */
  #capNow(): number {
    const extra = this.#extraSteps * this.#p.marginStep;
    return this.#announced ? this.#maxRate * (1 - extra) : this.#maxRate;
  }

  /** The rate the ceiling's plateau holds at. */
  #plateau(ceiling: number): number {
    return ceiling * (1 - this.#marginNow());
  }

  /** One margin step won back for each `marginRecoveryMs` without a refusal at the plateau. */
  #winBackMargin(at: number): boolean {
    let won = false;
    while (this.#extraSteps > 0 && at - this.#extraSince >= this.#p.marginRecoveryMs) {
      this.#extraSteps--;
      this.#extraSince += this.#p.marginRecoveryMs;
      won = true;
    }
    return won;
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
    if (!options.grow || this.#rate >= this.#capNow()) return undefined;
    const p = this.#p;
    this.#winBackMargin(at);
    const plateau = (ceiling: number) => this.#plateau(ceiling);
    if (this.#ceiling === Infinity && this.#soft === Infinity) {
      if (this.#lastDecreaseAt === -Infinity) {
        const doublingMs = Math.max(p.slowStartDoublingMs, 2 * (options.baselineMs ?? 0));
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
    const target = Math.min(softPlateau, limitPlateau, this.#capNow());
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
          _percent(this.#marginNow())
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

  /**
   * How long to hold at the ceiling's plateau before probing, ms: a refused
   * probe costs a pause, so the more of it the bucket does not bank, the
   * longer (up to twice).
   */
  #probeDelay(at: number): number {
    const p = this.#p;
    if (this.#ceiling < 0.8 * this.#peakEffective(at)) return p.dropProbeDelayMs;
    const delay = p.probeDelayMs * 2 ** this.#confirmations * (1 + (this.#refusalCost ?? 0));
    return Math.min(p.probeDelayMaxMs, delay);
  }

  /** The peak, its excess over the ceiling halving every `peakHalfLifeMs`. */
  #peakEffective(at: number): number {
    const base = this.#ceiling === Infinity ? 0 : this.#ceiling;
    if (this.#peak <= base) return this.#peak;
    return base + (this.#peak - base) * 2 ** (-(at - this.#peakAt) / this.#p.peakHalfLifeMs);
  }

  #grow(rate: number, cause: RateChangeCause, reason: string): RateDecision {
    const cap = this.#capNow();
    const capped = rate >= cap;
    return this.#set(
      Math.min(rate, cap),
      cause,
      capped ? `at the cap ${_rate(cap)} (${this.#capReason})` : reason,
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
 * A refusal at the plateau reads as bunched arrivals only this long after
 * the last refusal, ms: timing noise refuses now and then, a pace too fast
 * for the limit again and again.
 */
const _BUNCHED_QUIET_MS = 10_000;

/** At most this many margin steps are added by refusals at the plateau. */
const _MAX_EXTRA_STEPS = 5;

function _rate(perSecond: number): string {
  return `${perSecond.toFixed(1)}/s`;
}

function _seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function _percent(fraction: number): string {
  return `${Math.round(fraction * 100)} %`;
}

/**
 * The limit a reading says, for a refusal of a request sent at `refusedAt`
 * (above the limit): the reading, never above `refusedAt`; for a known
 * bucket, whose reading is the middle of what its stretch allows, never
 * above a third of the way from its least to `refusedAt` either: a strict
 * spacing's stretches are a single gap wide, and it refuses as soon as the
 * pace passes it, so the rate refused is over by the last step of a rising
 * pace.
 */
function _read(reading: LimitReading | undefined, refusedAt: number): number {
  if (reading === undefined || reading.rate === Infinity) return refusedAt;
  const quarter = reading.bucketKnown && refusedAt < Infinity
    ? reading.least + (refusedAt - reading.least) / 3
    : Infinity;
  return Math.min(reading.rate, refusedAt, quarter);
}

/**
 * The share of the base margin kept: what a refusal's pause costs, less
 * what the bucket banks meanwhile; but never under one over the bucket's
 * requests, the room a few bunched arrivals leave in a small bucket.
 */
function _refusalCost(reading: LimitReading, pauseMs: number): number {
  const tokens = Math.max(1, (reading.rate * reading.bucketMs) / 1000);
  const cost = 1 - reading.bucketMs / pauseMs;
  return Math.max(0, Math.min(1, Math.max(cost, 1 / tokens)));
}

/** "1 request", "4 requests", "2.5 requests". */
function _count(requests: number): string {
  const n = Math.round(requests * 10) / 10;
  return `${n} request${n === 1 ? "" : "s"}`;
}

function _round2(n: number): number {
  return Math.round(n * 100) / 100;
}
