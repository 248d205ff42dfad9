/** What every container reader (zip, tar, gzip, asar) hands to the artifact walker. */

export interface ContainerEntry {
  /** The name as stored: `../` and absolute names are kept, they are only ever shown, never written. */
  readonly name: string;
  /** Bytes the entry occupies in the container, to bound its compression ratio. */
  readonly storedSize: number;
  /** Why content just read is not what the container meant (a CRC mismatch, a salvaged stream), if it is not. */
  readonly damage?: (content: Uint8Array) => string | undefined;
  /** The entry's content, at most `limit` bytes; throws EntryError when it is larger or unreadable. */
  read(limit: number): Uint8Array;
}

/** A remark about the container itself: a limit that left entries out, damage, files kept elsewhere. */
export interface ContainerNotice {
  readonly code: 'archive-limit' | 'archive-damaged' | 'archive-unpacked';
  readonly message: string;
}

export interface ContainerListing {
  readonly entries: readonly ContainerEntry[];
  readonly notices: readonly ContainerNotice[];
}

export function tooManyEntries(maxEntries: number): ContainerNotice {
  return { code: 'archive-limit', message: `more than ${maxEntries} entries; the rest were not scanned (--max-archive-entries)` };
}

export type EntryProblem = 'too-large' | 'damaged' | 'encrypted' | 'unsupported';

export class EntryError extends Error {
  override readonly name = 'EntryError';
  constructor(
    readonly problem: EntryProblem,
    message: string,
  ) {
    super(message);
  }
}

/** Whether `error` is zlib refusing to produce more than `maxOutputLength` bytes. */
export function isOutputLimit(error: unknown): boolean {
  return error instanceof RangeError || (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
}

/** Bytes of a container that an entry occupies, from `start` up to `end`. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/**
 * Indexes of spans that overlap an earlier kept span. Sharing bytes is the overlapping-entry
 * bomb (thousands of names for one compressed kernel, or each zip entry's data quoting the next
 * entry's header); judging whole spans, not header positions, means padding a zip local header's
 * extra field cannot hide it. Android rejects such zips too, and no asar tool writes one.
 */
export function overlappingSpans(spans: readonly Span[]): Set<number> {
  const order = spans.map((_, index) => index).sort((a, b) => spans[a]!.start - spans[b]!.start);
  const refused = new Set<number>();
  let reach = -1;
  for (const index of order) {
    const span = spans[index]!;
    if (span.start < reach) refused.add(index);
    else reach = span.end;
  }
  return refused;
}
