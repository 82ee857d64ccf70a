/** A small canon with every special chapter the fake API must get right. */

import type { Volume } from "../../src/manifest/types.ts";

export const SMALL_CANON: readonly Volume[] = [
  {
    id: "ot",
    title: "Old Testament",
    books: [
      { id: "gen", title: "Genesis", chapters: 50, verses: 1533 },
      { id: "ps", title: "Psalms", chapters: 150, verses: 2461 },
    ],
  },
  {
    id: "dc-testament",
    title: "Doctrine and Covenants",
    books: [
      { id: "dc", title: "Sections", chapters: 138, verses: 3654 },
      { id: "od", title: "Official Declarations", chapters: 2, verses: 0 },
    ],
  },
  {
    id: "pgp",
    title: "Pearl of Great Price",
    books: [
      { id: "moses", title: "Moses", chapters: 8 },
      { id: "js-h", title: "Joseph Smith—History", chapters: 1, verses: 75 },
      { id: "a-of-f", title: "Articles of Faith", chapters: 1, verses: 13 },
    ],
  },
];
