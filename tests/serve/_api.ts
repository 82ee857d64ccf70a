/** Reading a `--serve` server's state and posting its controls, for the server's tests. */
import type { RunState } from "../../src/progress/run_state.ts";

/** `GET /api/state` of the server at `url` (ending in `/`). */
export async function state(url: string): Promise<RunState> {
  return await (await fetch(`${url}api/state`)).json();
}

/** Reads the state until `test` holds: each read waits for the server, no time is asserted. */
export async function untilState(url: string, test: (s: RunState) => boolean): Promise<RunState> {
  for (;;) {
    const s = await state(url);
    if (test(s)) return s;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** `POST /api/control` of `body` as JSON: the status and the parsed reply. */
export async function control(
  url: string,
  body: unknown,
  // deno-lint-ignore no-explicit-any
): Promise<{ status: number; reply: Record<string, any> }> {
  const response = await fetch(`${url}api/control`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, reply: await response.json() };
}
