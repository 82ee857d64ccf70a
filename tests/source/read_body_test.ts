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
