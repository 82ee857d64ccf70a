/** The queue's one rate window in Redis: lowered, never raised, by what a server announces. */
import assert from "node:assert/strict";
import { parseQueueAddress } from "../../src/queue/connection.ts";
import { connect } from "../../src/queue/redis_client.ts";
import { lowerSharedWindow, sharedWindow } from "../../src/queue/shared_limit.ts";
import { sanitizedTest } from "../exec/_helpers.ts";
import { startRedis } from "./_queue.ts";

sanitizedTest("the shared window is lowered to a lower rate only, in one step", async () => {
  const server = await startRedis();
  const redis = connect(parseQueueAddress(server.url));
  const key = "test:meta";
  try {
    // No window yet: it gets the one given.
    assert.deepEqual(await lowerSharedWindow(redis, key, { max: 10, duration: 50 }), {
      max: 0,
      duration: 0,
    });
    assert.deepEqual(await sharedWindow(redis, key), { max: 10, duration: 50 });
    // 200/s to 20/s: lowered, and the window it replaced is told.
    assert.deepEqual(await lowerSharedWindow(redis, key, { max: 10, duration: 500 }), {
      max: 10,
      duration: 50,
    });
    // The same rate in another shape (1 per 50 ms), and a higher one: left as it is.
    assert.equal(await lowerSharedWindow(redis, key, { max: 1, duration: 50 }), undefined);
    assert.equal(await lowerSharedWindow(redis, key, { max: 10, duration: 100 }), undefined);
    assert.deepEqual(await sharedWindow(redis, key), { max: 10, duration: 500 });
    // Two workers lowering at once: the lowest rate stays, whichever lands last.
    await Promise.all([
      lowerSharedWindow(redis, key, { max: 10, duration: 1000 }),
      lowerSharedWindow(redis, key, { max: 10, duration: 800 }),
    ]);
    assert.deepEqual(await sharedWindow(redis, key), { max: 10, duration: 1000 });
    assert.equal(await sharedWindow(redis, "test:none"), undefined);
  } finally {
    await redis.quit();
    await server.stop();
  }
});
