/** Bounds on what one top-level artifact may cost: nesting, entries, decompressed bytes, ratio. */

export interface ArchiveLimits {
  /** Containers nested deeper than this are not opened (`--max-archive-depth`; 0 opens none). */
  readonly maxDepth: number;
  /** Entries read from one container (`--max-archive-entries`). */
  readonly maxEntries: number;
  /** Decompressed bytes of one entry (`--max-entry-size`). */
  readonly maxEntryBytes: number;
  /** Decompressed bytes of all entries of one top-level artifact together (`--max-archive-size`). */
  readonly maxTotalBytes: number;
  /** Decompressed-to-stored ratio an entry may reach once past RATIO_FLOOR bytes (`--max-compression-ratio`). */
  readonly maxRatio: number;
}

/** Small entries compress as they like: only a large output with a huge ratio is a bomb. */
export const RATIO_FLOOR = 1024 * 1024;

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxDepth: 8,
  maxEntries: 100_000,
  maxEntryBytes: 256 * 1024 * 1024,
  maxTotalBytes: 1024 * 1024 * 1024,
  maxRatio: 200,
};
