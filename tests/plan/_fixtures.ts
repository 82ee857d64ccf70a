import type { Manifest } from "../../src/manifest/types.ts";
import { makeManifest } from "../output/_fixtures.ts";

/** A small manifest in the real shape: two volumes, D&C-like and BoM-like. */
export function smallManifest(): Manifest {
  return makeManifest([
    {
      id: "bofm",
      title: "Book of Mormon",
      books: [
        { id: "1-ne", title: "1 Nephi", chapters: 22 },
        { id: "enos", title: "Enos", chapters: 1 },
      ],
    },
    {
      id: "dc-testament",
      title: "Doctrine and Covenants",
      books: [
        { id: "dc", title: "Sections", chapters: 138 },
        { id: "od", title: "Official Declarations", chapters: 2 },
      ],
    },
  ]);
}
