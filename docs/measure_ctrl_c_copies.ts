/**
 * Measures how many SIGINTs one Ctrl-C at a terminal delivers to a program
 * run by `deno task`, and how far apart they arrive: the figures behind
 * `DUPLICATE_SIGNAL_WINDOW_MS` in src/cli/interrupt.ts.
 *
 *     deno run --allow-read --allow-write --allow-run docs/measure_ctrl_c_copies.ts [presses]
 *
 * Needs `script` from util-linux. Types `presses` (default 20) Ctrl-Cs, 700
 * ms apart, at a pseudo-terminal running `deno task probe`, whose probe
 * records the time of each SIGINT it receives.
 *
 * @module
 */

const presses = Number(Deno.args[0] ?? 20);
const dir = await Deno.makeTempDir();
try {
  await Deno.writeTextFile(
    `${dir}/probe.ts`,
    `const t0 = performance.now();
Deno.addSignalListener("SIGINT", () => console.log("SIGINT", performance.now() - t0));
console.log("ready");
setTimeout(() => {}, 600_000);
`,
  );
  await Deno.writeTextFile(
    `${dir}/deno.json`,
    JSON.stringify({ tasks: { probe: "deno run probe.ts" } }),
  );
  const child = new Deno.Command("script", {
    args: ["-qfec", `stty isig intr '^C'; exec '${Deno.execPath()}' task probe`, "/dev/null"],
    cwd: dir,
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
    env: { SHELL: "/bin/sh", NO_COLOR: "1" },
  }).spawn();
  const keyboard = child.stdin.getWriter();
  let screen = "";
  const reading = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stdout) screen += decoder.decode(chunk, { stream: true });
  })();
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  while (!screen.includes("ready")) await sleep(20);
  for (let i = 0; i < presses; i++) {
    await keyboard.write(new Uint8Array([3]));
    await sleep(700);
  }
  child.kill("SIGKILL");
  await child.status;
  await reading;
  await keyboard.close().catch(() => {});

  const times = [...screen.matchAll(/SIGINT ([\d.]+)/g)].map((m) => Number(m[1]));
  // Arrivals closer than half the spacing of the presses belong to one press.
  const groups: number[][] = [];
  for (const at of times) {
    const group = groups.at(-1);
    if (group && at - group[0] < 350) group.push(at);
    else groups.push([at]);
  }
  const spreads = groups.filter((g) => g.length > 1).map((g) => g.at(-1)! - g[0]);
  console.log(`presses typed ${presses}, seen ${groups.length}`);
  console.log(`copies per press: ${groups.map((g) => g.length).join(",")}`);
  console.log(
    `presses that arrived more than once: ${spreads.length}; spread of their copies: ` +
      (spreads.length
        ? `${Math.min(...spreads).toFixed(2)}-${Math.max(...spreads).toFixed(2)} ms`
        : "-"),
  );
} finally {
  await Deno.remove(dir, { recursive: true });
}
