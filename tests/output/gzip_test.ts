import assert from "node:assert/strict";
import { gunzip, gzip, jsonBytes, storedBytes } from "../../src/output/gzip.ts";

const text = new TextEncoder().encode('{"verses":["And it came to pass"]}\n'.repeat(200));

Deno.test("gzip and gunzip give back the same bytes, and gzip is the same for the same input", async () => {
  const packed = await gzip(text);
  assert.ok(packed.length < text.length / 10, `${packed.length} of ${text.length}`);
  assert.deepEqual([packed[0], packed[1]], [0x1f, 0x8b], "a gzip member's magic number");
  assert.deepEqual(await gunzip(packed), text);
  assert.deepEqual(await gzip(text), packed);
});

Deno.test("gunzip refuses bytes that are not whole gzip, and content above its bound", async () => {
  const packed = await gzip(text);
  await assert.rejects(() => gunzip(packed.slice(0, packed.length - 4)), TypeError);
  await assert.rejects(() => gunzip(text), {
    name: "TypeError",
    message: /^Cannot read gzip: /,
  });
  await assert.rejects(() => gunzip(packed, text.length - 1), {
    name: "RangeError",
    message: `Cannot inflate gzip: more than ${text.length - 1} bytes`,
  });
  assert.equal((await gunzip(packed, text.length)).length, text.length);
});

Deno.test("a chapter's stored bytes are its JSON for none and gzipped for gzip, and read back", async () => {
  assert.equal(await storedBytes(text, "none"), text);
  const packed = await storedBytes(text, "gzip");
  assert.deepEqual(await jsonBytes(packed, "gzip"), text);
  assert.equal(await jsonBytes(text, "none"), text);
});
