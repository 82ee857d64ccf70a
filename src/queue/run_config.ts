/**
 * A queue run's settings, kept in Redis by the process that enqueues it and
 * read by every worker and watcher: the manifest, the selection, the output
 * directory. Workers need nothing else of the run on their host.
 *
 * @module
 */

import type { Redis } from "ioredis";
import type { Compression, Manifest } from "../manifest/types.ts";
import type { SelectionInput } from "../plan/selection.ts";
import { runConfigKey } from "./names.ts";
import { sha256Hex } from "../output/digest.ts";

/** The settings of one queue run. */
export interface RunConfig {
  /** The run id. */
  readonly run: string;
  /** The validated manifest, source flags applied. */
  readonly manifest: Manifest;
  /** What to import. */
  readonly selection: SelectionInput;
  /** The shared output directory, as the enqueuing host names it. */
  readonly outDir: string;
  /** SHA-256 of the manifest file, for the log. */
  readonly manifestSha256: string;
  /**
   * How the workers store chapter files, resolved at enqueue as an import in
   * one process resolves it (`--compress`, else `output.compress`, else the
   * folder's root manifest, else none). Absent in runs enqueued before it: none.
   */
  readonly compression?: Compression;
  /**
   * Bytes of the selected chapters' files in the output folder when the run
   * was first enqueued (every encoding counted), the summary's "before".
   * Absent in runs enqueued before it: the summary then has no bytes on disk.
   */
  readonly diskBeforeBytes?: number;
  /** When the run was first enqueued, epoch ms. */
  readonly enqueuedAt: number;
}

/**
 * The default id of a run: the first 12 hex digits of the SHA-256 of what it
 * imports (manifest, language, API, selection, output), so that enqueueing
 * the same import twice names the same run and adds no job.
 */
export async function defaultRunId(
  config: Omit<RunConfig, "run" | "enqueuedAt">,
): Promise<string> {
  const { manifest, selection, outDir, manifestSha256, compression } = config;
  const key = JSON.stringify({
    manifestSha256,
    lang: manifest.source.lang,
    ...((manifest.source.langs?.length ?? 1) > 1 ? { langs: manifest.source.langs } : {}),
    url: manifest.source.url,
    selection,
    outDir,
    // Only when compressed, so that the ids of plain runs stay as they were.
    ...(compression === undefined || compression === "none" ? {} : { compression }),
  });
  return (await sha256Hex(new TextEncoder().encode(key))).slice(0, 12);
}

/**
 * Stores a run's settings unless the run has some already; returns the
 * settings the run has (the first ones, when it was enqueued before).
 */
export async function saveRunConfig(redis: Redis, config: RunConfig): Promise<RunConfig> {
  const key = runConfigKey(config.run);
  await redis.set(key, JSON.stringify(config), "NX");
  return (await loadRunConfig(redis, config.run))!;
}

/** A run's settings, or undefined for a run never enqueued. */
export async function loadRunConfig(redis: Redis, run: string): Promise<RunConfig | undefined> {
  const text = await redis.get(runConfigKey(run));
  return text === null ? undefined : JSON.parse(text) as RunConfig;
}
