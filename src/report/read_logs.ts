/**
 * Reads progress logs for the report: each file (or each `.ndjson` file of a
 * directory) is split into its runs, and each run measured.
 *
 * @module
 */

import { join } from "node:path";
import { UserError } from "../exec/user_error.ts";
import { ProgressLogError, readProgressLog } from "../progress/log.ts";
import type { LogRecord } from "../progress/log_record.ts";
import { type MeasuredRun, measureRun, type MeasureRunOptions } from "./measure_run.ts";

/** A path given to the report that is not a readable progress log. Exit code 2. */
export class ReportInputError extends UserError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ReportInputError";
  }
}

/** Options of {@linkcode readRunLogs}. */
export type ReadRunLogsOptions = Pick<MeasureRunOptions, "canonChapters" | "chapterKind">;

/**
 * Measures every run of the progress logs at `paths`, in the order given; a
 * directory stands for its `*.ndjson` files in name order (so by start time),
 * or, having none, for those of its `.import/runs` (an output directory), or
 * of each `<folder>/.import/runs` in it (one folder per profile, as
 * `bench:profiles --out` keeps them).
 * A log that ends without `run-end`, or with a torn last line, is measured as
 * far as it goes and marked so.
 *
 * @throws {ReportInputError} for a missing file, an empty directory, a file
 *   that is not a progress log, or a log with no run-start record.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readRunLogs, ReportInputError } from "./read_logs.ts";
 * await assert.rejects(readRunLogs(["no-such.ndjson"]), ReportInputError);
 * ```
 */
export async function readRunLogs(
  paths: readonly string[],
  options: ReadRunLogsOptions = {},
): Promise<MeasuredRun[]> {
  const runs: MeasuredRun[] = [];
  for (const path of paths) {
    for (const file of await _logFiles(path)) runs.push(...await _readLog(file, options));
  }
  return runs;
}

async function _logFiles(path: string): Promise<string[]> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new ReportInputError(`Cannot read progress log "${path}": no such file`, {
        cause: error,
      });
    }
    throw new ReportInputError(
      `Cannot read progress log "${path}": ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (!info.isDirectory) return [path];
  // A folder of logs; else an output directory (its logs in .import/runs);
  // else a folder of them, one per profile, as `bench:profiles --out` keeps.
  const files = await _ndjsonIn(path) ?? await _ndjsonIn(join(path, ".import", "runs"));
  if (files !== undefined) return files;
  const nested: string[] = [];
  for (const sub of await _subfolders(path)) {
    nested.push(...await _ndjsonIn(join(path, sub, ".import", "runs")) ?? []);
  }
  if (nested.length === 0) {
    throw new ReportInputError(
      `Cannot read progress logs in "${path}": the directory has no .ndjson file ` +
        `(nor has its .import/runs, nor any <folder>/.import/runs in it)`,
    );
  }
  return nested;
}

// The `.ndjson` files of a folder in name order (so by start time); undefined for none or no folder.
async function _ndjsonIn(dir: string): Promise<string[] | undefined> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && entry.name.endsWith(".ndjson")) names.push(entry.name);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
      return undefined;
    }
    throw error;
  }
  return names.length === 0 ? undefined : names.sort().map((name) => join(dir, name));
}

async function _subfolders(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) if (entry.isDirectory) names.push(entry.name);
  return names.sort();
}

async function _readLog(path: string, options: ReadRunLogsOptions): Promise<MeasuredRun[]> {
  let contents;
  try {
    contents = await readProgressLog(path);
  } catch (error) {
    if (error instanceof ProgressLogError) {
      throw new ReportInputError(`${error.message} (is it a progress log?)`, { cause: error });
    }
    throw new ReportInputError(
      `Cannot read progress log "${path}": ${(error as Error).message}`,
      { cause: error },
    );
  }
  const { records, tornLastLine } = contents;
  if (records.length === 0) {
    throw new ReportInputError(
      `Cannot report progress log "${path}": it holds no record${
        tornLastLine ? " (only a torn line)" : ""
      }`,
    );
  }
  if (records[0].type !== "run-start") {
    throw new ReportInputError(
      `Cannot report progress log "${path}": line 1 is a "${
        records[0].type
      }" record, expected "run-start"`,
    );
  }
  const runs = _splitRuns(records);
  return runs.map((run, i) =>
    measureRun(run, {
      ...options,
      log: path,
      run: i + 1,
      tornLastLine: tornLastLine && i === runs.length - 1,
    })
  );
}

// A log appended to by several runs holds them one after the other, each from its run-start.
function _splitRuns(records: readonly LogRecord[]): LogRecord[][] {
  const runs: LogRecord[][] = [];
  for (const record of records) {
    if (record.type === "run-start") runs.push([]);
    runs[runs.length - 1].push(record);
  }
  return runs;
}
