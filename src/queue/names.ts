/**
 * The names a queue run uses in Redis: the queues, the run id, the job ids
 * and the keys of a run's settings and events. Pure functions, no connection.
 *
 * @module
 */

import type { PlanNode } from "../plan/types.ts";

/** The prefix of every key the importer keeps in Redis. */
export const KEY_PREFIX = "importer";

/** The queue of chapter jobs: the one the rate limit and the in-flight cap apply to. */
export const CHAPTER_QUEUE = "chapters";

/** The queue of manifest jobs (book, volume, root): local work, no limit. */
export const MANIFEST_QUEUE = "manifests";

/**
 * The deterministic id of a node's job: `<run>:<lang>:<uri>`. The uri of a
 * chapter is its page's (`/scriptures/bofm/1-ne/3`); a book manifest's its
 * book's (`/scriptures/bofm/1-ne`), a volume manifest's its volume's, and
 * the root manifest's `/scriptures`. Adding a job whose id exists does nothing,
 * so a run enqueued twice fetches each chapter once.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jobIdOf } from "./names.ts";
 * assert.equal(
 *   jobIdOf("r1", "eng", {
 *     kind: "root-manifest",
 *     id: "manifest",
 *     lang: "eng",
 *     role: "sink",
 *     deps: [],
 *     scope: [],
 *   }),
 *   "r1:eng:/scriptures",
 * );
 * ```
 */
export function jobIdOf(run: string, lang: string, node: PlanNode): string {
  // A node names its own language; the languages manifest, of them all, the run's first.
  return `${run}:${"lang" in node ? node.lang : lang}:${nodeUri(node)}`;
}

/** The node every other one leads to: the languages manifest of a run of several, else the root manifest. */
export function topNode(nodes: readonly PlanNode[]): PlanNode | undefined {
  return nodes.find((n) => n.kind === "languages-manifest") ??
    nodes.find((n) => n.kind === "root-manifest");
}

/** The uri a node's job id names (see {@linkcode jobIdOf}). */
export function nodeUri(node: PlanNode): string {
  switch (node.kind) {
    case "chapter":
      return node.uri;
    case "book-manifest":
      return `/scriptures/${node.volume}/${node.book}`;
    case "volume-manifest":
      return `/scriptures/${node.volume}`;
    case "root-manifest":
      return "/scriptures";
    case "languages-manifest":
      return "/languages";
    default: {
      const never: never = node;
      throw new TypeError(`Cannot name the job of node "${(never as PlanNode).id}"`);
    }
  }
}

/**
 * Whether `run` may name a run: letters, digits, `.`, `_` and `-`, 1 to 64
 * of them (a `:` would break the job ids BullMQ accepts).
 */
export function isRunId(run: string): boolean {
  return /^[A-Za-z0-9._-]{1,64}$/.test(run);
}

/** The key of a run's settings (JSON). */
export const runConfigKey = (run: string): string => `${KEY_PREFIX}:run:${run}:config`;

/** The key of a run's event stream (one entry per event, field `event`: JSON). */
export const runEventsKey = (run: string): string => `${KEY_PREFIX}:run:${run}:events`;

/**
 * The key of what a run's workers learnt the API does not serve (a hash:
 * field `<lang> <scope>`, e.g. `tpi ot`, value the reason), so that every
 * worker skips those chapters and writes them into the root manifest.
 */
export const runNotAvailableKey = (run: string): string => `${KEY_PREFIX}:run:${run}:not-available`;

/** The key holding the limits the workers of the chapter queue run with (JSON). */
export const LIMITS_KEY = `${KEY_PREFIX}:limits`;

/** The key of the lock held by the worker that runs the adaptive controller of the chapter queue. */
export const LEADER_KEY = `${KEY_PREFIX}:adaptive:leader`;

/** The Pub/Sub channel on which workers send the leader their chapters' outcomes (JSON signals). */
export const SIGNALS_CHANNEL = `${KEY_PREFIX}:adaptive:signals`;
