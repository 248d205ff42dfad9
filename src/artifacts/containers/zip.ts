/**
 * Zip reader for the whole family (apk, aab, aar, jar, ipa, xpi, crx's payload), driven by the
 * central directory as Android and iOS read it. In memory and synchronous: entries are inflated
 * on demand with a byte limit, so a ratio bomb stops at the limit instead of filling memory.
 */
import { inflateRawSync } from 'node:zlib';
import { FormatError } from '../strings.js';
import { crc32 } from './crc32.js';
import { EntryError, isOutputLimit, overlappingSpans, tooManyEntries, type ContainerEntry, type ContainerListing, type ContainerNotice, type Span } from './container.js';

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
  /** Where the directory's records end: the zip64 end record when there is one, else the end record. */
  readonly end: number;
}

const ZIP64_LOCATOR_SIZE = 20;
const ZIP64_EOCD_SIZE = 56;

/**
 * The zip64 end record, found where its locator says or, when data before the zip (a CRX header)
 * shifts every offset, right before the locator where every writer puts it.
 */
function findZip64Record(data: DataView, locator: number): number | undefined {
  const recorded = Number(data.getBigUint64(locator + 8, true));
  return [recorded, locator - ZIP64_EOCD_SIZE].find((at) => at >= 0 && at + ZIP64_EOCD_SIZE <= locator && data.getUint32(at, true) === ZIP64_EOCD_SIGNATURE);
}

/** A 64-bit field as a number, refused when no file this reader can hold could have it. */
function safeUint64(data: DataView, at: number, what: string): number {
  const value = data.getBigUint64(at, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new FormatError(`zip64 ${what} of ${value} is impossible`);
  return Number(value);
}

/**
 * Writers may add the zip64 records even when the classic fields fit (Python does past its own
 * limits): the records then still sit between directory and end record, so they decide where the
 * directory ends. Their values are needed only when a classic field is saturated.
 */
function readDirectory(data: DataView, eocd: number): Directory {
  const count = data.getUint16(eocd + 10, true);
  const size = data.getUint32(eocd + 12, true);
  const offset = data.getUint32(eocd + 16, true);
  const locator = eocd - ZIP64_LOCATOR_SIZE;
  const wide = count === 0xffff || size === 0xffffffff || offset === 0xffffffff;
  const hasLocator = locator >= 0 && data.getUint32(locator, true) === ZIP64_LOCATOR_SIGNATURE;
  const record = hasLocator ? findZip64Record(data, locator) : undefined;
  if (record === undefined) {
    if (wide && hasLocator) throw new FormatError('damaged zip64 end of central directory');
    return { offset, size, count, end: eocd };
  }
  if (!wide) return { offset, size, count, end: record };
  return { count: safeUint64(data, record + 32, 'entry count'), size: safeUint64(data, record + 40, 'directory size'), offset: safeUint64(data, record + 48, 'directory offset'), end: record };
}

interface RawEntry {
  readonly name: string;
  readonly flags: number;
  readonly method: number;
  readonly storedSize: number;
  readonly size: number;
  readonly localOffset: number;
  readonly crc32: number;
}

/** Sizes and offsets of 0xffffffff live in the zip64 extra field (id 1), in this order. */
function zip64Values(data: DataView, extraStart: number, extraEnd: number, wanted: readonly boolean[]): number[] {
  const values: number[] = [];
  for (let at = extraStart; at + 4 <= extraEnd; ) {
    const id = data.getUint16(at, true);
    const length = data.getUint16(at + 2, true);
    if (id === 1) {
      // A declared length may run past the extra field, even past the end of the file.
      const fieldsEnd = Math.min(at + 4 + length, extraEnd);
      let field = at + 4;
      for (const want of wanted) {
        if (!want) continue;
        if (field + 8 > fieldsEnd) break;
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

/**
 * Reads headers as far as the directory's size reaches, not only as many as its count says: some
 * writers store the count modulo 65,536 without zip64, and an entry past a lowered count is still
 * in the file for any tool that walks the directory.
 */
function readCentralEntries(bytes: Uint8Array, data: DataView, directory: Directory, prefix: number, maxEntries: number): { entries: RawEntry[]; truncated: boolean } {
  const entries: RawEntry[] = [];
  let at = directory.offset + prefix;
  const end = Math.min(bytes.length, at + directory.size);
  while (at + 46 <= end) {
    if (data.getUint32(at, true) !== CENTRAL_SIGNATURE) {
      if (entries.length >= directory.count) break;
      throw new FormatError(`damaged central directory at byte ${at}`);
    }
    if (entries.length >= maxEntries) return { entries, truncated: true };
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
      if (values.some((value) => !Number.isSafeInteger(value))) throw new FormatError(`zip64 sizes of entry ${entries.length + 1} are impossible`);
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
      crc32: data.getUint32(at + 16, true),
    });
    at = nameStart + nameLength + extraLength + commentLength;
  }
  return { entries, truncated: false };
}

/** Where the entry's data starts, after its local header and that header's own name and extra field. */
function dataStart(bytes: Uint8Array, data: DataView, entry: RawEntry): number | undefined {
  const at = entry.localOffset;
  if (at + 30 > bytes.length || data.getUint32(at, true) !== LOCAL_SIGNATURE) return undefined;
  return at + 30 + data.getUint16(at + 26, true) + data.getUint16(at + 28, true);
}

function readEntry(bytes: Uint8Array, data: DataView, entry: RawEntry, limit: number): Uint8Array {
  if (entry.flags & FLAG_ENCRYPTED) throw new EntryError('encrypted', 'encrypted entry; its content cannot be read');
  const start = dataStart(bytes, data, entry);
  if (start === undefined) throw new EntryError('damaged', 'local header missing or damaged');
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

/** The bytes an entry really occupies: its local header (with the name and extra field it declares) and its data. */
function spanOf(bytes: Uint8Array, data: DataView, entry: RawEntry): Span {
  const start = dataStart(bytes, data, entry) ?? entry.localOffset + 30;
  return { start: entry.localOffset, end: start + entry.storedSize };
}

/** Whether a directory's count is wrong, beyond the wrap-around of writers that keep only its low 16 bits. */
export function miscounted(held: number, listed: number): boolean {
  return held < listed || (held > listed && (listed > 0xffff || (held - listed) % 0x10000 !== 0));
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
  const prefix = Math.max(0, directory.end - directory.size - directory.offset);
  const { entries, truncated } = readCentralEntries(bytes, data, directory, prefix, maxEntries);
  const notices: ContainerNotice[] = truncated ? [tooManyEntries(maxEntries)] : [];
  if (!truncated && miscounted(entries.length, directory.count)) notices.push({ code: 'archive-damaged', message: `the central directory lists ${directory.count} entries but holds ${entries.length}` });
  const refused = overlappingSpans(entries.map((entry) => spanOf(bytes, data, entry)));
  if (refused.size > 0) notices.push({ code: 'archive-limit', message: `${refused.size} entries overlap others' data (an overlapping-entry zip bomb); not scanned` });
  return {
    entries: entries
      // A folder entry holding bytes is odd, but those bytes are in the file: only empty folders are left out.
      .filter((entry, index) => !refused.has(index) && !(entry.name.endsWith('/') && entry.size === 0))
      .map(
        (entry): ContainerEntry => ({
          name: entry.name,
          storedSize: entry.storedSize,
          read: (limit) => readEntry(bytes, data, entry, limit),
          damage: (content) => (crc32(content) === entry.crc32 ? undefined : 'its CRC-32 does not match its content (damaged or altered)'),
        }),
      ),
    notices,
  };
}
