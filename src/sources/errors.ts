/** Errors sources raise for user mistakes; kept apart so the CLI can name them without loading the walkers. */

/** Thrown when a path the user named does not exist: a usage error, not a notice. */
export class MissingPathError extends Error {
  constructor(readonly path: string) {
    super(`${path}: no such file or directory`);
    this.name = 'MissingPathError';
  }
}
