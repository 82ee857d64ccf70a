/**
 * The flag parsers every command shares, each turning one flag's text into
 * the value the command uses, or throwing a {@linkcode UsageError} that names
 * the flag and the value: durations, numbers, the language code, and where
 * the profiles and the progress logs are.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { UserError } from "../exec/user_error.ts";
import { parseDuration } from "../manifest/duration.ts";
import { isLoopback, parseServeAddress, type ServeAddress } from "../serve/serve_address.ts";
import { type Compression, COMPRESSIONS } from "../manifest/types.ts";

/** A mistake in the command line: printed, exit code 2. */
export class UsageError extends UserError {}

/**
 * A duration flag in milliseconds: `50ms`, `1.5s`, `2m`, or a plain number of
 * milliseconds (`50`).
 *
 * @throws {UsageError} for anything else, e.g. `Invalid --latency "fast": expected a duration like 50ms, 1.5s or 2m, got "fast"`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { durationFlag } from "./flags.ts";
 * assert.equal(durationFlag("--latency", "1.5s"), 1_500);
 * assert.equal(durationFlag("--latency", "50"), 50);
 * ```
 */
export function durationFlag(flag: string, value: string): number {
  try {
    return parseDuration(/^\s*\d+(?:\.\d+)?\s*$/.test(value) ? Number(value) : value);
  } catch (error) {
    throw new UsageError(`Invalid ${flag} "${value}": ${(error as Error).message}`);
  }
}

/** Options of {@linkcode numberFlag}. */
export interface NumberFlagOptions {
  /** The least value allowed. @default 0 */
  readonly min?: number;
  /** Whether `min` itself is refused (a rate must be above 0). @default false */
  readonly aboveMin?: boolean;
  /** The greatest value allowed. @default Infinity */
  readonly max?: number;
  /** Whether only whole numbers are allowed. @default false */
  readonly integer?: boolean;
}

/**
 * A numeric flag: a count, a rate, a fraction.
 *
 * @throws {UsageError} naming the bound it breaks, e.g. `Invalid --burst "0": expected an integer >= 1`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { numberFlag, UsageError } from "./flags.ts";
 * assert.equal(numberFlag("--rate", "2.5", { aboveMin: true }), 2.5);
 * assert.throws(() => numberFlag("--burst", "1.5", { min: 1, integer: true }), UsageError);
 * ```
 */
export function numberFlag(flag: string, value: string, options: NumberFlagOptions = {}): number {
  const { min = 0, aboveMin = false, max = Infinity, integer = false } = options;
  const n = Number(value);
  const kind = integer ? "an integer" : "a number";
  const bound = max !== Infinity
    ? `from ${min} to ${max}`
    : aboveMin
    ? `above ${min}`
    : `>= ${min}`;
  if (
    value.trim() === "" || !Number.isFinite(n) || n < min || (aboveMin && n === min) || n > max ||
    (integer && !Number.isInteger(n))
  ) {
    throw new UsageError(`Invalid ${flag} "${value}": expected ${kind} ${bound}`);
  }
  return n;
}

/**
 * A language code (`--lang`): two or three lower-case letters, as the API
 * names languages (`eng`, `spa`).
 *
 * @throws {UsageError} for anything else.
 */
export function languageFlag(value: string): string {
  if (!/^[a-z]{2,3}$/.test(value)) {
    throw new UsageError(
      `Invalid --lang "${value}": expected a 2-3 letter lowercase language code`,
    );
  }
  return value;
}

/**
 * How chapter files are stored (`--compress`): `none` or `gzip`.
 *
 * @throws {UsageError} for anything else.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compressionFlag, UsageError } from "./flags.ts";
 * assert.equal(compressionFlag("gzip"), "gzip");
 * assert.throws(() => compressionFlag("zip"), UsageError);
 * ```
 */
export function compressionFlag(value: string): Compression {
  const found = COMPRESSIONS.find((c) => c === value);
  if (found === undefined) {
    throw new UsageError(`Invalid --compress "${value}": expected ${COMPRESSIONS.join(" or ")}`);
  }
  return found;
}

/**
 * `--lang` of an import: one language code, or a comma list of them for one
 * run of several (`eng,spa,por`), each checked as {@linkcode languageFlag}
 * does; repeats are refused.
 *
 * @throws {UsageError} for an empty list, a bad code or a repeat.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { languageListFlag, UsageError } from "./flags.ts";
 * assert.deepEqual(languageListFlag("eng, spa,por"), ["eng", "spa", "por"]);
 * assert.throws(() => languageListFlag("eng,Spanish"), UsageError);
 * assert.throws(() => languageListFlag("eng,eng"), UsageError);
 * ```
 */
export function languageListFlag(value: string): string[] {
  const langs = commaList([value]);
  if (langs.length === 0) {
    throw new UsageError(`Invalid --lang "${value}": expected a language code or a comma list`);
  }
  for (const lang of langs) {
    if (!/^[a-z]{2,3}$/.test(lang)) {
      throw new UsageError(
        `Invalid --lang "${value}": "${lang}" is not a 2-3 letter lowercase language code`,
      );
    }
  }
  const repeated = langs.find((lang, index) => langs.indexOf(lang) !== index);
  if (repeated !== undefined) {
    throw new UsageError(`Invalid --lang "${value}": "${repeated}" is given twice`);
  }
  return langs;
}

/**
 * The profiles folder: `profiles/` beside the manifest.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { profilesDirOf } from "./flags.ts";
 * assert.equal(profilesDirOf("config/import.yaml"), "config/profiles");
 * ```
 */
export function profilesDirOf(manifestPath: string): string {
  return join(dirname(manifestPath), "profiles");
}

/** The folder the progress logs of an output directory are kept in: `<out>/.import/runs`. */
export function progressLogDirOf(outDir: string): string {
  return join(outDir, ".import", "runs");
}

/** Collects a repeated flag's values. */
export const collect = (value: string, previous: string[] = []): string[] => [
  ...previous,
  value,
];

/** The values of a repeated flag whose values may be comma lists, trimmed, empties dropped. */
export function commaList(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) => v !== "");
}

/**
 * `--serve [HOST:]PORT` with `--serve-token TOKEN`: where the run's server
 * listens (127.0.0.1 unless a host is given), and its token.
 *
 * @throws {UsageError} for an address that does not parse, a non-loopback
 * host without a token, an empty token, or a token without `--serve`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serveFlags, UsageError } from "./flags.ts";
 * assert.deepEqual(serveFlags("0", undefined), { address: { hostname: "127.0.0.1", port: 0 } });
 * assert.throws(() => serveFlags("0.0.0.0:8080", undefined), UsageError);
 * ```
 */
export function serveFlags(
  serve: string | undefined,
  token: string | undefined,
): { readonly address: ServeAddress; readonly token?: string } | undefined {
  if (serve === undefined) {
    if (token !== undefined) throw new UsageError("Cannot use --serve-token without --serve");
    return undefined;
  }
  const address = parseServeAddress(serve);
  if (typeof address === "string") throw new UsageError(`Invalid --serve "${serve}": ${address}`);
  if (token !== undefined && token.trim() === "") {
    throw new UsageError(`Invalid --serve-token "": expected a secret of at least 1 character`);
  }
  if (token === undefined && !isLoopback(address.hostname)) {
    throw new UsageError(
      `Cannot --serve on "${address.hostname}": it is not a loopback address, so --serve-token TOKEN is required ` +
        `(every request must then send Authorization: Bearer TOKEN)`,
    );
  }
  return token === undefined ? { address } : { address, token };
}
