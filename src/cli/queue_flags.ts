/**
 * The flags a queue run shares between `import` and `worker`: the Redis
 * address (`--queue`) and the run id (`--run`, `--watch`).
 *
 * @module
 */

import { parseQueueAddress, type QueueAddress } from "../queue/connection.ts";
import { isRunId } from "../queue/names.ts";
import { UsageError } from "./flags.ts";

/**
 * `--queue redis://HOST:6379`, parsed.
 *
 * @throws {UsageError} for an address that is not a Redis URL.
 */
export function queueFlag(value: string): QueueAddress {
  try {
    return parseQueueAddress(value);
  } catch (error) {
    throw new UsageError(`Invalid --queue "${value}": ${(error as Error).message}`);
  }
}

/**
 * A run id flag (`--run`, `--watch`).
 *
 * @throws {UsageError} for one BullMQ's job ids cannot carry.
 */
export function runFlag(flag: string, value: string): string {
  if (!isRunId(value)) {
    throw new UsageError(
      `Invalid ${flag} "${value}": expected 1-64 letters, digits, ".", "_" or "-"`,
    );
  }
  return value;
}
