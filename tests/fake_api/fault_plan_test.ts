import assert from "node:assert/strict";
import { planFaults } from "../../src/fake_api/fault_plan.ts";

const URIS = Array.from({ length: 2000 }, (_, i) => `/scriptures/ot/gen/${i + 1}`);

Deno.test("planFaults without settings answers at once", () => {
  for (const uri of URIS.slice(0, 50)) {
    assert.deepEqual(planFaults(1, uri, 1, {}), { delayMs: 0, fault: "none" });
  }
});

Deno.test("planFaults is a function of seed, URI and attempt", () => {
  const options = { errorRate: 0.5, resetRate: 0.2, latencyMs: 100, jitterMs: 50 };
  const a = URIS.slice(0, 100).map((uri) => planFaults(4, uri, 1, options));
  const b = URIS.slice(0, 100).map((uri) => planFaults(4, uri, 1, options));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, URIS.slice(0, 100).map((uri) => planFaults(5, uri, 1, options)));
  assert.notDeepEqual(a, URIS.slice(0, 100).map((uri) => planFaults(4, uri, 2, options)));
});

Deno.test("planFaults fails about the fraction asked for, errors before resets", () => {
  const plans = URIS.map((uri) => planFaults(1, uri, 1, { errorRate: 0.3, resetRate: 0.5 }));
  const errors = plans.filter((p) => p.fault === "error").length / plans.length;
  const resets = plans.filter((p) => p.fault === "reset").length / plans.length;
  assert.ok(errors > 0.26 && errors < 0.34, `error fraction ${errors}`);
  // Resets are drawn for the requests that did not fail: 0.7 * 0.5.
  assert.ok(resets > 0.31 && resets < 0.39, `reset fraction ${resets}`);
  assert.ok(URIS.every((uri) => planFaults(1, uri, 1, { errorRate: 1 }).fault === "error"));
});

Deno.test("planFaults keeps delays within latency ± jitter, plus slowMs for slow requests", () => {
  const plans = URIS.map((uri) =>
    planFaults(1, uri, 1, { latencyMs: 100, jitterMs: 40, slowRate: 0.1, slowMs: 9000 })
  );
  const slow = plans.filter((p) => p.delayMs >= 9000);
  const normal = plans.filter((p) => p.delayMs < 9000);
  assert.ok(normal.every((p) => p.delayMs >= 60 && p.delayMs <= 140));
  assert.ok(slow.every((p) => p.delayMs >= 9060 && p.delayMs <= 9140));
  assert.ok(slow.length > 150 && slow.length < 250, `${slow.length} slow of 2000`);
  assert.ok(new Set(normal.map((p) => p.delayMs)).size > 40, "delays spread over the jitter range");
});

Deno.test("planFaults never plans a negative delay when jitter exceeds latency", () => {
  assert.ok(
    URIS.every((uri) => planFaults(1, uri, 1, { latencyMs: 10, jitterMs: 100 }).delayMs >= 0),
  );
});
