import assert from "node:assert/strict";
import { TaskError } from "../../src/exec/types.ts";
import { readBody } from "../../src/source/read_body.ts";

Deno.test("readBody accepts a body of exactly the cap", async () => {
  const bytes = await readBody(new Response(new Uint8Array(1000)), { maxBytes: 1000, what: "/x" });
  assert.equal(bytes.byteLength, 1000);
});

Deno.test("readBody refuses one byte over the cap, permanently", async () => {
  await assert.rejects(
    readBody(new Response(new Uint8Array(1001)), { maxBytes: 1000, what: "/x" }),
    (error: unknown) =>
      error instanceof TaskError && !error.retryable &&
      error.message === 'Cannot read response for "/x": response body over 1000 bytes',
  );
});

Deno.test("readBody reads a response without a body as zero bytes", async () => {
  const bytes = await readBody(new Response(null, { status: 200 }), { maxBytes: 10, what: "/x" });
  assert.equal(bytes.byteLength, 0);
});

Deno.test("readBody joins the chunks of a streamed body in order", async () => {
  const encoder = new TextEncoder();
  const stream = ReadableStream.from([
    encoder.encode("ab"),
    encoder.encode("cd"),
    encoder.encode("e"),
  ]);
  const bytes = await readBody(new Response(stream), { maxBytes: 10, what: "/x" });
  assert.equal(new TextDecoder().decode(bytes), "abcde");
});

/** A byte stream of `total` bytes (value = index % 251) in chunks of `chunk`, with no declared length. */
function byteStream(total: number, chunk: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    type: "bytes",
    pull(controller) {
      if (sent >= total) {
        controller.close();
        // A read into a buffer of its own waits for this answer to the close.
        return controller.byobRequest?.respond(0);
      }
      const part = new Uint8Array(Math.min(chunk, total - sent)).map((_, i) => (sent + i) % 251);
      sent += part.byteLength;
      controller.enqueue(part);
    },
  });
}

Deno.test("readBody reads a byte stream longer than its first buffer whole and in order, into a buffer of its own", async () => {
  const bytes = await readBody(new Response(byteStream(150_000, 7_000)), {
    maxBytes: 1_000_000,
    what: "/x",
  });
  assert.equal(bytes.byteLength, 150_000);
  assert.equal(bytes.byteOffset, 0);
  assert.ok(bytes.every((value, i) => value === i % 251));
});

Deno.test("readBody refuses a byte stream without a declared length once it passes the cap", async () => {
  await assert.rejects(
    readBody(new Response(byteStream(70_000, 1_000)), { maxBytes: 69_999, what: "/x" }),
    (error: unknown) => error instanceof TaskError && !error.retryable,
  );
  const exact = await readBody(new Response(byteStream(70_000, 1_000)), {
    maxBytes: 70_000,
    what: "/x",
  });
  assert.equal(exact.byteLength, 70_000);
});

Deno.test({
  name: "readBody reads a fetch body whose declared length is exact into one buffer",
  sanitizeOps: true,
  sanitizeResources: true,
  fn: async () => {
    const payload = new Uint8Array(100_000).map((_, i) => i % 251);
    const server = Deno.serve(
      { port: 0, hostname: "127.0.0.1", onListen() {} },
      () => new Response(payload),
    );
    try {
      const response = await fetch(`http://127.0.0.1:${server.addr.port}/`);
      const bytes = await readBody(response, { maxBytes: 100_000, what: "/x" });
      assert.deepEqual(bytes, payload);
    } finally {
      await server.shutdown();
    }
  },
});
