/** The tool's name and version, as sent in the User-Agent and written to logs and manifests. */
export const TOOL = { name: "scripture-importer", version: "0.1.0" } as const;
