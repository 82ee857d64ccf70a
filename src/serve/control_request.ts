/**
 * The body of `POST /api/control`, checked against the profile's rules and
 * turned into the {@linkcode ControlChange} the run's control makes: every
 * limit within the profile's bounds and never above the limit the profile
 * set (its ceiling), so that no one steers a run past what its profile allows.
 *
 * @module
 */

import type { ScopeLimits } from "../exec/scope_tree.ts";
import type { ControlChange, ControlLimits } from "../exec/types.ts";
import { PROFILE_BOUNDS } from "../manifest/schema.ts";
import type { RunStateCeilings } from "../progress/run_state.ts";

/** The limits a `limits` body may name, in the profile's words. */
export const CONTROL_LIMITS = [
  "ratePerSecond",
  "maxInFlight",
  "volumes",
  "booksPerVolume",
  "chaptersPerBook",
] as const;

/** The actions a body may ask for. */
export const CONTROL_ACTIONS = ["pause", "resume", "cancel", "limits"] as const;

/** What the check needs of the run. */
export interface ControlRules {
  /** The profile's limits: no change may exceed one. */
  readonly ceilings: RunStateCeilings;
  /** The scope limits in force, completed by a change of one level. */
  readonly scopeLimits: ScopeLimits;
  /** Present for an adaptive profile, whose controller sets the rate and the in-flight cap. */
  readonly adaptive?: { readonly profile: string };
}

/**
 * The change a body asks for, or the message of a 400.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseControl } from "./control_request.ts";
 * const rules = {
 *   ceilings: { ratePerSecond: 20, maxInFlight: 150, volumes: 3, booksPerVolume: 5, chaptersPerBook: 10 },
 *   scopeLimits: { scopes: [3, 5], tasksPerScope: 10 },
 * };
 * assert.deepEqual(parseControl({ action: "limits", ratePerSecond: 5, volumes: 1 }, rules), {
 *   change: { action: "limits", limits: { ratePerSecond: 5, scopes: [1, 5] } },
 * });
 * assert.deepEqual(parseControl({ action: "limits", ratePerSecond: 25 }, rules), {
 *   error: "Cannot change the limits: ratePerSecond 25 is above the profile's ceiling 20",
 * });
 * ```
 */
export function parseControl(
  body: unknown,
  rules: ControlRules,
): { readonly change: ControlChange } | { readonly error: string } {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { error: "Cannot control the run: the body must be a JSON object with an action" };
  }
  const fields = body as Record<string, unknown>;
  const action = fields.action;
  switch (action) {
    case "pause":
    case "resume":
    case "cancel": {
      const extra = Object.keys(fields).filter((k) => k !== "action");
      if (extra.length > 0) {
        return { error: `Cannot ${action} the run: unknown field "${extra[0]}"` };
      }
      return { change: { action } };
    }
    case "limits":
      return _limits(fields, rules);
    default:
      return {
        error: `Cannot control the run: unknown action ${JSON.stringify(action) ?? "undefined"} ` +
          `(known: ${CONTROL_ACTIONS.join(", ")})`,
      };
  }
}

function _limits(
  fields: Record<string, unknown>,
  rules: ControlRules,
): { readonly change: ControlChange } | { readonly error: string } {
  const fail = (detail: string) => ({ error: `Cannot change the limits: ${detail}` });
  const known = new Set<string>(CONTROL_LIMITS);
  for (const key of Object.keys(fields)) {
    if (key !== "action" && !known.has(key)) {
      return fail(`unknown limit "${key}" (known: ${CONTROL_LIMITS.join(", ")})`);
    }
  }
  const named = CONTROL_LIMITS.filter((key) => fields[key] !== undefined);
  if (named.length === 0) return fail(`name at least one of ${CONTROL_LIMITS.join(", ")}`);
  if (rules.adaptive && (named.includes("ratePerSecond") || named.includes("maxInFlight"))) {
    return fail(
      `the adaptive controller of profile "${rules.adaptive.profile}" sets ratePerSecond and ` +
        `maxInFlight in this run; change volumes, booksPerVolume or chaptersPerBook`,
    );
  }
  const c = rules.ceilings;
  const limits: { -readonly [K in keyof ControlLimits]: ControlLimits[K] } = {};
  for (const key of named) {
    const value = fields[key];
    const ceiling = key === "ratePerSecond"
      ? c.ratePerSecond
      : key === "maxInFlight"
      ? c.maxInFlight
      : c[key];
    const shown = typeof value === "number" ? String(value) : JSON.stringify(value);
    if (value === null) {
      if (key !== "ratePerSecond" && key !== "maxInFlight") {
        return fail(`${key} must be a whole number of at least 1, not null`);
      }
      if (ceiling !== null) {
        return fail(`${key} none (no limit) is above the profile's ceiling ${ceiling}`);
      }
      limits[key] = Infinity;
      continue;
    }
    if (key === "ratePerSecond") {
      const { minRate, maxRate } = PROFILE_BOUNDS;
      if (typeof value !== "number" || !Number.isFinite(value) || value < minRate) {
        return fail(`ratePerSecond must be a number of at least ${minRate}, not ${shown}`);
      }
      if (value > (ceiling ?? maxRate)) {
        return fail(
          ceiling === null
            ? `ratePerSecond ${value} is above ${maxRate}`
            : `ratePerSecond ${value} is above the profile's ceiling ${ceiling}`,
        );
      }
      limits.ratePerSecond = value;
      continue;
    }
    const most = ceiling ?? PROFILE_BOUNDS.concurrency;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
      return fail(`${key} must be a whole number of at least 1, not ${shown}`);
    }
    if (value > most) {
      return fail(
        ceiling === null
          ? `${key} ${value} is above ${most}`
          : `${key} ${value} is above the profile's ceiling ${ceiling}`,
      );
    }
    if (key === "maxInFlight") limits.maxInFlight = value;
    else if (key === "chaptersPerBook") limits.tasksPerScope = value;
    else {
      const scopes = [...(limits.scopes ?? rules.scopeLimits.scopes)];
      scopes[key === "volumes" ? 0 : 1] = value;
      limits.scopes = scopes;
    }
  }
  return { change: { action: "limits", limits } };
}
