import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeHermes, isHermes } from '../../src/artifacts/formats/hermes.js';
import { FormatError } from '../../src/artifacts/strings.js';

const MAGIC = [0xc6, 0x1f, 0xbc, 0x03, 0xc1, 0x03, 0x19, 0x1f];
const HEADER_SIZE = 128;

interface HermesString {
  readonly value: string;
  readonly utf16?: boolean;
}

interface HermesOptions {
  readonly functionCount?: number;
  readonly stringKindCount?: number;
  readonly identifierCount?: number;
}

/**
 * A Hermes file laid out as hermesc lays it out: header, function headers, string kinds, identifier
 * hashes, small string table, overflow table, string storage, SHA-1 footer. The segments the decoder
 * must skip are filled with non-zero bytes so that a wrong skip shows.
 */
function buildHermes(version: number, strings: readonly HermesString[], options: HermesOptions = {}): Uint8Array {
  const { functionCount = 3, stringKindCount = 1, identifierCount = 2 } = options;
  const storage: number[] = [];
  const smallTable: number[] = [];
  const overflowTable: number[] = [];
  for (const { value, utf16 = false } of strings) {
    const offset = storage.length;
    storage.push(...Buffer.from(value, utf16 ? 'utf16le' : 'latin1'));
    if (value.length < 255) {
      smallTable.push(((value.length << 24) | (offset << 1) | (utf16 ? 1 : 0)) >>> 0);
    } else {
      smallTable.push(((255 << 24) | ((overflowTable.length / 2) << 1) | (utf16 ? 1 : 0)) >>> 0);
      overflowTable.push(offset, value.length);
    }
  }
  const functionHeaderSize = version <= 96 ? 16 : 12;
  const skipped = functionCount * functionHeaderSize + stringKindCount * 4 + identifierCount * 4;
  const tablesOffset = HEADER_SIZE + skipped;
  const storageOffset = tablesOffset + smallTable.length * 4 + overflowTable.length * 4;
  const fileLength = storageOffset + storage.length + 20;
  const bytes = new Uint8Array(fileLength).fill(0xa5);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC);
  bytes.fill(0, MAGIC.length, HEADER_SIZE);
  view.setUint32(0x08, version, true);
  view.setUint32(0x20, fileLength, true);
  view.setUint32(0x28, functionCount, true);
  view.setUint32(0x2c, stringKindCount, true);
  view.setUint32(0x30, identifierCount, true);
  view.setUint32(0x34, smallTable.length, true);
  view.setUint32(0x38, overflowTable.length / 2, true);
  view.setUint32(0x3c, storage.length, true);
  [...smallTable, ...overflowTable].forEach((word, index) => view.setUint32(tablesOffset + index * 4, word, true));
  bytes.set(storage, storageOffset);
  return bytes;
}

const GITHUB_TOKEN = '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';
const RELEASE_NOTES = `Release notes: errors go to https://hooks.slack.com/services/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 ${'and more text '.repeat(20)}`;
const SAMPLE: readonly HermesString[] = [
  { value: 'abc' },
  { value: 'Clé secrète : sk_live_51T6P9sDNe0ki35Qd9zPdJftZPdPfM31Hzo5912f', utf16: true },
  { value: GITHUB_TOKEN },
  { value: RELEASE_NOTES },
  { value: `${'日本語'.repeat(100)}!`, utf16: true },
  { value: '' },
];

const table = (index: number) => ({ kind: 'string-table', table: 'hermes', index });
const decoded = (strings: readonly HermesString[]) => strings.map(({ value }, index) => ({ value, locator: table(index) }));

describe('isHermes', () => {
  it('accepts the Hermes magic and rejects the delta form and other bytes', () => {
    expect(isHermes(buildHermes(96, []))).toBe(true);
    expect(isHermes(Uint8Array.from(MAGIC.map((byte) => ~byte & 0xff)))).toBe(false);
    expect(isHermes(Uint8Array.from(MAGIC.slice(0, 7)))).toBe(false);
    expect(isHermes(Buffer.from('var a = 1;'))).toBe(false);
  });
});

describe('decodeHermes', () => {
  it.each([76, 89, 96])('reads version %i past 16-byte function headers: Latin-1, UTF-16 (odd offset) and overflow strings', (version) => {
    expect(RELEASE_NOTES.length).toBeGreaterThan(300);
    expect(decodeHermes(buildHermes(version, SAMPLE))).toEqual({ strings: decoded(SAMPLE), notices: [] });
  });

  it.each([97, 98, 99])('reads version %i past 12-byte function headers', (version) => {
    expect(decodeHermes(buildHermes(version, SAMPLE, { functionCount: 5 }))).toEqual({ strings: decoded(SAMPLE), notices: [] });
  });

  it('reads a file without functions, kinds or identifiers', () => {
    expect(decodeHermes(buildHermes(99, SAMPLE, { functionCount: 0, stringKindCount: 0, identifierCount: 0 })).strings).toEqual(decoded(SAMPLE));
  });

  it('keeps Latin-1 bytes above 0x7F as their own characters', () => {
    expect(decodeHermes(buildHermes(96, [{ value: 'caf\u00e9 \u0080\u009f\u00ff' }])).strings[0]?.value).toBe('caf\u00e9 \u0080\u009f\u00ff');
  });
});

describe('decodeHermes on damaged or hostile input', () => {
  const withWord = (bytes: Uint8Array, offset: number, value: number) => {
    const copy = bytes.slice();
    new DataView(copy.buffer).setUint32(offset, value, true);
    return copy;
  };
  /** Offset of the small string table in files built with the default options. */
  const smallTableOffset = (version: number) => HEADER_SIZE + 3 * (version <= 96 ? 16 : 12) + 4 + 2 * 4;

  it('names the version it cannot read', () => {
    expect(() => decodeHermes(buildHermes(75, SAMPLE))).toThrow(new FormatError('Hermes bytecode version 75 predates version 76, the oldest layout supported'));
  });

  it('reads a version newer than the newest known with the newest layout, and says so', () => {
    const decoded = decodeHermes(buildHermes(100, SAMPLE));
    expect(decoded.strings.map((string) => string.value)).toEqual(SAMPLE.map((string) => string.value));
    expect(decoded.notices).toEqual(['Hermes bytecode version 100 is newer than the newest known (99); read with the version 99 layout']);
  });

  it('rejects a file that is not Hermes or whose header is cut', () => {
    expect(() => decodeHermes(Buffer.from('__d(function(g,r,i,a,m,e,d){})'))).toThrow(FormatError);
    expect(() => decodeHermes(buildHermes(96, SAMPLE).subarray(0, 100))).toThrow(new FormatError('Hermes header is truncated (100 of 128 bytes)'));
  });

  it.each([
    ['function', 0x28],
    ['string kind', 0x2c],
    ['identifier', 0x30],
    ['string', 0x34],
    ['overflow string', 0x38],
    ['string storage', 0x3c],
  ])('rejects a huge %s count without allocating or looping', (_name, offset) => {
    const bytes = withWord(buildHermes(99, SAMPLE), offset, 0xffffffff);
    expect(() => decodeHermes(bytes)).toThrow(FormatError);
    expect(() => decodeHermes(bytes)).toThrow(/^Hermes string table ends at 0x[0-9a-f]+, past the end of the file \(\d+ bytes\)$/);
  });

  it('rejects a string storage cut short by the end of the file', () => {
    const bytes = buildHermes(96, SAMPLE);
    expect(() => decodeHermes(bytes.subarray(0, bytes.length - 25))).toThrow(FormatError);
  });

  it('skips strings that point outside the storage or the overflow table, and counts them', () => {
    const version = 96;
    let bytes = buildHermes(version, SAMPLE);
    const entry = (index: number) => smallTableOffset(version) + index * 4;
    bytes = withWord(bytes, entry(0), ((3 << 24) | (0x7fffff << 1)) >>> 0);
    bytes = withWord(bytes, entry(2), ((255 << 24) | (9 << 1)) >>> 0);
    const overflowEntry = smallTableOffset(version) + SAMPLE.length * 4;
    bytes = withWord(bytes, overflowEntry + 4, 0xffffffff);
    const extraction = decodeHermes(bytes);
    expect(extraction.strings.map((string) => string.locator)).toEqual([table(1), table(4), table(5)]);
    expect(extraction.notices).toEqual(['3 Hermes strings point outside the string storage, skipped']);
  });

  it('stays linear when every entry claims the whole storage', () => {
    const payload = 'x'.repeat(64 * 1024);
    const entries = 20_000;
    const bytes = buildHermes(99, [{ value: payload }, ...Array.from({ length: entries }, () => ({ value: 'y' }))]);
    const view = new DataView(bytes.buffer);
    const firstEntry = view.getUint32(smallTableOffset(99), true);
    for (let index = 1; index <= entries; index++) view.setUint32(smallTableOffset(99) + index * 4, firstEntry, true);
    const extraction = decodeHermes(bytes);
    expect(extraction.strings.length).toBeGreaterThan(1);
    expect(extraction.strings.length).toBeLessThan(entries / 10);
    expect(extraction.strings.every((string) => string.value === payload)).toBe(true);
    expect(extraction.notices).toEqual([expect.stringMatching(/^Hermes strings overlap beyond 8x the file size: \d+ strings skipped$/)]);
  });
});

const HERMES_FIXTURES = new URL('../../fixtures/apps/out/hermes/', import.meta.url);
const HERMES_SOURCE = new URL('../../fixtures/apps/src/hermes/app.js', import.meta.url);

describe.skipIf(!existsSync(HERMES_FIXTURES) || !existsSync(HERMES_SOURCE))('decodeHermes on files built by hermesc', () => {
  /** Every double-quoted literal of the source; hermesc keeps each one as a string-table entry. */
  const literals = [...readFileSync(HERMES_SOURCE, 'utf8').matchAll(/"((?:[^"\\\n]|\\.)*)"/g)].map((match) => JSON.parse(`"${match[1] ?? ''}"`) as string);

  it.each([76, 89, 96, 99])('finds every literal of app.js in app-v%i.hbc', (version) => {
    const bytes = readFileSync(new URL(`app-v${version}.hbc`, HERMES_FIXTURES));
    expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true)).toBe(version);
    const extraction = decodeHermes(bytes);
    expect(extraction.notices).toEqual([]);
    const values = extraction.strings.map((string) => string.value);
    expect(literals.length).toBeGreaterThan(3);
    expect(values).toEqual(expect.arrayContaining(literals));
    expect(values.some((value) => value.length > 255)).toBe(true);
    expect(values.some((value) => /[^\x00-\x7f]/.test(value))).toBe(true);
  });
});
