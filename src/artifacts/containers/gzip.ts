/** gzip: one compressed member, named after the original file when the header records it. */
import { gunzipSync } from 'node:zlib';
import { EntryError, isOutputLimit, type ContainerListing } from './container.js';

const FLAG_EXTRA = 0x04;
const FLAG_NAME = 0x08;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 18 && bytes[0] === 0x1f && bytes[1] === 0x8b && bytes[2] === 8;
}

function storedName(bytes: Uint8Array): string | undefined {
  const flags = bytes[3]!;
  if (!(flags & FLAG_NAME)) return undefined;
  let at = 10;
  if (flags & FLAG_EXTRA) at += 2 + (bytes[10]! | (bytes[11]! << 8));
  const end = bytes.indexOf(0, at);
  return end === -1 ? undefined : Buffer.from(bytes.subarray(at, end)).toString('latin1');
}

/** `app.tgz` holds `app.tar`, `notes.txt.gz` holds `notes.txt`. */
function impliedName(outerName: string): string {
  const base = outerName.slice(outerName.lastIndexOf('/') + 1);
  if (/\.tgz$/i.test(base)) return base.replace(/\.tgz$/i, '.tar');
  return /\.gz$/i.test(base) ? base.slice(0, -3) : `${base}.ungzipped`;
}

export function listGzip(bytes: Uint8Array, outerName: string): ContainerListing {
  const read = (limit: number): Uint8Array => {
    try {
      return gunzipSync(bytes, { maxOutputLength: Math.max(1, limit) });
    } catch (error) {
      if (isOutputLimit(error)) throw new EntryError('too-large', `decompresses past the ${limit}-byte limit`);
      throw new EntryError('damaged', `cannot be decompressed (${(error as Error).message})`);
    }
  };
  return { entries: [{ name: storedName(bytes) ?? impliedName(outerName), storedSize: bytes.length, read }], notices: [] };
}
