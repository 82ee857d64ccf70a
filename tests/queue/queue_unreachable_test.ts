/**
 * A Redis that cannot be reached, or a database it does not have: every
 * queue command says so in one line and exits 2 before it writes anything;
 * a connection lost once running is logged one line per distinct error, no
 * stack, and the connections come back with Redis.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { sanitizedTest } from "../exec/_helpers.ts";
import { parseQueueAddress, withConnectionLog } from "../../src/queue/connection.ts";
import { probeRedis } from "../../src/queue/redis_client.ts";
import { MANIFEST_PATH, redisCommand, runCli, startRedis, startWorker } from "./_queue.ts";

/** `import --enqueue`, `import --watch` and `worker` on `queue`, each writing (if it did) into `dir`. */
function queueCommands(queue: string, dir: string): Record<string, string[]> {
  const common = ["-m", MANIFEST_PATH, "--queue", queue];
  return {
    enqueue: ["import", ...common, "--enqueue", "--run", "x", "-s", "pgp", "-o", join(dir, "out")],
    watch: ["import", ...common, "--watch", "x", "--log", join(dir, "watch.ndjson")],
    worker: ["worker", ...common, "-o", join(dir, "out")],
  };
}

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

sanitizedTest(
  "every queue command refuses a Redis it cannot reach: one line, exit 2, nothing written",
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "queue-unreachable-" });
    try {
      // Nothing listens on port 1; the password is never printed.
      const queue = "redis://:secret@127.0.0.1:1";
      for (const [name, args] of Object.entries(queueCommands(queue, dir))) {
        const run = await runCli(...args);
        assert.deepEqual(
          [run.code, run.stdout, run.stderr],
          [
            2,
            "",
            "Cannot reach Redis at redis://:***@127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1\n",
          ],
          name,
        );
      }
      assert.deepEqual([...Deno.readDirSync(dir)], []);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

sanitizedTest(
  "every queue command refuses a database Redis does not have before it enqueues or watches anything",
  async () => {
    const redis = await startRedis();
    const dir = await Deno.makeTempDir({ prefix: "queue-bad-db-" });
    try {
      const queue = `${redis.url}/99`;
      for (const [name, args] of Object.entries(queueCommands(queue, dir))) {
        const run = await runCli(...args);
        assert.deepEqual(
          [run.code, run.stdout, run.stderr],
          [2, "", `Cannot use Redis database 99 at ${queue}: ERR DB index is out of range\n`],
          name,
        );
      }
      assert.deepEqual([...Deno.readDirSync(dir)], []);
      // Not enqueued into database 0 instead.
      assert.equal(await redisCommand(redis.port, "DBSIZE"), ":0");
      assert.equal(await exists(join(dir, "out")), false);
    } finally {
      await redis.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

sanitizedTest("the start-up check gives up on a server that never answers", async () => {
  // Accepts connections and says nothing, until the client closes its side.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const held: Promise<void>[] = [];
  const accepting = (async () => {
    for await (const connection of listener) {
      held.push((async () => {
        for await (const _ of connection.readable) { /* never answered */ }
      })());
    }
  })();
  try {
    await assert.rejects(
      probeRedis(parseQueueAddress(`redis://127.0.0.1:${port}`), { timeoutMs: 200 }),
      { message: `Cannot reach Redis at redis://127.0.0.1:${port}: no answer within 0.2 s` },
    );
  } finally {
    listener.close();
    await accepting.catch(() => {});
    await Promise.all(held);
  }
});

Deno.test("a connection's errors are logged once a minute at most, and its return once", () => {
  let now = 0;
  const lines: string[] = [];
  const address = withConnectionLog(
    parseQueueAddress("redis://127.0.0.1:6379"),
    (line) => lines.push(line),
    () => now,
  );
  const log = address.connectionLog!;
  const refused = new Error("connect ECONNREFUSED 127.0.0.1:6379");
  for (; now < 59_000; now += 1000) log.error(refused);
  log.error(new Error("Connection is closed."));
  now = 60_000;
  log.error(refused);
  log.ready();
  log.ready();
  log.error(refused);
  assert.deepEqual(lines, [
    "Redis at redis://127.0.0.1:6379: connect ECONNREFUSED 127.0.0.1:6379 (reconnecting)",
    "Redis at redis://127.0.0.1:6379: Connection is closed. (reconnecting)",
    "Redis at redis://127.0.0.1:6379: connect ECONNREFUSED 127.0.0.1:6379 (reconnecting)",
    "Redis at redis://127.0.0.1:6379: connected again",
    "Redis at redis://127.0.0.1:6379: connect ECONNREFUSED 127.0.0.1:6379 (reconnecting)",
  ]);
});

const _sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How many connections Redis has, this one asking included. */
async function connectedClients(port: number): Promise<number> {
  const info = await redisCommand(port, "INFO clients");
  return Number(/connected_clients:(\d+)/.exec(info)![1]);
}

sanitizedTest(
  "a worker that loses Redis logs it in one line per error, no stack, and reconnects",
  async () => {
    const redis = await startRedis();
    try {
      const worker = await startWorker({ queue: redis.url, profile: "default" });
      try {
        const before = await connectedClients(redis.port);
        await redis.restart({
          whileDown: async () => {
            await worker.waitFor(/ECONNREFUSED.*\(reconnecting\)\n/);
          },
        });
        await worker.waitFor(/connected again\n/);
        // Every connection of the worker back (BullMQ's wait longer between their tries) before it stops.
        while ((await connectedClients(redis.port)) < before) await _sleep(50);
      } finally {
        await worker.stop();
      }
      const lines = worker.stderr().split("\n").filter((line) => line !== "");
      assert.ok(!/Unhandled|^\s+at /m.test(worker.stderr()), worker.stderr());
      // Each distinct error once, however many connections and retries saw it.
      assert.deepEqual(lines, [...new Set(lines)], worker.stderr());
      assert.ok(
        lines.includes(
          `Redis at ${redis.url}: connect ECONNREFUSED 127.0.0.1:${redis.port} (reconnecting)`,
        ),
        worker.stderr(),
      );
    } finally {
      await redis.stop();
    }
  },
);
