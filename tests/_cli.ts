/**
 * Running the command line from tests: in process through `main`, or as a
 * subprocess with the permissions `deno task import` gives.
 */
import { join } from "node:path";
import { type CliDeps, main } from "../src/cli.ts";

/** The project's root folder. */
export const ROOT: string = new URL("..", import.meta.url).pathname;

/** `deno run` arguments for the real CLI, then `args` (a subprocess's `args`). */
export function cliArgs(...args: string[]): string[] {
  return [
    "run",
    "--allow-read",
    "--allow-write",
    "--allow-net",
    "--allow-env",
    join(ROOT, "src", "cli.ts"),
    ...args,
  ];
}

/** What {@linkcode runMain} returns: the exit code and everything printed. */
export interface MainResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `main(args)` in process, capturing what it prints. */
export async function runMain(
  args: string[],
  deps: Partial<Omit<CliDeps, "stdout" | "stderr">> = {},
): Promise<MainResult> {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    ...deps,
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
  });
  return { code, stdout, stderr };
}
