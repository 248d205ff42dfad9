import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeMachO, isMachO } from '../../src/artifacts/formats/macho.js';
import { FormatError, type ExtractedString } from '../../src/artifacts/strings.js';
import { APPS, plantedSecrets } from '../helpers/planted.js';

const CPU_TYPE_ARM64 = 0x0100000c;
const CPU_TYPE_X86_64 = 0x01000007;
const CPU_TYPE_ARM = 12;
const S_REGULAR = 0x0;
const S_CSTRING_LITERALS = 0x2;
const S_ZEROFILL = 0x1;
const S_ATTR_PURE_INSTRUCTIONS = 0x80000400;

interface SectionSpec {
  readonly segment: string;
  readonly name: string;
  readonly flags: number;
  readonly data: Uint8Array;
}

interface ThinOptions {
  readonly is64?: boolean;
  readonly littleEndian?: boolean;
  readonly cputype?: number;
  readonly cpusubtype?: number;
  /** Adds LC_ENCRYPTION_INFO(_64) whose range covers the data of this segment. */
  readonly encrypt?: { readonly segment: string; readonly cryptid: number };
}

interface BuiltMachO {
  readonly bytes: Uint8Array;
  /** Offset of each section's data from the start of the binary, by `segment,name`. */
  readonly offsets: ReadonlyMap<string, number>;
}

/**
 * A minimal thin Mach-O: header, one segment command per segment (in first-seen order) with its
 * section records, an optional encryption command, then the section data back to back.
 */
function buildThin(sections: readonly SectionSpec[], options: ThinOptions = {}): BuiltMachO {
  const { is64 = true, littleEndian = true, cputype = CPU_TYPE_ARM64, cpusubtype = 0 } = options;
  const headerSize = is64 ? 32 : 28;
  const segmentSize = is64 ? 72 : 56;
  const sectionSize = is64 ? 80 : 68;
  const encryptionSize = is64 ? 24 : 20;
  const segments = [...new Set(sections.map((section) => section.segment))];
  const commandsSize = segments.length * segmentSize + sections.length * sectionSize + (options.encrypt ? encryptionSize : 0);
  const offsets = new Map<string, number>();
  let cursor = headerSize + commandsSize;
  const ordered = segments.flatMap((segment) => sections.filter((section) => section.segment === segment));
  for (const section of ordered) {
    offsets.set(`${section.segment},${section.name}`, cursor);
    cursor += section.data.length;
  }
  const bytes = new Uint8Array(cursor);
  const view = new DataView(bytes.buffer);
  const u32 = (at: number, value: number): void => view.setUint32(at, value >>> 0, littleEndian);
  const word = (at: number, value: number): void => (is64 ? view.setBigUint64(at, BigInt(value), littleEndian) : u32(at, value));
  const name16 = (at: number, value: string): void => bytes.set(Buffer.from(value, 'latin1'), at);
  u32(0, is64 ? 0xfeedfacf : 0xfeedface);
  u32(4, cputype);
  u32(8, cpusubtype);
  u32(12, 2);
  u32(16, segments.length + (options.encrypt ? 1 : 0));
  u32(20, commandsSize);
  let at = headerSize;
  for (const segment of segments) {
    const members = sections.filter((section) => section.segment === segment);
    u32(at, is64 ? 0x19 : 0x1);
    u32(at + 4, segmentSize + members.length * sectionSize);
    name16(at + 8, segment);
    u32(at + (is64 ? 64 : 48), members.length);
    let record = at + segmentSize;
    for (const section of members) {
      name16(record, section.name);
      name16(record + 16, section.segment);
      word(record + (is64 ? 40 : 36), section.data.length);
      const offset = offsets.get(`${section.segment},${section.name}`)!;
      u32(record + (is64 ? 48 : 40), (section.flags & 0xff) === S_ZEROFILL ? 0 : offset);
      u32(record + (is64 ? 64 : 56), section.flags);
      if ((section.flags & 0xff) !== S_ZEROFILL) bytes.set(section.data, offset);
      record += sectionSize;
    }
    at = record;
  }
  if (options.encrypt) {
    const covered = sections.filter((section) => section.segment === options.encrypt!.segment);
    const start = Math.min(...covered.map((section) => offsets.get(`${section.segment},${section.name}`)!));
    const end = Math.max(...covered.map((section) => offsets.get(`${section.segment},${section.name}`)! + section.data.length));
    u32(at, is64 ? 0x2c : 0x21);
    u32(at + 4, encryptionSize);
    u32(at + 8, start);
    u32(at + 12, end - start);
    u32(at + 16, options.encrypt.cryptid);
  }
  return { bytes, offsets };
}

interface SliceSpec {
  readonly cputype: number;
  readonly cpusubtype?: number;
  readonly bytes: Uint8Array;
}

/** A fat file: big-endian header and slice table, each slice 16-byte aligned. Returns slice offsets too. */
function buildFat(slices: readonly SliceSpec[], { fat64 = false } = {}): { readonly bytes: Uint8Array; readonly sliceOffsets: readonly number[] } {
  const entrySize = fat64 ? 32 : 20;
  const align = (value: number): number => Math.ceil(value / 16) * 16;
  const sliceOffsets: number[] = [];
  let cursor = align(8 + slices.length * entrySize);
  for (const slice of slices) {
    sliceOffsets.push(cursor);
    cursor = align(cursor + slice.bytes.length);
  }
  const bytes = new Uint8Array(cursor);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, fat64 ? 0xcafebabf : 0xcafebabe);
  view.setUint32(4, slices.length);
  slices.forEach((slice, index) => {
    const at = 8 + index * entrySize;
    view.setUint32(at, slice.cputype);
    view.setUint32(at + 4, slice.cpusubtype ?? 0);
    if (fat64) {
      view.setBigUint64(at + 8, BigInt(sliceOffsets[index]!));
      view.setBigUint64(at + 16, BigInt(slice.bytes.length));
      view.setUint32(at + 24, 4);
    } else {
      view.setUint32(at + 8, sliceOffsets[index]!);
      view.setUint32(at + 12, slice.bytes.length);
      view.setUint32(at + 16, 4);
    }
    bytes.set(slice.bytes, sliceOffsets[index]!);
  });
  return { bytes, sliceOffsets };
}

const text = (value: string): Uint8Array => new Uint8Array(Buffer.from(value, 'utf8'));
const wide = (value: string): Uint8Array => new Uint8Array(Buffer.from(value, 'utf16le'));

const LEAKY_SECTIONS: readonly SectionSpec[] = [
  { segment: '__TEXT', name: '__text', flags: S_ATTR_PURE_INSTRUCTIONS, data: text('\xff\x43\x00\xd1instructions_that_look_like_text\0') },
  { segment: '__TEXT', name: '__cstring', flags: S_CSTRING_LITERALS, data: text('AKIAIOSFODNN7EXAMPLE\0ok\0\0https://hooks.slack.com/services/T0/B0/FAKE\0') },
  { segment: '__TEXT', name: '__objc_methname', flags: S_CSTRING_LITERALS, data: text('awsSecretAccessKey\0init\0') },
  { segment: '__TEXT', name: '__const', flags: S_REGULAR, data: text('\0\0\0\0ghp_FAKEabcdefghijklmnopqrstuvwxyz0123\0\x01\x02\x03') },
  { segment: '__TEXT', name: '__ustring', flags: S_REGULAR, data: new Uint8Array([...wide('Clé npm_FAKE0123456789'), 0, 0, ...wide('ü'), 0, 0]) },
  { segment: '__DATA', name: '__data', flags: S_REGULAR, data: text('\0\0\0\0\0\0\0\0mutable-default-secret\0') },
  { segment: '__DATA', name: '__bss', flags: S_ZEROFILL, data: new Uint8Array(32) },
  { segment: '__DATA_CONST', name: '__const', flags: S_REGULAR, data: text('\0\0xoxb-FAKE-slack-bot-token\0') },
];

const located = (strings: readonly ExtractedString[]): [string, string, number, string | undefined][] =>
  strings.map((found) => {
    if (found.locator.kind !== 'section') throw new Error(`unexpected locator ${found.locator.kind}`);
    return [found.value, found.locator.section, found.locator.offset, found.locator.slice];
  });

describe('isMachO', () => {
  it('accepts thin binaries of either byte order and fat files, not Java class files', () => {
    expect(isMachO(buildThin(LEAKY_SECTIONS).bytes)).toBe(true);
    expect(isMachO(buildThin(LEAKY_SECTIONS, { is64: false, littleEndian: false }).bytes)).toBe(true);
    expect(isMachO(buildFat([{ cputype: CPU_TYPE_ARM64, bytes: buildThin(LEAKY_SECTIONS).bytes }]).bytes)).toBe(true);
    expect(isMachO(buildFat([{ cputype: CPU_TYPE_ARM64, bytes: buildThin(LEAKY_SECTIONS).bytes }], { fat64: true }).bytes)).toBe(true);
    const javaClass = new Uint8Array([0xca, 0xfe, 0xba, 0xbe, 0x00, 0x00, 0x00, 0x34, 0x00, 0x1d]);
    expect(isMachO(javaClass)).toBe(false);
    expect(isMachO(new Uint8Array([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0]))).toBe(false);
    expect(isMachO(text('#!/bin/sh\n'))).toBe(false);
    expect(isMachO(new Uint8Array([0xcf, 0xfa]))).toBe(false);
  });
});

describe('decodeMachO', () => {
  it('reads C strings (all of them), UTF-16 CFStrings and printable runs of const/data sections', () => {
    const { bytes, offsets } = buildThin(LEAKY_SECTIONS);
    const cstring = offsets.get('__TEXT,__cstring')!;
    const extraction = decodeMachO(bytes);
    expect(extraction.notices).toEqual([]);
    expect(located(extraction.strings)).toEqual([
      ['AKIAIOSFODNN7EXAMPLE', '__TEXT,__cstring', cstring, undefined],
      ['ok', '__TEXT,__cstring', cstring + 21, undefined],
      ['https://hooks.slack.com/services/T0/B0/FAKE', '__TEXT,__cstring', cstring + 25, undefined],
      ['awsSecretAccessKey', '__TEXT,__objc_methname', offsets.get('__TEXT,__objc_methname')!, undefined],
      ['init', '__TEXT,__objc_methname', offsets.get('__TEXT,__objc_methname')! + 19, undefined],
      ['ghp_FAKEabcdefghijklmnopqrstuvwxyz0123', '__TEXT,__const', offsets.get('__TEXT,__const')! + 4, undefined],
      ['Clé npm_FAKE0123456789', '__TEXT,__ustring', offsets.get('__TEXT,__ustring')!, undefined],
      ['ü', '__TEXT,__ustring', offsets.get('__TEXT,__ustring')! + 46, undefined],
      ['mutable-default-secret', '__DATA,__data', offsets.get('__DATA,__data')! + 8, undefined],
      ['xoxb-FAKE-slack-bot-token', '__DATA_CONST,__const', offsets.get('__DATA_CONST,__const')! + 2, undefined],
    ]);
  });

  it('never reads code sections', () => {
    const values = decodeMachO(buildThin(LEAKY_SECTIONS).bytes).strings.map((found) => found.value);
    expect(values.some((value) => value.includes('instructions_that_look_like_text'))).toBe(false);
  });

  it('reads 32-bit and big-endian binaries', () => {
    for (const options of [{ is64: false }, { is64: false, littleEndian: false }, { littleEndian: false }]) {
      const { bytes, offsets } = buildThin(LEAKY_SECTIONS, options);
      expect(located(decodeMachO(bytes).strings)[0]).toEqual(['AKIAIOSFODNN7EXAMPLE', '__TEXT,__cstring', offsets.get('__TEXT,__cstring')!, undefined]);
    }
    // A big-endian binary (PowerPC) stores its CFString literals big-endian too.
    const bigEndianSections = LEAKY_SECTIONS.map((section) =>
      section.name === '__ustring' ? { ...section, data: new Uint8Array(Buffer.from(section.data).swap16()) } : section,
    );
    const values = decodeMachO(buildThin(bigEndianSections, { littleEndian: false }).bytes).strings.map((found) => found.value);
    expect(values).toEqual(expect.arrayContaining(['Clé npm_FAKE0123456789', 'ü']));
  });

  it('reports every slice of a fat file with its name and file offsets', () => {
    const arm64 = buildThin(LEAKY_SECTIONS);
    const x86 = buildThin(LEAKY_SECTIONS.slice(0, 2), { cputype: CPU_TYPE_X86_64 });
    const fat = buildFat([
      { cputype: CPU_TYPE_X86_64, bytes: x86.bytes },
      { cputype: CPU_TYPE_ARM64, bytes: arm64.bytes },
    ]);
    const aws = located(decodeMachO(fat.bytes).strings).filter(([value]) => value === 'AKIAIOSFODNN7EXAMPLE');
    expect(aws).toEqual([
      ['AKIAIOSFODNN7EXAMPLE', '__TEXT,__cstring', fat.sliceOffsets[0]! + x86.offsets.get('__TEXT,__cstring')!, 'x86_64'],
      ['AKIAIOSFODNN7EXAMPLE', '__TEXT,__cstring', fat.sliceOffsets[1]! + arm64.offsets.get('__TEXT,__cstring')!, 'arm64'],
    ]);
    const fat64 = buildFat([{ cputype: CPU_TYPE_ARM64, bytes: arm64.bytes }], { fat64: true });
    expect(located(decodeMachO(fat64.bytes).strings)[0]).toEqual(['AKIAIOSFODNN7EXAMPLE', '__TEXT,__cstring', fat64.sliceOffsets[0]! + arm64.offsets.get('__TEXT,__cstring')!, 'arm64']);
  });

  it('names slices by CPU type and subtype', () => {
    const slice = buildThin(LEAKY_SECTIONS.slice(1, 2)).bytes;
    const names = (cputype: number, cpusubtype: number): (string | undefined)[] =>
      located(decodeMachO(buildFat([{ cputype, cpusubtype, bytes: slice }]).bytes).strings).map(([, , , name]) => name);
    expect(names(CPU_TYPE_ARM64, 0x80000002)).toContain('arm64e');
    expect(names(CPU_TYPE_ARM, 9)).toContain('armv7');
    expect(names(CPU_TYPE_ARM, 11)).toContain('armv7s');
    expect(names(7, 3)).toContain('i386');
    expect(names(18, 0)).toContain('cpu18');
  });

  it('reports FairPlay encryption and reads only what lies outside the encrypted range', () => {
    const { bytes } = buildThin(LEAKY_SECTIONS, { encrypt: { segment: '__TEXT', cryptid: 1 } });
    const extraction = decodeMachO(bytes);
    expect(extraction.notices).toEqual(['FairPlay-encrypted (cryptid 1): native strings of the arm64 slice cannot be read']);
    expect(extraction.strings.map((found) => found.value)).toEqual(['mutable-default-secret', 'xoxb-FAKE-slack-bot-token']);

    const fat = buildFat([
      { cputype: CPU_TYPE_X86_64, bytes: buildThin(LEAKY_SECTIONS, { cputype: CPU_TYPE_X86_64 }).bytes },
      { cputype: CPU_TYPE_ARM64, bytes: bytes },
    ]);
    const fatExtraction = decodeMachO(fat.bytes);
    expect(fatExtraction.notices).toEqual(['FairPlay-encrypted (cryptid 1): native strings of the arm64 slice cannot be read']);
    expect(located(fatExtraction.strings).filter(([value]) => value === 'AKIAIOSFODNN7EXAMPLE').map(([, , , slice]) => slice)).toEqual(['x86_64']);
  });

  it('reads binaries whose encryption command says cryptid 0, as ld64.lld writes it', () => {
    const extraction = decodeMachO(buildThin(LEAKY_SECTIONS, { encrypt: { segment: '__TEXT', cryptid: 0 } }).bytes);
    expect(extraction.notices).toEqual([]);
    expect(extraction.strings.map((found) => found.value)).toContain('AKIAIOSFODNN7EXAMPLE');
  });

  describe('on hostile input', () => {
    const { bytes } = buildThin(LEAKY_SECTIONS);
    const patched = (at: number, value: number, source = bytes): Uint8Array => {
      const copy = source.slice();
      new DataView(copy.buffer).setUint32(at, value, true);
      return copy;
    };

    it('rejects absurd load-command counts and sizes', () => {
      expect(() => decodeMachO(patched(16, 0xffffffff))).toThrow(/load commands do not fit/);
      expect(() => decodeMachO(patched(20, 0x7fffffff))).toThrow(/past the end/);
      expect(() => decodeMachO(patched(36, 0))).toThrow(/bad size/);
      expect(() => decodeMachO(patched(36, 6))).toThrow(/bad size/);
      expect(() => decodeMachO(patched(36, 0x10000))).toThrow(/bad size/);
      expect(() => decodeMachO(patched(32 + 64, 0x0fffffff))).toThrow(/sections do not fit/);
      expect(() => decodeMachO(bytes.slice(0, 20))).toThrow(/truncated/);
      expect(() => decodeMachO(text('plain text, no magic'))).toThrow(FormatError);
    });

    it('skips a section that lies past the end of the binary, with a notice', () => {
      // The second section record of the __TEXT segment (__cstring): its offset field is at +48.
      const corrupt = patched(32 + 72 + 80 + 48, 0x7ffffff0);
      const extraction = decodeMachO(corrupt);
      expect(extraction.notices).toEqual(['Mach-O section __TEXT,__cstring of the arm64 slice lies past its end; not scanned']);
      expect(extraction.strings.map((found) => found.value)).toContain('mutable-default-secret');
    });

    it('skips fat slices that lie outside the file or overlap, and rejects files with none left', () => {
      const fat = buildFat([
        { cputype: CPU_TYPE_X86_64, bytes },
        { cputype: CPU_TYPE_ARM64, bytes },
      ]);
      const view = (source: Uint8Array): DataView => new DataView(source.buffer);
      const outside = fat.bytes.slice();
      view(outside).setUint32(8 + 8, 0x7fff0000);
      const outsideExtraction = decodeMachO(outside);
      expect(outsideExtraction.notices).toEqual(['Mach-O x86_64 slice lies outside the file; not scanned']);
      expect(new Set(located(outsideExtraction.strings).map(([, , , slice]) => slice))).toEqual(new Set(['arm64']));

      const overlapping = fat.bytes.slice();
      view(overlapping).setUint32(8 + 20 + 8, fat.sliceOffsets[0]! + 16);
      expect(decodeMachO(overlapping).notices).toEqual(['Mach-O arm64 slice overlaps another slice; not scanned']);

      const inTable = fat.bytes.slice();
      view(inTable).setUint32(8 + 8, 0);
      view(inTable).setUint32(8 + 20 + 8, 4);
      expect(() => decodeMachO(inTable)).toThrow(/no readable Mach-O slice/);

      const notMachO = fat.bytes.slice();
      notMachO.fill(0x41, fat.sliceOffsets[0]!, fat.sliceOffsets[0]! + 4);
      expect(decodeMachO(notMachO).notices).toEqual(['Mach-O x86_64 slice: not a Mach-O binary; not scanned']);

      expect(() => decodeMachO(fat.bytes.slice(0, 20))).toThrow(/slice table/);
    });

    it('never throws anything but FormatError on damaged files', () => {
      const fat = buildFat([
        { cputype: CPU_TYPE_X86_64, bytes: buildThin(LEAKY_SECTIONS, { is64: false }).bytes },
        { cputype: CPU_TYPE_ARM64, bytes: buildThin(LEAKY_SECTIONS, { encrypt: { segment: '__TEXT', cryptid: 1 } }).bytes },
      ]).bytes;
      let state = 99;
      const random = (limit: number): number => {
        state = (Math.imul(state, 1103515245) + 12345) >>> 0;
        return state % limit;
      };
      for (let round = 0; round < 3000; round++) {
        const damaged = fat.slice(0, round % 4 === 0 ? random(fat.length) : fat.length);
        // Hits the headers and load commands most, where the bounds checks are.
        for (let hits = 0; hits < 3 && damaged.length > 0; hits++) damaged[random(Math.min(damaged.length, 700))] = random(256);
        try {
          expect(Array.isArray(decodeMachO(damaged).strings)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(FormatError);
        }
      }
    });
  });
});

const FIXTURE = new URL('out/parts/Leaky', APPS);

describe.skipIf(!existsSync(FIXTURE))('decodeMachO on the clang/ld64.lld fixture', () => {
  it('finds every planted Mach-O secret of fixtures/apps/expected.json in the slice and section it names', () => {
    const expected = plantedSecrets().filter((secret) => secret.artifact === 'out/parts/Leaky' && secret.format === 'macho');
    const extraction = decodeMachO(new Uint8Array(readFileSync(FIXTURE)));
    expect(extraction.notices).toEqual([]);
    expect(expected.length).toBeGreaterThan(0);
    for (const secret of expected) {
      const section = /^(\S+)/.exec(secret.where)![1]!;
      const fileOffset = parseInt(/file offset (0x[0-9a-f]+)/.exec(secret.where)![1]!, 16);
      const found = located(extraction.strings).find(([value, name, , slice]) => value.includes(secret.secret) && name === section && slice === secret.arch);
      expect(found, `${secret.secret} in ${secret.where}`).toBeDefined();
      const [value, , offset] = found!;
      // Offsets point at the string; the answer key points at the secret inside it.
      const charsBefore = value.indexOf(secret.secret);
      expect(fileOffset - offset).toBe(section.endsWith('__ustring') ? charsBefore * 2 : Buffer.byteLength(value.slice(0, charsBefore)));
    }
  });
});
