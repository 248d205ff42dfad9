/** gzip: compressed members (usually one), named after the original file when the header records it. */
import { constants, gunzipSync, inflateRawSync } from 'node:zlib';
import { EntryError, isOutputLimit, type ContainerListing } from './container.js';

const FLAG_HEADER_CRC = 0x02;
const FLAG_EXTRA = 0x04;
const FLAG_NAME = 0x08;
const FLAG_COMMENT = 0x10;
const HEADER_SIZE = 10;
const TRAILER_SIZE = 8;
/** Salvage inflates member by member, a call each: past this many, a file of empty members would take seconds. */
const MAX_SALVAGED_MEMBERS = 4096;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 18 && bytes[0] === 0x1f && bytes[1] === 0x8b && bytes[2] === 8;
}

function storedName(bytes: Uint8Array): string | undefined {
  const flags = bytes[3]!;
  if (!(flags & FLAG_NAME)) return undefined;
  let at = HEADER_SIZE;
  if (flags & FLAG_EXTRA) at += 2 + (bytes[10]! | (bytes[11]! << 8));
  const end = bytes.indexOf(0, at);
  return end === -1 ? undefined : Buffer.from(bytes.subarray(at, end)).toString('latin1');
}

/** Where the deflate data of the member at `at` starts, past its optional header fields. */
export function memberDataStart(bytes: Uint8Array, at: number): number | undefined {
  if (bytes[at] !== 0x1f || bytes[at + 1] !== 0x8b || bytes[at + 2] !== 8 || at + HEADER_SIZE > bytes.length) return undefined;
  const flags = bytes[at + 3]!;
  let next = at + HEADER_SIZE;
  if (flags & FLAG_EXTRA) next += 2 + (bytes[next]! | (bytes[next + 1]! << 8));
  for (const flag of [FLAG_NAME, FLAG_COMMENT]) {
    if (!(flags & flag)) continue;
    const end = bytes.indexOf(0, next);
    if (end === -1) return undefined;
    next = end + 1;
  }
  if (flags & FLAG_HEADER_CRC) next += 2;
  return next < bytes.length ? next : undefined;
}

interface RawInflation {
  readonly buffer: Buffer;
  readonly engine: { readonly bytesWritten: number };
}

/**
 * What a damaged stream still gives, member by member: everything up to a cut-off end, up to the
 * member that is damaged, or up to trailing garbage (of the first MAX_SALVAGED_MEMBERS members).
 * gzip(1) recovers the same, and a secret before the damage is still a leaked secret.
 */
export function salvageGzip(bytes: Uint8Array, limit: number): Uint8Array {
  const parts: Buffer[] = [];
  let total = 0;
  for (let at = 0; at < bytes.length && parts.length < MAX_SALVAGED_MEMBERS; ) {
    const start = memberDataStart(bytes, at);
    if (start === undefined) break;
    let inflated: RawInflation;
    try {
      inflated = inflateRawSync(bytes.subarray(start), { info: true, finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: Math.max(1, limit - total) }) as unknown as RawInflation;
    } catch (error) {
      if (isOutputLimit(error)) throw new EntryError('too-large', `decompresses past the ${limit}-byte limit`);
      break;
    }
    parts.push(inflated.buffer);
    total += inflated.buffer.length;
    at = start + inflated.engine.bytesWritten + TRAILER_SIZE;
  }
  return Buffer.concat(parts);
}

/** A stream that is only cut off, recovered in one call; undefined when the damage is elsewhere. */
function cutShort(bytes: Uint8Array, limit: number): Uint8Array | undefined {
  try {
    return gunzipSync(bytes, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: Math.max(1, limit) });
  } catch (error) {
    if (isOutputLimit(error)) throw new EntryError('too-large', `decompresses past the ${limit}-byte limit`);
    return undefined;
  }
}

/** `app.tgz` holds `app.tar`, `notes.txt.gz` holds `notes.txt`. */
function impliedName(outerName: string): string {
  const base = outerName.slice(outerName.lastIndexOf('/') + 1);
  if (/\.tgz$/i.test(base)) return base.replace(/\.tgz$/i, '.tar');
  return /\.gz$/i.test(base) ? base.slice(0, -3) : `${base}.ungzipped`;
}

export function listGzip(bytes: Uint8Array, outerName: string): ContainerListing {
  let damage: string | undefined;
  const read = (limit: number): Uint8Array => {
    try {
      return gunzipSync(bytes, { maxOutputLength: Math.max(1, limit) });
    } catch (error) {
      if (isOutputLimit(error)) throw new EntryError('too-large', `decompresses past the ${limit}-byte limit`);
      const salvaged = cutShort(bytes, limit) ?? salvageGzip(bytes, limit);
      if (salvaged.length === 0) throw new EntryError('damaged', `cannot be decompressed (${(error as Error).message})`);
      damage = `cannot be fully decompressed (${(error as Error).message}); the ${salvaged.length} bytes before the damage were recovered`;
      return salvaged;
    }
  };
  return { entries: [{ name: storedName(bytes) ?? impliedName(outerName), storedSize: bytes.length, read, damage: () => damage }], notices: [] };
}
