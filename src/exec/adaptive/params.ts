/**
 * The parameters of the adaptive rate controller, with the defaults and the
 * reason for each. A profile sets `startRate` and `minRate`; the rest are the
 * algorithm's constants, open to tests and to callers that know better.
 *
 * @module
 */

/** The parameters of {@linkcode AdaptiveController} and {@linkcode AimdRate}. */
export interface AdaptiveParams {
  /**
   * Requests/s at the start, once the first answer came back. Modest: public
   * clients of unknown APIs use 1-20/s. @default 10
   */
  readonly startRate: number;
  /** The rate never drops below this, requests/s. @default 0.5 */
  readonly minRate: number;
  /**
   * The plateau sits this fraction below the ceiling (the rate of the last
   * 429), so that timing jitter between client and server rarely crosses it.
   * @default 0.03
   */
  readonly margin: number;
  /**
   * A refusal at the plateau that the starts before it cannot tell from
   * arrivals bunching on their way (the server took about what was sent)
   * adds this fraction to the margin, won back after `marginRecoveryMs`
   * without another. @default 0.03
   */
  readonly marginStep: number;
  /** See `marginStep`, ms. @default 30000 */
  readonly marginRecoveryMs: number;
  /**
   * A server's token bucket is read as holding this many ms of tokens until
   * two refusals after different sending tell its size (see
   * `LimitEstimate`). Smaller reads a refusal after a burst as a higher
   * limit. @default 100
   */
  readonly priorBucketMs: number;
  /**
   * A limit the server announces is paced this fraction below, for the same
   * reason. Applies to every profile. Each refusal under it adds
   * `marginStep` (fixed profiles: one headroom step), won back after 30 s
   * without one: a bucket of a few requests absorbs timing noise, a strict
   * spacing needs the steps. @default 0.02
   */
  readonly announcedHeadroom: number;
  /**
   * With no limit seen, the rate doubles this often, ms, and at least every
   * two baseline latencies, so each doubling is seen in the answers before
   * the next. Faster costs a larger overshoot (more requests refused at
   * once, retried after the pause); slower costs time below the limit,
   * which at 100/s from 10/s is most of what finding it costs. @default 150
   */
  readonly slowStartDoublingMs: number;
  /**
   * A first 429 multiplies the rate by this: near the ceiling it is most
   * likely the edge of the limit or jitter, and the Retry-After pause costs
   * far more than the few percent given up. @default 0.9
   */
  readonly limitDecrease: number;
  /**
   * A 429 again within `repeatWindowMs` of a decrease, for a request sent
   * before the rate recovered from it, means the limit dropped: halve. @default 0.5
   */
  readonly repeatDecrease: number;
  /** See `repeatDecrease`, ms. @default 3000 */
  readonly repeatWindowMs: number;
  /** A configured 5xx status or a timeout multiplies the rate by this. @default 0.7 */
  readonly overloadDecrease: number;
  /**
   * A 5xx or timeout decreases the rate only when it is at least this many
   * among the last `overloadWindow` answers: one alone is noise (a server
   * that errs now and then, whatever the load), a cluster is a server in
   * trouble. @default 2
   */
  readonly overloadCount: number;
  /** See `overloadCount`, answers. @default 20 */
  readonly overloadWindow: number;
  /** Latency above `latencyEase` × baseline multiplies the rate by this. @default 0.9 */
  readonly latencyDecrease: number;
  /** Recent over baseline latency above which the rate is decreased. @default 2 */
  readonly latencyEase: number;
  /** Recent over baseline latency above which the rate stops growing. @default 1.5 */
  readonly latencyHold: number;
  /** Latency samples per window: recent latency is their median. @default 10 */
  readonly latencyWindow: number;
  /**
   * Below the plateau the rate closes the gap with this time constant, ms: fast
   * at first, slow near the ceiling (a concave approach). @default 1000
   */
  readonly recoveryTimeMs: number;
  /**
   * How long the rate holds at the plateau of a ceiling seen at its highest
   * before it probes above it, ms; doubled for each 429 that confirms the same
   * ceiling (within 10 %), up to `probeDelayMaxMs`. A failed probe costs a
   * Retry-After pause, so a known limit is probed rarely. @default 30000
   */
  readonly probeDelayMs: number;
  /** See `probeDelayMs`, ms. @default 120000 */
  readonly probeDelayMaxMs: number;
  /**
   * How long the rate holds before probing when the ceiling is below 80 % of
   * the highest one seen recently: a limit that dropped often comes back. @default 4000
   */
  readonly dropProbeDelayMs: number;
  /** A ceiling held this long without a refusal becomes the peak the limit may come back to, ms. @default 5000 */
  readonly peakHoldMs: number;
  /** The peak loses half its excess over the current ceiling every this many ms. @default 30000 */
  readonly peakHalfLifeMs: number;
  /** How long the rate holds after a server error or latency decrease before growing again, ms. @default 2000 */
  readonly overloadProbeDelayMs: number;
  /** While probing, the rate doubles this often, ms. @default 1000 */
  readonly probeDoublingMs: number;
  /**
   * The in-flight limit is rate × baseline latency × this, plus one (Little's
   * law with room): it binds only when latency grows past this factor, an
   * immediate brake while the latency gradient needs a window of samples. @default 2
   */
  readonly inFlightHeadroom: number;
  /** Increases smaller than this fraction are not applied yet, so the log is not flooded. @default 0.03 */
  readonly stepRatio: number;
}

/** The defaults of {@linkcode AdaptiveParams}; see each field for why. */
export const DEFAULT_ADAPTIVE_PARAMS: AdaptiveParams = Object.freeze({
  startRate: 10,
  minRate: 0.5,
  margin: 0.03,
  marginStep: 0.03,
  marginRecoveryMs: 30_000,
  priorBucketMs: 100,
  announcedHeadroom: 0.02,
  slowStartDoublingMs: 150,
  limitDecrease: 0.9,
  repeatDecrease: 0.5,
  repeatWindowMs: 3000,
  overloadDecrease: 0.7,
  overloadCount: 2,
  overloadWindow: 20,
  latencyDecrease: 0.9,
  latencyEase: 2,
  latencyHold: 1.5,
  latencyWindow: 10,
  recoveryTimeMs: 1000,
  probeDelayMs: 30_000,
  probeDelayMaxMs: 120_000,
  dropProbeDelayMs: 4000,
  peakHoldMs: 5000,
  peakHalfLifeMs: 30_000,
  overloadProbeDelayMs: 2000,
  probeDoublingMs: 1000,
  inFlightHeadroom: 2,
  stepRatio: 0.03,
});

/**
 * The defaults with `overrides` applied, checked.
 *
 * @throws {RangeError} when a value is out of its range.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { adaptiveParams } from "./params.ts";
 * assert.equal(adaptiveParams({ startRate: 5 }).startRate, 5);
 * assert.throws(() => adaptiveParams({ margin: 1 }), RangeError);
 * ```
 */
export function adaptiveParams(overrides: Partial<AdaptiveParams> = {}): AdaptiveParams {
  const params = { ...DEFAULT_ADAPTIVE_PARAMS, ...overrides };
  _check("startRate", params.startRate, (n) => n > 0 && n < Infinity, "a finite number above 0");
  _check(
    "minRate",
    params.minRate,
    (n) => n > 0 && n <= params.startRate,
    "above 0, at most startRate",
  );
  for (const name of ["margin", "marginStep", "announcedHeadroom", "stepRatio"] as const) {
    _check(name, params[name], (n) => n >= 0 && n < 1, "from 0 to below 1");
  }
  for (
    const name of [
      "limitDecrease",
      "repeatDecrease",
      "overloadDecrease",
      "latencyDecrease",
    ] as const
  ) {
    _check(name, params[name], (n) => n > 0 && n < 1, "above 0 and below 1");
  }
  _check("latencyHold", params.latencyHold, (n) => n > 1, "above 1");
  _check("latencyEase", params.latencyEase, (n) => n >= params.latencyHold, "at least latencyHold");
  _check(
    "latencyWindow",
    params.latencyWindow,
    (n) => Number.isInteger(n) && n >= 1,
    "a whole number of at least 1",
  );
  _check("inFlightHeadroom", params.inFlightHeadroom, (n) => n >= 1, "at least 1");
  _check(
    "overloadCount",
    params.overloadCount,
    (n) => Number.isInteger(n) && n >= 1,
    "a whole number of at least 1",
  );
  _check(
    "overloadWindow",
    params.overloadWindow,
    (n) => Number.isInteger(n) && n >= params.overloadCount,
    "a whole number of at least overloadCount",
  );
  for (
    const name of [
      "slowStartDoublingMs",
      "repeatWindowMs",
      "recoveryTimeMs",
      "probeDelayMs",
      "dropProbeDelayMs",
      "peakHoldMs",
      "peakHalfLifeMs",
      "overloadProbeDelayMs",
      "probeDoublingMs",
      "marginRecoveryMs",
    ] as const
  ) {
    _check(name, params[name], (n) => n > 0 && n < Infinity, "a finite number of ms above 0");
  }
  _check(
    "priorBucketMs",
    params.priorBucketMs,
    (n) => n >= 0 && n <= 2000,
    "a number of ms from 0 to 2000",
  );
  _check(
    "probeDelayMaxMs",
    params.probeDelayMaxMs,
    (n) => n >= params.probeDelayMs,
    "at least probeDelayMs",
  );
  return params;
}

function _check(name: string, value: number, ok: (n: number) => boolean, expected: string): void {
  if (typeof value === "number" && ok(value)) return;
  throw new RangeError(`Cannot use adaptive parameter ${name} "${value}": expected ${expected}`);
}
