/**
 * The framing and the string pool that Android's compiled resources share: every chunk of
 * resources.arsc and of binary XML starts with `ResChunk_header`, and both formats keep their text
 * in `ResStringPool` chunks (UTF-8 or UTF-16).
 */
import { FormatError } from '../strings.js';

export const STRING_POOL_CHUNK = 0x0001;

const CHUNK_HEADER_BYTES = 8;
const POOL_HEADER_BYTES = 28;
const UTF8_FLAG = 0x100;
/**
 * Strings never overlap in a well-formed pool, so decoding much more than the pool's own bytes means
 * crafted offsets or lengths pointing into one long run (or many indexes at one string); the cap
 * keeps the work linear.
 */
const DECODE_BUDGET_PER_POOL_BYTE = 2;
const DECODE_BUDGET_FLOOR = 1024 * 1024;

/** Little-endian reads over one file. Callers check bounds first: a read past the end is a bug. */
export class ResourceBytes {
  readonly length: number;
  /** The same memory as a Buffer: its `toString(encoding, start, end)` decodes without a view per string. */
  readonly buffer: Buffer;
  private readonly view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.length = bytes.length;
    this.buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  u8(at: number): number {
    return this.view.getUint8(at);
  }

  u16(at: number): number {
    return this.view.getUint16(at, true);
  }

  u32(at: number): number {
    return this.view.getUint32(at, true);
  }
}

export interface Chunk {
  readonly type: number;
  readonly headerSize: number;
  readonly start: number;
  /** The declared end, cut to the bytes available so that a truncated file keeps its complete parts. */
  readonly end: number;
  /** Whether the declared size ran past the limit. */
  readonly cut: boolean;
}

/** The chunk at `start`, or undefined when no sane header fits before `limit` (size 0 included). */
export function chunkAt(data: ResourceBytes, start: number, limit: number): Chunk | undefined {
  if (!Number.isInteger(start) || start < 0 || start + CHUNK_HEADER_BYTES > limit) return undefined;
  const headerSize = data.u16(start + 2);
  const size = data.u32(start + 4);
  if (size < CHUNK_HEADER_BYTES || headerSize < CHUNK_HEADER_BYTES || headerSize > size) return undefined;
  const declaredEnd = start + size;
  return { type: data.u16(start), headerSize, start, end: Math.min(declaredEnd, limit), cut: declaredEnd > limit };
}

/**
 * The chunks laid one after another in `[start, limit)`. Each step moves by its chunk's declared
 * size (at least a header), so the walk ends; it stops at the first header that makes no sense.
 */
export function* chunksIn(data: ResourceBytes, start: number, limit: number): Generator<Chunk> {
  for (let chunk = chunkAt(data, start, limit); chunk !== undefined; chunk = chunkAt(data, chunk.end, limit)) {
    yield chunk;
    if (chunk.cut) return;
  }
}

export interface StringPool {
  /** Number of string offsets present (the declared count, cut to what the chunk holds). */
  readonly count: number;
  /** Why some strings may be missing, when the pool is damaged (known in full once the strings were read). */
  readonly damage: string | undefined;
  /** The string at `index`; undefined when the index or the string's bytes are out of range. */
  string(index: number): string | undefined;
}

interface PoolLayout {
  readonly offsetsStart: number;
  readonly dataStart: number;
  readonly dataEnd: number;
  readonly count: number;
  readonly utf8: boolean;
  readonly damage: string | undefined;
}

function layoutOf(data: ResourceBytes, chunk: Chunk): PoolLayout {
  if (chunk.type !== STRING_POOL_CHUNK) throw new FormatError(`chunk type 0x${chunk.type.toString(16)} at ${chunk.start} is not a string pool`);
  if (chunk.headerSize < POOL_HEADER_BYTES || chunk.start + chunk.headerSize > chunk.end) {
    throw new FormatError(`string pool at ${chunk.start} has a short header (${chunk.headerSize} bytes)`);
  }
  const declaredCount = data.u32(chunk.start + 8);
  const utf8 = (data.u32(chunk.start + 16) & UTF8_FLAG) !== 0;
  const stringsStart = data.u32(chunk.start + 20);
  const offsetsStart = chunk.start + chunk.headerSize;
  const count = Math.min(declaredCount, Math.floor((chunk.end - offsetsStart) / 4));
  const dataStart = chunk.start + stringsStart;
  const dataInChunk = stringsStart >= chunk.headerSize && dataStart <= chunk.end;
  let damage: string | undefined;
  if (count < declaredCount) damage = `string pool declares ${declaredCount} strings but holds ${count} offsets`;
  else if (!dataInChunk) damage = `string pool data start ${stringsStart} is outside the chunk`;
  else if (chunk.cut) damage = 'string pool is truncated';
  return { offsetsStart, dataStart: dataInChunk ? dataStart : chunk.end, dataEnd: chunk.end, count, utf8, damage };
}

interface Length {
  readonly length: number;
  readonly next: number;
}

/** One byte, or two when the first has its high bit set (15 bits of length). */
function utf8Length(data: ResourceBytes, at: number, limit: number): Length | undefined {
  if (at >= limit) return undefined;
  const first = data.u8(at);
  if (first < 0x80) return { length: first, next: at + 1 };
  if (at + 2 > limit) return undefined;
  return { length: ((first & 0x7f) << 8) | data.u8(at + 1), next: at + 2 };
}

/** One unit, or two when the first has its high bit set (31 bits of length). */
function utf16Length(data: ResourceBytes, at: number, limit: number): Length | undefined {
  if (at + 2 > limit) return undefined;
  const first = data.u16(at);
  if (first < 0x8000) return { length: first, next: at + 2 };
  if (at + 4 > limit) return undefined;
  return { length: (first & 0x7fff) * 0x10000 + data.u16(at + 2), next: at + 4 };
}

interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** UTF-16 pools: unit count, then the units. A length past the pool marks the string damaged. */
function utf16Range(data: ResourceBytes, at: number, limit: number): ByteRange | undefined {
  const units = utf16Length(data, at, limit);
  if (units === undefined) return undefined;
  const end = units.next + units.length * 2;
  return end <= limit ? { start: units.next, end } : undefined;
}

/**
 * UTF-8 pools: UTF-16 length, byte length, then the bytes and a NUL. Old aapt wrote wrong byte
 * lengths for very long strings, so when no NUL follows the declared length the NUL ends the string.
 */
function utf8Range(data: ResourceBytes, at: number, limit: number): ByteRange | undefined {
  const units = utf8Length(data, at, limit);
  if (units === undefined) return undefined;
  const byteLength = utf8Length(data, units.next, limit);
  if (byteLength === undefined) return undefined;
  const start = byteLength.next;
  const declaredEnd = start + byteLength.length;
  if (declaredEnd < limit && data.u8(declaredEnd) === 0) return { start, end: declaredEnd };
  const nul = data.bytes.subarray(start, limit).indexOf(0);
  return { start, end: nul === -1 ? limit : start + nul };
}

/** Reads the pool in `chunk`; strings are decoded on first use and kept. */
export function decodeStringPool(data: ResourceBytes, chunk: Chunk): StringPool {
  const layout = layoutOf(data, chunk);
  const decoded = new Array<string | undefined>(layout.count);
  const tried = new Uint8Array(layout.count);
  let budget = Math.max(DECODE_BUDGET_FLOOR, (layout.dataEnd - layout.dataStart) * DECODE_BUDGET_PER_POOL_BYTE);
  let overBudget = false;

  const decodeAt = (at: number): string | undefined => {
    const range = layout.utf8 ? utf8Range(data, at, layout.dataEnd) : utf16Range(data, at, layout.dataEnd);
    if (range === undefined) return undefined;
    budget -= range.end - range.start;
    if (budget < 0) {
      overBudget = true;
      return undefined;
    }
    return data.buffer.toString(layout.utf8 ? 'utf8' : 'utf16le', range.start, range.end);
  };

  return {
    count: layout.count,
    get damage() {
      return overBudget ? 'string pool offsets overlap far beyond its size; decoding stopped' : layout.damage;
    },
    string(index: number): string | undefined {
      if (!Number.isInteger(index) || index < 0 || index >= layout.count) return undefined;
      if (tried[index] === 1) return decoded[index];
      tried[index] = 1;
      const at = layout.dataStart + data.u32(layout.offsetsStart + index * 4);
      const value = at < layout.dataEnd && !overBudget ? decodeAt(at) : undefined;
      decoded[index] = value;
      return value;
    },
  };
}
