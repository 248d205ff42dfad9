/**
 * Hermes object literals: `{consumerKey: '…', consumerSecret: '…'}` compiles to one
 * `NewObjectWithBuffer` instruction whose operands point into two literal buffers, the keys in the
 * object key buffer and the values in a value buffer. Both buffers are deduplicated and packed
 * independently (two objects with the same keys share one key sequence), so keys and values can
 * only be paired through the instructions: every function body is decoded with the opcode lengths
 * of its bytecode version, and each object-creating instruction gives its key sequence, value
 * sequence and (up to version 96) property count; from version 97 the count and key offset come
 * from the object shape table.
 *
 * Layout facts come from Hermes' public source (BytecodeFileFormat.h, BytecodeList.def,
 * SerializedLiteralGenerator.h at the tags of each bytecode version).
 */
import { FormatError } from '../strings.js';

/** Instruction lengths in bytes by opcode, one base-36 digit each, from each version's BytecodeList.def. */
interface OpcodeTable {
  /** The first bytecode version this table describes; it serves later versions until the next table. */
  readonly since: number;
  readonly lengths: string;
  readonly objectCreators: readonly ObjectCreator[];
}

/** Where an object-creating instruction keeps its operands, in bytes from its opcode. */
interface ObjectCreator {
  readonly opcode: number;
  readonly wide: boolean;
  /** Up to version 96: the property count and key buffer offset; from 97: the shape table index. */
  readonly keys: number;
  readonly count?: number;
  readonly values: number;
}

const COUNTED_CREATORS = (first: number): readonly ObjectCreator[] => [
  { opcode: first, wide: false, count: 4, keys: 6, values: 8 },
  { opcode: first + 1, wide: true, count: 4, keys: 6, values: 10 },
];

const SHAPED_CREATORS: readonly ObjectCreator[] = [
  { opcode: 1, wide: false, keys: 2, values: 4 },
  { opcode: 2, wide: true, keys: 2, values: 6 },
  { opcode: 3, wide: true, keys: 3, values: 7 },
];

const OPCODE_TABLES: readonly OpcodeTable[] = [
  {
    since: 76,
    lengths: 'ae238a43933334444444444444444444444444345454522255686868684575747557444656444556777742232211315757443636a462222232333432ei1315734325363636254747474747474747474747474747474747474747',
    objectCreators: COUNTED_CREATORS(0),
  },
  {
    since: 83,
    lengths: '1ae238a43933334444444444444444444444444345454522255686868684575747557444656444556777747322323113575757443636a4622222232333432ei1315734325363636254747474747474747474747474747474747474747',
    objectCreators: COUNTED_CREATORS(1),
  },
  {
    since: 84,
    lengths: '1ae238a43933334444444444444444444444444345454522255686868684575747557444656444556777747322323113575757443636a4622222232333432ei131573432536363625474747474747474747474747474747474747474744444444444444',
    objectCreators: COUNTED_CREATORS(1),
  },
  {
    since: 85,
    lengths: '1ae238a4393333444444444444444444444443344345454522255686868684575747557444656444556777747322323113575757443636a4622222232333432ei131573432536363625474747474747474747474747474747474747474744444444444444',
    objectCreators: COUNTED_CREATORS(1),
  },
  {
    since: 89,
    lengths: '1ae238a4393333444444444444444444444443344345454522255686868684575747557444656444556777747322323113575757443636a4646222222323333432ei131573432536363625474747474747474747474747474747474747474744444444444444',
    objectCreators: COUNTED_CREATORS(1),
  },
  {
    since: 94,
    lengths: '1ae238a439333344444444444444444444444334434545452227555686868684575747557444656444556777747322323113575757443636a4646222222323333432ei131573432536363625474747474747474747474747474747474747474744444444444444',
    objectCreators: COUNTED_CREATORS(1),
  },
  {
    since: 96,
    lengths: '1ae238a439333344444444444444444444444334434545452227555686868684575747557444656444556777747322423113575757443636a4646222222323333432ei131573432536363625474747474747474747474747474747474747474744444444444444',
    objectCreators: COUNTED_CREATORS(1),
  },
  {
    // Version 97 was the Hermes V1 line's development version; its nearest published table is 98's.
    since: 97,
    lengths: '16ab238a4434433839333344444444444444444444444433445534345454522336755689686688668847476847455445446545565644455675747322423321136879574543636a46462222223233336443223eii573433253636368474747474747474747474747474747474747',
    objectCreators: SHAPED_CREATORS,
  },
  {
    since: 99,
    lengths: '16abc238a443443339333344444444444444444444444433445534345454522336755689686688668847476847455445446545565644455675747322423321136879574543636a464622222232333336443223eii573433253636368474747474747474747474747474747474747',
    objectCreators: [...SHAPED_CREATORS, { opcode: 4, wide: true, keys: 3, values: 7 }],
  },
];

const LAST_VERSION_WITH_COUNTED_OBJECTS = 96;
const FIRST_VERSION_WITH_BIGINTS = 87;
const HEADER_SIZE = 128;
const SHAPE_ENTRY_SIZE = 8;

/** A string-table index, or a value that is not a string (a number, `true`, `null`...). */
export type LiteralValue = { readonly string: number } | { readonly other: string };

export interface ObjectLiteral {
  /** Key string-table indices (identifiers); undefined for a key that is not a string (a number, a private name). */
  readonly keys: readonly (number | undefined)[];
  readonly values: readonly LiteralValue[];
}

export interface ObjectLiteralReading {
  readonly literals: readonly ObjectLiteral[];
  readonly notices: readonly string[];
}

/** Where the sections the reader needs begin, computed from the header's counts. */
export interface HermesSections {
  readonly version: number;
  readonly functionCount: number;
  readonly functionHeaderSize: number;
  /** End of the string storage: the literal buffers follow, each 4-byte aligned. */
  readonly storageEnd: number;
  readonly stringCount: number;
}

const align4 = (offset: number): number => (offset + 3) & ~3;

function tableFor(version: number): OpcodeTable {
  let chosen = OPCODE_TABLES[0]!;
  for (const table of OPCODE_TABLES) if (table.since <= version) chosen = table;
  return chosen;
}

interface Buffers {
  readonly keys: Uint8Array;
  readonly values: Uint8Array;
  /** Version 97+: `{keyBufferOffset, numProps}` pairs; undefined before, where instructions carry both. */
  readonly shapes: DataView | undefined;
  readonly shapeCount: number;
}

function buffersOf(bytes: Uint8Array, view: DataView, sections: HermesSections): Buffers {
  const u32 = (offset: number) => view.getUint32(offset, true);
  const slice = (start: number, size: number, what: string): Uint8Array => {
    if (start + size > bytes.length) throw new FormatError(`Hermes ${what} ends at 0x${(start + size).toString(16)}, past the end of the file (${bytes.length} bytes)`);
    return bytes.subarray(start, start + size);
  };
  const counted = sections.version <= LAST_VERSION_WITH_COUNTED_OBJECTS;
  // The buffer sizes follow the regexp counts, which follow the bigint counts from version 87.
  const sizesAt = counted && sections.version < FIRST_VERSION_WITH_BIGINTS ? 0x48 : 0x50;
  const firstSize = u32(sizesAt);
  const keySize = u32(sizesAt + 4);
  const third = u32(sizesAt + 8);
  const firstStart = align4(sections.storageEnd);
  const keyStart = align4(firstStart + firstSize);
  // Up to version 96 the array buffer (unused here); from 97 the value buffer objects and arrays share.
  const first = slice(firstStart, firstSize, counted ? 'array buffer' : 'literal value buffer');
  const keys = slice(keyStart, keySize, 'object key buffer');
  const thirdStart = align4(keyStart + keySize);
  if (counted) {
    return { keys, values: slice(thirdStart, third, 'object value buffer'), shapes: undefined, shapeCount: 0 };
  }
  if (third > (bytes.length - thirdStart) / SHAPE_ENTRY_SIZE) throw new FormatError(`Hermes object shape table (${third} entries) runs past the end of the file`);
  const shapes = new DataView(bytes.buffer, bytes.byteOffset + thirdStart, third * SHAPE_ENTRY_SIZE);
  return { keys, values: first, shapes, shapeCount: third };
}

/** Tags of the serialized literal format: 3 type bits, then 4 (or, with the top bit, 12) length bits. */
const TAG_NULL = 0;
const TAG_TRUE = 1;
const TAG_FALSE = 2;
const TAG_NUMBER = 3;
const TAG_LONG_STRING = 4;
const TAG_SHORT_STRING = 5;
/** A one-byte string index up to version 96; `undefined` from 97. */
const TAG_BYTE_STRING_OR_UNDEFINED = 6;
const TAG_INTEGER = 7;

/**
 * Reads `count` literals from `buffer` at `offset`, or undefined when the bytes do not hold that
 * many well-formed literals (an offset or count from a crafted instruction).
 */
function readSequence(buffer: Uint8Array, offset: number, count: number, counted: boolean, isKeys: boolean): LiteralValue[] | undefined {
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const values: LiteralValue[] = [];
  let at = offset;
  while (values.length < count) {
    if (at >= buffer.length) return undefined;
    const tag = buffer[at]!;
    let length = tag & 0x0f;
    at++;
    if (tag & 0x80) {
      if (at >= buffer.length) return undefined;
      length = (length << 8) | buffer[at]!;
      at++;
    }
    if (length === 0) return undefined;
    const type = (tag >> 4) & 0x07;
    const width = type === TAG_NUMBER ? 8 : type === TAG_LONG_STRING || type === TAG_INTEGER ? 4 : type === TAG_SHORT_STRING ? 2 : type === TAG_BYTE_STRING_OR_UNDEFINED && counted ? 1 : 0;
    if (at + width * length > buffer.length) return undefined;
    for (let item = 0; item < length && values.length < count; item++, at += width) {
      switch (type) {
        case TAG_LONG_STRING:
          values.push({ string: view.getUint32(at, true) });
          break;
        case TAG_SHORT_STRING:
          values.push({ string: view.getUint16(at, true) });
          break;
        case TAG_BYTE_STRING_OR_UNDEFINED:
          values.push(counted ? { string: buffer[at]! } : { other: 'undefined' });
          break;
        case TAG_INTEGER:
          values.push({ other: String(view.getInt32(at, true)) });
          break;
        case TAG_NUMBER:
          values.push({ other: String(view.getFloat64(at, true)) });
          break;
        case TAG_TRUE:
          values.push({ other: 'true' });
          break;
        case TAG_FALSE:
          values.push({ other: 'false' });
          break;
        case TAG_NULL:
          // From version 97 the same tag marks a private name among keys.
          values.push({ other: isKeys && !counted ? '#private' : 'null' });
          break;
      }
    }
  }
  return values;
}

/** Function bodies as `[start, end)` byte ranges, each once (hermesc shares identical bodies). */
function functionBodies(bytes: Uint8Array, view: DataView, sections: HermesSections): { readonly bodies: readonly (readonly [number, number])[]; readonly unreadable: number } {
  const u32 = (offset: number) => view.getUint32(offset, true);
  const seen = new Set<string>();
  const bodies: [number, number][] = [];
  let unreadable = 0;
  const shaped = sections.version > LAST_VERSION_WITH_COUNTED_OBJECTS;
  for (let index = 0; index < sections.functionCount; index++) {
    const header = HEADER_SIZE + index * sections.functionHeaderSize;
    const word0 = u32(header);
    const word1 = u32(header + 4);
    const flags = bytes[header + sections.functionHeaderSize - 1]!;
    let start = word0 & 0x1ffffff;
    let size = shaped ? word1 & 0x3fff : word1 & 0x7fff;
    // An overflowed small header holds where the full header is; the full one starts with offset and size.
    if (flags & 0x20) {
      const large = shaped ? ((word1 >>> 14) & 0xff) * 0x1000000 + start : (u32(header + 8) & 0x1ffffff) * 0x10000 + (word0 & 0xffff);
      const sizeAt = large + (shaped ? 12 : 8);
      if (sizeAt + 4 > bytes.length) {
        unreadable++;
        continue;
      }
      start = u32(large);
      size = u32(sizeAt);
    }
    if (start + size > bytes.length || start < HEADER_SIZE) {
      unreadable++;
      continue;
    }
    const key = `${start}:${size}`;
    if (seen.has(key)) continue;
    seen.add(key);
    bodies.push([start, start + size]);
  }
  return { bodies, unreadable };
}

interface Creation {
  readonly count: number | undefined;
  readonly keys: number;
  readonly values: number;
}

/** An opcode table decoded for the instruction loop: a length per opcode (0 past the table) and creators by opcode. */
interface Decoder {
  readonly lengths: Uint8Array;
  readonly creators: readonly (ObjectCreator | undefined)[];
}

const decoders = new Map<OpcodeTable, Decoder>();

function decoderFor(table: OpcodeTable): Decoder {
  let decoder = decoders.get(table);
  if (decoder === undefined) {
    const lengths = new Uint8Array(256);
    [...table.lengths].forEach((digit, opcode) => (lengths[opcode] = parseInt(digit, 36)));
    const creators: (ObjectCreator | undefined)[] = new Array(256).fill(undefined);
    for (const creator of table.objectCreators) creators[creator.opcode] = creator;
    decoder = { lengths, creators };
    decoders.set(table, decoder);
  }
  return decoder;
}

/** The object-creating instructions of one body, or undefined when the body does not decode with `table`. */
function creationsIn(bytes: Uint8Array, view: DataView, start: number, end: number, decoder: Decoder): Creation[] | undefined {
  const found: Creation[] = [];
  for (let at = start; at < end; ) {
    const opcode = bytes[at]!;
    const length = decoder.lengths[opcode]!;
    if (length === 0 || at + length > end) return undefined;
    const creator = decoder.creators[opcode];
    if (creator !== undefined) {
      const operand = (offset: number) => (creator.wide ? view.getUint32(at + offset, true) : view.getUint16(at + offset, true));
      const count = creator.count === undefined ? undefined : view.getUint16(at + creator.count, true);
      found.push({ count, keys: operand(creator.keys), values: operand(creator.values) });
    }
    at += length;
  }
  return found;
}

/** At most this many properties are read per file byte: crafted counts cannot make the reader repeat itself. */
const PROPERTIES_PER_FILE_BYTE = 1;

export function readObjectLiterals(bytes: Uint8Array, sections: HermesSections): ObjectLiteralReading {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const buffers = buffersOf(bytes, view, sections);
  if (buffers.keys.length === 0) return { literals: [], notices: [] };
  const decoder = decoderFor(tableFor(sections.version));
  const counted = sections.version <= LAST_VERSION_WITH_COUNTED_OBJECTS;
  const { bodies, unreadable } = functionBodies(bytes, view, sections);
  const literals: ObjectLiteral[] = [];
  const seen = new Set<string>();
  let undecodable = 0;
  let malformed = 0;
  let budget = Math.max(bytes.length * PROPERTIES_PER_FILE_BYTE, 4096);
  for (const [start, end] of bodies) {
    const creations = creationsIn(bytes, view, start, end, decoder);
    if (creations === undefined) {
      undecodable++;
      continue;
    }
    for (const creation of creations) {
      const identity = `${creation.count}:${creation.keys}:${creation.values}`;
      if (seen.has(identity)) continue;
      seen.add(identity);
      let keyOffset = creation.keys;
      let count = creation.count ?? 0;
      if (!counted) {
        if (buffers.shapes === undefined || creation.keys >= buffers.shapeCount) {
          malformed++;
          continue;
        }
        keyOffset = buffers.shapes.getUint32(creation.keys * SHAPE_ENTRY_SIZE, true);
        count = buffers.shapes.getUint32(creation.keys * SHAPE_ENTRY_SIZE + 4, true);
      }
      if (count === 0) continue;
      if (count > budget) {
        malformed++;
        continue;
      }
      budget -= count;
      const keys = readSequence(buffers.keys, keyOffset, count, counted, true);
      const values = readSequence(buffers.values, creation.values, count, counted, false);
      if (keys === undefined || values === undefined || keys.some((key) => 'string' in key && key.string >= sections.stringCount)) {
        malformed++;
        continue;
      }
      literals.push({ keys: keys.map((key) => ('string' in key ? key.string : undefined)), values });
    }
  }
  const notices: string[] = [];
  if (unreadable > 0) notices.push(`${unreadable} Hermes function headers point outside the file; their object literals were not read`);
  if (undecodable > 0) notices.push(`${undecodable} of ${bodies.length} Hermes function bodies do not decode as bytecode version ${sections.version}; their object literals were not read`);
  if (malformed > 0) notices.push(`${malformed} Hermes object literals point outside their key or value buffers; skipped`);
  return { literals, notices };
}
