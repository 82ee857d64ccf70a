/** The leader lock, against a real redis-server: one holder at a time, takeover, release. */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { campaign, LeaderLock } from "../../src/queue/leader.ts";
import { sanitizedTest } from "../exec/_helpers.ts";
import { type RedisServer, startRedis } from "./_queue.ts";

const KEY = "test:leader";

/** Runs `fn` with a Redis of its own and `count` connections to it, all closed after. */
async function withRedis(
  count: number,
  fn: (connections: Redis[], server: RedisServer) => Promise<void>,
): Promise<void> {
  const server = await startRedis();
  const connections = Array.from({ length: count }, () => new Redis({ port: server.port }));
  try {
    await fn(connections, server);
  } finally {
    for (const redis of connections) await redis.quit();
    await server.stop();
  }
}

/** A promise and the function that resolves it. */
function signal(): { readonly done: Promise<void>; readonly fire: () => void } {
  let fire: () => void = () => {};
  const done = new Promise<void>((resolve) => (fire = resolve));
  return { done, fire };
}

sanitizedTest("of three contenders asking at once, exactly one holds the lock", async () => {
  await withRedis(3, async (connections) => {
    const locks = connections.map((redis) => new LeaderLock(redis, { key: KEY, ttlMs: 60_000 }));
    const won = await Promise.all(locks.map((lock) => lock.acquire()));
    assert.equal(won.filter(Boolean).length, 1, `winners: ${won}`);
    const holder = locks[won.indexOf(true)];
    assert.equal(await holder.holder(), holder.token);
    for (const lock of locks.filter((lock) => lock !== holder)) {
      // Neither renewing nor releasing touches a lock another holds.
      assert.equal(await lock.acquire(), false);
      assert.equal(await lock.renew(), false);
      assert.equal(await lock.release(), false);
    }
    assert.equal(await holder.holder(), holder.token);
    assert.equal(await holder.renew(), true);
  });
});

sanitizedTest("two campaigns on one lock: one leads, the other waits", async () => {
  await withRedis(2, async ([a, b]) => {
    const first = await campaign(a, { key: KEY, ttlMs: 60_000 });
    const second = await campaign(b, { key: KEY, ttlMs: 60_000 });
    try {
      assert.equal(first.leading, true);
      assert.equal(second.leading, false);
      assert.equal(await new LeaderLock(a, { key: KEY, ttlMs: 1 }).holder(), first.token);
    } finally {
      await second.stop();
      await first.stop();
    }
  });
});

sanitizedTest("a holder that stops renewing loses the lock to another after its TTL", async () => {
  await withRedis(2, async ([a, b]) => {
    // A holder that dies: it took the lock and never renews it.
    const dead = new LeaderLock(a, { key: KEY, ttlMs: 300 });
    assert.equal(await dead.acquire(), true);
    const elected = signal();
    const heir = await campaign(b, {
      key: KEY,
      ttlMs: 300,
      intervalMs: 50,
      onElected: elected.fire,
    });
    try {
      assert.equal(heir.leading, false, "took a lock that was held");
      await elected.done;
      assert.equal(heir.leading, true);
      assert.equal(await dead.holder(), heir.token);
      // The old holder cannot extend or free the lock it lost.
      assert.equal(await dead.renew(), false);
      assert.equal(await dead.release(), false);
      assert.equal(await dead.holder(), heir.token);
    } finally {
      await heir.stop();
    }
  });
});

sanitizedTest("a leader whose lock another took is deposed at its next renewal", async () => {
  await withRedis(2, async ([a, b]) => {
    const deposed = signal();
    const leader = await campaign(a, {
      key: KEY,
      ttlMs: 60_000,
      intervalMs: 50,
      onDeposed: deposed.fire,
    });
    try {
      assert.equal(leader.leading, true);
      // As when its lock expired while it was paused, and another took it.
      await b.set(KEY, "another");
      await deposed.done;
      assert.equal(leader.leading, false);
      assert.equal(await b.get(KEY), "another");
    } finally {
      await leader.stop();
    }
    // Stopping a deposed contender leaves the other's lock alone.
    assert.equal(await b.get(KEY), "another");
  });
});

sanitizedTest("a stopped leader releases the lock: another takes it at once", async () => {
  await withRedis(2, async ([a, b]) => {
    let deposed = 0;
    const leader = await campaign(a, { key: KEY, ttlMs: 60_000, onDeposed: () => deposed++ });
    const other = new LeaderLock(b, { key: KEY, ttlMs: 60_000 });
    assert.equal(await other.acquire(), false);
    await leader.stop();
    assert.equal(leader.leading, false);
    assert.equal(deposed, 1);
    assert.equal(await other.acquire(), true);
    assert.equal(await other.holder(), other.token);
  });
});

sanitizedTest("a leader that resigns frees the lock at once", async () => {
  await withRedis(2, async ([a, b]) => {
    let deposed = 0;
    // Its next round is a third of the TTL away: the other asks long before.
    const leader = await campaign(a, { key: KEY, ttlMs: 60_000, onDeposed: () => deposed++ });
    const other = new LeaderLock(b, { key: KEY, ttlMs: 60_000 });
    try {
      await leader.resign();
      assert.equal(leader.leading, false);
      assert.equal(deposed, 1);
      assert.equal(await other.acquire(), true);
    } finally {
      await leader.stop();
    }
    assert.equal(deposed, 1);
    assert.equal(await other.holder(), other.token);
  });
});

sanitizedTest(
  "a leader that resigns campaigns on, and leads again when the lock is free",
  async () => {
    await withRedis(1, async ([a]) => {
      let elected = signal();
      const leader = await campaign(a, {
        key: KEY,
        ttlMs: 60_000,
        intervalMs: 50,
        onElected: () => elected.fire(),
      });
      try {
        assert.equal(leader.leading, true);
        elected = signal();
        await leader.resign();
        assert.equal(leader.leading, false);
        await elected.done;
        assert.equal(leader.leading, true);
        assert.equal(await a.get(KEY), leader.token);
      } finally {
        await leader.stop();
      }
    });
  },
);

Deno.test("a lock TTL or a campaign interval that cannot work is refused", async () => {
  // No command is sent before the check: no server needed.
  const redis = new Redis({ lazyConnect: true });
  try {
    assert.throws(() => new LeaderLock(redis, { key: KEY, ttlMs: 0 }), RangeError);
    await assert.rejects(
      campaign(redis, { key: KEY, ttlMs: 100, intervalMs: 100 }),
      /Cannot campaign every "100" ms/,
    );
  } finally {
    redis.disconnect();
  }
});
