import assert from "node:assert/strict";
import { TaskError } from "../../src/exec/types.ts";
import { WorkerPool } from "../../src/offload/worker_pool.ts";

const sanitized = { sanitizeOps: true, sanitizeResources: true };

/** A worker module from source, importing the pool's worker side. */
function workerUrl(body: string): URL {
  const source = `import { serveJobs } from "${
    import.meta.resolve("../../src/offload/worker_pool.ts")
  }";
import { TaskError } from "${import.meta.resolve("../../src/exec/types.ts")}";
${body}`;
  return new URL(`data:text/javascript,${encodeURIComponent(source)}`);
}

const ECHO = workerUrl(`serveJobs(async (job) => {
  if (job.fail === "task") throw new TaskError("HTTP 503", { retryable: true, status: 503 });
  if (job.fail === "range") throw new RangeError("Bad chapter");
  if (job.wait) await new Promise((resolve) => setTimeout(resolve, job.wait));
  const bytes = new Uint8Array(job.bytes);
  return { value: { sum: bytes.reduce((a, b) => a + b, 0), back: bytes }, transfer: [bytes.buffer] };
});`);

Deno.test({
  name: "a pool runs jobs on its workers, hands buffers over both ways, and revives errors",
  ...sanitized,
  fn: async () => {
    const pool = new WorkerPool<
      { bytes?: ArrayBuffer; fail?: string; wait?: number },
      { sum: number; back: Uint8Array }
    >(ECHO, { size: 2 });
    try {
      const buffer = new Uint8Array([1, 2, 3]).buffer;
      const result = await pool.run({ bytes: buffer }, { transfer: [buffer] });
      assert.equal(buffer.byteLength, 0, "handed over");
      assert.equal(result.sum, 6);
      assert.deepEqual([...result.back], [1, 2, 3]);
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => pool.run({ bytes: new Uint8Array([i]).buffer })),
      );
      assert.deepEqual(results.map((r) => r.sum), [0, 1, 2, 3, 4, 5, 6, 7]);

      const task = await pool.run({ fail: "task" }).catch((e) => e);
      assert.ok(task instanceof TaskError);
      assert.equal(task.message, "HTTP 503");
      assert.equal(task.retryable, true);
      assert.equal(task.status, 503);
      const range = await pool.run({ fail: "range" }).catch((e) => e);
      assert.ok(range instanceof Error && !(range instanceof TaskError));
      assert.equal(range.name, "RangeError");
      assert.equal(range.message, "Bad chapter");
    } finally {
      pool.close();
    }
  },
});

Deno.test({
  name: "closing a pool rejects the jobs in hand and refuses new ones",
  ...sanitized,
  fn: async () => {
    const pool = new WorkerPool<{ wait: number; bytes: ArrayBuffer }, unknown>(ECHO);
    const pending = pool.run({ wait: 60_000, bytes: new ArrayBuffer(1) });
    pool.close();
    await assert.rejects(pending, /pool was closed/);
    await assert.rejects(pool.run({ wait: 0, bytes: new ArrayBuffer(1) }), /pool is closed/);
    pool.close();
  },
});

Deno.test({
  name: "a worker whose module fails fails its jobs with the reason instead of ending the process",
  ...sanitized,
  fn: async () => {
    const pool = new WorkerPool<number, number>(workerUrl(`throw new Error("no module here");`), {
      name: "test worker",
    });
    try {
      await assert.rejects(pool.run(1), /the test worker failed: .*no module here/);
    } finally {
      pool.close();
    }
  },
});

Deno.test("a pool of no workers is refused", () => {
  assert.throws(() => new WorkerPool(ECHO, { size: 0 }), RangeError);
});
