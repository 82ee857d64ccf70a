/**
 * The adaptive controller: watches a run's events (and any limit the server
 * announces) and sets the run's request rate and in-flight limit through its
 * `RunControl`, inside the profile's limits.
 *
 * @module
 */

import type { Clock } from "../clock.ts";
import type { RunControl } from "../run_control.ts";
import type { Limits, RateChangeCause, RateHint, RateSetting, RunEvent } from "../types.ts";
import { AimdRate, type RateDecision } from "./aimd_rate.ts";
import { BucketCheck } from "./bucket_check.ts";
import { LatencyGradient } from "./latency_gradient.ts";
import { LimitEstimate, type LimitReading } from "./limit_estimate.ts";
import { type AdaptiveParams, adaptiveParams } from "./params.ts";
import { RateSetter } from "./rate_setter.ts";

/** Statuses read as "too many requests" by default. */
export const DEFAULT_LIMIT_STATUSES: readonly number[] = [429];
/** Statuses read as an overloaded server by default. */
export const DEFAULT_OVERLOAD_STATUSES: readonly number[] = [500, 502, 503, 504];

/** Starts over which the achieved rate is measured. */
const _SPACING_STARTS = 5;

/** Options of {@linkcode AdaptiveController}. */
export interface AdaptiveControllerOptions {
  /** The run's control, passed to `runDag` as `control`. */
  readonly control: RunControl;
  /** The run's clock. */
  readonly clock: Clock;
  /** The profile's limits: its rate and in-flight limits are ceilings, never exceeded. */
  readonly limits: Limits;
  /** @default DEFAULT_ADAPTIVE_PARAMS */
  readonly params?: Partial<AdaptiveParams>;
  /** Failure statuses that mean "too many requests". @default [429] */
  readonly limitStatuses?: readonly number[];
  /** Failure statuses that mean an overloaded server (timeouts count too). @default [500, 502, 503, 504] */
  readonly overloadStatuses?: readonly number[];
  /** Receives every `rate-change` event, synchronously. */
  readonly onChange?: (event: RunEvent) => void;
}

/**
 * Sets a run's rate and in-flight limit from what the run sees. Feed it every
 * run event with {@linkcode observe} (after the other sinks, so its
 * `rate-change` follows the event that caused it), and every server hint with
 * {@linkcode hint}.
 *
 * The rate follows {@linkcode AimdRate}. The in-flight limit is one request
 * until the first answer (which may announce a limit), then Little's law:
 * `ceil(rate × baseline latency × inFlightHeadroom) + 1`. Latency is read
 * from successful attempts: recent over baseline above `latencyEase`
 * decreases the rate, above `latencyHold` stops its growth. The rate does not
 * grow during a server's pause, nor while the run starts at less than half
 * of it (the limit is elsewhere: scopes, in-flight or the DAG).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AdaptiveController } from "./controller.ts";
 * import { RunControl } from "../run_control.ts";
 * import { VirtualClock } from "../virtual_clock.ts";
 * const control = new RunControl();
 * const changes: string[] = [];
 * const controller = new AdaptiveController({
 *   control,
 *   clock: new VirtualClock(),
 *   limits: { scopes: [1], tasksPerScope: 10, maxInFlight: 10 },
 *   onChange: (event) => changes.push(event.type),
 * });
 * assert.equal(controller.setting.maxInFlight, 10);
 * // runDag(dag, { ..., control, onEvent: (event) => controller.observe(event) });
 * ```
 */
export class AdaptiveController {
  readonly #clock: Clock;
  readonly #params: AdaptiveParams;
  readonly #limitStatuses: ReadonlySet<number>;
  readonly #overloadStatuses: ReadonlySet<number>;
  readonly #setter: RateSetter;
  readonly #aimd: AimdRate;
  readonly #latency: LatencyGradient;
  /** Each running attempt's start time and the rate it was sent at. */
  readonly #starts = new Map<string, { readonly at: number; readonly rate: number }>();
  /** The last start times, oldest first. */
  #recentStarts: number[] = [];
  /** When the rate was last raised. */
  #raisedAt = -Infinity;
  #answered = false;
  #pausedUntil = -Infinity;
  #holdGrowth = false;
  /** Whether each of the last `overloadWindow` answers was a 5xx or a timeout, oldest first. */
  readonly #overloads: boolean[] = [];
  /** What the starts before a refusal say of the limit. */
  readonly #estimate: LimitEstimate;
  /** A burst after a pause checking the bucket a reading assumed; undefined when none is due. */
  #check: BucketCheck | undefined;
  /** Whether a check already ran: one per run tells small buckets from strict spacings. */
  #checked = false;
  /** The pause a refusal among the burst asked for, ms. */
  #checkPauseMs: number | undefined;
  /** After a burst, the next start waits out the burst's spacing; then the setting's spacing. */
  #afterBurst = false;
  #announced = Infinity;

  /** @throws {RangeError} on invalid parameters. */
  constructor(options: AdaptiveControllerOptions) {
    this.#clock = options.clock;
    this.#params = adaptiveParams(options.params);
    this.#limitStatuses = new Set(options.limitStatuses ?? DEFAULT_LIMIT_STATUSES);
    this.#overloadStatuses = new Set(options.overloadStatuses ?? DEFAULT_OVERLOAD_STATUSES);
    this.#setter = new RateSetter(options);
    this.#aimd = new AimdRate(this.#params, {
      maxRate: this.#setter.maxRate,
      at: options.clock.now(),
    });
    this.#latency = new LatencyGradient({ window: this.#params.latencyWindow });
    this.#estimate = new LimitEstimate({ priorBucketMs: this.#params.priorBucketMs });
  }

  /** The setting in effect (before the run starts, the profile's). */
  get setting(): RateSetting {
    return this.#setter.setting;
  }

  /** Takes one run event into account. A sink of the run's events. */
  readonly observe = (event: RunEvent): void => {
    switch (event.type) {
      case "run-start": {
        const rate = this.#aimd.rate;
        this.#set(
          { ratePerSecond: rate, maxInFlight: 1 },
          event.at,
          "start",
          `start at ${rate.toFixed(1)}/s, one request until the first answer`,
        );
        break;
      }
      case "task-start":
        if (event.role === "task") this.#started(event.id, event.at);
        break;
      case "task-done": {
        const start = this.#take(event.id);
        if (start === undefined) break;
        this.#checkAnswered(event.at, event.id, false);
        this.#noteAnswer(false);
        this.#latency.add(event.durationMs);
        this.#answer(event.at);
        this.#checkLatency(event.at, start);
        this.#tick(event.at);
        break;
      }
      case "task-retry":
      case "task-failed": {
        const start = this.#take(event.id);
        if (start === undefined) break;
        this.#answer(event.at);
        this.#failed(event.at, start, event);
        this.#tick(event.at);
        break;
      }
      case "task-cancelled":
        this.#starts.delete(event.id);
        break;
      case "rate-pause":
        // A burst under way stops there; its answers may still tell.
        if (this.#check !== undefined && !this.#check.armed) {
          this.#check.paused();
          this.#afterBurst = false;
          this.#setter.releaseSpacing();
        }
        this.#tick(event.at);
        this.#pausedUntil = Math.max(this.#pausedUntil, event.until);
        this.#estimate.paused(event.at);
        // The gap a pause leaves says nothing of the rate the run sends at.
        this.#recentStarts = [];
        break;
      case "rate-resume":
        // The paused time is not made up for: advance without growth.
        this.#aimd.advance(event.at, { grow: false });
        this.#pausedUntil = -Infinity;
        if (this.#check?.armed) {
          this.#check.resumed();
          this.#setter.overrideSpacing(0);
        } else if (this.#check !== undefined && !this.#check.done) this.#endCheck();
        break;
      case "scope-open":
      case "scope-close":
      case "task-skipped":
      case "rate-change":
      case "control":
      case "run-end":
        break;
      default: {
        const unhandled: never = event;
        throw new TypeError(`Cannot adapt to event: unknown type "${String(unhandled)}"`);
      }
    }
  };

  /**
   * Takes what the server announced into account: an announced rate caps the
   * run at `ratePerSecond × (1 - announcedHeadroom)` and sets the rate there
   * at once. A repeated announcement of the same rate changes nothing.
   */
  hint(hint: RateHint): void {
    const announced = hint.ratePerSecond;
    if (announced === undefined || !(announced > 0)) return;
    const known = this.#announced;
    if (known < Infinity && Math.abs(announced - known) <= 0.01 * known) return;
    this.#announced = announced;
    const cap = announced * (1 - this.#params.announcedHeadroom);
    const at = this.#clock.now();
    const decision = this.#aimd.announce(
      Math.min(this.#setter.maxRate, cap),
      at,
      `the server announces ${announced.toFixed(1)}/s: at most ${cap.toFixed(1)}/s`,
    );
    this.#apply(decision, at);
  }

  #started(id: string, at: number): void {
    const recent = this.#recentStarts;
    recent.push(at);
    if (recent.length > _SPACING_STARTS) recent.shift();
    // The rate a request was sent at is the limiter's, unless the run starts far
    // fewer (held back elsewhere); an average of the last starts would lag a rising rate.
    // Only starts since the rate was last raised count: spacing for a lower rate would lag.
    const applied = this.#setter.setting.ratePerSecond;
    const since = recent.filter((start) => start >= this.#raisedAt);
    const achieved = since.length < 2 ? undefined : _startsPerSecond(since);
    const rate = achieved !== undefined && achieved < 0.7 * applied ? achieved : applied;
    this.#starts.set(id, { at, rate });
    this.#estimate.started(at);
    const check = this.#check;
    if (this.#afterBurst) {
      this.#afterBurst = false;
      this.#setter.releaseSpacing();
    } else if (check?.sending && check.started(id)) {
      // The start after the burst comes when it would have come had the
      // burst been spaced: the bucket is as full then as without the burst.
      this.#afterBurst = true;
      this.#setter.overrideSpacing(check.size * this.#setter.spacingMs);
    }
    this.#tick(at);
  }

  /** A request of the burst was answered; when it was the last, what the burst says. */
  #checkAnswered(at: number, id: string, refused: boolean): void {
    const check = this.#check;
    const result = check?.answered(id, refused);
    if (result?.kind === "holds") this.#estimate.bucketHolds(result.size);
    if (check === undefined || result?.kind !== "smaller" || result.tokens < 1) return;
    const reading = this.#estimate.bucketFound(result.tokens);
    if (reading === undefined) return;
    this.#apply(
      this.#aimd.bucketFound(at, {
        reading,
        pauseMs: this.#checkPauseMs,
        what: `${check.size - result.tokens} of ${check.size} requests sent at once after ` +
          `the pause answered 429: the bucket holds ${result.tokens}`,
      }),
      at,
    );
  }

  #endCheck(): void {
    this.#check?.cancel();
    this.#afterBurst = false;
    this.#setter.releaseSpacing();
  }

  /**
   * After a reading that assumed the bucket (no fit yet), the first requests
   * after the pause go at once, as many as the bucket assumed: a strict
   * spacing refuses the second, a bucket holds them (see {@linkcode BucketCheck}).
   */
  #armCheck(reading: LimitReading | undefined): void {
    if (this.#checked || reading === undefined || reading.bucketKnown) return;
    if (this.#announced < Infinity) return; // the server said its limit
    if (this.#setter.profileDelayMs > 0) return; // the profile's spacing is a ceiling
    // As many as the reading's bucket holds at the limit it read, as many as may be in flight.
    const size = Math.min(
      Math.round((reading.bucketMs * reading.rate) / 1000),
      this.#setter.setting.maxInFlight,
    );
    if (size < 2) return;
    this.#checked = true;
    this.#check = new BucketCheck(size);
  }

  /** Starts per second over the last few starts; undefined before two. */
  #achievedRate(): number | undefined {
    const recent = this.#recentStarts;
    return recent.length < 2 ? undefined : _startsPerSecond(recent);
  }

  #take(id: string): { readonly at: number; readonly rate: number } | undefined {
    const start = this.#starts.get(id);
    this.#starts.delete(id);
    return start;
  }

  /** The first answer lifts the one-request limit. */
  #answer(at: number): void {
    if (this.#answered) return;
    this.#answered = true;
    const baseline = this.#latency.baselineMs;
    const first = baseline === undefined ? "" : ` in ${Math.round(baseline)} ms`;
    this.#set(this.#wanted(this.#aimd.rate), at, "start", `first answer${first}`);
  }

  #failed(
    at: number,
    start: { readonly at: number; readonly rate: number },
    event: Extract<RunEvent, { type: "task-retry" | "task-failed" }>,
  ): void {
    const { status, reason } = event;
    const signal = { startedAt: start.at, startRate: start.rate };
    const limit = status !== undefined && this.#limitStatuses.has(status);
    if (this.#check?.has(event.id)) {
      // A refusal among the burst is the check's: what it says, once all are answered.
      if (limit && event.type === "task-retry") this.#checkPauseMs = event.retryAfterMs;
      this.#checkAnswered(at, event.id, limit);
      if (limit) return;
    }
    if (limit) {
      // Once per episode: later refusals of requests sent before its decrease are the same.
      if (start.at < this.#aimd.lastDecreaseAt) return;
      const reading = this.#estimate.read(start.at);
      const decision = this.#aimd.onLimit(at, {
        ...signal,
        what: `HTTP ${status}`,
        reading,
        pauseMs: event.type === "task-retry" ? event.retryAfterMs : undefined,
      });
      if (reading !== undefined && !decision?.bunched) this.#estimate.remember(reading);
      this.#apply(decision, at);
      if (decision !== undefined && !decision.bunched) this.#armCheck(reading);
    } else if (
      (status !== undefined && this.#overloadStatuses.has(status)) ||
      (status === undefined && event.timedOut === true)
    ) {
      const count = this.#noteAnswer(true);
      if (count < this.#params.overloadCount) return; // one alone is noise
      const what = `${
        status === undefined ? reason : `HTTP ${status}`
      } (${count} of the last ${this.#overloads.length} answers)`;
      this.#apply(this.#aimd.onOverload(at, { ...signal, what, kind: "overload" }), at);
      return;
    }
    this.#noteAnswer(false);
  }

  /** Records whether an answer was a 5xx or a timeout; returns how many of the last ones were. */
  #noteAnswer(overload: boolean): number {
    const answers = this.#overloads;
    answers.push(overload);
    if (answers.length > this.#params.overloadWindow) answers.shift();
    return answers.reduce((n, was) => was ? n + 1 : n, 0);
  }

  #checkLatency(at: number, start: { readonly at: number; readonly rate: number }): void {
    const gradient = this.#latency.gradient;
    if (gradient === undefined) {
      this.#holdGrowth = false;
      return;
    }
    if (gradient > this.#params.latencyEase) {
      const recent = Math.round(this.#latency.recentMs!);
      const baseline = Math.round(this.#latency.baselineMs!);
      const decision = this.#aimd.onOverload(at, {
        startedAt: start.at,
        startRate: start.rate,
        what: `latency ${recent} ms, ${gradient.toFixed(1)}x the baseline ${baseline} ms,`,
        kind: "latency",
      });
      if (decision !== undefined) {
        this.#latency.restartRecent();
        this.#apply(decision, at);
      }
    }
    this.#holdGrowth = gradient > this.#params.latencyHold;
  }

  /** Lets the rate grow for the time passed, when nothing holds it back. */
  #tick(at: number): void {
    const achieved = this.#achievedRate();
    const grow = this.#answered && at >= this.#pausedUntil && !this.#holdGrowth &&
      (achieved === undefined || this.#recentStarts.length < _SPACING_STARTS ||
        this.#aimd.rate <= 2 * achieved);
    const decision = this.#aimd.advance(at, { grow, baselineMs: this.#latency.baselineMs });
    if (decision === undefined) return;
    const applied = this.#setter.setting.ratePerSecond;
    const small = Math.abs(decision.rate - applied) < this.#params.stepRatio * applied;
    if (small && !decision.force) return;
    this.#apply(decision, at);
  }

  #apply(decision: RateDecision | undefined, at: number): void {
    if (decision === undefined) return;
    this.#set(this.#wanted(decision.rate), at, decision.cause, decision.reason);
  }

  #set(wanted: RateSetting, at: number, cause: RateChangeCause, reason: string): void {
    const before = this.#setter.setting.ratePerSecond;
    if (!this.#setter.set(wanted, at, cause, reason)) return;
    if (this.#setter.setting.ratePerSecond > before) this.#raisedAt = at;
  }

  /** The setting for `rate`: one in flight until the first answer, then Little's law. */
  #wanted(rate: number): RateSetting {
    if (!this.#answered) return { ratePerSecond: rate, maxInFlight: 1 };
    const baseline = this.#latency.baselineMs;
    if (baseline === undefined || rate === Infinity) {
      return { ratePerSecond: rate, maxInFlight: Infinity };
    }
    const inFlight = Math.ceil((rate * baseline * this.#params.inFlightHeadroom) / 1000) + 1;
    return { ratePerSecond: rate, maxInFlight: inFlight };
  }
}

/** Starts per second over `starts` (two or more, in order). */
function _startsPerSecond(starts: readonly number[]): number {
  const span = starts[starts.length - 1] - starts[0];
  return span > 0 ? ((starts.length - 1) * 1000) / span : Infinity;
}
