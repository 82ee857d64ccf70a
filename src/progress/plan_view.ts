/**
 * Renders a plan for people (`plan`), for programs (`--format json`) and for
 * Graphviz (`--format dot`).
 *
 * @module
 */

import { compileLimits } from "../plan/limits.ts";
import type { Profile } from "../manifest/types.ts";
import { formatDuration } from "./format.ts";
import type { Bound } from "../plan/bound.ts";
import { type Plan, planBound } from "../plan/planner.ts";

/** The plan summary printed by `plan` and embedded in `plan --format json`. */
export interface PlanSummary {
  readonly selection: readonly string[];
  readonly volumes: number;
  readonly books: number;
  readonly chapterTasks: number;
  readonly sinkNodes: number;
  readonly profile: {
    readonly name: string;
    readonly file: string;
    readonly volumes: number;
    readonly booksPerVolume: number;
    readonly chaptersPerBook: number;
    readonly maxInFlight: number | null;
    readonly delayMs: number;
    readonly requestsPerSecond: number | null;
    readonly burst: number | null;
  };
  readonly effectiveConcurrency: number;
  readonly maxRequestsPerSecond: number | null;
  readonly latencyMs: number;
  readonly theoreticalMinimumMs: number;
  readonly limitedBy: Bound["limitedBy"];
  readonly terms: Bound["terms"];
}

/** Summarises a plan under a profile, with the bound at `latencyMs`. */
export function summarizePlan(plan: Plan, profile: Profile, latencyMs: number): PlanSummary {
  const bound = planBound(plan, profile, latencyMs);
  const bucket = compileLimits(profile).executor.tokenBucket;
  return {
    selection: plan.selection.labels,
    volumes: plan.counts.volumes,
    books: plan.counts.books,
    chapterTasks: plan.counts.chapters,
    sinkNodes: plan.counts.sinks,
    profile: {
      name: profile.name,
      file: profile.file,
      volumes: profile.volumes,
      booksPerVolume: profile.booksPerVolume,
      chaptersPerBook: profile.chaptersPerBook,
      maxInFlight: profile.maxInFlight ?? null,
      delayMs: profile.delayMs,
      requestsPerSecond: bucket?.ratePerSecond ?? null,
      burst: bucket?.burst ?? null,
    },
    effectiveConcurrency: bound.concurrency,
    maxRequestsPerSecond: Number.isFinite(bound.rate) ? bound.rate : null,
    latencyMs,
    theoreticalMinimumMs: bound.ms,
    limitedBy: bound.limitedBy,
    terms: bound.terms,
  };
}

/** The text `plan` prints. */
export function renderPlanText(summary: PlanSummary): string {
  const p = summary.profile;
  const n = (x: number) => x.toLocaleString("en-US");
  const rate = summary.maxRequestsPerSecond === null
    ? "unlimited"
    : `at most ${+summary.maxRequestsPerSecond.toFixed(2)} requests/s`;
  const bucket = p.requestsPerSecond === null
    ? ""
    : `, token bucket ${p.requestsPerSecond}/s burst ${p.burst}`;
  const t = summary.terms;
  return [
    `Selection: ${summary.selection.join(", ")}`,
    `  volumes        ${n(summary.volumes)}`,
    `  books          ${n(summary.books)}`,
    `  chapter tasks  ${n(summary.chapterTasks)}`,
    `  sink nodes     ${n(summary.sinkNodes)} (${n(summary.books)} book, ${
      n(summary.volumes)
    } volume, 1 root manifest)`,
    `Profile "${p.name}" (${p.file})`,
    `  volumes ${p.volumes}, booksPerVolume ${p.booksPerVolume}, chaptersPerBook ${p.chaptersPerBook}, maxInFlight ${
      p.maxInFlight ?? "none"
    }`,
    `  delay ${formatDuration(p.delayMs)} between request starts${bucket} (${rate})`,
    `  effective concurrency: ${n(summary.effectiveConcurrency)} requests in flight`,
    `Theoretical minimum at ${formatDuration(summary.latencyMs)} latency: ${
      formatDuration(summary.theoreticalMinimumMs)
    } (limited by ${summary.limitedBy})`,
    `  ceil(N/C)*L ${formatDuration(t.concurrency)}, N/R ${formatDuration(t.rate)}, longest book ${
      formatDuration(t.longestBook)
    }, largest volume ${formatDuration(t.volume)}`,
    "",
  ].join("\n");
}

/** `plan --format json`: every node, then the summary. */
export function renderPlanJson(plan: Plan, summary: PlanSummary): string {
  const nodes = plan.dag.nodes.map((node) => ({
    id: node.id,
    kind: node.kind,
    deps: node.deps,
    scope: node.scope,
    ...(node.kind === "chapter" ? { uri: node.uri } : {}),
  }));
  return JSON.stringify({ nodes, summary }, null, 2) + "\n";
}

/** `plan --format dot`: a Graphviz digraph, chapters as boxes, manifests as notes. */
export function renderPlanDot(plan: Plan): string {
  const q = (s: string) => JSON.stringify(s);
  const lines = ["digraph plan {", "  rankdir=LR;", "  node [fontname=Helvetica];"];
  for (const node of plan.dag.nodes) {
    const shape = node.kind === "chapter" ? "box" : "note";
    lines.push(`  ${q(node.id)} [shape=${shape}];`);
    for (const dep of node.deps) lines.push(`  ${q(dep)} -> ${q(node.id)};`);
  }
  lines.push("}", "");
  return lines.join("\n");
}
