/** Errors a user can fix: printed as one line each, exit code 2, never a stack trace. */
import { RuleError } from '../ruleset/errors.js';
import { MissingPathError } from '../sources/errors.js';
import { GitError } from '../sources/git.js';
import { BaselineError } from '../post/baseline.js';
import { ConfigError } from '../config/project.js';
import { OutputError } from '../report/write.js';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The one-line message for a known user error, or undefined for a bug (which keeps its stack). */
export function userErrorMessage(error: unknown): string | undefined {
  if (error instanceof UsageError || error instanceof MissingPathError || error instanceof RuleError || error instanceof GitError || error instanceof BaselineError || error instanceof ConfigError || error instanceof OutputError) return error.message;
  return undefined;
}

/**
 * The one line for a bug: exit code 2, never 1 (which means findings). The stack only with --debug,
 * since a user can do nothing with it but paste it into an issue.
 */
export function internalErrorMessage(error: unknown, debug: boolean): string {
  const message = error instanceof Error ? error.message : String(error);
  const stack = debug && error instanceof Error && error.stack !== undefined ? `\n${error.stack}` : '';
  return `keyleak: internal error: ${message}${debug ? '' : ' (run with --debug for the stack trace)'}${stack}\n`;
}
