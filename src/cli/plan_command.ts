/**
 * `plan`: shows what an import would do: the DAG, the limits and the
 * theoretical minimum time.
 *
 * @module
 */

import { type Command, Option } from "commander";
import { durationFlag, languageListFlag } from "./flags.ts";
import {
  addCommonOptions,
  addSelectOptions,
  type CliDeps,
  EXIT,
  loadInputs,
  planSelection,
  type SelectOptions,
} from "./options.ts";

/** The flags of `plan`. */
export interface PlanFlags extends SelectOptions {
  format: "text" | "json" | "dot";
  latency: string;
  lang?: string;
}

/** Adds `plan` to the program; its action sets the exit code. */
export function addPlanCommand(
  program: Command,
  deps: CliDeps,
  setExit: (code: number) => void,
): void {
  addSelectOptions(addCommonOptions(program.command("plan")))
    .description(
      "Show what an import would do: the DAG, the limits and the theoretical minimum time.",
    )
    .addOption(
      new Option("-f, --format <format>", "output format").choices(["text", "json", "dot"])
        .default("text"),
    )
    .option("--latency <duration>", "request latency for the theoretical minimum", "100ms")
    .option("--lang <codes>", "language code or comma list, as import's --lang")
    .action(async (options: PlanFlags) => {
      setExit(await planCommand(options, deps));
    });
}

/** Prints the plan of the selection; returns 0. */
export async function planCommand(options: PlanFlags, deps: CliDeps): Promise<number> {
  const latencyMs = durationFlag("--latency", options.latency);
  const loaded = await loadInputs(options);
  const { profile } = loaded;
  let { manifest } = loaded;
  if (options.lang !== undefined) {
    const langs = languageListFlag(options.lang);
    manifest = { ...manifest, source: { ...manifest.source, lang: langs[0], langs } };
  }
  const plan = planSelection(manifest, options);
  // Loaded by the command that uses it: an import starts sooner and lighter.
  const { renderPlanDot, renderPlanJson, renderPlanText, summarizePlan } = await import(
    "../progress/plan_view.ts"
  );
  const summary = summarizePlan(plan, profile, latencyMs);
  if (options.format === "json") deps.stdout(renderPlanJson(plan, summary));
  else if (options.format === "dot") deps.stdout(renderPlanDot(plan));
  else deps.stdout(renderPlanText(summary));
  return EXIT.ok;
}
