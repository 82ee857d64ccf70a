/**
 * A leader among the workers of a queue: one lock in Redis (`SET key token
 * NX PX ttl`), renewed by its holder while it lives, released on stop with a
 * compare-and-delete, so that exactly one worker does what must be done
 * once for everyone (the adaptive rate controller). A holder that dies
 * (kill -9, a host down) stops renewing; its lock expires after the TTL,
 * and another worker takes it.
 *
 * @module
 */

import type { Redis } from "ioredis";

/** Extends the lock's TTL only when it still holds our token. */
const _RENEW = `if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("PEXPIRE", KEYS[1], ARGV[2])
end
return 0`;

/** Deletes the lock only when it still holds our token. */
const _RELEASE = `if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0`;

/** Options of {@linkcode LeaderLock}. */
export interface LeaderLockOptions {
  /** The lock's key. */
  readonly key: string;
  /** How long the lock outlives its last renewal, ms. */
  readonly ttlMs: number;
  /** What the holder writes into the lock, naming it. @default a random UUID */
  readonly token?: string;
}

/**
 * One contender's handle on a lock: take it if free, renew it while held,
 * release it. Every operation is one atomic command (or script) in Redis.
 *
 * @example
 * ```ts ignore
 * import { Redis } from "ioredis";
 * import { LeaderLock } from "./leader.ts";
 * const lock = new LeaderLock(new Redis(), { key: "importer:leader", ttlMs: 10_000 });
 * if (await lock.acquire()) {
 *   // lead; call lock.renew() well within ttlMs; lock.release() when done
 * }
 * ```
 */
export class LeaderLock {
  readonly #redis: Redis;
  /** The lock's key. */
  readonly key: string;
  /** How long the lock outlives its last renewal, ms. */
  readonly ttlMs: number;
  /** What this contender writes into the lock. */
  readonly token: string;

  /** @throws {RangeError} when `ttlMs` is not a whole number of ms of at least 1. */
  constructor(redis: Redis, options: LeaderLockOptions) {
    if (!(Number.isInteger(options.ttlMs) && options.ttlMs >= 1)) {
      throw new RangeError(
        `Cannot use a lock TTL of "${options.ttlMs}" ms: expected a whole number of at least 1`,
      );
    }
    this.#redis = redis;
    this.key = options.key;
    this.ttlMs = options.ttlMs;
    this.token = options.token ?? crypto.randomUUID();
  }

  /** Takes the lock if nobody holds it. @returns whether this contender holds it now. */
  async acquire(): Promise<boolean> {
    const answer = await this.#redis.set(this.key, this.token, "PX", this.ttlMs, "NX");
    return answer === "OK";
  }

  /** Extends the lock by its TTL if this contender still holds it. @returns whether it does. */
  async renew(): Promise<boolean> {
    const answer = await this.#redis.eval(_RENEW, 1, this.key, this.token, String(this.ttlMs));
    return answer === 1;
  }

  /** Frees the lock if this contender holds it, so another may take it at once. @returns whether it did. */
  async release(): Promise<boolean> {
    return (await this.#redis.eval(_RELEASE, 1, this.key, this.token)) === 1;
  }

  /** The token of whoever holds the lock, or undefined when it is free. */
  async holder(): Promise<string | undefined> {
    return (await this.#redis.get(this.key)) ?? undefined;
  }
}

/** Options of {@linkcode campaign}. */
export interface CampaignOptions extends LeaderLockOptions {
  /** How often the lock is renewed while held, or asked for while not, ms. @default ttlMs / 3 */
  readonly intervalMs?: number;
  /** Called when this contender becomes the leader. */
  readonly onElected?: () => void;
  /**
   * Called when it stops being the leader: another holds the lock (this one
   * failed to renew it in time), Redis could not confirm the lock for a
   * whole TTL, or {@linkcode Leadership.stop}.
   */
  readonly onDeposed?: () => void;
  /** A command to Redis failed (the campaign goes on). */
  readonly onError?: (error: Error) => void;
  /** Epoch ms now. @default Date.now */
  readonly now?: () => number;
}

/** A running campaign for a lock. */
export interface Leadership {
  /** Whether this contender leads now. */
  readonly leading: boolean;
  /** What this contender writes into the lock. */
  readonly token: string;
  /**
   * Gives the lock up if held (deposed first), so that another may take it
   * at once; the campaign goes on, and may win the lock again later.
   */
  resign(): Promise<void>;
  /** Ends the campaign: stops its timer, and releases the lock if held (deposed first). */
  stop(): Promise<void>;
}

/**
 * Campaigns for a lock until stopped: asks for it every `intervalMs` while
 * another holds it, renews it as often while holding it. The first attempt
 * is made before this returns, so a contender that finds the lock free
 * leads from the start. A leader that cannot renew (Redis unreachable) goes
 * on leading until a TTL has passed since its last renewal, then deposes
 * itself: by then another may hold the lock.
 *
 * @throws {RangeError} on a TTL or interval that is not a whole number of ms of at least 1.
 */
export async function campaign(redis: Redis, options: CampaignOptions): Promise<Leadership> {
  const lock = new LeaderLock(redis, options);
  const intervalMs = options.intervalMs ?? Math.max(1, Math.floor(lock.ttlMs / 3));
  if (!(Number.isInteger(intervalMs) && intervalMs >= 1 && intervalMs < lock.ttlMs)) {
    throw new RangeError(
      `Cannot campaign every "${intervalMs}" ms: expected a whole number from 1 to below the TTL`,
    );
  }
  const now = options.now ?? Date.now;
  let leading = false;
  let renewedAt = -Infinity;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> = Promise.resolve();

  const depose = () => {
    if (!leading) return;
    leading = false;
    options.onDeposed?.();
  };
  const round = async () => {
    const startedAt = now();
    try {
      if (leading) {
        if (await lock.renew()) renewedAt = startedAt;
        else depose();
      } else if (await lock.acquire()) {
        renewedAt = startedAt;
        // Taken as the campaign was being stopped: given back at once.
        if (stopped) return void await lock.release();
        leading = true;
        options.onElected?.();
      }
    } catch (error) {
      options.onError?.(error instanceof Error ? error : new Error(String(error)));
      if (leading && now() - renewedAt >= lock.ttlMs) depose();
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      running = round().then(schedule);
    }, intervalMs);
  };

  running = round();
  await running;
  schedule();
  return {
    get leading() {
      return leading;
    },
    token: lock.token,
    resign: async () => {
      // After a round under way: it may be renewing the lock given up here.
      await running;
      if (!leading) return;
      depose();
      await lock.release().catch(() => false);
    },
    stop: async () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await running;
      const held = leading;
      depose();
      if (held) await lock.release().catch(() => false);
    },
  };
}
