import assert from "node:assert/strict";
import { ROOT } from "./_cli.ts";

interface Task {
  readonly description?: string;
  readonly command?: string;
}

const config = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`)) as {
  tasks: Record<string, string | Task>;
};
const readme = await Deno.readTextFile(`${ROOT}/README.md`);

Deno.test("every task says what it does: `deno task` lists a description for each", () => {
  const bare = Object.entries(config.tasks)
    .filter(([, task]) => typeof task === "string" || !task.description?.trim())
    .map(([name]) => name);
  assert.deepEqual(bare, []);
});

Deno.test("README names every task", () => {
  const missing = Object.keys(config.tasks).filter((name) => !readme.includes(`deno task ${name}`));
  assert.deepEqual(missing, []);
});
