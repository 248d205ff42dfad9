/** Default limits, in a module of their own so the CLI can show them without loading the scanners. */

/** Files larger than this are skipped with a notice (`--max-file-size`). */
export const DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024;
