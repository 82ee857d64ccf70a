/**
 * The Redis address of a queue run (`--queue redis://HOST:6379`), parsed
 * once into the options every connection of the run is opened with. Loads no
 * Redis client: a command parses its flags before it loads one.
 *
 * @module
 */

import type { RedisOptions } from "ioredis";

/** A parsed `--queue` address. */
export interface QueueAddress {
  /** The address as given, its password hidden, for messages. */
  readonly label: string;
  /** What ioredis (and so BullMQ) connects with. */
  readonly options: RedisOptions;
  /**
   * Told every error of a connection to this address (a lost connection, a
   * refused reconnect) and every reconnect: see {@linkcode withConnectionLog}.
   * @default nothing is told (the errors are still handled: no stack is printed)
   */
  readonly connectionLog?: ConnectionLog;
}

/** Where the connections of an address report their errors and reconnects. */
export interface ConnectionLog {
  /** A connection failed (ioredis goes on reconnecting on its own). */
  error(error: Error): void;
  /** A connection is ready again. */
  ready(): void;
}

/** How long a message already logged is not logged again, ms. */
export const CONNECTION_LOG_QUIET_MS = 60_000;

/**
 * The address with the errors of its connections logged as one line each:
 * a message logged once is not logged again for a minute however often the
 * connections retry, and once a connection is ready again that is logged,
 * once.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseQueueAddress, withConnectionLog } from "./connection.ts";
 * const lines: string[] = [];
 * const address = withConnectionLog(parseQueueAddress("redis://:pw@10.0.0.5"), (l) => lines.push(l));
 * for (let i = 0; i < 3; i++) address.connectionLog!.error(new Error("connect ECONNREFUSED"));
 * address.connectionLog!.ready();
 * assert.deepEqual(lines, [
 *   "Redis at redis://:***@10.0.0.5: connect ECONNREFUSED (reconnecting)",
 *   "Redis at redis://:***@10.0.0.5: connected again",
 * ]);
 * ```
 */
export function withConnectionLog(
  address: QueueAddress,
  log: (line: string) => void,
  now: () => number = Date.now,
): QueueAddress {
  // Each message by when it was last logged, until a connection is ready again.
  const logged = new Map<string, number>();
  return {
    ...address,
    connectionLog: {
      error: (error) => {
        const message = error.message;
        const last = logged.get(message);
        const at = now();
        if (last !== undefined && at - last < CONNECTION_LOG_QUIET_MS) return;
        logged.set(message, at);
        log(`Redis at ${address.label}: ${message} (reconnecting)`);
      },
      ready: () => {
        if (logged.size === 0) return;
        logged.clear();
        log(`Redis at ${address.label}: connected again`);
      },
    },
  };
}

/**
 * Parses `redis://[user:password@]host[:port][/db]` (or `rediss://` for TLS).
 *
 * @throws {TypeError} for anything else, with what was expected.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseQueueAddress } from "./connection.ts";
 * const address = parseQueueAddress("redis://:secret@10.0.0.5:6380/2");
 * assert.equal(address.label, "redis://:***@10.0.0.5:6380/2");
 * assert.equal(address.options.port, 6380);
 * assert.equal(address.options.db, 2);
 * ```
 */
export function parseQueueAddress(text: string): QueueAddress {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TypeError(`expected a Redis address like redis://127.0.0.1:6379`);
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw new TypeError(`expected a redis:// or rediss:// address, got "${url.protocol}"`);
  }
  if (url.hostname === "") throw new TypeError(`expected a host, as in redis://127.0.0.1:6379`);
  const path = url.pathname.replace(/^\//, "");
  if (path !== "" && !/^\d+$/.test(path)) {
    throw new TypeError(`expected a database number after the host, got "/${path}"`);
  }
  const hidden = new URL(url.href);
  if (hidden.password !== "") hidden.password = "***";
  return {
    label: hidden.href,
    options: {
      host: url.hostname.replace(/^\[|\]$/g, ""),
      port: url.port === "" ? 6379 : Number(url.port),
      ...(path === "" ? {} : { db: Number(path) }),
      ...(url.username === "" ? {} : { username: decodeURIComponent(url.username) }),
      ...(url.password === "" ? {} : { password: decodeURIComponent(url.password) }),
      ...(url.protocol === "rediss:" ? { tls: {} } : {}),
      // BullMQ's workers wait for Redis to come back rather than fail a command.
      maxRetriesPerRequest: null,
    },
  };
}
