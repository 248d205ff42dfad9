/** Errors a user can fix: printed as one line each, exit code 2, never a stack trace. */
import { RuleError } from '../ruleset/errors.js';
import { MissingPathError } from '../sources/errors.js';
import { GitError } from '../sources/git.js';
import { BaselineError } from '../post/baseline.js';
import { ConfigError } from '../config/project.js';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The one-line message for a known user error, or undefined for a bug (which keeps its stack). */
export function userErrorMessage(error: unknown): string | undefined {
  if (error instanceof UsageError || error instanceof MissingPathError || error instanceof RuleError || error instanceof GitError || error instanceof BaselineError || error instanceof ConfigError) return error.message;
  return undefined;
}
