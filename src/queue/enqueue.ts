/**
 * Enqueueing a run: its settings stored once in Redis, its plan added as one
 * BullMQ flow of deterministic job ids.
 *
 * @module
 */

import { FlowProducer } from "bullmq";
import { resolve } from "node:path";
import { runCompression } from "../importer.ts";
import type { Compression, Manifest } from "../manifest/types.ts";
import { languageDir } from "../output/paths.ts";
import { buildPlan, type Plan } from "../plan/planner.ts";
import { resolveSelection, type SelectionInput } from "../plan/selection.ts";
import type { QueueAddress } from "./connection.ts";
import { connect, logConnectionErrors } from "./redis_client.ts";
import { UserError } from "../exec/user_error.ts";
import { planChapterBytes } from "./disk.ts";
import { runFlow } from "./flow.ts";
import { KEY_PREFIX } from "./names.ts";
import { defaultRunId, type RunConfig, saveRunConfig } from "./run_config.ts";

/** Options of {@linkcode enqueueRun}. */
export interface EnqueueOptions {
  /** The Redis the queues are in. */
  readonly address: QueueAddress;
  /** The validated manifest, source flags applied. */
  readonly manifest: Manifest;
  /** What to import. @default everything */
  readonly selection?: SelectionInput;
  /** The shared output directory. @default manifest.output.dir */
  readonly outDir?: string;
  /** SHA-256 of the manifest file. @default "" */
  readonly manifestSha256?: string;
  /** How chapter files are stored. @default manifest.output.compress, else the folder's root manifest's, else none */
  readonly compress?: Compression;
  /** The run's id. @default a hash of what it imports (see `defaultRunId`) */
  readonly run?: string;
  /** The clock of `enqueuedAt`, epoch ms. @default Date.now */
  readonly now?: () => number;
}

/** A run id enqueued before with other settings than those asked. */
export class RunSettingsError extends UserError {}

/** What {@linkcode enqueueRun} did. */
export interface EnqueueResult {
  /** The run's settings: those of the first enqueue of this run id. */
  readonly config: RunConfig;
  /** The plan enqueued. */
  readonly plan: Plan;
}

/**
 * Stores the run's settings (the first enqueue's win) and adds its flow. A
 * job whose id is in the queue already, in any state, is left as it is: a
 * second enqueue of a run fetches nothing twice and resumes what is left.
 *
 * @throws {RunSettingsError} when the run was enqueued before with other
 *   settings (manifest, languages, API, selection, output folder,
 *   compression); nothing is added then.
 */
export async function enqueueRun(options: EnqueueOptions): Promise<EnqueueResult> {
  const { manifest } = options;
  const selection = options.selection ?? {};
  const outDir = resolve(options.outDir ?? manifest.output.dir);
  const manifestSha256 = options.manifestSha256 ?? "";
  const planned = buildPlan(manifest, resolveSelection(manifest, selection));
  const compression = await runCompression(
    options.compress ?? manifest.output.compress,
    languageDir(outDir, planned.langs[0], planned),
  );
  const run = options.run ??
    await defaultRunId({ manifest, selection, outDir, manifestSha256, compression });
  // A folder not made yet holds nothing.
  const diskBeforeBytes = (await planChapterBytes(planned, outDir)) ?? 0;
  const redis = connect(options.address);
  const flows = new FlowProducer({ connection: options.address.options, prefix: KEY_PREFIX });
  logConnectionErrors(options.address, flows);
  try {
    const config = await saveRunConfig(redis, {
      run,
      manifest,
      selection,
      outDir,
      manifestSha256,
      compression,
      diskBeforeBytes,
      enqueuedAt: (options.now ?? Date.now)(),
    });
    const differences = runDifferences(config, {
      manifest,
      selection,
      outDir,
      manifestSha256,
      compression,
    });
    if (differences.length > 0) {
      throw new RunSettingsError(
        `Cannot enqueue run "${run}" again with other settings: ${differences.join("; ")}. ` +
          `Enqueue it with its own settings to resume it, or name another run (--run ID, or none for the default id)`,
      );
    }
    const plan = buildPlan(config.manifest, resolveSelection(config.manifest, config.selection));
    await flows.add(
      runFlow(plan, { run, lang: config.manifest.source.lang, retry: manifest.retry }),
    );
    return { config, plan };
  } finally {
    await flows.close();
    await redis.quit().catch(() => redis.disconnect());
  }
}

/**
 * How the settings a run was stored with differ from those asked, one phrase
 * each (`output folder /a, not /b`); empty when they are the same.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runDifferences } from "./enqueue.ts";
 * const manifest = { source: { lang: "eng", url: "https://api" }, volumes: [] };
 * const stored = { manifest, selection: {}, outDir: "/a", manifestSha256: "1", compression: "none" };
 * // deno-lint-ignore no-explicit-any
 * assert.deepEqual(runDifferences(stored as any, { ...stored, outDir: "/b" } as any), [
 *   "output folder /a, not /b",
 * ]);
 * ```
 */
export function runDifferences(
  stored: Pick<RunConfig, "manifest" | "selection" | "outDir" | "manifestSha256" | "compression">,
  asked: Pick<RunConfig, "manifest" | "selection" | "outDir" | "manifestSha256" | "compression">,
): string[] {
  const langs = (c: typeof stored) =>
    (c.manifest.source.langs ?? [c.manifest.source.lang]).join(",");
  const selection = (c: typeof stored) => {
    const parts = [
      ...(c.selection.source ?? []).map((s) => `--source ${s}`),
      ...(c.selection.only ?? []).map((o) => `--only ${o}`),
    ];
    return parts.length === 0 ? "everything" : parts.join(" ");
  };
  const checks: [string, (c: typeof stored) => string][] = [
    ["manifest sha256", (c) => c.manifestSha256 || "(none)"],
    ["languages", langs],
    ["API url", (c) => c.manifest.source.url],
    ["selection", selection],
    ["output folder", (c) => c.outDir],
    ["compression", (c) => c.compression ?? "none"],
  ];
  // The same chapters, however named (`-s all` or nothing), are the same selection.
  const chapters = (c: typeof stored) =>
    JSON.stringify(resolveSelection(c.manifest, c.selection).books);
  const same = (what: string, of: (c: typeof stored) => string) =>
    what === "selection" ? chapters(stored) === chapters(asked) : of(stored) === of(asked);
  return checks
    .filter(([what, of]) => !same(what, of))
    .map(([what, of]) => `${what} ${of(stored)}, not ${of(asked)}`);
}
