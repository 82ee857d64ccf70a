import assert from "node:assert/strict";
import { AnnouncedCap } from "../../../src/exec/adaptive/announced_cap.ts";
import { AdaptiveController } from "../../../src/exec/adaptive/controller.ts";
import { createRateGovernor } from "../../../src/exec/adaptive/governor.ts";
import { RunControl } from "../../../src/exec/run_control.ts";
import { VirtualClock } from "../../../src/exec/virtual_clock.ts";

Deno.test("createRateGovernor adapts with parameters, or only caps at announced limits with false", () => {
  const base = {
    control: new RunControl(),
    clock: new VirtualClock(),
    limits: { scopes: [1], tasksPerScope: 1, maxInFlight: 10 },
  };
  assert.ok(createRateGovernor({ ...base, adaptive: {} }) instanceof AdaptiveController);
  assert.ok(createRateGovernor({ ...base, adaptive: false }) instanceof AnnouncedCap);
  assert.throws(
    () => createRateGovernor({ ...base, adaptive: { startRate: -1 } }),
    /Cannot use adaptive parameter startRate "-1"/,
  );
});
