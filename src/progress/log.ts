/**
 * The NDJSON progress log of a run, `<out>/.import/runs/<start-time>.ndjson`:
 * one record a line, each written whole by one `write`, so a crash loses at
 * most the line being written. Writing, reading back and finding the latest.
 *
 * @module
 */

import { dirname, join } from "node:path";
import type { RunEvent } from "../exec/types.ts";
import { UserError } from "../exec/user_error.ts";
import {
  type LogRecord,
  type LogRecordContext,
  type LogRecordType,
  toLogRecord,
} from "./log_record.ts";

/**
 * Where a run started at `startedAt` logs: `<outDir>/.import/runs/<start-time>.ndjson`,
 * the start time in ISO 8601 with `:` replaced by `-` (safe on every file
 * system, and names sort by time).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultLogPath } from "./log.ts";
 * const path = defaultLogPath("data", new Date(Date.UTC(2026, 10, 29, 12)));
 * assert.ok(path === "data/.import/runs/2026-11-29T12-00-00.000Z.ndjson");
 * ```
 */
export function defaultLogPath(outDir: string, startedAt: Date): string {
  return join(_runsDir(outDir), `${startedAt.toISOString().replaceAll(":", "-")}.ndjson`);
}

/**
 * The newest progress log under `outDir` (by name, which sorts by start time),
 * or `undefined` when there is none.
 */
export async function latestLogPath(outDir: string): Promise<string | undefined> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(_runsDir(outDir))) {
      if (entry.isFile && entry.name.endsWith(".ndjson")) names.push(entry.name);
    }
  } catch (error) {
    // No such directory, or a file in the way: no log there either way.
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
      return undefined;
    }
    throw error;
  }
  names.sort();
  return names.length === 0 ? undefined : join(_runsDir(outDir), names[names.length - 1]);
}

function _runsDir(outDir: string): string {
  return join(outDir, ".import", "runs");
}

/**
 * An open progress log. Writes are synchronous, so records land in the order
 * they are written with no queue to drain.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProgressLog, readProgressLog } from "./log.ts";
 * const dir = await Deno.makeTempDir();
 * const log = await ProgressLog.open(`${dir}/runs/a.ndjson`);
 * log.write({ type: "rate-resume", time: "2026-11-29T12:00:00.000Z", at: 0 });
 * log.close();
 * const { records } = await readProgressLog(`${dir}/runs/a.ndjson`);
 * assert.ok(records[0].type === "rate-resume");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class ProgressLog {
  /** The file written. */
  readonly path: string;
  #file: Deno.FsFile | undefined;
  readonly #encoder = new TextEncoder();

  private constructor(path: string, file: Deno.FsFile) {
    this.path = path;
    this.#file = file;
  }

  /**
   * Opens `path` for appending, creating it and its directories. When an
   * earlier run was killed mid-line, the torn line is ended first, so that it
   * stays a single bad line instead of swallowing this run's first record.
   */
  static async open(path: string): Promise<ProgressLog> {
    await Deno.mkdir(dirname(path), { recursive: true });
    const file = await Deno.open(path, { read: true, append: true, create: true });
    try {
      const size = (await file.stat()).size;
      if (size > 0) {
        const last = new Uint8Array(1);
        await file.seek(size - 1, Deno.SeekMode.Start);
        await file.read(last);
        if (last[0] !== 0x0a) await file.write(new Uint8Array([0x0a]));
      }
    } catch (error) {
      file.close();
      throw error;
    }
    return new ProgressLog(path, file);
  }

  /**
   * Appends one record as one line.
   *
   * @throws {Error} when the log is closed
   */
  write(record: LogRecord): void {
    if (this.#file === undefined) {
      throw new Error(`Cannot write progress log "${this.path}": it is closed`);
    }
    const line = this.#encoder.encode(JSON.stringify(record) + "\n");
    // One call writes the whole line; the loop only runs again on a short write.
    let written = 0;
    while (written < line.length) written += this.#file.writeSync(line.subarray(written));
  }

  /**
   * A sink of the run's events that writes each one as its record. The
   * `run-end` record calls `context.summarize`, so feed the summary collector
   * before this sink.
   */
  sink(context: LogRecordContext): (event: RunEvent) => void {
    return (event) => this.write(toLogRecord(event, context));
  }

  /** Flushes the file to disk and closes it. Closing twice is harmless. */
  close(): void {
    if (this.#file === undefined) return;
    const file = this.#file;
    this.#file = undefined;
    try {
      file.syncSync();
    } finally {
      file.close();
    }
  }
}

/** How far {@linkcode progressLogProblem} reads for the end of the first line. */
const _FIRST_LINE_LIMIT = 1 << 20;

/**
 * Why this run may not append its records to the existing file `path`, or
 * `undefined` when it may: an empty file or a progress log, whose first line
 * is a `run-start` record. Anything but a regular file is refused: a later
 * run reads its log back, and a device such as `/dev/zero` never ends. Reads
 * at most the first line (up to 1 MiB), and never echoes what it read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { progressLogProblem } from "./log.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/import.yaml`, "volumes:\n  - id: ot\n");
 * assert.match((await progressLogProblem(`${dir}/import.yaml`))!, /not a progress log/);
 * await Deno.writeTextFile(`${dir}/empty.ndjson`, "");
 * assert.equal(await progressLogProblem(`${dir}/empty.ndjson`), undefined);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function progressLogProblem(path: string): Promise<string | undefined> {
  // Not opened unless a regular file: opening a FIFO to read would wait for a writer.
  const info = await Deno.stat(path);
  if (!info.isFile) return "it is not a regular file";
  if (info.size === 0) return undefined;
  using file = await Deno.open(path, { read: true });
  const chunks: Uint8Array[] = [];
  const buffer = new Uint8Array(64 * 1024);
  let size = 0;
  let ended = false;
  while (size < _FIRST_LINE_LIMIT) {
    const n = await file.read(buffer);
    if (n === null) break;
    const newline = buffer.subarray(0, n).indexOf(0x0a);
    chunks.push(buffer.slice(0, newline < 0 ? n : newline));
    size += n;
    if (newline >= 0) {
      ended = true;
      break;
    }
  }
  if (size === 0) return undefined;
  const notALog = "it is not a progress log";
  if (!ended && size >= _FIRST_LINE_LIMIT) return `${notALog} (no line ends in its first 1 MiB)`;
  let line: string;
  try {
    line = new TextDecoder("utf-8", { fatal: true }).decode(_concat(chunks));
  } catch {
    return `${notALog} (it is not UTF-8 text)`;
  }
  const record = _parse(line);
  if (typeof record === "string" || record.type !== "run-start") {
    return `${notALog} (its first line is not a "run-start" record)`;
  }
  return undefined;
}

function _concat(chunks: readonly Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

/** A progress log that cannot be read; `line` is 1-based. */
export class ProgressLogError extends UserError {
  readonly path: string;
  readonly line: number;

  constructor(path: string, line: number, detail: string, options?: ErrorOptions) {
    super(`Cannot read progress log "${path}": line ${line} ${detail}`, options);
    this.name = "ProgressLogError";
    this.path = path;
    this.line = line;
  }
}

/** What {@linkcode readProgressLog} found. */
export interface ProgressLogContents {
  readonly records: LogRecord[];
  /** The last line was cut short (a crash while writing it) and was left out. */
  readonly tornLastLine: boolean;
}

/**
 * Reads a progress log back. An unterminated last line that is not a whole
 * record is a torn write: it is left out and reported. Any other bad line is
 * an error.
 *
 * @throws {ProgressLogError} naming the first bad line
 * @throws {Deno.errors.NotFound} when there is no such file
 */
export async function readProgressLog(path: string): Promise<ProgressLogContents> {
  const lines = (await Deno.readTextFile(path)).split("\n");
  // After the last "\n" comes either "" or a line whose newline was never written.
  const unterminated = lines.pop() ?? "";
  const records = lines.map((line, i) => {
    const parsed = _parse(line);
    if (typeof parsed === "string") throw new ProgressLogError(path, i + 1, parsed);
    return parsed;
  });
  if (unterminated === "") return { records, tornLastLine: false };
  const last = _parse(unterminated);
  if (typeof last === "string") return { records, tornLastLine: true };
  records.push(last);
  return { records, tornLastLine: false };
}

/**
 * The ids of the nodes of `kind` that the LAST run of a log (the records from
 * its last `run-start`) left failed or cancelled: what `--retry-failed` runs
 * again, since an interrupted run's cancelled chapters were not imported either.
 *
 * @param kind the node kind @default "chapter"
 */
export function unfinishedIds(records: readonly LogRecord[], kind = "chapter"): string[] {
  let start = 0;
  records.forEach((record, index) => {
    if (record.type === "run-start") start = index;
  });
  return records.slice(start).flatMap((r) =>
    (r.type === "task-failed" || r.type === "task-cancelled") && r.kind === kind ? [r.id] : []
  );
}

type _FieldType = "string" | "number" | "boolean" | "object";

// The fields each record must have, keyed by record type so that a new type
// does not compile until it is described here.
const _REQUIRED: { readonly [T in LogRecordType]: Readonly<Record<string, _FieldType>> } = {
  "run-start": {
    tool: "object",
    manifest: "object",
    profile: "object",
    selection: "object",
    outDir: "string",
    lang: "string",
    apiUrl: "string",
    nodes: "number",
    tasks: "number",
    sinks: "number",
  },
  "scope-open": { scope: "string", depth: "number" },
  "scope-close": { scope: "string", depth: "number" },
  "task-start": { id: "string", kind: "string", role: "string", attempt: "number" },
  "task-retry": {
    id: "string",
    kind: "string",
    attempt: "number",
    delayMs: "number",
    reason: "string",
  },
  "task-done": { id: "string", kind: "string", attempts: "number", durationMs: "number" },
  "task-skipped": { id: "string", kind: "string" },
  "task-failed": {
    id: "string",
    kind: "string",
    reason: "string",
    attempts: "number",
    permanent: "boolean",
  },
  "task-cancelled": { id: "string", kind: "string" },
  "rate-pause": { until: "string", untilAt: "number", reason: "string" },
  "rate-resume": {},
  "rate-change": { from: "object", to: "object", cause: "string", reason: "string" },
  control: { source: "string", action: "string" },
  "run-end": { summary: "object" },
};

// A record, or what is wrong with the line (completing "line N ...").
function _parse(line: string): LogRecord | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return `is not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return "is not a JSON object";
  }
  const record = value as Record<string, unknown>;
  const type = record.type;
  if (typeof type !== "string" || !Object.hasOwn(_REQUIRED, type)) {
    return `has an unknown record type ${JSON.stringify(type)}`;
  }
  const fields = { time: "string", at: "number", ..._REQUIRED[type as LogRecordType] };
  for (const [field, expected] of Object.entries(fields)) {
    const actual = record[field] === null ? "null" : typeof record[field];
    if (actual !== expected) {
      return `is not a "${type}" record: field "${field}" is ${actual}, expected ${expected}`;
    }
  }
  return value as LogRecord;
}
