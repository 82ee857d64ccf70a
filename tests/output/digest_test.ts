import assert from "node:assert/strict";
import { sha256Hex } from "../../src/output/digest.ts";

Deno.test("sha256Hex gives the lowercase hex SHA-256 of the bytes", async () => {
  assert.equal(
    await sha256Hex(new Uint8Array()),
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
  assert.equal(
    await sha256Hex(new TextEncoder().encode("The quick brown fox jumps over the lazy dog")),
    "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592",
  );
});
