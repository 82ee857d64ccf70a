/**
 * How many times faster each run is than the sequential run among them.
 *
 * @module
 */

import type { MeasuredRun } from "./measure_run.ts";

/** A measured run with its speedup against the sequential run of the same report. */
export interface ReportRow extends MeasuredRun {
  /** `chaptersPerSecond` ÷ the baseline's; null when there is no baseline or it imported nothing. */
  readonly speedup: number | null;
  /** The baseline run as `log#run`; null when there is none. */
  readonly baseline: string | null;
}

/**
 * Whether a profile lets one request at a time run: named `sequential`, or
 * limited to one request in flight by its structure or `maxInFlight`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isSequential } from "./compare_runs.ts";
 * assert.ok(isSequential({ name: "one", volumes: 3, booksPerVolume: 5, chaptersPerBook: 10, maxInFlight: 1 }));
 * assert.ok(!isSequential({ name: "default", volumes: 3, booksPerVolume: 5, chaptersPerBook: 10 }));
 * ```
 */
export function isSequential(
  profile: Pick<
    MeasuredRun["profile"],
    "name" | "volumes" | "booksPerVolume" | "chaptersPerBook" | "maxInFlight"
  >,
): boolean {
  return profile.name === "sequential" || profile.maxInFlight === 1 ||
    profile.volumes * profile.booksPerVolume * profile.chaptersPerBook === 1;
}

/**
 * Adds each run's speedup against a sequential run of the list.
 *
 * The baseline of a run is, among the runs whose profile is named
 * `sequential` (or else any {@linkcode isSequential} one), the first with the
 * same selection that ended normally, else the first with the same selection,
 * else the first that ended normally, else the first. The speedup compares
 * chapters per second, so runs over different selections still compare
 * fairly when the selections are alike in shape.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compareRuns } from "./compare_runs.ts";
 * import type { MeasuredRun } from "./measure_run.ts";
 * const run = (name: string, chaptersPerSecond: number) =>
 *   ({ log: `${name}.ndjson`, run: 1, selection: ["bofm"], ended: true, interrupted: false,
 *      profile: { name, volumes: 1, booksPerVolume: 1, chaptersPerBook: name === "sequential" ? 1 : 5, delayMs: 0 },
 *      chaptersPerSecond }) as unknown as MeasuredRun;
 * const rows = compareRuns([run("default", 19.5), run("sequential", 6.5)]);
 * assert.equal(rows[0].speedup, 3);
 * assert.equal(rows[0].baseline, "sequential.ndjson#1");
 * ```
 */
export function compareRuns(runs: readonly MeasuredRun[]): ReportRow[] {
  const named = runs.filter((r) => r.profile.name === "sequential");
  const candidates = named.length > 0 ? named : runs.filter((r) => isSequential(r.profile));
  return runs.map((run) => {
    const baseline = _baseline(run, candidates);
    if (baseline === undefined) return { ...run, speedup: null, baseline: null };
    return {
      ...run,
      speedup: baseline.chaptersPerSecond > 0
        ? run.chaptersPerSecond / baseline.chaptersPerSecond
        : null,
      baseline: `${baseline.log}#${baseline.run}`,
    };
  });
}

function _baseline(
  run: MeasuredRun,
  candidates: readonly MeasuredRun[],
): MeasuredRun | undefined {
  const selection = run.selection.join(",");
  const same = candidates.filter((c) => c.selection.join(",") === selection);
  const normal = (list: readonly MeasuredRun[]) => list.find((c) => c.ended && !c.interrupted);
  return normal(same) ?? same[0] ?? normal(candidates) ?? candidates[0];
}
