/**
 * A run's events in Redis: each worker appends the events of the jobs it
 * runs to the run's stream; a watcher reads the stream from its start, so it
 * sees every worker's events, in the order Redis took them, even those from
 * before it started.
 *
 * @module
 */

import type { Redis } from "ioredis";
import type { RunEvent } from "../exec/types.ts";
import { UserError } from "../exec/user_error.ts";
import { runConfigKey, runEventsKey } from "./names.ts";

/** A run whose settings left Redis while it was read: a Redis restarted without its data. */
export class RunLostError extends UserError {}

/** Appends one event to a run's stream. */
export async function publishEvent(redis: Redis, run: string, event: RunEvent): Promise<void> {
  await redis.xadd(runEventsKey(run), "*", "event", JSON.stringify(event));
}

/** Options of {@linkcode readEvents}. */
export interface ReadEventsOptions {
  /** Stops the reading (at the next wait's end). */
  readonly signal?: AbortSignal;
  /** The longest one read waits for new events, ms. @default 500 */
  readonly blockMs?: number;
  /**
   * Asked each time a read finds no new event (every event so far has been
   * yielded): true ends the reading. @default never
   */
  readonly idle?: () => Promise<boolean>;
  /**
   * Whether the run still has jobs in Redis: a run whose settings are gone
   * is lost only when it has none either (Redis restarted empty, flushed).
   * @default none: lost with its settings
   */
  readonly queued?: () => Promise<boolean>;
}

/**
 * A run's events from the first on, then each as it is published, until the
 * signal aborts or `idle` says the run is over. `redis` blocks while waiting: give it a connection of its own.
 *
 * @throws {RunLostError} (exit 1) when, after a wait with no event, the
 *   run is not over and its settings are no longer in Redis: no event will come.
 */
export async function* readEvents(
  redis: Redis,
  run: string,
  options: ReadEventsOptions = {},
): AsyncGenerator<RunEvent> {
  const key = runEventsKey(run);
  const blockMs = options.blockMs ?? 500;
  let last = "0";
  const signal = options.signal;
  // An abort ends a read at once: with Redis down, one would wait for it to come back.
  const aborted = new Promise<"aborted">((resolve) => {
    if (signal?.aborted) resolve("aborted");
    signal?.addEventListener("abort", () => resolve("aborted"), { once: true });
  });
  while (!signal?.aborted) {
    const reading = redis.xread("COUNT", 1000, "BLOCK", blockMs, "STREAMS", key, last);
    const answer = await Promise.race([reading, aborted]);
    if (answer === "aborted") {
      reading.catch(() => {}); // its connection is closed next, unanswered
      return;
    }
    if (answer === null) {
      // Each check raced with the abort too: with Redis down it waits for it to come back.
      const over = await Promise.race([options.idle?.() ?? false, aborted]);
      if (over === "aborted" || over) return;
      // One command per idle wait: a Redis restarted empty (or flushed) has no run to wait for.
      const left = await Promise.race([redis.exists(runConfigKey(run)), aborted]);
      if (left === "aborted") return;
      // Settings gone but jobs left (deleted by hand, say): the jobs still end the run.
      const queued = left === 0 ? await Promise.race([options.queued?.() ?? false, aborted]) : true;
      if (queued === "aborted") return;
      if (!queued) {
        throw new RunLostError(
          `Run ${run} is no longer in Redis (restarted without its data?): enqueue it again`,
          { exitCode: 1 },
        );
      }
      continue;
    }
    for (const [, entries] of answer) {
      for (const [id, fields] of entries) {
        last = id;
        const at = fields.indexOf("event");
        if (at >= 0) yield JSON.parse(fields[at + 1]) as RunEvent;
      }
    }
  }
}
