/** Reads one file into text for the detector, or explains in a notice why it was not scanned. */
import { readFileSync, statSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import type { Notice } from '../types.js';

/** A NUL byte in the first 8 KiB marks a binary file, as git and gitleaks decide it. */
const SNIFF_BYTES = 8192;

export type ReadOutcome =
  | { readonly kind: 'text'; readonly text: string; readonly bytes: number; readonly notices: readonly Notice[] }
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
export function decodeText(bytes: Buffer): { readonly text: string; readonly valid: boolean } {
  const valid = isUtf8(bytes);
  const text = bytes.toString('utf8');
  return { text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, valid };
}

export function readTextFile(absolute: string, display: string, maxFileSize: number): ReadOutcome {
  let bytes: Buffer;
  try {
    const size = statSync(absolute).size;
    if (size > maxFileSize) {
      return { kind: 'skipped', bytes: 0, notice: { level: 'note', code: 'file-too-large', message: `${size} bytes is over the ${maxFileSize}-byte limit (--max-file-size); not scanned`, path: display } };
    }
    bytes = readFileSync(absolute);
  } catch (error) {
    return { kind: 'skipped', bytes: 0, notice: { level: 'warning', code: 'unreadable', message: `cannot be read: ${describeError(error)}`, path: display } };
  }
  if (isBinary(bytes)) {
    return { kind: 'skipped', bytes: bytes.length, notice: { level: 'note', code: 'binary-skipped', message: 'binary file; not scanned', path: display } };
  }
  const { text, valid } = decodeText(bytes);
  const notices: Notice[] = valid ? [] : [{ level: 'note', code: 'invalid-utf8', message: 'not valid UTF-8; invalid bytes read as U+FFFD', path: display }];
  return { kind: 'text', text, bytes: bytes.length, notices };
}
