/**
 * What an adaptive controller on the queue hears: every worker sends the
 * outcomes of its chapter jobs (their start, end, retry or failure, with
 * the status, the latency and any `Retry-After`) and what servers announce
 * about their limits on one Redis Pub/Sub channel; the leader listens. A
 * signal sent while no leader listens is lost, which costs nothing: a new
 * leader starts from what it hears from then on.
 *
 * @module
 */

import type { Redis } from "ioredis";
import type { RateHint, RunEvent } from "../exec/types.ts";
import type { QueueAddress } from "./connection.ts";
import { SIGNALS_CHANNEL } from "./names.ts";
import { connect } from "./redis_client.ts";

/** One thing a worker saw, for the leader's controller. */
export type QueueSignal =
  /** An event of a chapter job (a finished chapter's value left out), or a pause. */
  | { readonly run: string; readonly event: RunEvent }
  /** What an answer announced about the server's rate limit, at epoch ms `at`. */
  | { readonly run: string; readonly at: number; readonly hint: RateHint };

/** Sends a signal to whoever leads; a chapter's value (its file's record) is not sent. */
export async function publishSignal(redis: Redis, signal: QueueSignal): Promise<void> {
  const sent = "event" in signal && signal.event.type === "task-done"
    ? { ...signal, event: { ...signal.event, value: null } }
    : signal;
  await redis.publish(SIGNALS_CHANNEL, JSON.stringify(sent));
}

/** A subscription to the signals. */
export interface SignalSubscription {
  /** Stops listening and closes the subscription's connection. */
  close(): Promise<void>;
}

/**
 * Listens to every worker's signals on a connection of its own (a
 * subscribed connection sends no other command), until closed. Resolves
 * once subscribed: every signal published after that is heard, in the
 * order Redis took them.
 */
export async function subscribeSignals(
  address: QueueAddress,
  onSignal: (signal: QueueSignal) => void,
): Promise<SignalSubscription> {
  const redis = connect(address);
  redis.on("message", (channel: string, message: string) => {
    if (channel === SIGNALS_CHANNEL) onSignal(JSON.parse(message) as QueueSignal);
  });
  try {
    await redis.subscribe(SIGNALS_CHANNEL);
  } catch (error) {
    redis.disconnect();
    throw error;
  }
  return { close: async () => void await redis.quit().catch(() => redis.disconnect()) };
}
