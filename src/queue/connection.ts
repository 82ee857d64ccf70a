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
