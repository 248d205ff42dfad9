/** Reads one file's bytes within a size limit, or explains in a notice why it was not read. */
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import type { Notice } from '../types.js';

/** A NUL byte in the first 8 KiB marks a binary file, as git and gitleaks decide it. */
const SNIFF_BYTES = 8192;
/** Enough of a file to tell its format by magic number (tar's sits at byte 257). */
const HEAD_BYTES = 512;

export type ReadOutcome =
  | { readonly kind: 'read'; readonly bytes: Buffer }
  | { readonly kind: 'skipped'; readonly bytes: number; readonly notice: Notice };

export function isBinary(bytes: Uint8Array): boolean {
  return bytes.subarray(0, SNIFF_BYTES).includes(0);
}

function describeError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOENT':
      return 'disappeared before it could be read';
    case 'EISDIR':
      return 'is a directory';
    default:
      return code ?? (error instanceof Error ? error.message : String(error));
  }
}

/** UTF-8 with the byte-order mark removed: editors and SARIF viewers do not count it as a column. */
export function decodeText(bytes: Uint8Array): { readonly text: string; readonly valid: boolean } {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const valid = isUtf8(buffer);
  const text = buffer.toString('utf8');
  return { text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, valid };
}

function readHead(absolute: string): Uint8Array {
  const descriptor = openSync(absolute, 'r');
  try {
    const head = Buffer.alloc(HEAD_BYTES);
    return head.subarray(0, readSync(descriptor, head, 0, HEAD_BYTES, 0));
  } finally {
    closeSync(descriptor);
  }
}

/**
 * `maxFileSize` bounds ordinary files; a file over it is read anyway when `largerLimit` allows its
 * head (an app package may be hundreds of megabytes and is bounded by the archive limits instead).
 */
export function readFileWithin(absolute: string, display: string, maxFileSize: number, largerLimit: (head: Uint8Array) => number | undefined): ReadOutcome {
  try {
    const size = statSync(absolute).size;
    if (size > maxFileSize) {
      const limit = largerLimit(readHead(absolute));
      if (limit === undefined || size > limit) {
        const [bound, flag] = limit === undefined ? [maxFileSize, '--max-file-size'] : [limit, '--max-archive-size'];
        return { kind: 'skipped', bytes: 0, notice: { level: 'note', code: 'file-too-large', message: `${size} bytes is over the ${bound}-byte limit (${flag}); not scanned`, path: display } };
      }
    }
    return { kind: 'read', bytes: readFileSync(absolute) };
  } catch (error) {
    return { kind: 'skipped', bytes: 0, notice: { level: 'warning', code: 'unreadable', message: `cannot be read: ${describeError(error)}`, path: display } };
  }
}

export type TextOutcome = { readonly kind: 'text'; readonly text: string; readonly notices: readonly Notice[] } | { readonly kind: 'binary'; readonly notice: Notice };

export function textOf(bytes: Uint8Array, display: string): TextOutcome {
  if (isBinary(bytes)) return { kind: 'binary', notice: { level: 'note', code: 'binary-skipped', message: 'binary file; not scanned', path: display } };
  const { text, valid } = decodeText(bytes);
  const notices: Notice[] = valid ? [] : [{ level: 'note', code: 'invalid-utf8', message: 'not valid UTF-8; invalid bytes read as U+FFFD', path: display }];
  return { kind: 'text', text, notices };
}
