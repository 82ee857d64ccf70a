/**
 * The one rate window of the chapter queue, in Redis, that every worker
 * reads when it takes a job: BullMQ's global rate limit (fields `max` and
 * `duration` of the queue's meta hash). No worker is given a `limiter` of its
 * own: BullMQ 5's job hand-out takes the window's length from a worker's own
 * `limiter` before the queue's, so a worker with one would keep its own pace
 * after the shared window was lowered.
 *
 * @module
 */

import type { Queue } from "bullmq";
import type { Redis } from "ioredis";

/** A rate window: at most `max` job starts in each window of `duration` ms. */
export interface RateWindow {
  readonly max: number;
  readonly duration: number;
}

/** Starts a second a window allows. */
export function windowRate(window: RateWindow): number {
  return (window.max / window.duration) * 1000;
}

// Compares rates as max₁ × duration₂ < max₂ × duration₁: no division, so no rounding.
const _LOWER = `
local current = redis.call("HMGET", KEYS[1], "max", "duration")
local max, duration = tonumber(current[1]), tonumber(current[2])
local nextMax, nextDuration = tonumber(ARGV[1]), tonumber(ARGV[2])
if max and duration and nextMax * duration >= max * nextDuration then return {0, max, duration} end
redis.call("HSET", KEYS[1], "max", ARGV[1], "duration", ARGV[2])
return {1, max or 0, duration or 0}
`;

/**
 * Sets the window in `metaKey` to `next` if it allows fewer starts a second
 * than the window there, in one step, so that of two workers lowering it at
 * once the lower rate stays. Returns the window it replaced; undefined when
 * it left the window as it was (as low or lower already). A queue without a
 * window gets `next`, and the replaced one reads as a rate of 0 per 0 ms.
 */
export async function lowerSharedWindow(
  redis: Redis,
  metaKey: string,
  next: RateWindow,
): Promise<RateWindow | undefined> {
  const [changed, max, duration] = await redis.eval(
    _LOWER,
    1,
    metaKey,
    next.max,
    next.duration,
  ) as [number, number, number];
  return changed === 1 ? { max, duration } : undefined;
}

/** The window in `metaKey`, or undefined when the queue has none. */
export async function sharedWindow(redis: Redis, metaKey: string): Promise<RateWindow | undefined> {
  const [max, duration] = await redis.hmget(metaKey, "max", "duration");
  return max === null || duration === null
    ? undefined
    : { max: Number(max), duration: Number(duration) };
}

/**
 * A window that limits nothing: a queue without a rate still needs one, for
 * a `Retry-After`'s pause (`Queue.rateLimit`) to hold the workers (BullMQ
 * checks the pause only on a queue that has a limit).
 */
export const UNLIMITED_WINDOW: RateWindow = { max: 1_000_000, duration: 1000 };

/** Sets the chapter queue's one window (`UNLIMITED_WINDOW` for none) and in-flight cap. */
export async function setSharedLimits(
  queue: Queue,
  limits: { readonly window?: RateWindow; readonly maxInFlight?: number },
): Promise<void> {
  if ("window" in limits) {
    const { max, duration } = limits.window ?? UNLIMITED_WINDOW;
    await queue.setGlobalRateLimit(max, duration);
  }
  if (limits.maxInFlight === undefined) return;
  if (Number.isFinite(limits.maxInFlight)) await queue.setGlobalConcurrency(limits.maxInFlight);
  else await queue.removeGlobalConcurrency();
}
