/**
 * The base of every error the user can fix by changing what they gave: a
 * flag, a manifest, a profile, a selection, a log. It carries the exit code,
 * so the command line catches this one class, in one place, and prints the
 * message without a stack.
 *
 * @module
 */

/**
 * An error in the user's input. `exitCode` is 2 (bad input) unless told.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UserError } from "./user_error.ts";
 * class SelectionError extends UserError {}
 * const error = new SelectionError('Cannot select source "bom": no such volume');
 * assert.ok(error instanceof UserError);
 * assert.equal(error.exitCode, 2);
 * ```
 */
export class UserError extends Error {
  /** The process's exit code when this error ends a command. @default 2 */
  readonly exitCode: number;

  /** Creates the error with its message, a cause, and the exit code it ends a command with (2 unless told). */
  constructor(message: string, options: ErrorOptions & { readonly exitCode?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options.exitCode ?? 2;
  }
}
