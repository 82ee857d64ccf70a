/**
 * One entry point for a run's rate: an adaptive controller for an adaptive
 * profile, a cap at announced limits for a fixed one.
 *
 * @module
 */

import type { Clock } from "../clock.ts";
import type { RunControl } from "../run_control.ts";
import type { Limits, RateHint, RateSetting, RunEvent } from "../types.ts";
import { AnnouncedCap } from "./announced_cap.ts";
import { AdaptiveController } from "./controller.ts";
import type { AdaptiveParams } from "./params.ts";

/** What sets a run's rate while it goes. */
export interface RateGovernor {
  /** The setting in effect. */
  readonly setting: RateSetting;
  /** Takes one run event into account; call it after the other sinks. */
  readonly observe: (event: RunEvent) => void;
  /** Takes what the server announced about its rate limit into account. */
  hint(hint: RateHint): void;
}

/** Options of {@linkcode createRateGovernor}. */
export interface RateGovernorOptions {
  /** The run's control, passed to `runDag` as `control`. */
  readonly control: RunControl;
  readonly clock: Clock;
  /** The profile's limits: ceilings in both modes. */
  readonly limits: Limits;
  /** Adapt the rate (with these parameters), or only cap it at announced limits (`false`). */
  readonly adaptive: false | Partial<AdaptiveParams>;
  /** Failure statuses that mean "too many requests". @default [429] */
  readonly limitStatuses?: readonly number[];
  /** Failure statuses that mean an overloaded server. @default [500, 502, 503, 504] */
  readonly overloadStatuses?: readonly number[];
  /** Receives every `rate-change` event. */
  readonly onChange?: (event: RunEvent) => void;
}

/**
 * An {@linkcode AdaptiveController} when `adaptive` is given, else an
 * {@linkcode AnnouncedCap}.
 *
 * @throws {RangeError} on invalid adaptive parameters.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createRateGovernor } from "./governor.ts";
 * import { AdaptiveController } from "./controller.ts";
 * import { RunControl } from "../run_control.ts";
 * import { systemClock } from "../clock.ts";
 * const governor = createRateGovernor({
 *   control: new RunControl(),
 *   clock: systemClock,
 *   limits: { scopes: [1], tasksPerScope: 1 },
 *   adaptive: { startRate: 5 },
 * });
 * assert.ok(governor instanceof AdaptiveController);
 * ```
 */
export function createRateGovernor(options: RateGovernorOptions): RateGovernor {
  const { adaptive, ...rest } = options;
  if (adaptive === false) return new AnnouncedCap(rest);
  return new AdaptiveController({ ...rest, params: adaptive });
}
