import type { Manifest } from "../../src/manifest/types.ts";

/** A small manifest in the real shape: two volumes, D&C-like and BoM-like. */
export function smallManifest(): Manifest {
  return {
    file: "import.yaml",
    source: {
      url: "https://example.org/study/api/v3/language-pages/type/content",
      lang: "eng",
      userAgent: "scripture-importer/test",
      timeoutMs: 30_000,
      maxBodyBytes: 5_000_000,
    },
    output: { dir: "./data" },
    retry: {
      maxRetries: 3,
      baseDelayMs: 500,
      maxDelayMs: 30_000,
      multiplier: 2,
      jitter: "full",
      retryOn: [429, 500, 502, 503, 504],
    },
    profile: "default",
    volumes: [
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
    ],
  };
}
