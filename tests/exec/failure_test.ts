import assert from "node:assert/strict";
import { classifyFailure, timeoutFailure } from "../../src/exec/failure.ts";
import { TaskError } from "../../src/exec/types.ts";

Deno.test("a TaskError carries its own classification, status and Retry-After", () => {
  const error = new TaskError("HTTP 429", { retryable: true, status: 429, retryAfterMs: 7000 });
  assert.deepEqual(classifyFailure(error), {
    retryable: true,
    reason: "HTTP 429",
    status: 429,
    retryAfterMs: 7000,
  });
});

Deno.test("any other thrown value is permanent, with its message as reason", () => {
  assert.deepEqual(classifyFailure(new SyntaxError("Unexpected token <")), {
    retryable: false,
    reason: "Unexpected token <",
  });
  assert.deepEqual(classifyFailure("Wrong page"), { retryable: false, reason: "Wrong page" });
});

Deno.test("a timeout is retryable and names its limit", () => {
  assert.deepEqual(timeoutFailure(30_000), {
    retryable: true,
    reason: "timeout after 30000 ms",
    timedOut: true,
  });
});
