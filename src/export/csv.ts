/**
 * CSV rows of an export, per RFC 4180: a header line, CRLF line ends, and a
 * field quoted (its quotes doubled) when it holds a quote, a comma, a CR or an
 * LF. UTF-8, no byte-order mark.
 *
 * @module
 */

import type { Passage } from "./passage.ts";

/** The header of a CSV export, in column order (the SQLite `verses` names). */
export const CSV_COLUMNS = [
  "key",
  "reference",
  "lang",
  "volume",
  "book",
  "book_title",
  "chapter",
  "kind",
  "verse",
  "position",
  "paragraph_start",
  "text",
] as const;

/**
 * One CSV record, CRLF included. A null field is empty; a field holding a
 * quote, comma, CR or LF is quoted with its quotes doubled.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(csvRecord(["a", 'say "hi", then', null, 3]), 'a,"say ""hi"", then",,3\r\n');
 * ```
 */
export function csvRecord(fields: readonly (string | number | null)[]): string {
  return fields.map(_field).join(",") + "\r\n";
}

/** A passage as a CSV record, in {@linkcode CSV_COLUMNS} order; booleans as `true`/`false`. */
export function passageCsvRecord(passage: Passage): string {
  return csvRecord([
    passage.key,
    passage.reference,
    passage.lang,
    passage.volume,
    passage.book,
    passage.bookTitle,
    passage.chapter,
    passage.kind,
    passage.verse,
    passage.position,
    String(passage.paragraphStart),
    passage.text,
  ]);
}

function _field(value: string | number | null): string {
  if (value === null) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
