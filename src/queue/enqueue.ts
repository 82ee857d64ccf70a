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
