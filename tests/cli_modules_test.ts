/**
 * What every command of the CLI loads before it runs: `src/cli.ts` lists all
 * commands and their flags, so a heavy module one command needs must be
 * loaded by that command alone.
 */

import assert from "node:assert/strict";
import { staticGraph } from "./_static_graph.ts";

Deno.test("the CLI loads node:sqlite only for an SQLite export, not for an import", async () => {
  const specifiers = await staticGraph("src/cli.ts");
  assert.ok(specifiers.some((s) => s.endsWith("/src/cli/export_command.ts")), "lists export");
  assert.deepEqual(
    specifiers.filter((s) => s === "node:sqlite" || s.endsWith("/export/sqlite.ts")),
    [],
  );
});
