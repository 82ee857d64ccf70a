/**
 * `worker`'s flags checked before it takes a job (an output folder it cannot
 * write, a stall timeout Redis cannot take), and what its Ctrl-C or SIGTERM
 * says and exits with.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { sanitizedTest } from "../exec/_helpers.ts";
import { refusedWorker, startRedis, startWorker } from "./_queue.ts";

sanitizedTest("a worker is refused an --out it cannot write, naming it and why", async () => {
  const redis = await startRedis();
  const dir = await Deno.makeTempDir({ prefix: "queue-worker-out-" });
  try {
    const file = join(dir, "a-file");
    await Deno.writeTextFile(file, "");
    const cases: [string, RegExp][] = [
      [join(file, "out"), /cannot create it: Not a directory/],
      [file, /cannot create it: it is a file, not a directory/],
      ["/proc/nope", /cannot create it: (No such file|Requires all access)/],
    ];
    for (const [out, reason] of cases) {
      const run = await refusedWorker({ queue: redis.url, profile: "default", out });
      assert.equal(run.code, 2, run.stderr);
      assert.ok(run.stderr.includes(`Cannot use --out "${out}": `), run.stderr);
      assert.match(run.stderr, reason);
    }
    // A folder that does not exist yet is created; nothing else is left in it.
    const out = join(dir, "new", "out");
    const worker = await startWorker({ queue: redis.url, profile: "default", out });
    const stopped = await worker.stop();
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.deepEqual(await Array.fromAsync(Deno.readDir(out)), []);
  } finally {
    await redis.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

sanitizedTest("a worker is refused a stall timeout under 1 s or over 1 h", async () => {
  const redis = await startRedis();
  try {
    for (const stallTimeout of ["0", "500ms", "2h"]) {
      const run = await refusedWorker({ queue: redis.url, profile: "default", stallTimeout });
      assert.equal(run.code, 2, run.stderr);
      assert.match(
        run.stderr,
        new RegExp(`Invalid --stall-timeout "${stallTimeout}": expected 1s to 1h`),
      );
    }
  } finally {
    await redis.stop();
  }
});

sanitizedTest("SIGTERM: a worker says it finishes the jobs in hand, then exits 0", async () => {
  const redis = await startRedis();
  try {
    const worker = await startWorker({ queue: redis.url, profile: "default", stallTimeout: "1s" });
    const run = await worker.stop();
    assert.equal(run.code, 0, run.stderr);
    const notice = run.stderr.indexOf(
      "Interrupted: finishing the jobs in hand (Ctrl-C again after a second to quit at once)",
    );
    assert.ok(notice >= 0, run.stderr);
    assert.ok(run.stderr.indexOf("Worker stopping") > notice, run.stderr);
    assert.ok(!run.stderr.includes("finishing manifests"), run.stderr);
  } finally {
    await redis.stop();
  }
});
