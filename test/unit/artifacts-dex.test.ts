import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeDex, isDex } from '../../src/artifacts/formats/dex.js';
import { FormatError } from '../../src/artifacts/strings.js';
import { mutf8 } from '../helpers/binary.js';

const HEADER_SIZE = 0x70;
const CONTAINER_HEADER_SIZE = 0x78;

function uleb128(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  do {
    const low = rest & 0x7f;
    rest = Math.floor(rest / 128);
    bytes.push(rest > 0 ? low | 0x80 : low);
  } while (rest > 0);
  return bytes;
}

/** A `string_data_item`: the UTF-16 length, the MUTF-8 bytes and the terminating NUL. */
function stringData(text: string): number[] {
  return [...uleb128(text.length), ...mutf8(text), 0];
}

interface DexClass {
  /** The class_data_item; absent for a class_data_off of 0. */
  readonly classData?: readonly number[];
  /** The encoded_array_item of the static values. */
  readonly staticValues: readonly number[];
}

interface DexOptions {
  readonly version?: string;
  /** Where in the whole file this container starts (v41 containers after the first). */
  readonly base?: number;
  readonly headerSize?: number;
  readonly containerSize?: number;
  /** The name_idx (string index) of each field_ids entry. */
  readonly fieldNames?: readonly number[];
  readonly classes?: readonly DexClass[];
}

const FIELD_ID_SIZE = 8;
const CLASS_DEF_SIZE = 32;

/**
 * One DEX (container): header, string_ids right after it, field_ids, class_defs, then the string
 * data items in order, then each class's class_data and static values.
 */
function buildDex(items: readonly (readonly number[])[], options: DexOptions = {}): Uint8Array {
  const base = options.base ?? 0;
  const headerSize = options.headerSize ?? HEADER_SIZE;
  const fieldNames = options.fieldNames ?? [];
  const classes = options.classes ?? [];
  const idsOffset = headerSize;
  const fieldIdsOffset = idsOffset + items.length * 4;
  const classDefsOffset = fieldIdsOffset + fieldNames.length * FIELD_ID_SIZE;
  let dataOffset = classDefsOffset + classes.length * CLASS_DEF_SIZE;
  const classBlobs = classes.flatMap((dexClass) => [dexClass.classData ?? [], dexClass.staticValues]);
  const size = dataOffset + [...items, ...classBlobs].reduce((sum, item) => sum + item.length, 0);
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  bytes.set([...Buffer.from(`dex\n${options.version ?? '035'}\0`, 'latin1')]);
  view.setUint32(0x08, 0xdeadbeef, true); // a wrong Adler-32: decoders must not care
  view.setUint32(0x20, size, true);
  view.setUint32(0x24, headerSize, true);
  view.setUint32(0x28, 0x12345678, true);
  view.setUint32(0x38, items.length, true);
  view.setUint32(0x3c, items.length > 0 ? base + idsOffset : 0, true);
  view.setUint32(0x50, fieldNames.length, true);
  view.setUint32(0x54, fieldNames.length > 0 ? base + fieldIdsOffset : 0, true);
  view.setUint32(0x60, classes.length, true);
  view.setUint32(0x64, classes.length > 0 ? base + classDefsOffset : 0, true);
  if (headerSize >= CONTAINER_HEADER_SIZE) {
    view.setUint32(0x70, options.containerSize ?? size, true);
    view.setUint32(0x74, base, true);
  }
  items.forEach((item, index) => {
    view.setUint32(idsOffset + index * 4, base + dataOffset, true);
    bytes.set(item, dataOffset);
    dataOffset += item.length;
  });
  fieldNames.forEach((nameIndex, index) => view.setUint32(fieldIdsOffset + index * FIELD_ID_SIZE + 4, nameIndex, true));
  const place = (blob: readonly number[]): number => {
    bytes.set(blob, dataOffset);
    dataOffset += blob.length;
    return base + dataOffset - blob.length;
  };
  classes.forEach((dexClass, index) => {
    const classDef = classDefsOffset + index * CLASS_DEF_SIZE;
    if (dexClass.classData) view.setUint32(classDef + 24, place(dexClass.classData), true);
    view.setUint32(classDef + 28, place(dexClass.staticValues), true);
  });
  return bytes;
}

/** A class_data_item with these static fields (ascending field_ids indices) and no other members. */
function classData(staticFields: readonly number[]): number[] {
  const encodedFields = staticFields.flatMap((fieldIndex, position) => [...uleb128(fieldIndex - (staticFields[position - 1] ?? 0)), 0x19]);
  return [...uleb128(staticFields.length), 0, 0, 0, ...encodedFields];
}

/** An encoded_value: header `(value_arg << 5) | type`, then the `value_arg + 1` payload bytes. */
const encodedValue = (type: number, payload: readonly number[]): number[] => [((payload.length - 1) << 5) | type, ...payload];
const encodedString = (index: number): number[] => encodedValue(0x17, [index]);
const encodedArray = (values: readonly (readonly number[])[]): number[] => [...uleb128(values.length), ...values.flat()];
const ENCODED_NULL = [0x1e];
const ENCODED_TRUE = [(1 << 5) | 0x1f];
/** Arrays inside arrays, `depth` levels deep, around a null. */
const nestedArray = (depth: number): number[] => (depth === 0 ? ENCODED_NULL : [0x1c, ...encodedArray([nestedArray(depth - 1)])]);

function concat(...parts: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

const values = (bytes: Uint8Array) => decodeDex(bytes).strings.map((string) => string.value);

const AWS_KEY = 'AKIAZ3MSJV4WQ2XNB7PL';

describe('isDex', () => {
  it('accepts the dex magic with any three-digit version and rejects near misses', () => {
    expect(isDex(buildDex([], { version: '035' }))).toBe(true);
    expect(isDex(buildDex([], { version: '041' }))).toBe(true);
    expect(isDex(Buffer.from('dex\n03a\0'))).toBe(false);
    expect(isDex(Buffer.from('dex\n035 '))).toBe(false);
    expect(isDex(Buffer.from('dey\n035\0'))).toBe(false);
    expect(isDex(Buffer.from('dex\n035'))).toBe(false);
    expect(isDex(new Uint8Array())).toBe(false);
  });
});

describe('decodeDex', () => {
  it('returns every pooled string with its string_ids index, whatever the checksum says', () => {
    const texts = ['', 'Lcom/example/Keys;', AWS_KEY, 'nul\0inside', 'grin 😀 end', 'café', 'Ωmega ∑ 日本'];
    const extraction = decodeDex(buildDex(texts.map(stringData)));
    expect(extraction.strings).toEqual(texts.map((value, index) => ({ value, locator: { kind: 'string-table', table: 'dex', index } })));
    expect(extraction.notices).toEqual([]);
  });

  it('reads a supplementary character from its two 3-byte surrogates, as dexdump shows them', () => {
    expect(mutf8('😀')).toEqual([0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]);
    expect(values(buildDex([stringData('😀')]))).toEqual(['😀']);
  });

  it('decodes long non-ASCII strings whole', () => {
    const long = 'é'.repeat(20_000) + AWS_KEY;
    expect(values(buildDex([stringData(long)]))).toEqual([long]);
  });

  it('turns malformed MUTF-8 into U+FFFD and keeps the rest of the string and of the pool', () => {
    const malformed = [5, 0x41, 0x80, 0x42, 0xe2, 0x82, 0];
    const fourByteUtf8 = [2, 0xf0, 0x9f, 0x98, 0x80, 0];
    expect(values(buildDex([malformed, fourByteUtf8, stringData(AWS_KEY)]))).toEqual(['A\uFFFDB\uFFFD\uFFFD', '😀', AWS_KEY]);
  });

  it('returns nothing for an empty pool', () => {
    expect(decodeDex(buildDex([]))).toEqual({ strings: [], notices: [] });
  });

  it('decodes every v41 container of a file, each with its own string numbering', () => {
    const first = buildDex([stringData('first'), stringData(AWS_KEY)], { version: '041', headerSize: CONTAINER_HEADER_SIZE });
    const second = buildDex([stringData('second')], { version: '041', headerSize: CONTAINER_HEADER_SIZE, base: first.length });
    const file = concat(first, second);
    new DataView(file.buffer).setUint32(0x70, file.length, true);
    const extraction = decodeDex(file);
    expect(extraction.strings.map((string) => [string.value, string.locator])).toEqual([
      ['first', { kind: 'string-table', table: 'dex', index: 0 }],
      [AWS_KEY, { kind: 'string-table', table: 'dex', index: 1 }],
      ['second', { kind: 'string-table', table: 'dex#1', index: 0 }],
    ]);
    expect(extraction.notices).toEqual([]);
  });

  it('keeps the first v41 container when a later one is damaged, and says so', () => {
    const first = buildDex([stringData(AWS_KEY)], { version: '041', headerSize: CONTAINER_HEADER_SIZE });
    const file = concat(first, new Uint8Array(64).fill(0x41));
    new DataView(file.buffer).setUint32(0x70, file.length, true);
    const extraction = decodeDex(file);
    expect(extraction.strings.map((string) => string.value)).toEqual([AWS_KEY]);
    expect(extraction.notices).toEqual([`DEX container #1: no DEX magic at 0x${first.length.toString(16)}; it and any later ones skipped`]);
  });

  it('does not look for containers in files before v41', () => {
    const first = buildDex([stringData(AWS_KEY)], { version: '039' });
    const second = buildDex([stringData('second')], { version: '039' });
    expect(decodeDex(concat(first, second))).toEqual({ strings: [{ value: AWS_KEY, locator: { kind: 'string-table', table: 'dex', index: 0 } }], notices: [] });
  });
});

describe('decodeDex on damaged or hostile input', () => {
  const expectFormatError = (bytes: Uint8Array, message: RegExp) => {
    expect(() => decodeDex(bytes)).toThrow(FormatError);
    expect(() => decodeDex(bytes)).toThrow(message);
  };

  it('rejects what is not a DEX file, a truncated header and a byte-swapped file', () => {
    expectFormatError(Buffer.from('PK\x03\x04 not a dex file'), /no DEX magic at 0x0/);
    const dex = buildDex([stringData(AWS_KEY)]);
    expectFormatError(dex.subarray(0, 50), /DEX header at 0x0 is truncated \(50 of 112 bytes\)/);
    const swapped = dex.slice();
    new DataView(swapped.buffer).setUint32(0x28, 0x78563412, true);
    expectFormatError(swapped, /byte-swapped/);
  });

  it('rejects a string table larger than the cap or the file, without allocating for it', () => {
    const huge = buildDex([stringData(AWS_KEY)]);
    new DataView(huge.buffer).setUint32(0x38, 0xffffffff, true);
    expectFormatError(huge, /string_ids_size 4294967295 exceeds the limit/);
    const pastTheEnd = buildDex([stringData(AWS_KEY)]);
    new DataView(pastTheEnd.buffer).setUint32(0x38, 1_000_000, true);
    expectFormatError(pastTheEnd, /string_ids \(1000000 entries at 0x70\) run past the end of the file/);
    const offsetPastTheEnd = buildDex([stringData(AWS_KEY)]);
    new DataView(offsetPastTheEnd.buffer).setUint32(0x3c, 0xfffffff0, true);
    expectFormatError(offsetPastTheEnd, /run past the end of the file/);
  });

  it('skips strings whose data lies outside the file or whose length never ends, and counts them', () => {
    const dex = buildDex([stringData('kept one'), stringData('moved'), stringData(AWS_KEY), [0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x41, 0]]);
    new DataView(dex.buffer).setUint32(HEADER_SIZE + 4, dex.length + 100, true);
    const extraction = decodeDex(dex);
    expect(extraction.strings.map((string) => [string.value, string.locator])).toEqual([
      ['kept one', { kind: 'string-table', table: 'dex', index: 0 }],
      [AWS_KEY, { kind: 'string-table', table: 'dex', index: 2 }],
    ]);
    expect(extraction.notices).toEqual(['2 DEX strings point outside the file or have an unreadable length, skipped']);
  });

  it('decodes a string cut off by the end of the file up to the end', () => {
    const dex = buildDex([stringData('whole'), stringData(AWS_KEY)]);
    const cut = dex.subarray(0, dex.length - 5);
    expect(decodeDex(cut)).toEqual({
      strings: [
        { value: 'whole', locator: { kind: 'string-table', table: 'dex', index: 0 } },
        { value: AWS_KEY.slice(0, -4), locator: { kind: 'string-table', table: 'dex', index: 1 } },
      ],
      notices: ['1 DEX strings lack their terminating NUL, decoded up to their declared length or the end of the file'],
    });
  });

  it('stops at the declared length when the terminator is missing inside the file', () => {
    const dex = buildDex([[3, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a]]);
    expect(values(dex)).toEqual(['abcdefghi']);
  });

  it('stays linear when every string id points into one long unterminated run', () => {
    const run = new Uint8Array(4 * 1024 * 1024).fill(0x41);
    const ids = 200_000;
    const header = buildDex(Array.from({ length: ids }, () => []));
    const file = concat(header, Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f), run);
    const view = new DataView(file.buffer);
    for (let index = 0; index < ids; index++) view.setUint32(HEADER_SIZE + index * 4, header.length, true);
    const extraction = decodeDex(file);
    expect(extraction.strings.length).toBeLessThan(ids);
    expect(extraction.strings[0]?.value).toBe('A'.repeat(run.length));
    // The characters decoded stay within the 8x-the-file-size budget the notice names.
    expect(extraction.strings.reduce((sum, string) => sum + string.value.length, 0)).toBeLessThanOrEqual(8 * file.length);
    expect(extraction.notices.at(-1)).toMatch(/^DEX string data overlaps beyond 8x the file size: \d+ strings skipped$/);
  });
});

describe('decodeDex field names of static values', () => {
  const SECRET = 'V6yIt7VOmoQqoTNZLRy8LtQ8ta3FOEf0t83I3Vtj';
  const TOKEN = '2443e275f247107295d1f8c47582fc97';
  // string_ids 0–9; field_ids 0–5 name strings 1, 3, 4, 6, 8, 9.
  const texts = ['Lcom/example/Keys;', 'AWS_SECRET_ACCESS_KEY', SECRET, 'COUNT', 'TWILIO_AUTH_TOKEN', TOKEN, 'REGION', 'eu-west-1', 'NESTED', 'ALIAS'];
  const fieldNames = [1, 3, 4, 6, 8, 9];
  const pool = texts.map(stringData);
  const keyed = (bytes: Uint8Array) => decodeDex(bytes).strings.filter((string) => string.key !== undefined).map((string) => [string.locator, string.key, string.value]);
  const at = (index: number) => ({ kind: 'string-table', table: 'dex', index });
  const secretClass: DexClass = { classData: classData([0]), staticValues: encodedArray([encodedString(2)]) };

  it('keys a static String value with its field name and declaration order, leaving the locator and the other strings alone', () => {
    const extraction = decodeDex(buildDex(pool, { fieldNames, classes: [secretClass] }));
    expect(extraction.strings).toEqual(
      texts.map((value, index) => ({ value, locator: at(index), ...(index === 2 ? { key: 'AWS_SECRET_ACCESS_KEY', declared: 0 } : {}) })),
    );
    expect(extraction.notices).toEqual([]);
  });

  it('pairs the i-th value with the i-th static field, skipping values of every other type', () => {
    const annotation = [0x1d, ...uleb128(0), ...uleb128(2), ...uleb128(7), ...encodedValue(0x04, [1, 2]), ...uleb128(8), ...nestedArray(2)];
    const values = encodedArray([
      encodedValue(0x17, [2, 0]), // AWS_SECRET_ACCESS_KEY: string #2 in two bytes
      encodedValue(0x00, [0x7f]), // COUNT: byte
      encodedValue(0x17, [5, 0, 0, 0]), // TWILIO_AUTH_TOKEN: string #5 in four bytes
      [0x1c, ...encodedArray([encodedValue(0x06, [1, 2, 3, 4, 5, 6, 7, 8]), annotation, ENCODED_TRUE, ENCODED_NULL])], // REGION: array
      encodedValue(0x11, [0, 0, 0, 0, 0, 0, 0xf0, 0x3f]), // NESTED: double
      encodedString(7), // ALIAS
    ]);
    const dex = buildDex(pool, { fieldNames, classes: [{ classData: classData([0, 1, 2, 3, 4, 5]), staticValues: values }] });
    expect(keyed(dex)).toEqual([
      [at(2), 'AWS_SECRET_ACCESS_KEY', SECRET],
      [at(5), 'TWILIO_AUTH_TOKEN', TOKEN],
      [at(7), 'ALIAS', 'eu-west-1'],
    ]);
    expect(decodeDex(dex).notices).toEqual([]);
  });

  it('leaves fields without a value at their default and ignores values beyond the static fields', () => {
    const dex = buildDex(pool, {
      fieldNames,
      classes: [
        { classData: classData([0, 2]), staticValues: encodedArray([encodedString(2)]) },
        { classData: classData([3]), staticValues: encodedArray([ENCODED_NULL, encodedString(5)]) },
      ],
    });
    expect(keyed(dex)).toEqual([[at(2), 'AWS_SECRET_ACCESS_KEY', SECRET]]);
    expect(decodeDex(dex).notices).toEqual([]);
  });

  it('keeps one string per pool entry, keyed by the first field that holds it', () => {
    const dex = buildDex(pool, {
      fieldNames,
      classes: [
        { classData: classData([2, 5]), staticValues: encodedArray([encodedString(5), encodedString(5)]) },
        { classData: classData([1]), staticValues: encodedArray([encodedString(5)]) },
      ],
    });
    const extraction = decodeDex(dex);
    expect(extraction.strings).toHaveLength(texts.length);
    expect(keyed(dex)).toEqual([[at(5), 'TWILIO_AUTH_TOKEN', TOKEN]]);
  });

  it('keys values in a v41 container other than the first with that container’s own tables', () => {
    const first = buildDex([stringData('first')], { version: '041', headerSize: CONTAINER_HEADER_SIZE });
    const second = buildDex(pool, { version: '041', headerSize: CONTAINER_HEADER_SIZE, base: first.length, fieldNames, classes: [secretClass] });
    const file = concat(first, second);
    new DataView(file.buffer).setUint32(0x70, file.length, true);
    expect(keyed(file)).toEqual([[{ kind: 'string-table', table: 'dex#1', index: 2 }, 'AWS_SECRET_ACCESS_KEY', SECRET]]);
  });

  describe('skips a class with damaged static data, keeps its strings and the other classes’ names', () => {
    const damaged: readonly (readonly [string, DexClass])[] = [
      ['an unknown value type', { classData: classData([2]), staticValues: encodedArray([[0x05], encodedString(5)]) }],
      ['a payload larger than its type allows', { classData: classData([2]), staticValues: encodedArray([encodedValue(0x04, [1, 2, 3, 4, 5]), encodedString(5)]) }],
      ['arrays nested deeper than the cap', { classData: classData([2, 4]), staticValues: encodedArray([nestedArray(40), encodedString(5)]) }],
      ['a field index beyond field_ids', { classData: classData([99]), staticValues: encodedArray([encodedString(5)]) }],
      ['a class_data_off of 0', { staticValues: encodedArray([encodedString(5)]) }],
      ['a class_data count whose ULEB128 never ends', { classData: [0xff, 0xff, 0xff, 0xff, 0xff, 0x01], staticValues: encodedArray([encodedString(5)]) }],
      ['fewer encoded fields than declared', { classData: [...uleb128(100_000), 0, 0, 0, 2, 0x19], staticValues: encodedArray([encodedString(5)]) }],
    ];
    it.each(damaged)('%s', (_, damagedClass) => {
      const dex = buildDex(pool, { fieldNames, classes: [damagedClass, secretClass] });
      const extraction = decodeDex(dex);
      expect(extraction.strings.map((string) => string.value)).toEqual(texts);
      expect(keyed(dex)).toEqual([[at(2), 'AWS_SECRET_ACCESS_KEY', SECRET]]);
      expect(extraction.notices).toEqual(['1 DEX classes have damaged class_data or static values: their static values kept without field names']);
    });
  });

  it('keeps the names found before a cut in the static values', () => {
    const dex = buildDex(pool, { fieldNames, classes: [secretClass, { classData: classData([2]), staticValues: encodedArray([encodedValue(0x17, [5, 0, 0, 0])]) }] });
    const cut = dex.subarray(0, dex.length - 1);
    expect(keyed(cut)).toEqual([[at(2), 'AWS_SECRET_ACCESS_KEY', SECRET]]);
    expect(decodeDex(cut).notices).toEqual(['1 DEX classes have damaged class_data or static values: their static values kept without field names']);
  });

  it('returns the strings without names when class_defs or field_ids run past the end of the file', () => {
    for (const sizeOffset of [0x50, 0x60]) {
      const dex = buildDex(pool, { fieldNames, classes: [secretClass] });
      new DataView(dex.buffer).setUint32(sizeOffset, 0x10000000, true);
      const extraction = decodeDex(dex);
      expect(extraction.strings).toEqual(texts.map((value, index) => ({ value, locator: at(index) })));
      expect(extraction.notices).toEqual(['DEX class_defs or field_ids run past the end of the file: static values kept without their field names']);
    }
  });

  it('stays linear when every class_def points at one huge class_data', () => {
    const fields = 20_000;
    const shared = buildDex(pool, {
      fieldNames,
      classes: [{ classData: [...uleb128(fields), 0, 0, 0, 0, 0x19, ...Array.from({ length: fields - 1 }, () => [0, 0x19]).flat()], staticValues: encodedArray(Array.from({ length: fields }, () => ENCODED_NULL)) }],
    });
    const classes = 2_000;
    const file = concat(shared, new Uint8Array(classes * CLASS_DEF_SIZE));
    const view = new DataView(file.buffer);
    const sharedDef = view.getUint32(0x64, true);
    for (let index = 0; index < classes; index++) {
      const classDef = shared.length + index * CLASS_DEF_SIZE;
      view.setUint32(classDef + 24, view.getUint32(sharedDef + 24, true), true);
      view.setUint32(classDef + 28, view.getUint32(sharedDef + 28, true), true);
    }
    view.setUint32(0x60, classes, true);
    view.setUint32(0x64, shared.length, true);
    const extraction = decodeDex(file);
    expect(extraction.strings.map((string) => string.value)).toEqual(texts);
    expect(extraction.notices).toHaveLength(1);
    expect(extraction.notices[0]).toMatch(/^DEX static field data overlaps beyond 8x the file size: static values of \d+ classes kept without field names$/);
  });
});

describe('decodeDex on a large pool', () => {
  it('decodes every string of a 10 MB pool of 100k strings, without notices', () => {
    const items = Array.from({ length: 100_000 }, (_, index) => stringData(`Lcom/example/generated/Class${index};->${'x'.repeat(70)}${index % 50 === 0 ? 'é' : ''}`));
    const dex = buildDex(items);
    expect(dex.length).toBeGreaterThan(10_000_000);
    const extraction = decodeDex(dex);
    expect(extraction.strings).toHaveLength(100_000);
    expect(extraction.strings[50]?.value).toMatch(/Class50;->x+é$/);
    expect(extraction.notices).toEqual([]);
  });
});

const FIXTURES = new URL('../../fixtures/apps/', import.meta.url);
const DEX_FIXTURE = new URL('out/parts/classes.dex', FIXTURES);
const SMALI_SOURCES = new URL('src/android/smali/classes/', FIXTURES);

/** Every quoted literal of the smali sources (`const-string` operands and static field values). */
function smaliLiterals(): string[] {
  const files = readdirSync(SMALI_SOURCES, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.smali'));
  return files.flatMap((name) =>
    [...readFileSync(new URL(name, SMALI_SOURCES), 'utf8').matchAll(/"((?:[^"\\\n]|\\.)*)"/g)].map((match) => JSON.parse(`"${match[1] ?? ''}"`) as string),
  );
}

describe.skipIf(!existsSync(DEX_FIXTURE) || !existsSync(SMALI_SOURCES))('decodeDex on a classes.dex built by smali', () => {
  it('finds every literal of the smali sources, non-ASCII included', () => {
    const dex = readFileSync(DEX_FIXTURE);
    expect(isDex(dex)).toBe(true);
    const extraction = decodeDex(dex);
    expect(extraction.notices).toEqual([]);
    const literals = smaliLiterals();
    expect(literals.length).toBeGreaterThan(3);
    expect(literals.some((literal) => /[^\x00-\x7f]/.test(literal))).toBe(true);
    expect(extraction.strings.map((string) => string.value)).toEqual(expect.arrayContaining(literals));
    // The pool in order; a constant a method returns comes again after it, keyed by the method.
    const indices = extraction.strings.map((string) => (string.locator.kind === 'string-table' ? string.locator.index : -1));
    const firsts = indices.filter((index, at) => index >= 0 && indices.indexOf(index) === at);
    expect(firsts).toEqual(firsts.map((_, index) => index));
  });

  it('keys the static values of Keys with their field names, and the constant a method returns with the method name', () => {
    const keyed = decodeDex(readFileSync(DEX_FIXTURE)).strings.filter((string) => string.key !== undefined);
    expect(keyed.map((string) => [string.locator, string.key, string.value])).toEqual([
      [{ kind: 'string-table', table: 'dex', index: 1 }, 'AWS_ACCESS_KEY_ID', 'AKIAFUEIZ3AM6E7W26ON'],
      [{ kind: 'string-table', table: 'dex', index: 19 }, 'AWS_SECRET_ACCESS_KEY', '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'],
      [{ kind: 'string-table', table: 'dex', index: 22 }, 'REGION', 'eu-west-1'],
      [{ kind: 'string-table', table: 'dex', index: 25, via: 'returned by Lcom/example/leaky/MainActivity;->stripeSecretKey' }, 'stripeSecretKey', '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'],
    ]);
  });
});
