/**
 * Reading book and volume manifests back from disk, validated, with the
 * checksum of the file read. The volume and root manifests are built from
 * these reads.
 *
 * @module
 */

import { z } from "zod";
import type {
  BookManifest,
  LanguagesManifest,
  RootManifest,
  VolumeManifest,
} from "./manifest_types.ts";
import { sha256Hex } from "./digest.ts";
import { COMPRESSIONS } from "../manifest/types.ts";

/** A manifest file read back: its content and checksum, or why it could not be used. */
export type ManifestRead<M> =
  | { readonly ok: true; readonly manifest: M; readonly sha256: string }
  | { readonly ok: false; readonly problem: "missing" | "invalid"; readonly reason: string };

const count = z.number().int().nonnegative();
const timestamp = z.string();

const bookManifestSchema = z.object({
  volume: z.string(),
  book: z.string(),
  title: z.string(),
  expectedChapters: count,
  importedChapters: count,
  missingChapters: z.array(count),
  failed: z.array(z.object({
    chapter: count,
    uri: z.string(),
    reason: z.string(),
    attempts: count,
    cancelled: z.literal(true).optional(),
  })),
  invalidFiles: z.array(z.object({ chapter: count, file: z.string(), reason: z.string() })),
  verses: count,
  expectedVerses: count.nullable(),
  chapters: z.array(z.object({
    chapter: count,
    uri: z.string(),
    file: z.string(),
    // Absent in manifests written before chapter files could be compressed.
    encoding: z.enum(COMPRESSIONS).default("none"),
    bytes: count,
    sha256: z.string(),
    verses: count,
    paragraphs: count,
    etag: z.string().optional(),
    lastModified: z.string().optional(),
  })),
  complete: z.boolean(),
  updatedAt: timestamp,
});

const volumeTotalsSchema = z.object({
  books: count,
  expectedChapters: count,
  importedChapters: count,
  failedChapters: count,
  // Absent in manifests written before cancelled chapters were told apart.
  cancelledChapters: count.default(0),
  verses: count,
});

const volumeManifestSchema = z.object({
  volume: z.string(),
  title: z.string(),
  books: z.array(z.object({
    book: z.string(),
    title: z.string(),
    expectedChapters: count,
    importedChapters: count,
    failed: count,
    cancelled: count.default(0),
    verses: count,
    complete: z.boolean(),
    sha256: z.string().nullable(),
  })),
  totals: volumeTotalsSchema,
  complete: z.boolean(),
  updatedAt: timestamp,
});

const rootManifestSchema = z.object({
  tool: z.object({ name: z.string(), version: z.string() }).optional(),
  source: z.object({ url: z.string(), lang: z.string() }),
  profile: z.string().optional(),
  compression: z.enum(COMPRESSIONS).optional(),
  selection: z.array(z.string()).optional(),
  generatedAt: timestamp,
  volumes: z.array(z.object({
    volume: z.string(),
    title: z.string(),
    books: count,
    expectedChapters: count,
    importedChapters: count,
    failedChapters: count,
    cancelledChapters: count.default(0),
    verses: count,
    complete: z.boolean(),
    sha256: z.string().nullable(),
  })),
  totals: z.object({
    volumes: count,
    books: count,
    expectedChapters: count,
    importedChapters: count,
    failedChapters: count,
    cancelledChapters: count.default(0),
    verses: count,
  }),
  complete: z.boolean(),
  notAvailable: z.array(z.object({ scope: z.string(), reason: z.string(), chapters: count }))
    .optional(),
});

const languagesManifestSchema = z.object({
  layout: z.literal("languages"),
  tool: z.object({ name: z.string(), version: z.string() }).optional(),
  source: z.object({ url: z.string(), langs: z.array(z.string()) }),
  profile: z.string().optional(),
  generatedAt: timestamp,
  languages: z.array(z.object({
    lang: z.string(),
    dir: z.string(),
    expectedChapters: count,
    importedChapters: count,
    failedChapters: count,
    notAvailableChapters: count,
    verses: count,
    complete: z.boolean(),
    sha256: z.string().nullable(),
  })),
  totals: z.object({
    languages: count,
    expectedChapters: count,
    importedChapters: count,
    failedChapters: count,
    notAvailableChapters: count,
    verses: count,
  }),
  complete: z.boolean(),
});

/**
 * Reads `<out>/manifest.json` of a folder of several languages. Never throws
 * for a missing or bad file (a one-language root manifest is a bad one here).
 */
export function readLanguagesManifest(path: string): Promise<ManifestRead<LanguagesManifest>> {
  return _readManifest(path, "languages manifest", languagesManifestSchema, () => undefined);
}

/**
 * Reads `<out>/manifest.json`, the root manifest an import writes last.
 * Never throws for a missing or bad file.
 */
export function readRootManifest(path: string): Promise<ManifestRead<RootManifest>> {
  return _readManifest(path, "root manifest", rootManifestSchema, () => undefined);
}

/**
 * Reads `<out>/<volume>/<book>/manifest.json` and checks that it is a book
 * manifest of `volume`/`book`. Never throws for a missing or bad file.
 */
export function readBookManifest(
  path: string,
  volume: string,
  book: string,
): Promise<ManifestRead<BookManifest>> {
  return _readManifest(path, "book manifest", bookManifestSchema, (manifest) => {
    if (manifest.volume !== volume || manifest.book !== book) {
      return `it describes ${manifest.volume}/${manifest.book}, expected ${volume}/${book}`;
    }
  });
}

/**
 * Reads `<out>/<volume>/manifest.json` and checks that it is a volume
 * manifest of `volume`. Never throws for a missing or bad file.
 */
export function readVolumeManifest(
  path: string,
  volume: string,
): Promise<ManifestRead<VolumeManifest>> {
  return _readManifest(path, "volume manifest", volumeManifestSchema, (manifest) => {
    if (manifest.volume !== volume) {
      return `it describes ${manifest.volume}, expected ${volume}`;
    }
  });
}

async function _readManifest<M>(
  path: string,
  what: string,
  schema: z.ZodType<M>,
  check: (manifest: M) => string | undefined,
): Promise<ManifestRead<M>> {
  const fail = (problem: "missing" | "invalid", detail: string): ManifestRead<M> => ({
    ok: false,
    problem,
    reason: `Cannot read ${what} "${path}": ${detail}`,
  });
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return fail("missing", "no such file");
    return fail("invalid", (error as Error).message);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (error) {
    return fail("invalid", `not valid JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail("invalid", `at "${issue.path.join(".")}": ${issue.message}`);
  }
  const mismatch = check(parsed.data);
  if (mismatch !== undefined) return fail("invalid", mismatch);
  return { ok: true, manifest: parsed.data, sha256: await sha256Hex(bytes) };
}
