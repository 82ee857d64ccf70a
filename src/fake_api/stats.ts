/**
 * Counters of what the fake API served, for `GET /__stats` and for tests.
 *
 * @module
 */

/** A snapshot of the counters. */
export interface FakeApiStats {
  /** Requests to the content path and any other path, `/__stats` excluded. */
  readonly requests: number;
  /** Complete responses by HTTP status. Dropped connections are in `resets`, not here. */
  readonly byStatus: Readonly<Record<string, number>>;
  /** Content requests by `uri` parameter (`""` when absent). */
  readonly byUri: Readonly<Record<string, number>>;
  /** URIs requested more than once, with their counts. */
  readonly duplicates: { readonly count: number; readonly uris: Readonly<Record<string, number>> };
  /** Most requests handled at once. */
  readonly peakInFlight: number;
  /** Requests being handled now. */
  readonly inFlight: number;
  /** Responses 429 Too Many Requests. */
  readonly tooManyRequests: number;
  /** Responses whose connection was dropped mid-body. */
  readonly resets: number;
  /** Bytes of page bodies sent (200s; a 304 sends none). */
  readonly bytesSent: number;
  /**
   * Requests that arrived while a `Retry-After` the fake sent with a 429 was
   * still running, and later than a grace period after that 429 (requests
   * already on their way are not counted). With one client: how often it
   * ignored a Retry-After.
   */
  readonly beforeRetryAfter: number;
  /** When content requests arrived: the gaps between consecutive arrivals. */
  readonly arrivals: ArrivalGaps;
}

/**
 * The gaps between consecutive content requests, as the server's clock saw
 * them arrive (the spacing a rate limit on the server judges). Kept in a
 * histogram of fixed size, so a long run costs no more memory than a short one.
 */
export interface ArrivalGaps {
  /** Content requests timed. */
  readonly count: number;
  /** The smallest gap, ms, exact; null before the second arrival. */
  readonly minGapMs: number | null;
  /**
   * Percentiles of the gaps, ms, to the histogram's resolution (the lower
   * edge of the bucket holding it); null before the second arrival.
   */
  readonly gapPercentilesMs: {
    readonly p1: number;
    readonly p5: number;
    readonly p50: number;
    readonly p95: number;
  } | null;
  /**
   * Gaps by bucket: the key is the bucket's lower edge in ms, each bucket
   * {@linkcode GAP_BUCKET_MS} wide, the last one open-ended at
   * {@linkcode GAP_HISTOGRAM_MS}; empty buckets left out.
   */
  readonly gapHistogram: Readonly<Record<string, number>>;
  /**
   * The most content requests that arrived within any one second
   * ({@linkcode RATE_WINDOW_MS}, a sliding window): the rate as a server
   * limiting "N requests per second" counts it; 0 before the first arrival.
   */
  readonly peakPerSecond: number;
}

/** The width of a bucket of {@linkcode ArrivalGaps.gapHistogram}, ms. */
export const GAP_BUCKET_MS = 0.5;
/** Gaps from this many ms on share the histogram's last bucket. */
export const GAP_HISTOGRAM_MS = 200;
const _GAP_BUCKETS = GAP_HISTOGRAM_MS / GAP_BUCKET_MS + 1;
/** The window of {@linkcode ArrivalGaps.peakPerSecond}, ms. */
export const RATE_WINDOW_MS = 1000;

/** Mutable counters behind {@link FakeApiStats}. */
export class StatsRecorder {
  #requests = 0;
  #byStatus = new Map<number, number>();
  #byUri = new Map<string, number>();
  #peak = 0;
  #inFlight = 0;
  #resets = 0;
  #bytesSent = 0;
  #beforeRetryAfter = 0;
  #arrivals = 0;
  #lastArrivalAt = -Infinity;
  #minGapMs = Infinity;
  #gaps = new Uint32Array(_GAP_BUCKETS);
  /** Arrival times of the last {@linkcode RATE_WINDOW_MS}, oldest first, from `#windowStart` on. */
  #window: number[] = [];
  #windowStart = 0;
  #peakPerSecond = 0;

  /** Requests being handled now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * Counts a request that starts.
   *
   * @param uri The content URI, or undefined for another path.
   * @returns How many times this URI has been requested, this one included.
   */
  begin(uri: string | undefined): number {
    this.#requests++;
    this.#inFlight++;
    this.#peak = Math.max(this.#peak, this.#inFlight);
    if (uri === undefined) return 1;
    const count = (this.#byUri.get(uri) ?? 0) + 1;
    this.#byUri.set(uri, count);
    return count;
  }

  /** Counts a request that ended with a complete response of `status`, or with a dropped connection. */
  end(outcome: number | "reset"): void {
    this.#inFlight--;
    if (outcome === "reset") this.#resets++;
    else this.#byStatus.set(outcome, (this.#byStatus.get(outcome) ?? 0) + 1);
  }

  /**
   * Times the arrival of a content request, at clock time `at` (ms), for
   * {@linkcode ArrivalGaps}. Arrivals are taken in the order they are
   * reported; one earlier than the last counts as a gap of 0, and in
   * {@linkcode ArrivalGaps.peakPerSecond} as arriving with the last.
   */
  arrive(at: number): void {
    this.#arrivals++;
    if (this.#lastArrivalAt !== -Infinity) {
      const gap = Math.max(0, at - this.#lastArrivalAt);
      if (gap < this.#minGapMs) this.#minGapMs = gap;
      this.#gaps[Math.min(_GAP_BUCKETS - 1, Math.floor(gap / GAP_BUCKET_MS))]++;
    }
    if (at > this.#lastArrivalAt) this.#lastArrivalAt = at;
    this.#countInWindow(this.#lastArrivalAt);
  }

  /** Adds an arrival at `at` (never earlier than the last) to the sliding window. */
  #countInWindow(at: number): void {
    const window = this.#window;
    window.push(at);
    while (window[this.#windowStart] <= at - RATE_WINDOW_MS) this.#windowStart++;
    this.#peakPerSecond = Math.max(this.#peakPerSecond, window.length - this.#windowStart);
    // Drops the arrivals that left the window once they are half of the array.
    if (this.#windowStart > 1024 && this.#windowStart * 2 > window.length) {
      this.#window = window.slice(this.#windowStart);
      this.#windowStart = 0;
    }
  }

  /** Counts the bytes of a page body sent. */
  sent(bytes: number): void {
    this.#bytesSent += bytes;
  }

  /** Counts a request that arrived before a Retry-After the fake sent had run out. */
  countBeforeRetryAfter(): void {
    this.#beforeRetryAfter++;
  }

  /** Zeroes every counter but the requests in flight. */
  reset(): void {
    this.#beforeRetryAfter = 0;
    this.#requests = 0;
    this.#byStatus.clear();
    this.#byUri.clear();
    this.#peak = this.#inFlight;
    this.#resets = 0;
    this.#bytesSent = 0;
    this.#arrivals = 0;
    this.#lastArrivalAt = -Infinity;
    this.#minGapMs = Infinity;
    this.#gaps.fill(0);
    this.#window = [];
    this.#windowStart = 0;
    this.#peakPerSecond = 0;
  }

  /** A copy of the counters. */
  snapshot(): FakeApiStats {
    const duplicates = Object.fromEntries([...this.#byUri].filter(([, count]) => count > 1));
    return {
      requests: this.#requests,
      byStatus: Object.fromEntries([...this.#byStatus].sort(([a], [b]) => a - b)),
      byUri: Object.fromEntries(this.#byUri),
      duplicates: { count: Object.keys(duplicates).length, uris: duplicates },
      peakInFlight: this.#peak,
      inFlight: this.#inFlight,
      tooManyRequests: this.#byStatus.get(429) ?? 0,
      resets: this.#resets,
      bytesSent: this.#bytesSent,
      beforeRetryAfter: this.#beforeRetryAfter,
      arrivals: this.#arrivalGaps(),
    };
  }

  #arrivalGaps(): ArrivalGaps {
    const gaps = this.#gaps;
    const histogram: Record<string, number> = {};
    let total = 0;
    for (let i = 0; i < gaps.length; i++) {
      if (gaps[i] === 0) continue;
      histogram[String(i * GAP_BUCKET_MS)] = gaps[i];
      total += gaps[i];
    }
    const percentile = (p: number): number => {
      // The smallest bucket holding at least p % of the gaps.
      const rank = Math.max(1, Math.ceil((p / 100) * total));
      let seen = 0;
      for (let i = 0; i < gaps.length; i++) {
        seen += gaps[i];
        if (seen >= rank) return i * GAP_BUCKET_MS;
      }
      return GAP_HISTOGRAM_MS;
    };
    return {
      count: this.#arrivals,
      minGapMs: total === 0 ? null : this.#minGapMs,
      gapPercentilesMs: total === 0
        ? null
        : { p1: percentile(1), p5: percentile(5), p50: percentile(50), p95: percentile(95) },
      gapHistogram: histogram,
      peakPerSecond: this.#peakPerSecond,
    };
  }
}
