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
  /**
   * Requests that arrived while a `Retry-After` the fake sent with a 429 was
   * still running, and later than a grace period after that 429 (requests
   * already on their way are not counted). With one client: how often it
   * ignored a Retry-After.
   */
  readonly beforeRetryAfter: number;
}

/** Mutable counters behind {@link FakeApiStats}. */
export class StatsRecorder {
  #requests = 0;
  #byStatus = new Map<number, number>();
  #byUri = new Map<string, number>();
  #peak = 0;
  #inFlight = 0;
  #resets = 0;
  #beforeRetryAfter = 0;

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
      beforeRetryAfter: this.#beforeRetryAfter,
    };
  }
}
