import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeResourceTable, isResourceTable } from '../../src/artifacts/formats/arsc.js';
import { FormatError } from '../../src/artifacts/strings.js';
import { Writer, chunk, decodesOrRejects, expectOnlyFormatErrors, stringPool } from '../helpers/binary.js';
import { APPS, HAS_ANSWER_KEY, plantedSecrets } from '../helpers/planted.js';

const STRING = 0x03;
const REFERENCE = 0x01;
const INT = 0x10;

type EntrySpec =
  | { readonly key: number; readonly value: readonly [dataType: number, data: number] }
  | { readonly key: number; readonly items: readonly (readonly [name: number, dataType: number, data: number])[] }
  | { readonly key: number; readonly compact: readonly [dataType: number, data: number] };

interface TypeSpec {
  readonly id: number;
  readonly entries: readonly (EntrySpec | undefined)[];
  readonly encoding?: 'dense' | 'offset16' | 'sparse';
  readonly language?: string;
}

function entryBytes(entry: EntrySpec): Uint8Array {
  const out = new Writer();
  if ('compact' in entry) return out.u16(entry.key).u16(0x0008 | (entry.compact[0] << 8)).u32(entry.compact[1]).done();
  if ('value' in entry) return out.u16(8).u16(0).u32(entry.key).u16(8).u8(0).u8(entry.value[0]).u32(entry.value[1]).done();
  out.u16(16).u16(0x0001).u32(entry.key).u32(0).u32(entry.items.length);
  for (const [name, dataType, data] of entry.items) out.u32(name).u16(8).u8(0).u8(dataType).u32(data);
  return out.done();
}

function typeChunk(type: TypeSpec): Uint8Array {
  const encoding = type.encoding ?? 'dense';
  const entries = new Writer();
  const offsets = new Writer();
  let present = 0;
  type.entries.forEach((entry, index) => {
    if (entry === undefined) {
      if (encoding === 'dense') offsets.u32(0xffffffff);
      if (encoding === 'offset16') offsets.u16(0xffff);
      return;
    }
    present++;
    if (encoding === 'dense') offsets.u32(entries.length);
    if (encoding === 'offset16') offsets.u16(entries.length / 4);
    if (encoding === 'sparse') offsets.u16(index).u16(entries.length / 4);
    entries.bytes(entryBytes(entry)).pad4();
  });
  offsets.pad4();
  const config = new Writer().u32(64).u16(0).u16(0);
  const language = type.language ?? '';
  config.u8(language.charCodeAt(0) || 0).u8(language.charCodeAt(1) || 0);
  while (config.length < 64) config.u8(0);
  const headerSize = 8 + 12 + 64;
  const flags = encoding === 'sparse' ? 0x01 : encoding === 'offset16' ? 0x02 : 0;
  const entryCount = encoding === 'sparse' ? present : type.entries.length;
  const header = new Writer()
    .u8(type.id)
    .u8(flags)
    .u16(0)
    .u32(entryCount)
    .u32(headerSize + offsets.length)
    .bytes(config.done())
    .done();
  return chunk(0x0201, header, new Writer().bytes(offsets.done()).bytes(entries.done()).done());
}

interface TableSpec {
  readonly values: readonly string[];
  readonly utf8?: boolean;
  readonly typeNames: readonly string[];
  readonly keys: readonly string[];
  readonly types: readonly TypeSpec[];
  readonly packageId?: number;
}

function packageChunk(spec: TableSpec): Uint8Array {
  const typePool = stringPool(spec.typeNames, false);
  const keyPool = stringPool(spec.keys, true);
  const headerSize = 288;
  const header = new Writer().u32(spec.packageId ?? 0x7f);
  const name = 'com.example.leaky';
  for (let index = 0; index < 128; index++) header.u16(index < name.length ? name.charCodeAt(index) : 0);
  header
    .u32(headerSize)
    .u32(spec.typeNames.length)
    .u32(headerSize + typePool.length)
    .u32(spec.keys.length)
    .u32(0);
  const body = new Writer().bytes(typePool).bytes(keyPool);
  for (const type of spec.types) body.bytes(typeChunk(type));
  return chunk(0x0200, header.done(), body.done());
}

function table(spec: TableSpec): Uint8Array {
  const body = new Writer()
    .bytes(stringPool(spec.values, spec.utf8 ?? true))
    .bytes(packageChunk(spec))
    .done();
  return chunk(0x0002, new Writer().u32(1).done(), body);
}

const GOOGLE_KEY = 'AIzaSyC-FAKE0fake0FAKE0fake0FAKE0fake00';
const SLACK_HOOK = 'https://hooks.slack.com/services/T00000000/B00000000/FAKEfakeFAKEfakeFAKEfake';

/** string/google_api_key, string/slack_webhook, string/alias (→ google_api_key), array/api_keys, plurals/keys. */
function sampleTable(utf8: boolean): Uint8Array {
  return table({
    utf8,
    values: [GOOGLE_KEY, SLACK_HOOK, 'first-array-secret', 'second-array-secret', 'one key', 'orphan-value-no-entry', 'Leaky Café 🔑'],
    typeNames: ['string', 'array', 'plurals'],
    keys: ['google_api_key', 'slack_webhook', 'alias', 'api_keys', 'keys', 'app_name'],
    types: [
      {
        id: 1,
        entries: [{ key: 0, value: [STRING, 0] }, { key: 1, value: [STRING, 1] }, { key: 2, value: [REFERENCE, 0x7f010000] }, { key: 5, value: [STRING, 6] }],
      },
      {
        id: 2,
        entries: [
          {
            key: 3,
            items: [
              [0x02000000, STRING, 2],
              [0x02000001, INT, 7],
              [0x02000002, STRING, 3],
            ],
          },
        ],
      },
      { id: 3, entries: [{ key: 4, items: [[0x01000006, STRING, 4]] }] },
    ],
  });
}

describe('isResourceTable', () => {
  it('recognises the table chunk header only', () => {
    expect(isResourceTable(sampleTable(true))).toBe(true);
    expect(isResourceTable(Uint8Array.of(0x03, 0, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0))).toBe(false);
    expect(isResourceTable(Uint8Array.of(0x02, 0, 0x0c))).toBe(false);
  });
});

describe('decodeResourceTable', () => {
  for (const utf8 of [true, false]) {
    it(`names every string value by type and key (${utf8 ? 'UTF-8' : 'UTF-16'} value pool)`, () => {
      const { strings, notices } = decodeResourceTable(sampleTable(utf8));
      expect(notices).toEqual([]);
      expect(strings).toContainEqual({ value: GOOGLE_KEY, locator: { kind: 'resource', name: 'string/google_api_key' }, key: 'google_api_key' });
      expect(strings).toContainEqual({ value: SLACK_HOOK, locator: { kind: 'resource', name: 'string/slack_webhook' }, key: 'slack_webhook' });
      expect(strings).toContainEqual({ value: 'Leaky Café 🔑', locator: { kind: 'resource', name: 'string/app_name' }, key: 'app_name' });
    });
  }

  it('names string-array elements by index and plurals by quantity, skipping non-string items', () => {
    const { strings } = decodeResourceTable(sampleTable(true));
    const named = strings.filter((string) => string.locator.kind === 'resource').map((string) => [string.locator.kind === 'resource' && string.locator.name, string.key, string.value]);
    expect(named).toContainEqual(['array/api_keys[0]', 'api_keys', 'first-array-secret']);
    expect(named).toContainEqual(['array/api_keys[2]', 'api_keys', 'second-array-secret']);
    expect(named).toContainEqual(['plurals/keys[one]', 'keys', 'one key']);
    expect(named.some(([name]) => name === 'array/api_keys[1]')).toBe(false);
  });

  it('returns value-pool strings that no entry uses by pool index', () => {
    const { strings } = decodeResourceTable(sampleTable(true));
    expect(strings).toContainEqual({ value: 'orphan-value-no-entry', locator: { kind: 'string-table', table: 'resources.arsc', index: 5 } });
    expect(strings.filter((string) => string.value === GOOGLE_KEY)).toHaveLength(1);
  });

  it('looks resource ids up, following one reference', () => {
    const resources = decodeResourceTable(sampleTable(true));
    expect(resources.lookup(0x7f010000)).toEqual({ name: 'string/google_api_key', value: GOOGLE_KEY });
    expect(resources.lookup(0x7f010002)).toEqual({ name: 'string/alias', value: GOOGLE_KEY });
    expect(resources.lookup(0x7f020000)).toEqual({ name: 'array/api_keys' });
    expect(resources.lookup(0x7f010009)).toBeUndefined();
    expect(resources.lookup(0x01010003)).toBeUndefined();
  });

  it('follows only one level of reference', () => {
    const resources = decodeResourceTable(
      table({
        values: ['deep-value'],
        typeNames: ['string'],
        keys: ['first', 'second', 'third'],
        types: [{ id: 1, entries: [{ key: 0, value: [REFERENCE, 0x7f010001] }, { key: 1, value: [REFERENCE, 0x7f010002] }, { key: 2, value: [STRING, 0] }] }],
      }),
    );
    expect(resources.lookup(0x7f010001)).toEqual({ name: 'string/second', value: 'deep-value' });
    expect(resources.lookup(0x7f010000)).toEqual({ name: 'string/first' });
  });

  it('reads offset16 and sparse type chunks and compact entries, with entry ids from their indexes', () => {
    const spec = {
      values: ['dense-zero', 'offset16-two', 'sparse-five', 'compact-value'],
      typeNames: ['string', 'xml', 'raw'],
      keys: ['k0', 'k1', 'k2', 'k3'],
    };
    const resources = decodeResourceTable(
      table({
        ...spec,
        types: [
          { id: 1, entries: [{ key: 0, value: [STRING, 0] }, undefined, { key: 3, compact: [STRING, 3] }] },
          { id: 2, encoding: 'offset16', entries: [undefined, undefined, { key: 1, value: [STRING, 1] }] },
          { id: 3, encoding: 'sparse', entries: [undefined, undefined, undefined, undefined, undefined, { key: 2, value: [STRING, 2] }] },
        ],
      }),
    );
    expect(resources.lookup(0x7f010000)).toEqual({ name: 'string/k0', value: 'dense-zero' });
    expect(resources.lookup(0x7f010002)).toEqual({ name: 'string/k3', value: 'compact-value' });
    expect(resources.lookup(0x7f020002)).toEqual({ name: 'xml/k1', value: 'offset16-two' });
    expect(resources.lookup(0x7f030005)).toEqual({ name: 'raw/k2', value: 'sparse-five' });
    expect(resources.strings.every((string) => string.locator.kind === 'resource')).toBe(true);
  });

  it('reports each configuration value once per distinct value, and looks up the first', () => {
    const resources = decodeResourceTable(
      table({
        values: ['default-token', 'french-token'],
        typeNames: ['string'],
        keys: ['token'],
        types: [
          { id: 1, entries: [{ key: 0, value: [STRING, 0] }] },
          { id: 1, language: 'fr', entries: [{ key: 0, value: [STRING, 1] }] },
          { id: 1, language: 'de', entries: [{ key: 0, value: [STRING, 0] }] },
        ],
      }),
    );
    expect(resources.strings.map((string) => string.value)).toEqual(['default-token', 'french-token']);
    expect(resources.lookup(0x7f010000)?.value).toBe('default-token');
  });

  it('reads long strings with two-unit lengths in both encodings', () => {
    const long8 = `sk_live_${'8'.repeat(300)}`;
    const long16 = `sk_live_${'6'.repeat(0x8001)}`;
    for (const [utf8, value] of [
      [true, long8],
      [false, long16],
    ] as const) {
      const resources = decodeResourceTable(table({ utf8, values: [value], typeNames: ['string'], keys: ['stripe'], types: [{ id: 1, entries: [{ key: 0, value: [STRING, 0] }] }] }));
      expect(resources.lookup(0x7f010000)?.value).toBe(value);
    }
  });

  it('ends a UTF-8 string at its NUL when the byte length is wrong (old aapt)', () => {
    const bytes = table({ values: ['short', 'a-secret-longer-than-declared'], typeNames: ['string'], keys: ['a', 'b'], types: [{ id: 1, entries: [{ key: 0, value: [STRING, 0] }, { key: 1, value: [STRING, 1] }] }] });
    const secondString = indexOfBytes(bytes, new TextEncoder().encode('a-secret-longer'));
    bytes[secondString - 1] = 4;
    expect(decodeResourceTable(bytes).lookup(0x7f010001)?.value).toBe('a-secret-longer-than-declared');
  });

  it('decodes every entry of a 5 MB table, without notices', () => {
    const count = 50_000;
    const values = Array.from({ length: count }, (_, index) => `value-${index}-${'x'.repeat(80)}`);
    const keys = Array.from({ length: count }, (_, index) => `key_${index}`);
    const bytes = table({ values, typeNames: ['string'], keys, types: [{ id: 1, entries: keys.map((_, index) => ({ key: index, value: [STRING, index] as const })) }] });
    expect(bytes.length).toBeGreaterThan(5_000_000);
    const resources = decodeResourceTable(bytes);
    expect(resources.strings).toHaveLength(count);
    expect(resources.lookup(0x7f010000 + count - 1)?.value).toBe(values[count - 1]);
    expect(resources.notices).toEqual([]);
  });
});

function indexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
  return Buffer.from(haystack).indexOf(Buffer.from(needle));
}

describe('decodeResourceTable on damaged input', () => {
  it('rejects what is not a table, or a table with nothing in it', () => {
    expect(() => decodeResourceTable(new TextEncoder().encode('<resources/>'))).toThrow(FormatError);
    expect(() => decodeResourceTable(new Writer().u16(2).u16(12).u32(12).u32(0).done())).toThrow(FormatError);
  });

  it('keeps the value pool of a table cut short, with a notice', () => {
    const bytes = sampleTable(true);
    const result = decodeResourceTable(bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    expect(result.strings.map((string) => string.value)).toContain(GOOGLE_KEY);
    expect(result.notices.some((notice) => notice.includes('truncated'))).toBe(true);
  });

  it('stops at a zero-size chunk instead of looping', () => {
    const valuePool = stringPool([GOOGLE_KEY], true);
    const zeroChunk = new Writer().u16(0x0201).u16(84).u32(0).done();
    const bytes = chunk(0x0002, new Writer().u32(1).done(), new Writer().bytes(valuePool).bytes(zeroChunk).done());
    expect(decodeResourceTable(bytes).strings).toEqual([{ value: GOOGLE_KEY, locator: { kind: 'string-table', table: 'resources.arsc', index: 0 } }]);
  });

  it('skips entries whose string index, key index or offset is out of range', () => {
    const bytes = table({
      values: ['kept'],
      typeNames: ['string'],
      keys: ['good'],
      types: [{ id: 1, entries: [{ key: 0, value: [STRING, 99] }, { key: 42, value: [STRING, 0] }] }],
    });
    const resources = decodeResourceTable(bytes);
    expect(resources.strings).toEqual([{ value: 'kept', locator: { kind: 'resource', name: 'string/0x7f010001' }, key: '0x7f010001' }]);
    expect(resources.lookup(0x7f010000)).toEqual({ name: 'string/good' });
  });

  it('bounds huge entry, map-item and string counts by the bytes present', () => {
    const bytes = sampleTable(true);
    const huge = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // The value pool's string count, the first type chunk's entry count, and the array's item count.
    huge.setUint32(12 + 8, 0x7fffffff, true);
    const firstType = indexOfBytes(bytes, Uint8Array.of(0x01, 0x02, 0x54, 0x00));
    huge.setUint32(firstType + 12, 0xffffffff, true);
    const arrayEntry = indexOfBytes(bytes, Uint8Array.of(0x10, 0x00, 0x01, 0x00, 0x03, 0x00, 0x00, 0x00));
    huge.setUint32(arrayEntry + 12, 0xffffffff, true);
    const result = decodesOrRejects(decodeResourceTable, bytes);
    if (result instanceof FormatError) throw result;
    // Read counts are capped by the bytes present (an entry header alone is 8 bytes), and the lying pool count is named.
    expect(result.strings.length).toBeLessThanOrEqual(bytes.length / 8);
    expect(result.strings.map((string) => string.value)).toContain(GOOGLE_KEY);
    expect(result.notices).toEqual([expect.stringMatching(/^string pool declares 2147483647 strings but holds \d+ offsets$/)]);
  });

  it('never throws anything but FormatError on randomly damaged tables', () => {
    expectOnlyFormatErrors(decodeResourceTable, sampleTable(true), { seed: 12345, rounds: 500, cutEvery: 7, maxHits: 8 });
  });
});

describe.skipIf(!HAS_ANSWER_KEY)('decodeResourceTable on the aapt2-built fixtures', () => {
  const planted = HAS_ANSWER_KEY ? plantedSecrets() : [];
  const tables = planted.filter((secret) => secret.chain.length === 0 && secret.format === 'arsc' && existsSync(new URL(secret.artifact, APPS)));

  it('has planted resources.arsc values to check', () => {
    expect(tables.length).toBeGreaterThan(0);
  });

  // `where` reads `string/google_api_key (0x7f020004, global value pool #4)`.
  it.each(tables.map((secret) => [secret.artifact, secret.where, secret] as const))('%s: %s', (artifact, where, secret) => {
    const [, name, id] = /^(\S+) \((0x[0-9a-f]+)/.exec(where) ?? [];
    const resources = decodeResourceTable(readFileSync(new URL(artifact, APPS)));
    expect(resources.notices).toEqual([]);
    const named = resources.strings.find((string) => string.locator.kind === 'resource' && string.locator.name === name);
    expect(named?.key).toBe(name?.split('/')[1]);
    expect(named?.value).toContain(secret.secret);
    expect(resources.lookup(Number(id))).toEqual({ name, value: named?.value });
  });
});
