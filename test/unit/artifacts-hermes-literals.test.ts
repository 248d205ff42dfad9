/**
 * Hermes object literals on files laid out as hermesc lays them out (header, function headers,
 * string table, literal buffers, function bodies), built here byte by byte so that every field can
 * be bent: offsets past the end, huge counts, wrong tags, bodies that do not decode.
 */
import { describe, expect, it } from 'vitest';
import { decodeHermes } from '../../src/artifacts/formats/hermes.js';

const MAGIC = [0xc6, 0x1f, 0xbc, 0x03, 0xc1, 0x03, 0x19, 0x1f];
const HEADER_SIZE = 128;

/** A serialized literal: a string-table index, an integer, or a constant. */
type Item = { readonly s: number } | { readonly i: number } | true | false | null;

const TAG = { null: 0, true: 1, false: 2, long: 4, short: 5, byte: 6, int: 7 } as const;

/**
 * Hermes' serialized literal format: runs of one type under a tag (3 type bits, 4 length bits, or 12
 * with the top bit and a second byte). Up to version 96 a string index below 256 takes one byte.
 */
function serialize(items: readonly Item[], version: number): number[] {
  const typeOf = (item: Item): number => {
    if (item === null) return TAG.null;
    if (item === true) return TAG.true;
    if (item === false) return TAG.false;
    if ('i' in item) return TAG.int;
    if (item.s > 0xffff) return TAG.long;
    return item.s > 0xff || version > 96 ? TAG.short : TAG.byte;
  };
  const bytes: number[] = [];
  let at = 0;
  while (at < items.length) {
    const type = typeOf(items[at]!);
    let end = at;
    while (end < items.length && typeOf(items[end]!) === type) end++;
    const run = items.slice(at, end);
    if (run.length > 15) bytes.push(0x80 | (type << 4) | (run.length >> 8), run.length & 0xff);
    else bytes.push((type << 4) | run.length);
    for (const item of run) {
      if (item === null || item === true || item === false) continue;
      const value = 'i' in item ? item.i : item.s;
      const width = type === TAG.byte ? 1 : type === TAG.short ? 2 : 4;
      for (let byte = 0; byte < width; byte++) bytes.push((value >>> (8 * byte)) & 0xff);
    }
    at = end;
  }
  return bytes;
}

const u16 = (value: number) => [value & 0xff, (value >> 8) & 0xff];
const u32 = (value: number) => [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];

/** `NewObjectWithBuffer` (opcode 0 in v76, 1 later) and its long form, up to version 96. */
function newObject(version: number, count: number, keys: number, values: number, long = false): number[] {
  const opcode = (version < 83 ? 0 : 1) + (long ? 1 : 0);
  return [opcode, 0, ...u16(count), ...u16(count), ...(long ? [...u32(keys), ...u32(values)] : [...u16(keys), ...u16(values)])];
}

/** From version 97: the shape table index and the value offset (`NewObjectWithBuffer`, `…Long`). */
function newShapedObject(shape: number, values: number, long = false): number[] {
  return long ? [2, 0, ...u32(shape), ...u32(values)] : [1, 0, ...u16(shape), ...u16(values)];
}

/** `Ret r0`, so that bodies hold more than the instructions under test. */
function ret(version: number): number[] {
  const opcode = version < 83 ? 85 : version < 85 ? 88 : version < 94 ? 90 : version < 97 ? 92 : 118;
  return [opcode, 0];
}

interface LiteralFile {
  readonly version: number;
  readonly strings: readonly string[];
  readonly keyBuffer: readonly number[];
  readonly valueBuffer: readonly number[];
  /** Version 97+: `[keyBufferOffset, numProps]`. */
  readonly shapes?: readonly (readonly [number, number])[];
  readonly bodies: readonly (readonly number[])[];
}

const align4 = (offset: number) => (offset + 3) & ~3;

function buildHermes(file: LiteralFile): Uint8Array {
  const { version, strings, keyBuffer, valueBuffer, shapes = [], bodies } = file;
  const shaped = version > 96;
  const functionHeaderSize = shaped ? 12 : 16;
  const storage = Buffer.from(strings.join(''), 'latin1');
  const tableOffset = HEADER_SIZE + bodies.length * functionHeaderSize;
  const storageOffset = tableOffset + strings.length * 4;
  const firstOffset = align4(storageOffset + storage.length);
  const first = shaped ? valueBuffer : [];
  const keyOffset = align4(firstOffset + first.length);
  const thirdOffset = align4(keyOffset + keyBuffer.length);
  const third = shaped ? shapes.flatMap(([offset, count]) => [...u32(offset), ...u32(count)]) : valueBuffer;
  let bodyOffset = align4(thirdOffset + third.length);
  const fileLength = bodyOffset + bodies.reduce((total, body) => total + body.length, 0) + 20;
  const bytes = new Uint8Array(fileLength);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC);
  view.setUint32(0x08, version, true);
  view.setUint32(0x20, fileLength, true);
  view.setUint32(0x28, bodies.length, true);
  view.setUint32(0x34, strings.length, true);
  view.setUint32(0x3c, storage.length, true);
  const sizesAt = version < 87 ? 0x48 : 0x50;
  view.setUint32(sizesAt, first.length, true);
  view.setUint32(sizesAt + 4, keyBuffer.length, true);
  view.setUint32(sizesAt + 8, shaped ? shapes.length : valueBuffer.length, true);
  let stringOffset = 0;
  strings.forEach((value, index) => {
    view.setUint32(tableOffset + index * 4, ((value.length << 24) | (stringOffset << 1)) >>> 0, true);
    stringOffset += value.length;
  });
  bytes.set(storage, storageOffset);
  bytes.set(first, firstOffset);
  bytes.set(keyBuffer, keyOffset);
  bytes.set(third, thirdOffset);
  bodies.forEach((body, index) => {
    const header = HEADER_SIZE + index * functionHeaderSize;
    view.setUint32(header, bodyOffset, true);
    view.setUint32(header + 4, body.length, true);
    bytes.set(body, bodyOffset);
    bodyOffset += body.length;
  });
  return bytes;
}

const SF_KEY = '3MVG9eceMwHX067d05Tp3IklVqe27YpJ5UBeNbbUZCsLkiSLFMs1o5ygXvYlaYH.fSQi1DVzjGZbTsBKGpncT';
const SF_SECRET = 'C8810BC450FE3BF7D6D1B760192F6EAE3345736F02A9A7E12B32234C1CFF0029';
const SANDBOX_KEY = '3MVG9au0Zm2QRIqv5R.zcbfk3akZiYE9sWbiPuHkW2c89ogP_eZ5jHuNZCDGDlUxZxhPv.iZkquDiFCokiH5.';
const SANDBOX_SECRET = '43E124488A9129C724B4F0F2F9047E5E14BDE74E45B71A49B5601D2ABF77324E';
/** String table: 0 consumerKey, 1 consumerSecret, 2 retries, 3-6 the values. */
const STRINGS = ['consumerKey', 'consumerSecret', 'retries', SF_KEY, SF_SECRET, SANDBOX_KEY, SANDBOX_SECRET];
const KEYS: readonly Item[] = [{ s: 0 }, { s: 1 }, { s: 2 }];
const PRODUCTION: readonly Item[] = [{ s: 3 }, { s: 4 }, { i: 3 }];
const SANDBOX: readonly Item[] = [{ s: 5 }, { s: 6 }, { i: 5 }];

const literal = (index: number, value: string) => ({ value, locator: { kind: 'object-literal', table: 'hermes', index }, unit: `object literal #${index}` });
const PRODUCTION_TEXT = `consumerKey: "${SF_KEY}"\nconsumerSecret: "${SF_SECRET}"`;
const SANDBOX_TEXT = `consumerKey: "${SANDBOX_KEY}"\nconsumerSecret: "${SANDBOX_SECRET}"`;

/** Two objects with the same keys: one key sequence, two value sequences, as hermesc deduplicates them. */
function twoObjects(version: number, long = false): LiteralFile {
  const keyBuffer = serialize(KEYS, version);
  const production = serialize(PRODUCTION, version);
  const valueBuffer = [...production, ...serialize(SANDBOX, version)];
  if (version > 96) {
    return { version, strings: STRINGS, keyBuffer, valueBuffer, shapes: [[0, 3]], bodies: [[...newShapedObject(0, 0, long), ...ret(version)], [...newShapedObject(0, production.length), ...ret(version)]] };
  }
  return { version, strings: STRINGS, keyBuffer, valueBuffer, bodies: [[...newObject(version, 3, 0, 0, long), ...ret(version)], [...newObject(version, 3, 0, production.length), ...ret(version)]] };
}

const literalsOf = (bytes: Uint8Array) => decodeHermes(bytes).strings.filter((string) => string.locator.kind === 'object-literal');

describe('Hermes object literals', () => {
  it.each([76, 84, 86, 89, 94, 96, 97, 98, 99])('version %i: two objects sharing one key sequence, each with its own values', (version) => {
    const decoded = decodeHermes(buildHermes(twoObjects(version)));
    expect(decoded.strings.filter((string) => string.locator.kind === 'object-literal')).toEqual([literal(0, PRODUCTION_TEXT), literal(1, SANDBOX_TEXT)]);
    expect(decoded.notices).toEqual([]);
  });

  it.each([89, 99])('version %i: the long form of the instruction', (version) => {
    expect(literalsOf(buildHermes(twoObjects(version, true)))).toEqual([literal(0, PRODUCTION_TEXT), literal(1, SANDBOX_TEXT)]);
  });

  it('reads runs of more than 15 literals (12-bit lengths) and one-byte and two-byte string indices', () => {
    const strings = [...Array.from({ length: 300 }, (_, index) => `k${index}`), 'clientSecret', 'xaNR3O3muXIVAI9nmXgWX6Sf-33U4Lbg09FiCFQ5jhH0AXx7_j7UnKEIpF181iNX'];
    const keys: Item[] = [...Array.from({ length: 20 }, (_, index) => ({ s: 280 + index })), { s: 300 }];
    const values: Item[] = [...Array.from({ length: 20 }, (_, index) => ({ i: index })), { s: 301 }];
    const bytes = buildHermes({ version: 96, strings, keyBuffer: serialize(keys, 96), valueBuffer: serialize(values, 96), bodies: [newObject(96, 21, 0, 0)] });
    expect(literalsOf(bytes)).toEqual([literal(0, `clientSecret: "${strings[301]}"`)]);
  });

  it('keeps a value with quotes and line breaks on its line, JSON-escaped, and a key with a line break on one line', () => {
    const strings = ['api\nKey', 'he said "hi"\nthen left'];
    const bytes = buildHermes({ version: 96, strings, keyBuffer: serialize([{ s: 0 }], 96), valueBuffer: serialize([{ s: 1 }], 96), bodies: [newObject(96, 1, 0, 0)] });
    expect(literalsOf(bytes)).toEqual([literal(0, 'api Key: "he said \\"hi\\"\\nthen left"')]);
  });

  it('leaves out objects without a string value, and reads each instruction once', () => {
    const file: LiteralFile = { version: 96, strings: STRINGS, keyBuffer: serialize([{ s: 2 }], 96), valueBuffer: serialize([true], 96), bodies: [newObject(96, 1, 0, 0), newObject(96, 1, 0, 0)] };
    expect(literalsOf(buildHermes(file))).toEqual([]);
    expect(literalsOf(buildHermes(twoObjects(96))).length).toBe(2);
    const repeated = twoObjects(96);
    expect(literalsOf(buildHermes({ ...repeated, bodies: [...repeated.bodies, ...repeated.bodies] })).length).toBe(2);
  });
});

describe('Hermes object literals in damaged or hostile files', () => {
  const notices = (bytes: Uint8Array) => decodeHermes(bytes).notices;
  const strings = (bytes: Uint8Array) => decodeHermes(bytes).strings.filter((string) => string.locator.kind === 'string-table').map((string) => string.value);

  it('skips an object whose key or value offset is past the end of its buffer, and says so', () => {
    const file = twoObjects(96);
    const bytes = buildHermes({ ...file, bodies: [newObject(96, 3, 500, 0), newObject(96, 3, 0, 60000), file.bodies[0]!] });
    expect(literalsOf(bytes)).toEqual([literal(0, PRODUCTION_TEXT)]);
    expect(notices(bytes)).toEqual(['2 Hermes object literals point outside their key or value buffers; skipped']);
  });

  it('skips an object with a huge property count without reading past its buffers', () => {
    const file = twoObjects(96);
    const bytes = buildHermes({ ...file, bodies: [newObject(96, 0xffff, 0, 0)] });
    expect(literalsOf(bytes)).toEqual([]);
    expect(notices(bytes)).toEqual(['1 Hermes object literals point outside their key or value buffers; skipped']);
    const shaped = twoObjects(99);
    const huge = buildHermes({ ...shaped, shapes: [[0, 0xffffffff]] });
    expect(literalsOf(huge)).toEqual([]);
    expect(notices(huge)).toHaveLength(1);
  });

  it('skips a sequence with a zero-length tag, a key index past the string table or a shape index past the shape table', () => {
    expect(literalsOf(buildHermes({ ...twoObjects(96), keyBuffer: [0x50, 0x50, 0x50] }))).toEqual([]);
    expect(literalsOf(buildHermes({ ...twoObjects(96), keyBuffer: serialize([{ s: 900 }, { s: 1 }, { s: 2 }], 96) }))).toEqual([]);
    const shaped = buildHermes({ ...twoObjects(99), bodies: [newShapedObject(7, 0)] });
    expect(literalsOf(shaped)).toEqual([]);
    expect(notices(shaped)).toEqual(['1 Hermes object literals point outside their key or value buffers; skipped']);
  });

  it('reads values of other types as non-strings whatever their tag, and never a key it cannot name', () => {
    // A private name (tag 0 among keys from version 97) has no name to show: its property is left out.
    const bytes = buildHermes({ ...twoObjects(99), keyBuffer: [0x01, 0x51, 0x01, 0x00, 0x51, 0x02, 0x00], shapes: [[0, 3]] });
    expect(literalsOf(bytes)).toEqual([literal(0, `consumerSecret: "${SF_SECRET}"`), literal(1, `consumerSecret: "${SANDBOX_SECRET}"`)]);
  });

  it('leaves a function whose body does not decode, and reads the others', () => {
    const file = twoObjects(96);
    const bytes = buildHermes({ ...file, bodies: [[0xff, 0, 0], [...newObject(96, 3, 0, 0).slice(0, 5)], file.bodies[0]!] });
    expect(literalsOf(bytes)).toEqual([literal(0, PRODUCTION_TEXT)]);
    expect(notices(bytes)).toEqual(['2 of 3 Hermes function bodies do not decode as bytecode version 96; their object literals were not read']);
  });

  it('leaves a function header that points outside the file', () => {
    const bytes = buildHermes(twoObjects(96));
    new DataView(bytes.buffer).setUint32(HEADER_SIZE, 0x1fffff0, true);
    expect(literalsOf(bytes)).toEqual([literal(0, SANDBOX_TEXT)]);
    expect(notices(bytes)).toEqual(['1 Hermes function headers point outside the file; their object literals were not read']);
  });

  it('follows an overflowed function header to the full header, and not past the end of the file', () => {
    const bytes = buildHermes(twoObjects(96));
    const view = new DataView(bytes.buffer);
    const bodyStart = view.getUint32(HEADER_SIZE, true);
    const bodySize = view.getUint32(HEADER_SIZE + 4, true);
    // The full header is written over the value buffer's tail in a copy that has room for it.
    const grown = new Uint8Array(bytes.length + 32);
    grown.set(bytes);
    const large = bytes.length;
    const grownView = new DataView(grown.buffer);
    grownView.setUint32(large, bodyStart, true);
    grownView.setUint32(large + 8, bodySize, true);
    grownView.setUint32(HEADER_SIZE, large & 0xffff, true);
    grownView.setUint32(HEADER_SIZE + 8, large >>> 16, true);
    grown[HEADER_SIZE + 15] = 0x20;
    expect(literalsOf(grown)).toEqual([literal(0, PRODUCTION_TEXT), literal(1, SANDBOX_TEXT)]);
    grownView.setUint32(HEADER_SIZE + 8, 0x1ffffff, true);
    expect(notices(grown)).toEqual(['1 Hermes function headers point outside the file; their object literals were not read']);
  });

  it('keeps the string table when the literal buffers claim to run past the end of the file', () => {
    const bytes = buildHermes(twoObjects(96));
    new DataView(bytes.buffer).setUint32(0x54, 0x7fffffff, true);
    expect(literalsOf(bytes)).toEqual([]);
    expect(strings(bytes)).toEqual(STRINGS);
    expect(notices(bytes)).toEqual([expect.stringMatching(/^Hermes object literals not read: Hermes object key buffer ends at 0x[0-9a-f]+, past the end of the file \(\d+ bytes\)$/)]);
  });

  it('reads 200,000 function headers that share one body once', () => {
    const file = twoObjects(99);
    const body = file.bodies[0]!;
    const functions = 200_000;
    const bytes = buildHermes({ ...file, bodies: [body] });
    // Every header points at the same body: hermesc deduplicates identical bodies the same way.
    const copies = new Uint8Array(bytes.length + functions * 12);
    const header = bytes.subarray(HEADER_SIZE, HEADER_SIZE + 12);
    copies.set(bytes.subarray(0, HEADER_SIZE));
    for (let index = 0; index < functions; index++) copies.set(header, HEADER_SIZE + index * 12);
    copies.set(bytes.subarray(HEADER_SIZE + 12), HEADER_SIZE + functions * 12);
    const view = new DataView(copies.buffer);
    view.setUint32(0x28, functions, true);
    const shift = (functions - 1) * 12;
    // The small string table and the body moved by `shift`: point every header at the moved body.
    const moved = new DataView(bytes.buffer).getUint32(HEADER_SIZE, true) + shift;
    for (let index = 0; index < functions; index++) view.setUint32(HEADER_SIZE + index * 12, moved, true);
    expect(literalsOf(copies)).toEqual([literal(0, PRODUCTION_TEXT)]);
  });
});
