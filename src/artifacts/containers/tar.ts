/** Tar reader (POSIX ustar, GNU long names, PAX paths): regular files only, never links. */
import { FormatError } from '../strings.js';
import { EntryError, tooManyEntries, type ContainerEntry, type ContainerListing, type ContainerNotice } from './container.js';

const BLOCK = 512;

export function isTar(bytes: Uint8Array): boolean {
  return bytes.length >= BLOCK && Buffer.from(bytes.buffer, bytes.byteOffset + 257, 5).toString('latin1') === 'ustar' && checksumMatches(bytes.subarray(0, BLOCK));
}

function field(header: Uint8Array, start: number, length: number): string {
  const raw = header.subarray(start, start + length);
  const end = raw.indexOf(0);
  return Buffer.from(raw.buffer, raw.byteOffset, end === -1 ? raw.length : end).toString('utf8');
}

/**
 * Octal ASCII, or big-endian base-256 when the first byte's high bit is set (files over 8 GiB);
 * undefined for anything else, which no tar writes: a size read leniently would silently misplace
 * every header after it.
 */
export function tarNumber(header: Uint8Array, start: number, length: number): number | undefined {
  if (header[start]! & 0x80) {
    let value = header[start]! & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + header[start + i]!;
    return Number.isSafeInteger(value) ? value : undefined;
  }
  const text = field(header, start, length).trim();
  if (text === '') return 0;
  return /^[0-7]+$/.test(text) ? Number.parseInt(text, 8) : undefined;
}

function checksumMatches(header: Uint8Array): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  return sum === tarNumber(header, 148, 8);
}

/** `path` from a PAX extended header: records of `<length> <key>=<value>\n`. */
function paxPath(data: Uint8Array): string | undefined {
  const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  return /(?:^|\n)\d+ path=([^\n]*)\n/.exec(text)?.[1];
}

const REGULAR = new Set(['0', '\0', '7']);

/** Zero padding is skipped this many bytes at a time (128 blocks) where it runs that long. */
const ZERO_STRIDE = 64 * 1024;
const ZEROS = new Uint8Array(ZERO_STRIDE);

/** The reader's steps: its comparisons against zeros, made at each header and once per 64 KiB of padding. */
interface Work {
  steps: number;
}

/** How far a run of zeros starting at `at` (a block boundary) reaches, in whole blocks; `at` when none. */
function zeroRunEnd(bytes: Uint8Array, at: number, work: Work): number {
  const zerosFor = (end: number, length: number): boolean => {
    work.steps++;
    return end + length <= bytes.length && Buffer.compare(bytes.subarray(end, end + length), ZEROS.subarray(0, length)) === 0;
  };
  let end = at;
  // Compared natively a stride at a time: a tar padded with hundreds of megabytes of zeros costs a few thousand comparisons.
  while (zerosFor(end, ZERO_STRIDE)) end += ZERO_STRIDE;
  while (zerosFor(end, BLOCK)) end += BLOCK;
  return end;
}

/** A tar's listing, with the reader's steps so a bound on its work can be tested. */
export interface TarListing extends ContainerListing {
  readonly steps: number;
}

export function listTar(bytes: Uint8Array, maxEntries: number): TarListing {
  const entries: ContainerEntry[] = [];
  const notices: ContainerNotice[] = [];
  const stop = (message: string): void => {
    notices.push({ code: 'archive-damaged', message: `${message}; the rest was not scanned` });
  };
  let longName: string | undefined;
  const work: Work = { steps: 0 };
  for (let at = 0; at + BLOCK <= bytes.length; ) {
    // Read past end-of-archive blocks as `tar --ignore-zeros` does: `cat a.tar b.tar` keeps b's files after a's end marker.
    const pastZeros = zeroRunEnd(bytes, at, work);
    if (pastZeros > at) {
      at = pastZeros;
      continue;
    }
    const header = bytes.subarray(at, at + BLOCK);
    if (!checksumMatches(header)) {
      if (entries.length === 0) throw new FormatError(`damaged tar header at byte ${at}`);
      stop(`damaged tar header at byte ${at}`);
      break;
    }
    const size = tarNumber(header, 124, 12);
    if (size === undefined) {
      stop(`tar header at byte ${at} has an impossible size`);
      break;
    }
    const type = String.fromCharCode(header[156]!);
    const dataStart = at + BLOCK;
    if (!REGULAR.has(type) && dataStart + size > bytes.length) {
      stop(`tar header at byte ${at} (type ${JSON.stringify(type)}) claims ${size} bytes, past the end of the archive`);
      break;
    }
    const content = bytes.subarray(dataStart, Math.min(bytes.length, dataStart + size));
    const prefix = field(header, 345, 155);
    const name = longName ?? (prefix === '' ? field(header, 0, 100) : `${prefix}/${field(header, 0, 100)}`);
    longName = undefined;
    if (type === 'L') longName = field(content, 0, content.length);
    else if (type === 'x') longName = paxPath(content);
    else if (REGULAR.has(type)) {
      if (entries.length >= maxEntries) {
        notices.push(tooManyEntries(maxEntries));
        break;
      }
      const truncated = content.length < size;
      entries.push({
        name,
        storedSize: size,
        read: (limit) => {
          if (truncated) throw new EntryError('damaged', 'truncated: the archive ends inside this entry');
          if (size > limit) throw new EntryError('too-large', `${size} bytes is over the ${limit}-byte limit`);
          return content;
        },
      });
    }
    at = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
  return { entries, notices, steps: work.steps };
}
