import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeElf, isElf } from '../../src/artifacts/formats/elf.js';
import { FormatError } from '../../src/artifacts/strings.js';
import { APPS, plantedSecrets } from '../helpers/planted.js';

const SHT_PROGBITS = 1;
const SHT_STRTAB = 3;
const SHT_NOBITS = 8;
const SHF_WRITE = 0x1;
const SHF_ALLOC = 0x2;
const SHF_EXECINSTR = 0x4;

interface SectionSpec {
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  readonly data: Uint8Array;
}

interface BuiltElf {
  readonly bytes: Uint8Array;
  /** File offset of each section's data, by name. */
  readonly offsets: ReadonlyMap<string, number>;
  readonly sectionTableOffset: number;
}

/**
 * A minimal ELF: header, section data, `.shstrtab`, then the section header table (a null entry,
 * the given sections, `.shstrtab` last). Enough for a section-header reader; no program headers.
 */
function buildElf(sections: readonly SectionSpec[], { is64 = true, littleEndian = true } = {}): BuiltElf {
  const headerSize = is64 ? 64 : 52;
  const entrySize = is64 ? 64 : 40;
  const names = ['', ...sections.map((section) => section.name), '.shstrtab'];
  const nameOffsets: number[] = [];
  let nameTable = '';
  for (const name of names) {
    nameOffsets.push(nameTable.length);
    nameTable += `${name}\0`;
  }
  const all: SectionSpec[] = [...sections, { name: '.shstrtab', type: SHT_STRTAB, flags: 0, data: new Uint8Array(Buffer.from(nameTable, 'latin1')) }];
  const offsets = new Map<string, number>();
  let cursor = headerSize;
  for (const section of all) {
    offsets.set(section.name, cursor);
    if (section.type !== SHT_NOBITS) cursor += section.data.length;
  }
  const sectionTableOffset = cursor + (8 - (cursor % 8)) % 8;
  const bytes = new Uint8Array(sectionTableOffset + (all.length + 1) * entrySize);
  const view = new DataView(bytes.buffer);
  const word = (at: number, value: number): void => (is64 ? view.setBigUint64(at, BigInt(value), littleEndian) : view.setUint32(at, value, littleEndian));
  bytes.set([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, littleEndian ? 1 : 2, 1]);
  view.setUint16(16, 3, littleEndian);
  view.setUint16(18, 0xb7, littleEndian);
  view.setUint32(20, 1, littleEndian);
  word(is64 ? 0x28 : 0x20, sectionTableOffset);
  view.setUint16(is64 ? 0x34 : 0x28, headerSize, littleEndian);
  view.setUint16(is64 ? 0x3a : 0x2e, entrySize, littleEndian);
  view.setUint16(is64 ? 0x3c : 0x30, all.length + 1, littleEndian);
  view.setUint16(is64 ? 0x3e : 0x32, all.length, littleEndian);
  all.forEach((section, index) => {
    const at = sectionTableOffset + (index + 1) * entrySize;
    const offset = offsets.get(section.name)!;
    if (section.type !== SHT_NOBITS) bytes.set(section.data, offset);
    view.setUint32(at, nameOffsets[index + 1]!, littleEndian);
    view.setUint32(at + 4, section.type, littleEndian);
    word(at + 8, section.flags);
    word(at + (is64 ? 0x18 : 0x10), offset);
    word(at + (is64 ? 0x20 : 0x14), section.data.length);
  });
  return { bytes, offsets, sectionTableOffset };
}

const text = (value: string): Uint8Array => new Uint8Array(Buffer.from(value, 'latin1'));
const wide = (value: string): Uint8Array => new Uint8Array(Buffer.from(value, 'utf16le'));
const joined = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(parts.flatMap((part) => [...part]));

const RODATA = joined(text('\0\0%s: %d\0sk_live_FAKE4eC39HqLyjWDarjtT1zdp7dc\0'), new Uint8Array(2), wide('AKIAIOSFODNN7EXAMPLE'), new Uint8Array(4));

function leakyLibrary(options?: { is64?: boolean; littleEndian?: boolean }): BuiltElf {
  return buildElf(
    [
      { name: '.text', type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_EXECINSTR, data: text('\x1f\x20\x03\xd5code_that_is_not_data_0123\0') },
      { name: '.rodata', type: SHT_PROGBITS, flags: SHF_ALLOC, data: RODATA },
      { name: '.data.rel.ro', type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_WRITE, data: text('\0\0\0\0https://hooks.slack.com/services/T0/B0/FAKE\0') },
      { name: '.data', type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_WRITE, data: text('\0mutable_default_password\0') },
      { name: '.bss', type: SHT_NOBITS, flags: SHF_ALLOC | SHF_WRITE, data: new Uint8Array(64) },
      { name: '.comment', type: SHT_PROGBITS, flags: 0, data: text('Android clang version 14.0.6\0') },
      { name: '.dynstr', type: SHT_STRTAB, flags: SHF_ALLOC, data: text('\0Java_com_app_Keys_getApiKey\0') },
    ],
    options,
  );
}

const summary = (bytes: Uint8Array): [string, string, number][] =>
  decodeElf(bytes).strings.map((found) => [found.value, found.locator.kind === 'section' ? found.locator.section : '?', found.locator.kind === 'section' ? found.locator.offset : -1]);

describe('isElf', () => {
  it('recognises the ELF magic and nothing else', () => {
    expect(isElf(leakyLibrary().bytes)).toBe(true);
    expect(isElf(text('\x7fELF'))).toBe(false);
    expect(isElf(text('PK\x03\x04 not an elf file at all'))).toBe(false);
  });
});

describe('decodeElf', () => {
  it('reads ASCII and UTF-16LE strings of .rodata, .data.rel.ro and .data with section and file offset', () => {
    const { bytes, offsets } = leakyLibrary();
    const rodata = offsets.get('.rodata')!;
    expect(summary(bytes)).toEqual([
      ['sk_live_FAKE4eC39HqLyjWDarjtT1zdp7dc', '.rodata', rodata + 9],
      ['AKIAIOSFODNN7EXAMPLE', '.rodata', rodata + 48],
      ['https://hooks.slack.com/services/T0/B0/FAKE', '.data.rel.ro', offsets.get('.data.rel.ro')! + 4],
      ['mutable_default_password', '.data', offsets.get('.data')! + 1],
    ]);
    expect(decodeElf(bytes).notices).toEqual([]);
  });

  it('leaves out code, non-allocated and string-table sections', () => {
    const values = decodeElf(leakyLibrary().bytes).strings.map((found) => found.value);
    expect(values.join('\n')).not.toMatch(/code_that_is_not_data|Android clang|Java_com_app/);
  });

  it('reads 32-bit and big-endian files alike', () => {
    for (const options of [{ is64: false, littleEndian: true }, { is64: false, littleEndian: false }, { is64: true, littleEndian: false }]) {
      const { bytes, offsets } = leakyLibrary(options);
      expect(summary(bytes)[0]).toEqual(['sk_live_FAKE4eC39HqLyjWDarjtT1zdp7dc', '.rodata', offsets.get('.rodata')! + 9]);
    }
  });

  it('rejects files without usable section headers, so the caller raw-scans them', () => {
    const stripped = leakyLibrary().bytes.slice();
    new DataView(stripped.buffer).setBigUint64(0x28, 0n, true);
    expect(() => decodeElf(stripped)).toThrow(/stripped/);

    const { bytes, sectionTableOffset } = leakyLibrary();
    expect(() => decodeElf(bytes.slice(0, sectionTableOffset + 100))).toThrow(/past the end/);

    const smallEntries = bytes.slice();
    new DataView(smallEntries.buffer).setUint16(0x3a, 16, true);
    expect(() => decodeElf(smallEntries)).toThrow(/too small/);

    const badNameTable = bytes.slice();
    new DataView(badNameTable.buffer).setUint16(0x3e, 200, true);
    expect(() => decodeElf(badNameTable)).toThrow(FormatError);

    const badClass = bytes.slice();
    badClass[4] = 9;
    expect(() => decodeElf(badClass)).toThrow(/class/);

    expect(() => decodeElf(bytes.slice(0, 40))).toThrow(/truncated/);
    expect(() => decodeElf(text('not an elf, just text'))).toThrow(FormatError);
  });

  it('rejects a section name outside the name table', () => {
    const { bytes, sectionTableOffset } = leakyLibrary();
    const corrupt = bytes.slice();
    new DataView(corrupt.buffer).setUint32(sectionTableOffset + 2 * 64, 0xffff, true);
    expect(() => decodeElf(corrupt)).toThrow(/name/);
  });

  it('skips a data section that runs past the end of the file with a notice', () => {
    const { bytes, sectionTableOffset } = leakyLibrary();
    const corrupt = bytes.slice();
    // .rodata is the second section after the null entry; its sh_size is at +0x20.
    new DataView(corrupt.buffer).setBigUint64(sectionTableOffset + 2 * 64 + 0x20, 1n << 40n, true);
    const extraction = decodeElf(corrupt);
    expect(extraction.notices).toEqual(['ELF section .rodata extends past the end of the file; not scanned']);
    expect(extraction.strings.map((found) => found.value)).toContain('mutable_default_password');
  });

  it('never throws anything but FormatError on damaged files', () => {
    const { bytes } = leakyLibrary();
    let state = 12345;
    const random = (limit: number): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state % limit;
    };
    for (let round = 0; round < 2000; round++) {
      const damaged = bytes.slice(0, round % 3 === 0 ? random(bytes.length) : bytes.length);
      for (let hits = 0; hits < 4 && damaged.length > 0; hits++) damaged[random(damaged.length)] = random(256);
      try {
        const extraction = decodeElf(damaged);
        expect(Array.isArray(extraction.strings)).toBe(true);
      } catch (error) {
        expect(error).toBeInstanceOf(FormatError);
      }
    }
  });
});

const FIXTURE = new URL('out/parts/libleaky.so', APPS);

describe.skipIf(!existsSync(FIXTURE))('decodeElf on the clang/lld fixture', () => {
  it('finds the planted .rodata secrets of fixtures/apps/expected.json at their file offsets', () => {
    const expected = plantedSecrets().filter((secret) => secret.artifact === 'out/parts/libleaky.so');
    const extraction = decodeElf(new Uint8Array(readFileSync(FIXTURE)));
    expect(extraction.notices).toEqual([]);
    expect(expected.map((secret) => secret.where)).toEqual([expect.stringMatching(/C string/), expect.stringMatching(/UTF-16LE/)]);
    for (const secret of expected) {
      const section = /^(\S+)/.exec(secret.where)![1]!;
      const offset = parseInt(/file offset (0x[0-9a-f]+)/.exec(secret.where)![1]!, 16);
      expect(extraction.strings).toContainEqual({ value: secret.secret, locator: { kind: 'section', section, offset } });
    }
  });
});
