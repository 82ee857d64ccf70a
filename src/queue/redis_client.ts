/**
 * A connection to the Redis of a queue address.
 *
 * @module
 */

import { Redis } from "ioredis";
import type { QueueAddress } from "./connection.ts";

/** Opens a connection to the address (ioredis reconnects on its own after a drop). */
export function connect(address: QueueAddress): Redis {
  return new Redis({ ...address.options, lazyConnect: false });
}
