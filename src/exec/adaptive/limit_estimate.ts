/**
 * What a refusal for rate says about the server's limit, read from the
 * starts before it: the rate a token bucket of any shape must allow for
 * every request before the refused one to have been taken.
 *
 * @module
 */

/**
 * Bucket sizes where take curves are compared, ms of tokens: 48 steps from
 * 2 ms to 2 s, each 15.5 % above the one before.
 */
const _GRID_MS = Array.from({ length: 48 }, (_, i) => 2 * 1000 ** (i / 47));
/** Starts older than this before the newest are forgotten, ms: longer stretches add nothing. */
const _HISTORY_MS = 30_000;
/** Stretches read end at one of this many last starts before a refusal. */
const _STRETCH_ENDS = 8;
/** Take curves of this many refusals are kept to read bucket shapes from. */
const _CURVES = 3;

/**
 * A take curve: the stretches that can be the highest reading for some
 * bucket size (the upper hull of their span and count). Λ(β) is the
 * largest `count / (spanMs + β)` over them, in requests per ms.
 */
type _Curve = readonly { readonly spanMs: number; readonly count: number }[];

/** What a refusal says about the limit. */
export interface LimitReading {
  /** The limit, requests/s. */
  readonly rate: number;
  /**
   * The least the limit can be, requests/s, for the bucket read (`rate` is
   * at least that). Both are Infinity when the starts tell nothing (all fit
   * in the bucket).
   */
  readonly least: number;
  /** The bucket the reading assumes or found, ms of tokens at `rate`. */
  readonly bucketMs: number;
  /**
   * Whether the bucket is known: two refusals agreed on it (now or before),
   * or a check found it. Else `bucketMs` is the prior.
   */
  readonly bucketKnown: boolean;
  /** Whether two refusals' curves crossed at this bucket just now. */
  readonly crossed: boolean;
  /** The take curve the reading came from, for {@linkcode LimitEstimate.remember}. */
  readonly curve: _Curve;
}

/**
 * Reads the limit from the starts before each refusal.
 *
 * A token bucket of rate R holding B requests takes, over any stretch
 * [a, b] of starts, at most B + R (b - a): the stretch's `n` starts, all
 * taken when they came before the first refusal. So for a bucket of β ms of
 * tokens (B = R β), R >= n / (b - a + β) for every stretch; the largest of
 * these, the take curve Λ(β), is the limit when β is the bucket's size (the
 * stretch from when the bucket was last full to the last start taken, which
 * emptied it, reaches it). One refusal cannot tell R from B: a short burst far above
 * the limit empties a small bucket as soon as a long one just above it
 * empties a large one. Two refusals after different sending can: their
 * curves cross at the bucket's size, both at the limit. Until then the
 * curve is read at `priorBucketMs`; once a crossing or a check (see
 * `BucketCheck`) found the bucket, at its size in requests (a bucket keeps
 * its size when its rate changes).
 *
 * A pause (a `Retry-After`) starts a new stretch: the bucket was empty when
 * it began, and only the time passed refilled it, which the stretches
 * spanning it count.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LimitEstimate } from "./limit_estimate.ts";
 * // A bucket of 4 (100 ms at 40/s) emptied by 80/s from full: 8 starts in
 * // 87.5 ms taken, the 9th refused.
 * const estimate = new LimitEstimate({ priorBucketMs: 100 });
 * for (let i = 0; i < 8; i++) estimate.started(i * 12.5);
 * const reading = estimate.read(100)!;
 * assert.equal(reading.rate, 8000 / 187.5);
 * assert.equal(reading.bucketKnown, false);
 * ```
 */
export class LimitEstimate {
  readonly #priorBucketMs: number;
  /** The bucket found, requests; undefined while unknown. */
  #tokens: number | undefined;
  /** The least the bucket holds, requests, as a check found. */
  #leastTokens = 1;
  /** The bucket a check found, requests. */
  #checkedTokens: number | undefined;
  /** The last reading remembered. */
  #last: LimitReading | undefined;
  /** The starts since the last pause; the stretch before it (a refusal's own pause comes first). */
  #stretch = new _Stretch(-Infinity);
  #previous: _Stretch | undefined;
  /** Take curves of the last refusals, oldest first. */
  readonly #curves: _Curve[] = [];

  /**
   * @param options.priorBucketMs the bucket assumed until two refusals tell,
   *   ms of tokens. @default 100
   */
  constructor(options: { readonly priorBucketMs?: number } = {}) {
    this.#priorBucketMs = options.priorBucketMs ?? 100;
  }

  /** A request started at `at` (clock ms, in order). */
  started(at: number): void {
    this.#stretch.add(at);
  }

  /**
   * Every start is held from `at` on (a pause): a new stretch begins. A
   * pause extended before anything was sent again only moves its start.
   */
  paused(at: number): void {
    if (this.#stretch.empty && this.#previous !== undefined) {
      this.#stretch = new _Stretch(at);
      return;
    }
    this.#previous = this.#stretch;
    this.#stretch = new _Stretch(at);
  }

  /**
   * A request started at `startedAt` was refused for rate: what that says of
   * the limit, with the curves of the refusals remembered. Undefined when
   * nothing was sent before it since the pause before it.
   */
  read(startedAt: number): LimitReading | undefined {
    const stretch = startedAt >= this.#stretch.emptyAt ? this.#stretch : this.#previous;
    if (stretch === undefined || startedAt < stretch.emptyAt) return undefined;
    const curve = stretch.curve(startedAt);
    if (curve === undefined) return undefined;
    const least = this.#leastTokens;
    const checked = this.#checkedTokens;
    // A crossing that disagrees with what a check found is chance.
    const fit = _fit([...this.#curves, curve], (rate, bucketMs) => {
      const tokens = (rate * bucketMs) / 1000;
      return tokens >= least - 0.5 &&
        (checked === undefined || Math.abs(tokens - checked) <= 0.5 + 0.25 * checked);
    });
    if (fit !== undefined) {
      return { ...fit, least: fit.rate, bucketKnown: true, crossed: true, curve };
    }
    const tokens = this.#tokens;
    if (tokens !== undefined) {
      // Everything sent since the pause fitting in the bucket tells nothing of the rate.
      const measured = _measured(curve, tokens) ??
        { rate: Infinity, least: Infinity, bucketMs: 0 };
      return { ...measured, bucketKnown: true, crossed: false, curve };
    }
    // The prior's ms at the limit it reads, in whole requests, at least one
    // and at least what a check found; read as a known bucket would be.
    // Between two sizes (the limit each reads points at the other), the
    // larger: a check of it tells them apart.
    let rate = _at(curve, this.#priorBucketMs);
    let whole = Math.max(least, Math.round((rate * this.#priorBucketMs) / 1000));
    const tried = new Set<number>();
    for (let i = 0; i < 6; i++) {
      const measured = _measured(curve, whole);
      if (measured === undefined) break;
      const next = Math.max(least, Math.round((measured.least * this.#priorBucketMs) / 1000));
      if (next === whole || (tried.has(next) && next < whole)) {
        return { ...measured, bucketKnown: false, crossed: false, curve };
      }
      tried.add(whole);
      whole = next;
    }
    // Too few starts to read at whole requests: the prior's ms as they are.
    const bucketMs = this.#priorBucketMs;
    rate = _at(curve, bucketMs);
    return { rate, least: rate, bucketMs, bucketKnown: false, crossed: false, curve };
  }

  /**
   * Keeps a reading's curve for the readings after it: not one of a refusal
   * that bunched arrivals explain, which says nothing of the bucket.
   */
  remember(reading: LimitReading): void {
    if (reading.crossed) this.#tokens = (reading.rate * reading.bucketMs) / 1000;
    this.#curves.push(reading.curve);
    if (this.#curves.length > _CURVES) this.#curves.shift();
    this.#last = reading;
  }

  /** A check found the bucket holds at least `tokens` requests: no fit below that is taken. */
  bucketHolds(tokens: number): void {
    this.#leastTokens = Math.max(this.#leastTokens, tokens);
  }

  /**
   * A check found the bucket holds `tokens` requests (see `BucketCheck`):
   * the last reading read again at that bucket, which later readings keep.
   * Undefined without a reading to read again.
   */
  bucketFound(tokens: number): LimitReading | undefined {
    const last = this.#last;
    if (last === undefined || !(tokens >= 1)) return undefined;
    this.#tokens = tokens;
    this.#leastTokens = tokens;
    this.#checkedTokens = tokens;
    const measured = _measured(last.curve, tokens);
    if (measured === undefined) return undefined;
    const reading = { ...measured, bucketKnown: true, crossed: false, curve: last.curve };
    this.#last = reading;
    return reading;
  }
}

/**
 * The limit a curve reads for a bucket of `tokens` requests, and its ms at
 * that limit: every stretch of more than `tokens` starts took at least the
 * excess at the limit's pace, R >= (n - tokens) / span. `spanMs` is the
 * reading stretch's span: one request more over it is the reading's
 * resolution.
 */
function _atTokens(
  curve: _Curve,
  tokens: number,
): { rate: number; bucketMs: number; spanMs: number } {
  let best = { rate: 0, spanMs: Infinity };
  for (const { spanMs, count } of curve) {
    const rate = ((count - tokens) * 1000) / spanMs;
    if (count > tokens && spanMs > 0 && rate > best.rate) best = { rate, spanMs };
  }
  const bucketMs = best.rate > 0 ? (1000 * tokens) / best.rate : Infinity;
  return { ...best, bucketMs };
}

/**
 * The limit a known bucket of `tokens` requests reads: the bound, and half
 * a request more over its stretch, the middle of what the stretch allows
 * (a refusal says the bucket lacked less than a request: with a handful of
 * starts the bound alone reads far too low).
 */
function _measured(
  curve: _Curve,
  tokens: number,
): { rate: number; least: number; bucketMs: number } | undefined {
  const { rate, spanMs } = _atTokens(curve, tokens);
  if (!(rate > 0)) return undefined;
  const middle = rate + 500 / spanMs;
  return { rate: middle, least: rate, bucketMs: (1000 * tokens) / middle };
}

/** The starts since a pause (at most `_HISTORY_MS` of them), oldest first. */
class _Stretch {
  /** When the pause began: nothing was left in the bucket then (-Infinity: the run's start). */
  readonly emptyAt: number;
  #starts: number[] = [];
  #head = 0;

  constructor(emptyAt: number) {
    this.emptyAt = emptyAt;
  }

  get empty(): boolean {
    return this.#starts.length === this.#head;
  }

  add(at: number): void {
    const starts = this.#starts;
    starts.push(at);
    while (starts[this.#head] < at - _HISTORY_MS) this.#head++;
    if (this.#head > 1024 && this.#head * 2 > starts.length) {
      this.#starts = starts.slice(this.#head);
      this.#head = 0;
    }
  }

  /** The take curve for a refusal at `t`; undefined with no start before it. */
  curve(t: number): _Curve | undefined {
    const starts = this.#starts;
    const head = this.#head;
    let end = starts.length;
    while (end > head && starts[end - 1] >= t) end--;
    if (end === head) return undefined;
    // Stretches of taken requests [a, b], both counted: a bucket of β ms at
    // R held at most R β at a, and took R (b - a) more by b. They end at one
    // of the last starts (the bucket is emptiest there) and start anywhere,
    // or at the pause, when the bucket held nothing.
    const points: { spanMs: number; count: number }[] = [];
    for (let b = Math.max(head, end - _STRETCH_ENDS); b < end; b++) {
      if (this.emptyAt > -Infinity) {
        points.push({ spanMs: starts[b] - this.emptyAt, count: b - head + 1 });
      }
      for (let a = head; a <= b; a++) {
        points.push({ spanMs: starts[b] - starts[a], count: b - a + 1 });
      }
    }
    return _hull(points);
  }
}

/**
 * The points that maximise `count / (spanMs + β)` for some β > 0: the
 * upper hull seen from the negative span axis, by span.
 */
function _hull(points: { spanMs: number; count: number }[]): _Curve {
  // The most counted at each span, by span; then drop those never on top.
  const best = new Map<number, number>();
  for (const { spanMs, count } of points) best.set(spanMs, Math.max(best.get(spanMs) ?? 0, count));
  const sorted = [...best].sort(([a], [b]) => a - b).map(([spanMs, count]) => ({ spanMs, count }));
  const hull: { spanMs: number; count: number }[] = [];
  for (const point of sorted) {
    // A point counting no more than one with a shorter span is never on top.
    if (hull.length > 0 && point.count <= hull[hull.length - 1].count) continue;
    while (hull.length >= 2) {
      const [p, q] = [hull[hull.length - 2], hull[hull.length - 1]];
      // q is under the line from p to the point: never the maximum.
      const cross = (q.spanMs - p.spanMs) * (point.count - p.count) -
        (q.count - p.count) * (point.spanMs - p.spanMs);
      if (cross >= 0) hull.pop();
      else break;
    }
    hull.push(point);
  }
  return hull;
}

/** Λ at a bucket of `bucketMs`, requests/s, and the stretch's span with it (its resolution). */
function _point(curve: _Curve, bucketMs: number): { rate: number; spanMs: number } {
  let best = { rate: 0, spanMs: Infinity };
  for (const { spanMs, count } of curve) {
    const span = spanMs + bucketMs;
    const rate = (count * 1000) / span;
    if (span > 0 && rate > best.rate) best = { rate, spanMs: span };
  }
  return best;
}

/** Λ at a bucket of `bucketMs`, requests/s. */
function _at(curve: _Curve, bucketMs: number): number {
  return _point(curve, bucketMs).rate;
}

/**
 * The bucket size at which the newest take curve (last of `curves`) and an
 * older one read the same limit, and that limit, among those `fits` allows.
 * Where curves cross more than once, the crossing the other curves agree
 * with best wins, and without another curve the largest bucket (the lowest
 * limit). Undefined when no two cross where they clearly part on both sides
 * (two refusals after the same sending tell nothing).
 */
function _fit(
  curves: readonly _Curve[],
  fits: (rate: number, bucketMs: number) => boolean,
): { rate: number; bucketMs: number } | undefined {
  const newer = curves[curves.length - 1];
  let best: { rate: number; bucketMs: number; disagreement: number } | undefined;
  for (let c = 0; c + 1 < curves.length; c++) {
    for (const crossing of _crossings(curves[c], newer)) {
      if (!fits(crossing.rate, crossing.bucketMs)) continue;
      const others = curves.filter((_, k) => k !== c && k !== curves.length - 1);
      const disagreement = Math.max(
        0,
        ...others.map((other) => Math.abs(_at(other, crossing.bucketMs) / crossing.rate - 1)),
      );
      const better = best === undefined || disagreement < best.disagreement - 0.01 ||
        (disagreement <= best.disagreement + 0.01 && crossing.bucketMs > best.bucketMs);
      if (better) best = { ...crossing, disagreement };
    }
  }
  return best === undefined ? undefined : { rate: best.rate, bucketMs: best.bucketMs };
}

/**
 * Where two take curves cross, clearly parting on both sides: by more than
 * both readings' resolution (a request over each stretch) and 5 %.
 */
function _crossings(older: _Curve, newer: _Curve): { rate: number; bucketMs: number }[] {
  const grid = _GRID_MS;
  const d = (bucketMs: number) => _at(newer, bucketMs) - _at(older, bucketMs);
  const apart = (bucketMs: number): number => {
    const [n, o] = [_point(newer, bucketMs), _point(older, bucketMs)];
    const resolution = 1000 / n.spanMs + 1000 / o.spanMs;
    const gap = n.rate - o.rate;
    return Math.abs(gap) > Math.max(resolution, 0.05 * Math.max(n.rate, o.rate))
      ? Math.sign(gap)
      : 0;
  };
  const signs = grid.map((bucketMs) => Math.sign(d(bucketMs)));
  const found: { rate: number; bucketMs: number }[] = [];
  for (let i = 0; i + 1 < grid.length; i++) {
    const here = signs[i];
    if (here === 0 || signs[i + 1] !== -here) continue;
    // Clearly apart on this side before any earlier crossing, and on the other after it.
    let before = false;
    for (let j = i; j >= 0 && signs[j] === here; j--) before ||= apart(grid[j]) === here;
    let after = false;
    for (let j = i + 1; j < grid.length && signs[j] === -here; j++) {
      after ||= apart(grid[j]) === -here;
    }
    if (!before || !after) continue;
    let [lo, hi] = [grid[i], grid[i + 1]];
    for (let k = 0; k < 30; k++) {
      const mid = (lo + hi) / 2;
      if (Math.sign(d(mid)) === here) lo = mid;
      else hi = mid;
    }
    const bucketMs = (lo + hi) / 2;
    found.push({ bucketMs, rate: _at(newer, bucketMs) });
  }
  return found;
}
