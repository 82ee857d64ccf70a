import assert from "node:assert/strict";
import { adaptiveParams, DEFAULT_ADAPTIVE_PARAMS } from "../../../src/exec/adaptive/params.ts";

Deno.test("adaptiveParams fills the documented defaults and applies overrides", () => {
  assert.deepEqual(adaptiveParams(), DEFAULT_ADAPTIVE_PARAMS);
  assert.equal(DEFAULT_ADAPTIVE_PARAMS.startRate, 10);
  assert.equal(DEFAULT_ADAPTIVE_PARAMS.margin, 0.03);
  assert.deepEqual(
    [
      adaptiveParams({ startRate: 2, minRate: 1 }).startRate,
      adaptiveParams({ startRate: 2, minRate: 1 }).minRate,
    ],
    [2, 1],
  );
  assert.ok(Object.isFrozen(DEFAULT_ADAPTIVE_PARAMS));
});

Deno.test("adaptiveParams refuses values out of range, naming the parameter and the value", () => {
  const rows: [Parameters<typeof adaptiveParams>[0], string][] = [
    [
      { startRate: 0 },
      'Cannot use adaptive parameter startRate "0": expected a finite number above 0',
    ],
    [
      { startRate: Infinity },
      'Cannot use adaptive parameter startRate "Infinity": expected a finite number above 0',
    ],
    [
      { minRate: 20 },
      'Cannot use adaptive parameter minRate "20": expected above 0, at most startRate',
    ],
    [{ margin: 1 }, 'Cannot use adaptive parameter margin "1": expected from 0 to below 1'],
    [
      { limitDecrease: 1 },
      'Cannot use adaptive parameter limitDecrease "1": expected above 0 and below 1',
    ],
    [{ latencyHold: 1 }, 'Cannot use adaptive parameter latencyHold "1": expected above 1'],
    [
      { latencyEase: 1.2 },
      'Cannot use adaptive parameter latencyEase "1.2": expected at least latencyHold',
    ],
    [
      { latencyWindow: 2.5 },
      'Cannot use adaptive parameter latencyWindow "2.5": expected a whole number of at least 1',
    ],
    [
      { recoveryTimeMs: 0 },
      'Cannot use adaptive parameter recoveryTimeMs "0": expected a finite number of ms above 0',
    ],
    [
      { probeDelayMaxMs: 1000 },
      'Cannot use adaptive parameter probeDelayMaxMs "1000": expected at least probeDelayMs',
    ],
    [
      { inFlightHeadroom: 0.5 },
      'Cannot use adaptive parameter inFlightHeadroom "0.5": expected at least 1',
    ],
  ];
  for (const [overrides, message] of rows) {
    assert.throws(() => adaptiveParams(overrides), { name: "RangeError", message });
  }
});
