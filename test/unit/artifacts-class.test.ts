import { existsSync, readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeClassFile, isClassFile } from '../../src/artifacts/formats/java-class.js';
import { FormatError } from '../../src/artifacts/strings.js';
import { mutf8 } from '../helpers/binary.js';

const u16 = (value: number) => [value >> 8, value & 0xff];
const u32 = (value: number) => [...u16(Math.floor(value / 0x10000)), ...u16(value & 0xffff)];

interface Constant {
  readonly bytes: readonly number[];
  /** Long and double occupy two constant-pool slots. */
  readonly slots: number;
}

const utf8 = (text: string): Constant => {
  const encoded = mutf8(text);
  return { bytes: [1, ...u16(encoded.length), ...encoded], slots: 1 };
};
const fixed = (tag: number, size: number): Constant => ({ bytes: [tag, ...Array.from({ length: size }, (_, i) => i + 1)], slots: tag === 5 || tag === 6 ? 2 : 1 });
const string = (utf8Index: number): Constant => ({ bytes: [8, ...u16(utf8Index)], slots: 1 });

/** attribute_info: name index, u4 length, info. */
const attribute = (nameIndex: number, info: readonly number[]) => [...u16(nameIndex), ...u32(info.length), ...info];
/** field_info (public static final) with the given name, descriptor and attributes. */
const field = (nameIndex: number, descriptorIndex: number, attributes: readonly (readonly number[])[] = []) => [
  ...[0x00, 0x19],
  ...u16(nameIndex),
  ...u16(descriptorIndex),
  ...u16(attributes.length),
  ...attributes.flat(),
];

interface ClassBody {
  readonly interfaces?: readonly number[];
  readonly fields?: readonly (readonly number[])[];
}

/** A class file whose constant pool holds `constants`, followed by a class body with `body`'s interfaces and fields. */
function buildClass(constants: readonly Constant[], major = 61, body: ClassBody = {}): Uint8Array {
  const count = 1 + constants.reduce((sum, constant) => sum + constant.slots, 0);
  const interfaces = body.interfaces ?? [];
  const fields = body.fields ?? [];
  return Uint8Array.from([
    ...[0xca, 0xfe, 0xba, 0xbe, 0, 0, ...u16(major), ...u16(count)],
    ...constants.flatMap((constant) => constant.bytes),
    ...[0x00, 0x21, 0, 0, 0, 0], // access_flags, this_class, super_class
    ...u16(interfaces.length),
    ...interfaces.flatMap(u16),
    ...u16(fields.length),
    ...fields.flat(),
    ...[0, 0, 0, 0], // methods_count, attributes_count
  ]);
}

const AWS_KEY = 'AKIAZ3MSJV4WQ2XNB7PL';
const table = (index: number) => ({ kind: 'string-table', table: 'constant-pool', index });

describe('isClassFile', () => {
  it('accepts CAFEBABE with a class major version and rejects a fat Mach-O header', () => {
    expect(isClassFile(buildClass([], 45))).toBe(true);
    expect(isClassFile(buildClass([], 69))).toBe(true);
    expect(isClassFile(buildClass([], 44))).toBe(false);
    const fatMachO = Uint8Array.from([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2, 0x01, 0x00, 0x00, 0x07, 0, 0, 0, 3]);
    expect(isClassFile(fatMachO)).toBe(false);
    expect(isClassFile(Uint8Array.from([0xca, 0xfe, 0xba, 0xbe, 0, 0]))).toBe(false);
    expect(isClassFile(new Uint8Array(16))).toBe(false);
  });
});

describe('decodeClassFile', () => {
  it('returns every Utf8 constant with its pool index, counting two slots for long and double', () => {
    const bytes = buildClass([
      utf8('java/lang/Object'), // 1
      fixed(5, 8), // 2–3 long
      utf8('AWS_KEY'), // 4
      fixed(6, 8), // 5–6 double
      fixed(8, 2), // 7 String
      utf8(AWS_KEY), // 8
      fixed(3, 4), // 9 Integer
      fixed(4, 4), // 10 Float
      fixed(7, 2), // 11 Class
      fixed(9, 4), // 12 Fieldref
      fixed(10, 4), // 13 Methodref
      fixed(11, 4), // 14 InterfaceMethodref
      fixed(12, 4), // 15 NameAndType
      fixed(15, 3), // 16 MethodHandle
      fixed(16, 2), // 17 MethodType
      fixed(17, 4), // 18 Dynamic
      fixed(18, 4), // 19 InvokeDynamic
      fixed(19, 2), // 20 Module
      fixed(20, 2), // 21 Package
      utf8('last'), // 22
    ]);
    expect(decodeClassFile(bytes)).toEqual({
      strings: [
        { value: 'java/lang/Object', locator: table(1) },
        { value: 'AWS_KEY', locator: table(4) },
        { value: AWS_KEY, locator: table(8) },
        { value: 'last', locator: table(22) },
      ],
      notices: [],
    });
  });

  it('decodes modified UTF-8: NUL as C0 80, surrogate pairs, two- and three-byte characters', () => {
    const texts = ['a\0b', 'grin 😀', 'café', '日本語 ∑', ''];
    expect(decodeClassFile(buildClass(texts.map(utf8))).strings.map((string) => string.value)).toEqual(texts);
  });

  it('rejects an unknown constant tag and anything that is not a class file', () => {
    const unknownTag = buildClass([utf8(AWS_KEY), { bytes: [13, 0, 0], slots: 1 }]);
    expect(() => decodeClassFile(unknownTag)).toThrow(FormatError);
    expect(() => decodeClassFile(unknownTag)).toThrow('unknown constant-pool tag 13 at entry 2 (offset 0x21)');
    expect(() => decodeClassFile(Uint8Array.from([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2, 0, 0]))).toThrow(FormatError);
  });

  it('keeps the constants before a cut and says where the file ended', () => {
    const whole = buildClass([utf8('first'), utf8(AWS_KEY), fixed(5, 8)]);
    const cutInLong = whole.subarray(0, whole.length - 14 - 3);
    expect(decodeClassFile(cutInLong)).toEqual({
      strings: [
        { value: 'first', locator: table(1) },
        { value: AWS_KEY, locator: table(2) },
      ],
      notices: ['class file ends inside its constant pool (entry 3 of 4); later entries skipped'],
    });
    const cutInUtf8 = whole.subarray(0, 10 + 8 + 10);
    expect(decodeClassFile(cutInUtf8).strings.map((string) => string.value)).toEqual(['first']);
    expect(decodeClassFile(whole.subarray(0, 10 + 8 + 2)).notices).toEqual(['class file ends inside its constant pool (entry 2 of 4); later entries skipped']);
  });

  it('stops at the end of the file, or at the first byte that is no constant, however large the declared pool', () => {
    const bytes = buildClass([utf8(AWS_KEY)]);
    new DataView(bytes.buffer).setUint16(8, 0xffff);
    expect(() => decodeClassFile(bytes)).toThrow(new FormatError('unknown constant-pool tag 0 at entry 2 (offset 0x21)'));
    expect(decodeClassFile(bytes.subarray(0, 0x21))).toEqual({
      strings: [{ value: AWS_KEY, locator: table(1) }],
      notices: ['class file ends inside its constant pool (entry 2 of 65534); later entries skipped'],
    });
  });
});

describe('decodeClassFile field names of ConstantValue strings', () => {
  const TOKEN = '2443e275f247107295d1f8c47582fc97';
  const constants = [
    utf8('TWILIO_AUTH_TOKEN'), // 1
    utf8('Ljava/lang/String;'), // 2
    utf8('ConstantValue'), // 3
    string(5), // 4
    utf8(TOKEN), // 5
    utf8('MAX'), // 6
    fixed(3, 4), // 7 Integer
    utf8('ALIAS'), // 8
    string(5), // 9, the same characters again
    utf8('Deprecated'), // 10
    fixed(7, 2), // 11 Class (an interface)
    utf8('I'), // 12
  ];
  const constantValue = (valueIndex: number) => attribute(3, u16(valueIndex));
  const keyed = (bytes: Uint8Array) => decodeClassFile(bytes).strings.filter((entry) => entry.key !== undefined).map((entry) => [entry.locator, entry.key, entry.value]);

  it('keys the Utf8 entry a String ConstantValue points to with the field name, and nothing else', () => {
    const bytes = buildClass(constants, 61, {
      interfaces: [11, 11],
      fields: [field(6, 12, [constantValue(7)]), field(1, 2, [attribute(10, []), constantValue(4)]), field(8, 2, [constantValue(9)])],
    });
    const extraction = decodeClassFile(bytes);
    expect(extraction.notices).toEqual([]);
    expect(extraction.strings.map((entry) => entry.value)).toEqual(['TWILIO_AUTH_TOKEN', 'Ljava/lang/String;', 'ConstantValue', TOKEN, 'MAX', 'ALIAS', 'Deprecated', 'I']);
    expect(keyed(bytes)).toEqual([[table(5), 'TWILIO_AUTH_TOKEN', TOKEN]]);
  });

  it('ignores attributes that only look like ConstantValue', () => {
    const bytes = buildClass(constants, 61, {
      fields: [field(1, 2, [attribute(3, [0, 4, 0]), attribute(10, u16(4)), attribute(3, u16(999))])],
    });
    expect(decodeClassFile(bytes)).toEqual({ strings: decodeClassFile(buildClass(constants)).strings, notices: [] });
  });

  it('keeps the names read before a damaged or cut field table, and says where it ended', () => {
    const bytes = buildClass(constants, 61, { fields: [field(1, 2, [constantValue(4)]), field(8, 2, [constantValue(9)])] });
    const methodsAndAttributes = 4;
    const secondField = 8 + 6 + 2;
    const cutInSecondField = bytes.subarray(0, bytes.length - methodsAndAttributes - 1);
    expect(keyed(cutInSecondField)).toEqual([[table(5), 'TWILIO_AUTH_TOKEN', TOKEN]]);
    expect(decodeClassFile(cutInSecondField).notices).toEqual(['class file ends inside its field table (field 2 of 2); later field names not attached']);

    const hugeAttribute = buildClass(constants, 61, { fields: [field(1, 2, [attribute(10, [])]), field(8, 2, [constantValue(9)])] });
    new DataView(hugeAttribute.buffer).setUint32(hugeAttribute.length - methodsAndAttributes - secondField - 4, 0xfffffff0);
    expect(keyed(hugeAttribute)).toEqual([]);
    expect(decodeClassFile(hugeAttribute).notices).toEqual(['class file ends inside its field table (field 1 of 2); later field names not attached']);

    const poolOnly = bytes.subarray(0, bytes.length - methodsAndAttributes - 2 * secondField - 2 - 2);
    expect(decodeClassFile(poolOnly)).toEqual({
      strings: decodeClassFile(buildClass(constants)).strings,
      notices: ['class file ends before its field table; field names not attached'],
    });
  });
});

/** A `.class` member of a jar, found through the central directory (jar writes sizes only there). */
function classInJar(jar: Buffer, className: string): Buffer | undefined {
  const endOfDirectory = jar.lastIndexOf('PK\x05\x06');
  const entries = jar.readUInt16LE(endOfDirectory + 10);
  let at = jar.readUInt32LE(endOfDirectory + 16);
  for (let entry = 0; entry < entries; entry++) {
    const nameLength = jar.readUInt16LE(at + 28);
    const name = jar.toString('latin1', at + 46, at + 46 + nameLength);
    if (name === className) {
      const local = jar.readUInt32LE(at + 42);
      const dataStart = local + 30 + jar.readUInt16LE(local + 26) + jar.readUInt16LE(local + 28);
      const data = jar.subarray(dataStart, dataStart + jar.readUInt32LE(at + 20));
      return jar.readUInt16LE(at + 10) === 8 ? inflateRawSync(data) : data;
    }
    at += 46 + nameLength + jar.readUInt16LE(at + 30) + jar.readUInt16LE(at + 32);
  }
  return undefined;
}

const JAR_FIXTURE = new URL('../../fixtures/apps/out/parts/secret-sdk.jar', import.meta.url);

describe.skipIf(!existsSync(JAR_FIXTURE))('decodeClassFile on a class built by javac', () => {
  const twilioConfig = () => classInJar(readFileSync(JAR_FIXTURE), 'com/example/sdk/TwilioConfig.class');

  it('finds the planted Twilio values in the constant pool', () => {
    const bytes = twilioConfig();
    expect(bytes && isClassFile(bytes)).toBe(true);
    const values = decodeClassFile(bytes as Buffer).strings.map((string) => string.value);
    expect(values).toContain('TWILIO_AUTH_TOKEN');
    expect(values.some((value) => /^AC[0-9a-f]{32}$/.test(value))).toBe(true);
  });

  it('keys each ConstantValue string with its field name', () => {
    const extraction = decodeClassFile(twilioConfig() as Buffer);
    expect(extraction.notices).toEqual([]);
    expect(extraction.strings.filter((string) => string.key !== undefined).map((string) => [string.locator, string.key, string.value])).toEqual([
      [table(13), 'API_KEY_SID', 'SK73e3f8ea821b4d6f0fca5cc53f03e7d3'],
      [table(26), 'ACCOUNT_SID', 'AC7a7a1995543607bc642a7dd54e128bfc'],
      [table(30), 'TWILIO_AUTH_TOKEN', '2443e275f247107295d1f8c47582fc97'],
    ]);
  });
});
