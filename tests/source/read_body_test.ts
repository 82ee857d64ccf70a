import assert from "node:assert/strict";
import { TaskError } from "../../src/exec/types.ts";
import { decodeUtf8, firstInvalidUtf8, readBody } from "../../src/source/read_body.ts";

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

Deno.test("decodeUtf8 decodes UTF-8 of every sequence length and drops a leading BOM", () => {
  const text = "a é ✓ 𝄞 \u{10ffff}";
  assert.equal(decodeUtf8(new TextEncoder().encode(text), { what: "/x" }), text);
  assert.equal(decodeUtf8(new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), { what: "/x" }), "{}");
});

const invalidUtf8: [name: string, bytes: number[], offset: number][] = [
  ["a Latin-1 é between ASCII letters", [0x61, 0x62, 0xe9, 0x63], 2],
  ["a lone continuation byte", [0x61, 0x80], 1],
  ["an overlong two-byte form", [0xc0, 0xaf], 0],
  ["an overlong three-byte form", [0x61, 0xe0, 0x80, 0xaf], 1],
  ["an overlong four-byte form", [0xf0, 0x80, 0x80, 0xaf], 0],
  ["an encoded surrogate", [0x61, 0x62, 0xed, 0xa0, 0x80], 2],
  ["a code point over U+10FFFF", [0xf4, 0x90, 0x80, 0x80], 0],
  ["a byte no sequence starts with", [0x61, 0xff], 1],
  ["a sequence cut short by the next character", [0xe2, 0x82, 0x61], 0],
  ["a sequence cut short by the end of the body", [0x61, 0xe2, 0x82], 1],
  ["a bad byte after valid multi-byte text", [0xc3, 0xa9, 0xe2, 0x9c, 0x93, 0xa9], 5],
];

for (const [name, bytes, offset] of invalidUtf8) {
  Deno.test(`firstInvalidUtf8 finds ${name} at byte ${offset}`, () => {
    assert.equal(firstInvalidUtf8(new Uint8Array(bytes)), offset);
  });

  Deno.test(`decodeUtf8 refuses ${name}, permanently, naming byte ${offset}`, () => {
    assert.throws(
      () => decodeUtf8(new Uint8Array(bytes), { what: "/x" }),
      (error: unknown) =>
        error instanceof TaskError && !error.retryable &&
        error.message === `Cannot read response for "/x": body is not valid UTF-8: ` +
            `invalid byte sequence at byte ${offset} (0x${bytes[offset].toString(16)})`,
    );
  });
}

Deno.test("firstInvalidUtf8 agrees with the strict decoder on every two-byte sequence", () => {
  const strict = new TextDecoder("utf-8", { fatal: true });
  for (let first = 0; first < 256; first++) {
    for (let second = 0; second < 256; second++) {
      const bytes = new Uint8Array([first, second, 0x80, 0x80]);
      let decodes = true;
      try {
        strict.decode(bytes);
      } catch {
        decodes = false;
      }
      assert.equal(firstInvalidUtf8(bytes) === -1, decodes, `bytes ${bytes.join(" ")}`);
    }
  }
});

Deno.test("decodeUtf8 names a charset other than UTF-8 that the response declares", () => {
  assert.throws(
    () =>
      decodeUtf8(new Uint8Array([0x7b, 0xe9, 0x7d]), {
        what: "/x",
        contentType: 'application/json; charset="ISO-8859-1"',
      }),
    /byte 1 \(0xe9\); the response declares charset=ISO-8859-1$/,
  );
  assert.throws(
    () =>
      decodeUtf8(new Uint8Array([0xe9]), { what: "/x", contentType: "text/json; charset=utf-8" }),
    /at byte 0 \(0xe9\)$/,
  );
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
