/**
 * A worker's part in the adaptive control of the queue: every worker of an
 * adaptive profile campaigns for the leader lock; the one that holds it
 * listens to every worker's signals and runs the one controller, which sets
 * the chapter queue's shared limits; when it stops or dies, another takes
 * over after the lock's TTL and starts its own controller afresh.
 *
 * @module
 */

import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { RunEvent } from "../exec/types.ts";
import type { Profile } from "../manifest/types.ts";
import type { QueueAddress } from "./connection.ts";
import { QueueController, type QueueKnobs } from "./control.ts";
import { publishEvent } from "./events.ts";
import { campaign } from "./leader.ts";
import { LEADER_KEY } from "./names.ts";
import { setSharedLimits } from "./shared_limit.ts";
import { type SignalSubscription, subscribeSignals } from "./signals.ts";

/** A run whose signal came within this long gets the controller's changes in its events, ms. */
const _RECENT_RUN_MS = 60_000;

/** Options of {@linkcode joinAdaptiveControl}. */
export interface AdaptiveControlOptions {
  readonly address: QueueAddress;
  /** The worker's own connection (commands only, never blocking). */
  readonly redis: Redis;
  /** The chapter queue, whose shared limits the leader sets. */
  readonly chapterQueue: Queue;
  /** The adaptive profile. */
  readonly profile: Profile;
  /**
   * How long the lock outlives its leader's last renewal, ms: a dead
   * leader is replaced after this long (the worker's stall timeout).
   */
  readonly ttlMs: number;
  /** One line per notable thing (elected, deposed, each rate change). */
  readonly log: (line: string) => void;
}

/** A worker's seat in the adaptive control. */
export interface AdaptiveControl {
  /** What this worker writes into the lock when it leads. */
  readonly token: string;
  /** Whether this worker leads now. */
  readonly leading: boolean;
  /**
   * If this worker leads: sends its controller's settings to Redis again
   * (after Redis lost them); resolves once they are in.
   */
  reassert(): Promise<void>;
  /** Leaves: stops the controller if this worker leads and releases the lock. */
  stop(): Promise<void>;
}

/**
 * Joins the campaign; resolves once this worker knows whether it leads and,
 * if it does, once its controller has set the queue's starting limits, so
 * that no job starts under limits nobody set.
 */
export async function joinAdaptiveControl(
  options: AdaptiveControlOptions,
): Promise<AdaptiveControl> {
  const { redis, chapterQueue, profile, log } = options;
  const token = `${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  const knobs: QueueKnobs = {
    setLimiter: (limiter) => setSharedLimits(chapterQueue, { window: limiter }),
    setMaxInFlight: async (maxInFlight) => {
      await setSharedLimits(chapterQueue, { maxInFlight });
      // A worker that found the queue at its cap waits for a marker: one
      // says there is room now (as BullMQ adds one when a job is added).
      await redis.zadd(chapterQueue.keys.marker, 0, "0");
    },
    pause: (ms) => chapterQueue.rateLimit(ms),
  };
  /** Runs by the time their last signal came. */
  const runs = new Map<string, number>();
  const onChange = (event: RunEvent) => {
    if (event.type === "rate-change") {
      const { to } = event;
      const inFlight = Number.isFinite(to.maxInFlight) ? `${to.maxInFlight}` : "no cap";
      log(
        `Adaptive rate (leader ${token}): ${to.ratePerSecond.toFixed(1)}/s, ${inFlight} in ` +
          `flight (${event.cause}: ${event.reason})`,
      );
    }
    for (const [run, at] of runs) {
      if (event.at - at > _RECENT_RUN_MS) runs.delete(run);
      else void publishEvent(redis, run, event).catch(() => {});
    }
  };

  let controller: QueueController | undefined;
  let subscription: SignalSubscription | undefined;
  // Starting and stopping the controller, one after the other.
  let turn: Promise<void> = Promise.resolve();
  const start = async () => {
    // Listening first: a leader that hears nothing would hold the limits at their start.
    let listening: SignalSubscription;
    try {
      listening = await subscribeSignals(options.address, (signal) => {
        runs.set(signal.run, Date.now());
        controller?.take(signal);
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      log(`Cannot listen to the workers' signals: ${reason}; leaving the lead to another worker`);
      await (await elected).resign();
      return;
    }
    log(`Leading the adaptive rate control of the queue (worker ${token})`);
    subscription = listening;
    controller = new QueueController({
      knobs,
      profile,
      onChange,
      onError: (error) => log(`Cannot set the queue's limits: ${error.message}`),
    });
  };
  const stop = async () => {
    const [was, listening] = [controller, subscription];
    controller = undefined;
    subscription = undefined;
    await listening?.close();
    await was?.stop();
    if (was !== undefined) log(`No longer leading the adaptive rate control (worker ${token})`);
  };
  const then = (step: () => Promise<void>) => {
    turn = turn.then(step).catch((error) =>
      log(`Adaptive rate control: ${error instanceof Error ? error.message : String(error)}`)
    );
  };

  const elected = campaign(redis, {
    key: LEADER_KEY,
    ttlMs: options.ttlMs,
    token,
    onElected: () => then(start),
    onDeposed: () => then(stop),
    onError: (error) => log(`Cannot reach the leader lock: ${error.message}`),
  });
  const leadership = await elected;
  await turn;
  return {
    token,
    get leading() {
      return leadership.leading;
    },
    reassert: async () => {
      await controller?.resend();
    },
    stop: async () => {
      await leadership.stop();
      await turn;
    },
  };
}
