/**
 * Runs one import per profile against the in-process fake API, each with its
 * own fresh fake and its own progress log: the measurements behind
 * `deno task bench:profiles`.
 *
 * @module
 */

import { join } from "node:path";
import { startFakeApi } from "../fake_api/server.ts";
import { type ImportResult, runImport } from "../importer.ts";
import type { Manifest, Profile } from "../manifest/types.ts";
import { compileLimits } from "../plan/limits.ts";
import type { SelectionInput } from "../plan/selection.ts";

/** The fake API's latency unless told otherwise: about what a distant real server answers in, ms. */
export const DEFAULT_BENCH_LATENCY_MS = 150;

/** Options of {@linkcode runProfiles}. */
export interface RunProfilesOptions {
  /** Its volumes are served and selected from; its source URL is replaced by the fake's. */
  readonly manifest: Manifest;
  /** The profiles to run, in this order. */
  readonly profiles: readonly Profile[];
  /** @default { source: ["bofm"] } */
  readonly selection?: SelectionInput;
  /** The fake API's fixed latency, ms. @default DEFAULT_BENCH_LATENCY_MS */
  readonly latencyMs?: number;
  /** A rate limit the fake API enforces, answering 429 with `Retry-After` above it. @default none */
  readonly fakeRateLimit?: { readonly ratePerSecond: number; readonly burst?: number };
  /** Each profile imports into `<outDir>/<profile name>`, its log under `.import/runs/` there. */
  readonly outDir: string;
  /** Aborting it interrupts the current import (its log ends interrupted) and skips the rest. */
  readonly signal?: AbortSignal;
  /** Called as each profile starts. */
  readonly onStart?: (profile: Profile) => void;
  /** Called as each profile ends. */
  readonly onEnd?: (profile: Profile, result: ImportResult) => void;
}

/** One profile's import. */
export interface ProfileRun {
  readonly profile: Profile;
  readonly result: ImportResult;
  /** Its progress log. */
  readonly logPath: string;
}

/**
 * Imports the selection once per profile, one after the other, each against
 * a fake API started for it alone (so no run inherits another's rate-limit
 * state) and with `force`, so chapters already in `outDir` are fetched again.
 *
 * @throws {SelectionError} for a selection that names nothing in the manifest.
 */
export async function runProfiles(options: RunProfilesOptions): Promise<ProfileRun[]> {
  const runs: ProfileRun[] = [];
  for (const profile of options.profiles) {
    if (options.signal?.aborted) break;
    options.onStart?.(profile);
    const api = await startFakeApi({
      volumes: options.manifest.volumes,
      latencyMs: options.latencyMs ?? DEFAULT_BENCH_LATENCY_MS,
      ratePerSecond: options.fakeRateLimit?.ratePerSecond,
      burst: options.fakeRateLimit?.burst,
    });
    let result: ImportResult;
    try {
      const manifest = options.manifest;
      result = await runImport({
        manifest: { ...manifest, source: { ...manifest.source, url: api.apiUrl } },
        profile,
        selection: options.selection ?? { source: ["bofm"] },
        outDir: join(options.outDir, profile.name),
        force: true,
        signal: options.signal,
      });
    } finally {
      await api.close();
    }
    options.onEnd?.(profile, result);
    // runImport always logs unless told `log: false`.
    runs.push({ profile, result, logPath: result.logPath! });
  }
  return runs;
}

/**
 * Orders profiles from the slowest-paced to the fastest: by the start rate
 * their `delay` and token bucket allow, then by how many requests their
 * structure lets run at once; so `sequential` comes first and the report
 * reads as a ladder.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { orderByPace } from "./run_profiles.ts";
 * const p = (name: string, delayMs: number, chaptersPerBook: number) =>
 *   ({ name, file: "", volumes: 1, booksPerVolume: 1, chaptersPerBook, delayMs });
 * const names = orderByPace([p("default", 50, 10), p("conservative", 100, 5), p("sequential", 100, 1)])
 *   .map((profile) => profile.name);
 * assert.deepEqual(names, ["sequential", "conservative", "default"]);
 * ```
 */
export function orderByPace(profiles: readonly Profile[]): Profile[] {
  const pace = (p: Profile) => {
    const limits = compileLimits(p);
    const width = limits.volumes * limits.booksPerVolume * limits.chaptersPerBook;
    return { rate: limits.rate, width: Math.min(width, limits.maxInFlight) };
  };
  return [...profiles].map((p) => ({ p, ...pace(p) }))
    .sort((a, b) => a.rate - b.rate || a.width - b.width)
    .map(({ p }) => p);
}
