/**
 * Finding a volume or a book of `import.yaml` by id, for the manifest writers.
 *
 * @module
 */

import type { Book, Manifest, Volume } from "../manifest/types.ts";

/**
 * The volume `volumeId` of the manifest.
 *
 * @throws {RangeError} When the manifest has no such volume.
 */
export function _findVolume(manifest: Manifest, volumeId: string): Volume {
  const volume = manifest.volumes.find((candidate) => candidate.id === volumeId);
  if (volume === undefined) {
    const known = manifest.volumes.map((candidate) => candidate.id).join(", ");
    throw new RangeError(
      `Cannot find volume "${volumeId}" in "${manifest.file}": no such volume (known: ${known})`,
    );
  }
  return volume;
}

/**
 * The book `bookId` of volume `volumeId`.
 *
 * @throws {RangeError} When the manifest has no such volume or book.
 */
export function _findBook(
  manifest: Manifest,
  volumeId: string,
  bookId: string,
): { volume: Volume; book: Book } {
  const volume = _findVolume(manifest, volumeId);
  const book = volume.books.find((candidate) => candidate.id === bookId);
  if (book === undefined) {
    throw new RangeError(
      `Cannot find book "${volumeId}/${bookId}" in "${manifest.file}": volume "${volumeId}" has no such book`,
    );
  }
  return { volume, book };
}
