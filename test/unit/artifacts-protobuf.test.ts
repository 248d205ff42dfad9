import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeProtobufStrings } from '../../src/artifacts/formats/protobuf.js';
import { type Extraction, FormatError } from '../../src/artifacts/strings.js';
import { expectOnlyFormatErrors } from '../helpers/binary.js';
import { APPS, HAS_ANSWER_KEY, plantedSecrets } from '../helpers/planted.js';

type Value = string | number | Uint8Array | { readonly fixed32: number } | { readonly fixed64: number } | readonly Field[];
type Field = readonly [number: number, value: Value];

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return bytes;
}

function lengthDelimited(number: number, payload: Uint8Array): number[] {
  return [...varint(number * 8 + 2), ...varint(payload.length), ...payload];
}

/** Protobuf wire encoding: strings and nested field lists are length-delimited, numbers varints. */
function encode(fields: readonly Field[]): Uint8Array {
  const out: number[] = [];
  for (const [number, value] of fields) {
    if (typeof value === 'string') out.push(...lengthDelimited(number, new TextEncoder().encode(value)));
    else if (typeof value === 'number') out.push(...varint(number * 8), ...varint(value));
    else if (value instanceof Uint8Array) out.push(...lengthDelimited(number, value));
    else if ('fixed32' in value) out.push(...varint(number * 8 + 5), ...new Uint8Array(Uint32Array.of(value.fixed32).buffer));
    else if ('fixed64' in value) out.push(...varint(number * 8 + 1), ...new Uint8Array(Float64Array.of(value.fixed64).buffer));
    else out.push(...lengthDelimited(number, encode(value)));
  }
  return Uint8Array.from(out);
}

const GOOGLE_KEY = 'AIzaSyV6Be7cEzcLuOqdIwOwWv_fooPQC39Eed9';
const STRIPE_KEY = 'sk_live_51WDPKcdBzCZEE685Jz7oLOVooZ4CTX3HpWSiFAKEfakeFAKE';
const ANDROID = 'http://schemas.android.com/apk/res/android';

/** aapt2's Entry { name = 2; repeated ConfigValue config_value = 6 { config = 1; value = 2 { item = 4 { str = 2 { value = 1 } } } } }. */
function entry(name: string, values: readonly (readonly [locale: string, text: string])[]): Field[] {
  return [
    [1, [[1, 1]]],
    [2, name],
    ...values.map(([locale, text]): Field => [
      6,
      [
        [1, locale === '' ? [] : [[5, locale]]],
        [2, [[4, [[2, [[1, text]]]]]]],
      ],
    ]),
  ];
}

/** ResourceTable { package = 2 { package_name = 2; type = 3 { name = 2; entry = 3 } } }. */
function resourceTable(entries: readonly Field[][]): Uint8Array {
  return encode([
    [
      2,
      [
        [2, 'com.example.leaky'],
        [3, [[2, 'string'], ...entries.map((fields): Field => [3, fields])]],
      ],
    ],
  ]);
}

/** XmlAttribute { namespace_uri = 1; name = 2; value = 3; resource_id = 5; compiled_item = 6 }. */
function attribute(name: string, value: string, resourceId?: number): Field[] {
  return [[1, ANDROID], [2, name], [3, value], ...(resourceId === undefined ? [] : [[5, resourceId] as Field]), [6, [[2, [[1, value]]]]]];
}

/** XmlNode { element = 1 { name = 3; attribute = 4; child = 5 } }. */
function metaDataManifest(name: string, value: string, nameId: number | undefined = 0x01010003, valueId: number | undefined = 0x01010024): Uint8Array {
  const metaData: Field[] = [
    [3, 'meta-data'],
    [4, attribute('name', name, nameId)],
    [4, attribute('value', value, valueId)],
  ];
  return encode([
    [
      1,
      [
        [3, 'manifest'],
        [4, [[2, 'package'], [3, 'com.example.leaky']]],
        [5, [[1, [[3, 'application'], [5, [[1, metaData]]]]]]],
      ],
    ],
  ]);
}

const values = (extraction: Extraction): string[] => extraction.strings.map((string) => string.value);

describe('decodeProtobufStrings', () => {
  it('returns text fields at every depth, numbered in order, skipping numbers', () => {
    const bytes = encode([
      [1, 'top-level text'],
      [2, 42],
      [3, [[1, { fixed32: 7 }], [2, 'one level down'], [3, [[9, 'two levels down'], [10, { fixed64: 1.5 }]]]]],
    ]);
    expect(decodeProtobufStrings(bytes, 'base/resources.pb')).toEqual({
      strings: [
        { value: 'top-level text', locator: { kind: 'string-table', table: 'base/resources.pb', index: 0 } },
        { value: 'one level down', locator: { kind: 'string-table', table: 'base/resources.pb', index: 1 } },
        { value: 'two levels down', locator: { kind: 'string-table', table: 'base/resources.pb', index: 2 } },
      ],
      notices: [],
    });
  });

  it('reads a String message whose bytes are also printable as the message, not as "\\n\'AIza..."', () => {
    const { strings } = decodeProtobufStrings(encode([[2, [[1, GOOGLE_KEY]]]]), 't');
    expect(strings.map((string) => string.value)).toEqual([GOOGLE_KEY]);
  });

  it('keeps printable text that happens to parse as a message ("hi" is field 13 = 0x69)', () => {
    expect(values(decodeProtobufStrings(encode([[1, 'hi']]), 't'))).toEqual(['hi']);
  });

  it('skips binary payloads, invalid UTF-8 and whitespace-only text', () => {
    const bytes = encode([
      [1, Uint8Array.of(0x00, 0x01, 0x02, 0xff, 0xfe)],
      [2, Uint8Array.of(0x61, 0x62, 0xc3, 0x28, 0x63, 0x64)],
      [3, '\n    '],
      [4, 'Leaky Café 🔑'],
    ]);
    expect(values(decodeProtobufStrings(bytes, 't'))).toEqual(['Leaky Café 🔑']);
  });

  it('keys a resource entry value by the entry name, in every configuration but not the configuration itself', () => {
    const bytes = resourceTable([
      entry('google_api_key', [['', GOOGLE_KEY]]),
      entry('stripe_secret_key', [
        ['', STRIPE_KEY],
        ['fr', `${STRIPE_KEY}fr`],
      ]),
    ]);
    const { strings } = decodeProtobufStrings(bytes, 'base/resources.pb');
    const keyed = strings.map((string) => [string.value, string.key]);
    expect(keyed).toContainEqual([GOOGLE_KEY, 'google_api_key']);
    expect(keyed).toContainEqual([STRIPE_KEY, 'stripe_secret_key']);
    expect(keyed).toContainEqual([`${STRIPE_KEY}fr`, 'stripe_secret_key']);
    expect(keyed).toContainEqual(['fr', undefined]);
    expect(keyed).toContainEqual(['google_api_key', undefined]);
  });

  it('keys a proto manifest meta-data value by its android:name, once', () => {
    const { strings } = decodeProtobufStrings(metaDataManifest('com.facebook.sdk.ClientToken', '0b19be5ac65c7ef7ff032600e6ccd60b'), 'base/manifest/AndroidManifest.xml');
    expect(strings.filter((string) => string.value === '0b19be5ac65c7ef7ff032600e6ccd60b')).toEqual([
      { value: '0b19be5ac65c7ef7ff032600e6ccd60b', locator: { kind: 'string-table', table: 'base/manifest/AndroidManifest.xml', index: expect.any(Number) }, key: 'com.facebook.sdk.ClientToken' },
    ]);
    expect(strings.find((string) => string.value === 'com.facebook.sdk.ClientToken')?.key).toBe('android:name');
    expect(strings.find((string) => string.value === 'com.example.leaky')?.key).toBe('package');
  });

  it('finds android:name and android:value by resource id, or by name when ids are absent', () => {
    const byId = decodeProtobufStrings(metaDataManifest('com.example.TOKEN', 'value-by-id'), 't').strings;
    expect(byId.find((string) => string.value === 'value-by-id')?.key).toBe('com.example.TOKEN');
    const byName = decodeProtobufStrings(metaDataManifest('com.example.TOKEN', 'value-by-name', undefined, undefined), 't').strings;
    expect(byName.find((string) => string.value === 'value-by-name')?.key).toBe('com.example.TOKEN');
  });
});

describe('decodeProtobufStrings on hostile input', () => {
  it('rejects bytes whose first field does not parse, groups included', () => {
    expect(() => decodeProtobufStrings(new TextEncoder().encode('\u0000not protobuf'), 't')).toThrow(FormatError);
    expect(() => decodeProtobufStrings(Uint8Array.of(0x0b, 0x0a, 0x01, 0x61, 0x0c), 't')).toThrow(FormatError);
    expect(decodeProtobufStrings(new Uint8Array(0), 't')).toEqual({ strings: [], notices: [] });
  });

  it('does not read a nested group as a message', () => {
    const group = Uint8Array.of(0x0b, 0x12, 0x03, 0x61, 0x62, 0x63, 0x0c);
    expect(values(decodeProtobufStrings(encode([[1, group], [2, 'after']]), 't'))).toEqual(['after']);
  });

  it('keeps the fields before a truncation, with a notice', () => {
    const bytes = encode([
      [1, 'first-text-field'],
      [2, 'second-text-field-cut'],
    ]);
    const result = decodeProtobufStrings(bytes.subarray(0, bytes.length - 5), 't');
    expect(values(result)).toEqual(['first-text-field']);
    expect(result.notices).toEqual([expect.stringContaining('stop parsing at byte 18')]);
  });

  it('treats a length past the end or an overlong varint as the end of the message', () => {
    const hugeLength = Uint8Array.of(0x0a, 0x05, 0x61, 0x62, 0x63, 0x64, 0x65, 0x12, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x61);
    expect(values(decodeProtobufStrings(hugeLength, 't'))).toEqual(['abcde']);
    const overlong = Uint8Array.of(0x0a, 0x01, 0x61, 0x10, ...new Array<number>(12).fill(0xff), 0x01);
    expect(values(decodeProtobufStrings(overlong, 't'))).toEqual(['a']);
  });

  it('stops descending at 32 levels of nesting, with a notice', () => {
    let nested: Field[] = [[1, 'deepest-text'], [2, 7]];
    for (let level = 0; level < 200; level++) nested = [[1, nested], [2, level]];
    const result = decodeProtobufStrings(encode(nested), 't');
    expect(values(result)).toEqual([]);
    expect(result.notices).toEqual([expect.stringContaining('deeper than 32 levels')]);
  });

  it('stays linear on a large file of many small nested messages', () => {
    const leaf: Field[] = [[1, [[1, [[1, 'abcdefgh']]]]]];
    const bytes = encode(Array.from({ length: 100_000 }, (_, index): Field => [1 + (index % 5), leaf]));
    const result = decodeProtobufStrings(bytes, 't');
    expect(values(result)).toEqual(['abcdefgh']);
    // Decoding spends from a work budget proportional to the file size and says so when it runs out:
    // no notice means the whole file was decoded within linear work.
    expect(result.notices).toEqual([]);
  });

  it('never throws anything but FormatError on random or damaged bytes', () => {
    const original = metaDataManifest('com.facebook.sdk.ClientToken', '0b19be5ac65c7ef7ff032600e6ccd60b');
    expectOnlyFormatErrors((bytes) => decodeProtobufStrings(bytes, 'fuzz.pb'), original, { seed: 4242, rounds: 500, cutEvery: 3, maxHits: 6, noise: { every: 10, length: 64 } });
  });
});

describe.skipIf(!HAS_ANSWER_KEY)('decodeProtobufStrings on the aapt2-built fixtures', () => {
  const planted = HAS_ANSWER_KEY ? plantedSecrets() : [];
  const parts = planted.filter((secret) => secret.chain.length === 0 && secret.format.startsWith('proto-') && existsSync(new URL(secret.artifact, APPS)));

  it('has planted proto values to check', () => {
    expect(parts.length).toBeGreaterThan(0);
  });

  it.each(parts.map((secret) => [secret.artifact, secret.where, secret] as const))('%s: %s', (artifact, where, secret) => {
    const { strings, notices } = decodeProtobufStrings(readFileSync(new URL(artifact, APPS)), artifact);
    expect(notices).toEqual([]);
    // `string/google_api_key (0x7f010001)` keys by the entry name, `meta-data NAME (...)` by the meta-data name.
    const key = /^meta-data (\S+)/.exec(where)?.[1] ?? /^[a-z]+\/(\w+)/.exec(where)?.[1];
    expect(strings).toContainEqual(expect.objectContaining({ value: secret.secret, key }));
  });
});
