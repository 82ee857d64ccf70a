/**
 * The flags a queue run shares between `import` and `worker`: the Redis
 * address (`--queue`) and the run id (`--run`, `--watch`).
 *
 * @module
 */

import { parseQueueAddress, type QueueAddress, withConnectionLog } from "../queue/connection.ts";
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
 * `--queue redis://HOST:6379`, parsed, once its Redis answered in the
 * database it names (within a few seconds, no retry), with the errors of
 * every connection the command then opens logged as one line each. Loads
 * the Redis client: call it only in a queue command.
 *
 * @throws {UsageError} for an address that is not a Redis URL.
 * @throws {RedisUnreachableError} (exit 2) when Redis does not answer, or
 *   refuses the password or the database.
 */
export async function reachQueue(
  value: string,
  stderr: (text: string) => void,
): Promise<QueueAddress> {
  const address = queueFlag(value);
  const { probeRedis } = await import("../queue/redis_client.ts");
  await probeRedis(address);
  return withConnectionLog(address, (line) => stderr(line + "\n"));
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
