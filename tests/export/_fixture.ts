/**
 * An output folder to export: the Pearl of Great Price (verses, the closing
 * paragraphs of Joseph Smith—History, the Articles of Faith's signature) and
 * the Official Declarations (prose paragraphs only), imported from the fake
 * API by the real importer.
 */
import { join } from "node:path";
import { startFakeApi } from "../../src/fake_api/server.ts";
import { runImport } from "../../src/importer.ts";
import { loadManifest, loadProfile } from "../../src/manifest/load.ts";
import type { Manifest } from "../../src/manifest/types.ts";
import type { BookManifest, RootManifest } from "../../src/output/manifest_types.ts";
import { ROOT } from "../_cli.ts";

const canon = await loadManifest(join(ROOT, "import.yaml"));
const aggressive = await loadProfile("aggressive", { profilesDir: join(ROOT, "profiles") });

/** The canon of the fixture: pgp whole, and of dc-testament the Official Declarations only. */
export const FIXTURE_MANIFEST: Manifest = {
  ...canon,
  volumes: canon.volumes.flatMap((volume) => {
    if (volume.id === "pgp") return [volume];
    if (volume.id === "dc-testament") {
      return [{ ...volume, books: volume.books.filter((book) => book.id === "od") }];
    }
    return [];
  }),
};

/** An imported output folder, and the work folder it sits in (for `--out` files). */
export interface Imported {
  /** The output folder. */
  readonly dir: string;
  /** A folder for export files, beside the output folder. */
  readonly work: string;
  readonly root: RootManifest;
  /** The book manifest of `volume/book`. */
  book(volume: string, book: string): Promise<BookManifest>;
}

/** Imports the fixture into a new folder for `fn`, then removes it. */
export async function withImported(fn: (imported: Imported) => Promise<void>): Promise<void> {
  const work = await Deno.makeTempDir();
  const dir = join(work, "data");
  const api = await startFakeApi({ volumes: FIXTURE_MANIFEST.volumes });
  try {
    const result = await runImport({
      manifest: { ...FIXTURE_MANIFEST, source: { ...FIXTURE_MANIFEST.source, url: api.apiUrl } },
      profile: { ...aggressive, delayMs: 0 },
      outDir: dir,
      log: false,
    });
    if (result.exitCode !== 0) throw new Error(`The fixture's import exited ${result.exitCode}`);
  } finally {
    await api.close();
  }
  try {
    const root = JSON.parse(await Deno.readTextFile(join(dir, "manifest.json"))) as RootManifest;
    await fn({
      dir,
      work,
      root,
      book: async (volume, book) =>
        JSON.parse(await Deno.readTextFile(join(dir, volume, book, "manifest.json"))),
    });
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

/** The files of `dir` (not recursive), sorted. */
export async function filesIn(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) if (entry.isFile) names.push(entry.name);
  return names.sort();
}

/**
 * A strict RFC 4180 parser for the tests: CRLF records, quoted fields with
 * doubled quotes; anything else (a bare quote, a lone CR or LF outside
 * quotes, a missing final CRLF, ragged rows) throws.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  const fail = (what: string) => {
    throw new SyntaxError(`Cannot parse CSV at offset ${i}: ${what}`);
  };
  while (i < text.length) {
    let field = "";
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) fail("unterminated quoted field");
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += text[i++];
      }
    } else {
      while (i < text.length && !",\r\n".includes(text[i])) {
        if (text[i] === '"') fail("a quote inside an unquoted field");
        field += text[i++];
      }
    }
    row.push(field);
    if (text[i] === ",") {
      i++;
      continue;
    }
    if (text.startsWith("\r\n", i)) {
      i += 2;
      if (rows.length > 0 && row.length !== rows[0].length) fail("a row of another width");
      rows.push(row);
      row = [];
      continue;
    }
    fail(
      i >= text.length ? "no CRLF after the last record" : `unexpected ${JSON.stringify(text[i])}`,
    );
  }
  if (row.length > 0) fail("no CRLF after the last record");
  return rows;
}
