/**
 * Zip reader for the whole family (apk, aab, aar, jar, ipa, xpi, crx's payload), driven by the
 * central directory as Android and iOS read it. In memory and synchronous: entries are inflated
 * on demand with a byte limit, so a ratio bomb stops at the limit instead of filling memory.
 */
import { inflateRawSync } from 'node:zlib';
import { FormatError } from '../strings.js';
import { EntryError, isOutputLimit, tooManyEntries, type ContainerEntry, type ContainerListing, type ContainerNotice } from './container.js';

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
const STORED = 0;
const DEFLATED = 8;
const FLAG_ENCRYPTED = 0x1;
const FLAG_UTF8 = 0x800;

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5) && (bytes[3] === 4 || bytes[3] === 6);
}

/** Whether the end of `bytes` holds a zip directory (self-extracting files, CRX, Janus-style DEX+zip). */
export function endsWithZip(bytes: Uint8Array): boolean {
  return findEndOfDirectory(view(bytes), bytes.length) !== undefined;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function findEndOfDirectory(data: DataView, length: number): number | undefined {
  const lowest = Math.max(0, length - EOCD_SIZE - MAX_COMMENT);
  for (let at = length - EOCD_SIZE; at >= lowest; at--) {
    if (data.getUint32(at, true) === EOCD_SIGNATURE && at + EOCD_SIZE + data.getUint16(at + 20, true) <= length) return at;
  }
  return undefined;
}

interface Directory {
  readonly offset: number;
  readonly size: number;
  readonly count: number;
}

function readDirectory(data: DataView, eocd: number): Directory {
  let count = data.getUint16(eocd + 10, true);
  let size = data.getUint32(eocd + 12, true);
  let offset = data.getUint32(eocd + 16, true);
  const locator = eocd - 20;
  if ((count === 0xffff || size === 0xffffffff || offset === 0xffffffff) && locator >= 0 && data.getUint32(locator, true) === ZIP64_LOCATOR_SIGNATURE) {
    const record = Number(data.getBigUint64(locator + 8, true));
    if (record + 56 > data.byteLength || data.getUint32(record, true) !== ZIP64_EOCD_SIGNATURE) throw new FormatError('damaged zip64 end of central directory');
    count = Number(data.getBigUint64(record + 32, true));
    size = Number(data.getBigUint64(record + 40, true));
    offset = Number(data.getBigUint64(record + 48, true));
  }
  return { offset, size, count };
}

interface RawEntry {
  readonly name: string;
  readonly flags: number;
  readonly method: number;
  readonly storedSize: number;
  readonly size: number;
  readonly localOffset: number;
}

/** Sizes and offsets of 0xffffffff live in the zip64 extra field (id 1), in this order. */
function zip64Values(data: DataView, extraStart: number, extraEnd: number, wanted: readonly boolean[]): number[] {
  const values: number[] = [];
  for (let at = extraStart; at + 4 <= extraEnd; ) {
    const id = data.getUint16(at, true);
    const length = data.getUint16(at + 2, true);
    if (id === 1) {
      let field = at + 4;
      for (const want of wanted) {
        if (!want) continue;
        if (field + 8 > at + 4 + length) break;
        values.push(Number(data.getBigUint64(field, true)));
        field += 8;
      }
      return values;
    }
    at += 4 + length;
  }
  return values;
}

function decodeName(bytes: Uint8Array, utf8: boolean): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(utf8 ? 'utf8' : 'latin1');
}

function readCentralEntries(bytes: Uint8Array, data: DataView, directory: Directory, prefix: number, maxEntries: number): { entries: RawEntry[]; truncated: boolean } {
  const entries: RawEntry[] = [];
  let at = directory.offset + prefix;
  const end = Math.min(bytes.length, at + directory.size);
  while (entries.length < directory.count && at + 46 <= end) {
    if (entries.length >= maxEntries) return { entries, truncated: true };
    if (data.getUint32(at, true) !== CENTRAL_SIGNATURE) throw new FormatError(`damaged central directory at byte ${at}`);
    const flags = data.getUint16(at + 8, true);
    const nameLength = data.getUint16(at + 28, true);
    const extraLength = data.getUint16(at + 30, true);
    const commentLength = data.getUint16(at + 32, true);
    const nameStart = at + 46;
    if (nameStart + nameLength + extraLength > bytes.length) throw new FormatError('central directory runs past the end of the file');
    let storedSize = data.getUint32(at + 20, true);
    let size = data.getUint32(at + 24, true);
    let localOffset = data.getUint32(at + 42, true);
    const wide = [size === 0xffffffff, storedSize === 0xffffffff, localOffset === 0xffffffff];
    if (wide.some(Boolean)) {
      const values = zip64Values(data, nameStart + nameLength, nameStart + nameLength + extraLength, wide);
      if (wide[0]) size = values.shift() ?? size;
      if (wide[1]) storedSize = values.shift() ?? storedSize;
      if (wide[2]) localOffset = values.shift() ?? localOffset;
    }
    entries.push({
      name: decodeName(bytes.subarray(nameStart, nameStart + nameLength), (flags & FLAG_UTF8) !== 0),
      flags,
      method: data.getUint16(at + 10, true),
      storedSize,
      size,
      localOffset: localOffset + prefix,
    });
    at = nameStart + nameLength + extraLength + commentLength;
  }
  return { entries, truncated: false };
}

function dataStart(bytes: Uint8Array, data: DataView, entry: RawEntry): number {
  const at = entry.localOffset;
  if (at + 30 > bytes.length || data.getUint32(at, true) !== LOCAL_SIGNATURE) throw new EntryError('damaged', 'local header missing or damaged');
  return at + 30 + data.getUint16(at + 26, true) + data.getUint16(at + 28, true);
}

function readEntry(bytes: Uint8Array, data: DataView, entry: RawEntry, limit: number): Uint8Array {
  if (entry.flags & FLAG_ENCRYPTED) throw new EntryError('encrypted', 'encrypted entry; its content cannot be read');
  const start = dataStart(bytes, data, entry);
  if (start + entry.storedSize > bytes.length) throw new EntryError('damaged', 'entry data runs past the end of the file');
  const stored = bytes.subarray(start, start + entry.storedSize);
  if (entry.method === STORED) {
    if (stored.length > limit) throw new EntryError('too-large', `${stored.length} bytes is over the ${limit}-byte limit`);
    return stored;
  }
  if (entry.method !== DEFLATED) throw new EntryError('unsupported', `compression method ${entry.method} is not supported`);
  try {
    return inflateRawSync(stored, { maxOutputLength: Math.max(1, limit) });
  } catch (error) {
    if (isOutputLimit(error)) throw new EntryError('too-large', `inflates past the ${limit}-byte limit`);
    throw new EntryError('damaged', `cannot be inflated (${(error as Error).message})`);
  }
}

/**
 * Entries whose data overlaps an earlier entry's are refused: that is the overlapping-entry zip
 * bomb (thousands of names for the same compressed kernel), and Android rejects such files too.
 */
function overlapping(entries: readonly RawEntry[]): Set<RawEntry> {
  const sorted = [...entries].sort((a, b) => a.localOffset - b.localOffset);
  const refused = new Set<RawEntry>();
  let reach = -1;
  for (const entry of sorted) {
    if (entry.localOffset < reach) refused.add(entry);
    else reach = entry.localOffset + 30 + entry.storedSize;
  }
  return refused;
}

/**
 * Lists the entries of the zip at the end of `bytes`. Data before the zip (a CRX header, a
 * self-extractor stub) is allowed: the directory's own size and position tell where the zip starts.
 */
export function listZip(bytes: Uint8Array, maxEntries: number): ContainerListing {
  const data = view(bytes);
  const eocd = findEndOfDirectory(data, bytes.length);
  if (eocd === undefined) throw new FormatError('no zip end-of-central-directory record');
  const directory = readDirectory(data, eocd);
  const prefix = Math.max(0, eocd - directory.size - directory.offset);
  const { entries, truncated } = readCentralEntries(bytes, data, directory, prefix, maxEntries);
  const notices: ContainerNotice[] = truncated ? [tooManyEntries(maxEntries)] : [];
  if (!truncated && entries.length < directory.count) notices.push({ code: 'archive-damaged', message: `the central directory lists ${directory.count} entries but holds ${entries.length}` });
  const refused = overlapping(entries);
  if (refused.size > 0) notices.push({ code: 'archive-limit', message: `${refused.size} entries overlap others' data (an overlapping-entry zip bomb); not scanned` });
  return {
    entries: entries
      .filter((entry) => !refused.has(entry) && !entry.name.endsWith('/'))
      .map((entry): ContainerEntry => ({ name: entry.name, storedSize: entry.storedSize, read: (limit) => readEntry(bytes, data, entry, limit) })),
    notices,
  };
}
