/**
 * Recent against baseline latency: the signal that a server slows down under
 * load before it starts to refuse.
 *
 * @module
 */

/**
 * Latency samples of successful attempts. `recentMs` is the median of the
 * last `window` samples; `baselineMs` the lowest median of the last
 * `history` full windows (the current one too while there is none). Medians
 * keep one slow chapter or one quick answer from moving either.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LatencyGradient } from "./latency_gradient.ts";
 * const latency = new LatencyGradient({ window: 4 });
 * for (const ms of [50, 52, 48, 51]) latency.add(ms);
 * for (const ms of [120, 110, 130, 125]) latency.add(ms);
 * assert.equal(latency.baselineMs, 50.5);
 * assert.equal(latency.recentMs, 122.5);
 * assert.ok(latency.gradient! > 2);
 * ```
 */
export class LatencyGradient {
  readonly #window: number;
  readonly #history: number;
  /** The last `window` samples, oldest first. */
  #recent: number[] = [];
  /** Samples since the last full window was closed. */
  #block: number[] = [];
  /** Medians of the last full windows. */
  #medians: number[] = [];

  /**
   * @param options.window samples per window. @default 10
   * @param options.history full windows the baseline remembers. @default 30
   */
  constructor(options: { window?: number; history?: number } = {}) {
    this.#window = options.window ?? 10;
    this.#history = options.history ?? 30;
  }

  /** Adds one sample, ms. */
  add(ms: number): void {
    if (!(ms >= 0) || ms === Infinity) return;
    this.#recent.push(ms);
    if (this.#recent.length > this.#window) this.#recent.shift();
    this.#block.push(ms);
    if (this.#block.length === this.#window) {
      this.#medians.push(_median(this.#block));
      if (this.#medians.length > this.#history) this.#medians.shift();
      this.#block = [];
    }
  }

  /** The median of the recent window; undefined until it is full. */
  get recentMs(): number | undefined {
    return this.#recent.length < this.#window ? undefined : _median(this.#recent);
  }

  /** The baseline latency; undefined before the first sample. */
  get baselineMs(): number | undefined {
    if (this.#medians.length > 0) return Math.min(...this.#medians);
    return this.#block.length > 0 ? _median(this.#block) : undefined;
  }

  /** `recentMs / baselineMs`; undefined until both are known. */
  get gradient(): number | undefined {
    const recent = this.recentMs;
    const baseline = this.baselineMs;
    if (recent === undefined || baseline === undefined) return undefined;
    return baseline > 0 ? recent / baseline : recent > 0 ? Infinity : 1;
  }

  /** Forgets the recent window (not the baseline): after a decrease, judge only what follows it. */
  restartRecent(): void {
    this.#recent = [];
  }
}

function _median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
