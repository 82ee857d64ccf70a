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
import { runEventsKey } from "./names.ts";

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
}

/**
 * A run's events from the first on, then each as it is published, until the
 * signal aborts or `idle` says the run is over. `redis` blocks while waiting: give it a connection of its own.
 */
export async function* readEvents(
  redis: Redis,
  run: string,
  options: ReadEventsOptions = {},
): AsyncGenerator<RunEvent> {
  const key = runEventsKey(run);
  const blockMs = options.blockMs ?? 500;
  let last = "0";
  while (!options.signal?.aborted) {
    const answer = await redis.xread("COUNT", 1000, "BLOCK", blockMs, "STREAMS", key, last);
    if (answer === null) {
      if (await options.idle?.()) return;
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
