/**
 * The changes a person may make to a running DAG through its `RunControl`
 * (`steer`), as the `control` event records them.
 *
 * @module
 */

/**
 * A change a person asked of a running DAG:
 * - `pause`: no new task starts until `resume` (running tasks go on);
 * - `resume`: starts go on;
 * - `cancel`: the run stops as on an abort of its signal;
 * - `limits`: the limits set, only those that changed (`Infinity`: none).
 */
export type ControlChange =
  | { readonly action: "pause" }
  | { readonly action: "resume" }
  | { readonly action: "cancel" }
  | { readonly action: "limits"; readonly limits: ControlLimits };

/** Limits a person may change while a run goes; each optional. */
export interface ControlLimits {
  /** Task starts per second; `Infinity`: no rate limit. */
  readonly ratePerSecond?: number;
  /** Tasks running at once; `Infinity`: no cap. */
  readonly maxInFlight?: number;
  /** `Limits.scopes`, every level (a level without an entry is unlimited). */
  readonly scopes?: readonly number[];
  /** `Limits.tasksPerScope`. */
  readonly tasksPerScope?: number;
}
