/**
 * Renders a plan for people (`plan`), for programs (`--format json`) and for
 * Graphviz (`--format dot`).
 *
 * @module
 */

import type { Profile } from "../manifest/types.ts";
import { formatDuration } from "./format.ts";
import type { Bound } from "../plan/bound.ts";
import { type Plan, planBound, planLimits } from "../plan/planner.ts";

/** The plan summary printed by `plan` and embedded in `plan --format json`. */
export interface PlanSummary {
  readonly selection: readonly string[];
  /** The languages, in order: one, or several (each into `<out>/<lang>/`). */
  readonly langs: readonly string[];
  /** Volumes over all languages. */
  readonly volumes: number;
  readonly books: number;
  readonly chapterTasks: number;
  readonly sinkNodes: number;
  readonly profile: {
    readonly name: string;
    readonly file: string;
    /** Languages open at once (1 unless the plan has several). */
    readonly languages: number;
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
  const limits = planLimits(plan, profile);
  const bucket = limits.executor.tokenBucket;
  return {
    selection: plan.selection.labels,
    langs: plan.langs,
    volumes: plan.counts.volumes,
    books: plan.counts.books,
    chapterTasks: plan.counts.chapters,
    sinkNodes: plan.counts.sinks,
    profile: {
      name: profile.name,
      file: profile.file,
      languages: limits.languages,
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
    ...(summary.langs.length > 1
      ? [`  languages      ${n(summary.langs.length)} (${_langList(summary.langs)})`]
      : [`  language       ${summary.langs[0]}`]),
    `  volumes        ${n(summary.volumes)}`,
    `  books          ${n(summary.books)}`,
    `  chapter tasks  ${n(summary.chapterTasks)}`,
    `  sink nodes     ${n(summary.sinkNodes)} (${n(summary.books)} book, ${
      n(summary.volumes)
    } volume, ${_rootManifests(summary.langs.length)})`,
    `Profile "${p.name}" (${p.file})`,
    `  ${
      summary.langs.length > 1 ? `languages ${p.languages}, ` : ""
    }volumes ${p.volumes}, booksPerVolume ${p.booksPerVolume}, chaptersPerBook ${p.chaptersPerBook}, maxInFlight ${
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

function _langList(langs: readonly string[]): string {
  return langs.length <= 12 ? langs.join(", ") : `${langs.slice(0, 12).join(", ")}, ...`;
}

function _rootManifests(languages: number): string {
  return languages > 1
    ? `${languages.toLocaleString("en-US")} language root and 1 languages' manifest`
    : "1 root manifest";
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
