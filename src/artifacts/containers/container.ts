/** What every container reader (zip, tar, gzip, asar) hands to the artifact walker. */

export interface ContainerEntry {
  /** The name as stored: `../` and absolute names are kept, they are only ever shown, never written. */
  readonly name: string;
  /** Bytes the entry occupies in the container, to bound its compression ratio. */
  readonly storedSize: number;
  /** The entry's content, at most `limit` bytes; throws EntryError when it is larger or unreadable. */
  read(limit: number): Uint8Array;
}

export interface ContainerListing {
  readonly entries: readonly ContainerEntry[];
  /** One-line remarks about the container itself: skipped entries, truncation. */
  readonly notices: readonly string[];
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
