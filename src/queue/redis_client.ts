/**
 * A connection to the Redis of a queue address, and the check every queue
 * command makes before it starts: that Redis answers, in the database the
 * address names.
 *
 * @module
 */

import { Redis } from "ioredis";
import { UserError } from "../exec/user_error.ts";
import type { QueueAddress } from "./connection.ts";

/**
 * Opens a connection to the address (ioredis reconnects on its own after a
 * drop). Its errors go to the address's `connectionLog`, never unhandled:
 * ioredis would print each retry's with its stack.
 */
export function connect(address: QueueAddress): Redis {
  const redis = new Redis({ ...address.options, lazyConnect: false });
  logConnectionErrors(address, redis);
  redis.on("ready", () => address.connectionLog?.ready());
  return redis;
}

/** Closes a connection: QUIT when connected, else at once (a QUIT would wait for Redis to come back). */
export async function disconnect(redis: Redis): Promise<void> {
  if (redis.status !== "ready") return void redis.disconnect();
  await redis.quit().catch(() => redis.disconnect());
}

/** Sends the `error` events of a client, or of a BullMQ queue, worker or flow producer, to the address's log. */
export function logConnectionErrors(
  address: QueueAddress,
  emitter: { on(event: "error", listener: (error: Error) => void): unknown },
): void {
  emitter.on("error", (error: Error) => address.connectionLog?.error(error));
}

/** A Redis that does not answer, or refuses the address's password or database. */
export class RedisUnreachableError extends UserError {}

/** Options of {@linkcode probeRedis}. */
export interface ProbeOptions {
  /** The longest the connection, the database's selection and a PING may take in all, ms. @default 5000 */
  readonly timeoutMs?: number;
}

/**
 * Connects once (no retry), selects the address's database and sends PING,
 * within `timeoutMs`; then closes the connection.
 *
 * @throws {RedisUnreachableError} (exit 2) with one line saying what failed:
 *   "Cannot reach Redis at redis://127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1",
 *   "Cannot use Redis database 99 at …: ERR DB index is out of range".
 */
export async function probeRedis(address: QueueAddress, options: ProbeOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 5000;
  // The database is selected below, where its error is the answer to a command of ours.
  const { db, ...rest } = address.options;
  const redis = new Redis({
    ...rest,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    // The PING below is the check (ioredis's own, an INFO, would outlive a deadline missed).
    enableReadyCheck: false,
  });
  // The connection's own error (ECONNREFUSED, WRONGPASS): connect() rejects with "Connection is closed."
  let failure: Error | undefined;
  redis.on("error", (error: Error) => (failure ??= error));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
  });
  const step = <T>(promise: Promise<T>) => {
    promise.catch(() => {}); // lost to the deadline: rejected when the connection is dropped
    return Promise.race([promise, deadline]);
  };
  const unreachable = (error: unknown) => {
    const cause = failure ?? error as Error;
    // A reply (NOAUTH, WRONGPASS) came from Redis: it was reached.
    const verb = cause.name === "ReplyError" ? "use" : "reach";
    return new RedisUnreachableError(`Cannot ${verb} Redis at ${address.label}: ${cause.message}`, {
      cause,
    });
  };
  try {
    try {
      await step(redis.connect());
    } catch (error) {
      throw unreachable(error);
    }
    if (db !== undefined) {
      try {
        await step(redis.select(db));
      } catch (error) {
        throw new RedisUnreachableError(
          `Cannot use Redis database ${db} at ${address.label}: ${(error as Error).message}`,
          { cause: error },
        );
      }
    }
    try {
      await step(redis.ping());
    } catch (error) {
      throw unreachable(error);
    }
  } finally {
    clearTimeout(timer);
    // Closed when this resolves: nothing of the check outlives it.
    const ended = redis.status === "end"
      ? undefined
      : new Promise((resolve) => redis.once("end", resolve));
    redis.disconnect();
    await ended;
  }
}
