import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type ResourceTable, decodeResourceTable } from '../../src/artifacts/formats/arsc.js';
import { decodeBinaryXml, isBinaryXml } from '../../src/artifacts/formats/axml.js';
import { type Extraction, FormatError } from '../../src/artifacts/strings.js';
import { Writer, chunk, expectOnlyFormatErrors, stringPool } from '../helpers/binary.js';
import { APPS, HAS_ANSWER_KEY, plantedSecrets } from '../helpers/planted.js';

const NONE = 0xffffffff;
const STRING = 0x03;
const REFERENCE = 0x01;
const INT = 0x10;

interface AttributeSpec {
  readonly ns?: number;
  readonly name: number;
  readonly raw?: number;
  readonly type: number;
  readonly data: number;
}

/** Line number and comment: the node header every element chunk has. */
const NODE_HEADER = new Writer().u32(1).u32(NONE).done();

function startElement(name: number, attributes: readonly AttributeSpec[], layout: { start?: number; size?: number; count?: number } = {}): Uint8Array {
  const start = layout.start ?? 20;
  const size = layout.size ?? 20;
  const body = new Writer()
    .u32(NONE)
    .u32(name)
    .u16(start)
    .u16(size)
    .u16(layout.count ?? attributes.length)
    .u16(0)
    .u16(0)
    .u16(0);
  while (body.length < start) body.u8(0);
  for (const attribute of attributes) {
    body
      .u32(attribute.ns ?? NONE)
      .u32(attribute.name)
      .u32(attribute.raw ?? NONE)
      .u16(8)
      .u8(0)
      .u8(attribute.type)
      .u32(attribute.data);
    for (let pad = 20; pad < size; pad++) body.u8(0);
  }
  return chunk(0x0102, NODE_HEADER, body.done());
}

function endElement(name: number): Uint8Array {
  return chunk(0x0103, NODE_HEADER, new Writer().u32(NONE).u32(name).done());
}

function namespace(type: 0x0100 | 0x0101, prefix: number, uri: number): Uint8Array {
  return chunk(type, NODE_HEADER, new Writer().u32(prefix).u32(uri).done());
}

function cdata(text: number): Uint8Array {
  return chunk(0x0104, NODE_HEADER, new Writer().u32(text).u16(8).u8(0).u8(0).u32(0).done());
}

function resourceMap(ids: readonly number[]): Uint8Array {
  const body = new Writer();
  for (const id of ids) body.u32(id);
  return chunk(0x0180, new Uint8Array(0), body.done());
}

function xml(strings: readonly string[], ids: readonly number[], nodes: readonly Uint8Array[], utf8 = false): Uint8Array {
  const body = new Writer().bytes(stringPool(strings, utf8)).bytes(resourceMap(ids));
  for (const node of nodes) body.bytes(node);
  return chunk(0x0003, new Uint8Array(0), body.done());
}

const ANDROID = 'http://schemas.android.com/apk/res/android';
const CLIENT_TOKEN = '0b19be5ac65c7ef7ff032600e6ccd60b';
const MAPS_KEY = 'AIzaSyPIa5zNN7iB2dE3bMQBXec6llGZwBg8Cvt';
const RESOURCE_TOKEN = 'resource-held-client-token-0123456789';

// Pool: attribute names first (parallel to the resource map), then everything else.
const STRINGS = [
  'name',
  'value',
  'label',
  'android',
  ANDROID,
  'manifest',
  'package',
  'com.example.leaky',
  'application',
  'meta-data',
  'com.facebook.sdk.ClientToken',
  CLIENT_TOKEN,
  'com.google.android.geo.API_KEY',
  MAPS_KEY,
  'versionCode',
  'token',
  'text-node-secret-value',
];
const IDS = [0x01010003, 0x01010024, 0x01010001];
const S = Object.fromEntries(STRINGS.map((text, index) => [text, index])) as Record<string, number>;

const android = (name: string, value: Partial<AttributeSpec> & Pick<AttributeSpec, 'type' | 'data'>): AttributeSpec => ({ ns: S[ANDROID]!, name: S[name]!, ...value });
const literal = (index: number): Pick<AttributeSpec, 'raw' | 'type' | 'data'> => ({ raw: index, type: STRING, data: index });

function manifestNodes(clientTokenValue: Pick<AttributeSpec, 'raw' | 'type' | 'data'>): Uint8Array[] {
  return [
    namespace(0x0100, S['android']!, S[ANDROID]!),
    startElement(S['manifest']!, [{ name: S['package']!, ...literal(S['com.example.leaky']!) }, android('versionCode', { type: INT, data: 7 })]),
    startElement(S['application']!, [android('label', { type: REFERENCE, data: 0x7f010001 })]),
    startElement(S['meta-data']!, [android('name', literal(S['com.facebook.sdk.ClientToken']!)), android('value', clientTokenValue)]),
    endElement(S['meta-data']!),
    startElement(S['meta-data']!, [android('name', literal(S['com.google.android.geo.API_KEY']!)), android('value', literal(S[MAPS_KEY]!))]),
    endElement(S['meta-data']!),
    endElement(S['application']!),
    endElement(S['manifest']!),
    namespace(0x0101, S['android']!, S[ANDROID]!),
  ];
}

/** A one-package table: 0x7f010000 string/facebook_client_token, 0x7f010001 string/app_name. */
function resourceTable(): ResourceTable {
  const entries = new Writer();
  for (const [key, value] of [
    [0, 0],
    [1, 1],
  ] as const)
    entries.u16(8).u16(0).u32(key).u16(8).u8(0).u8(STRING).u32(value);
  const config = new Writer().u32(64);
  while (config.length < 64) config.u8(0);
  const typeHeader = new Writer().u8(1).u8(0).u16(0).u32(2).u32(84 + 8).bytes(config.done()).done();
  const type = chunk(0x0201, typeHeader, new Writer().u32(0).u32(16).bytes(entries.done()).done());
  const typePool = stringPool(['string'], false);
  const keyPool = stringPool(['facebook_client_token', 'app_name'], true);
  const packageHeader = new Writer().u32(0x7f);
  for (let index = 0; index < 128; index++) packageHeader.u16(0);
  packageHeader.u32(288).u32(1).u32(288 + typePool.length).u32(2).u32(0);
  const pkg = chunk(0x0200, packageHeader.done(), new Writer().bytes(typePool).bytes(keyPool).bytes(type).done());
  const values = stringPool([RESOURCE_TOKEN, 'Leaky App'], true);
  return decodeResourceTable(chunk(0x0002, new Writer().u32(1).done(), new Writer().bytes(values).bytes(pkg).done()));
}

const clientTokenLocator = { kind: 'xml-attribute', element: 'meta-data', attribute: 'android:value', name: 'com.facebook.sdk.ClientToken' } as const;

describe('isBinaryXml', () => {
  it('recognises the XML chunk header only', () => {
    expect(isBinaryXml(xml(STRINGS, IDS, []))).toBe(true);
    expect(isBinaryXml(new TextEncoder().encode('<manifest/>'))).toBe(false);
    expect(isBinaryXml(Uint8Array.of(0x02, 0, 0x0c, 0, 0, 0, 0, 0))).toBe(false);
  });
});

describe('decodeBinaryXml', () => {
  for (const utf8 of [false, true]) {
    it(`keys a meta-data value by its android:name (${utf8 ? 'UTF-8' : 'UTF-16'} pool)`, () => {
      const { strings, notices } = decodeBinaryXml(xml(STRINGS, IDS, manifestNodes(literal(S[CLIENT_TOKEN]!)), utf8));
      expect(notices).toEqual([]);
      expect(strings).toContainEqual({ value: CLIENT_TOKEN, locator: clientTokenLocator, key: 'com.facebook.sdk.ClientToken' });
      expect(strings).toContainEqual({
        value: MAPS_KEY,
        locator: { kind: 'xml-attribute', element: 'meta-data', attribute: 'android:value', name: 'com.google.android.geo.API_KEY' },
        key: 'com.google.android.geo.API_KEY',
      });
    });
  }

  it('keys other attributes by their own name and skips non-string values', () => {
    const { strings } = decodeBinaryXml(xml(STRINGS, IDS, manifestNodes(literal(S[CLIENT_TOKEN]!))));
    expect(strings).toContainEqual({ value: 'com.example.leaky', locator: { kind: 'xml-attribute', element: 'manifest', attribute: 'package' }, key: 'package' });
    expect(strings).toContainEqual({
      value: 'com.facebook.sdk.ClientToken',
      locator: { kind: 'xml-attribute', element: 'meta-data', attribute: 'android:name', name: 'com.facebook.sdk.ClientToken' },
      key: 'android:name',
    });
    expect(strings.some((string) => string.locator.kind === 'xml-attribute' && string.locator.attribute === 'android:versionCode')).toBe(false);
    expect(strings).toHaveLength(5);
  });

  it('resolves @string references through the resource table', () => {
    const bytes = xml(STRINGS, IDS, manifestNodes({ type: REFERENCE, data: 0x7f010000 }));
    const { strings } = decodeBinaryXml(bytes, resourceTable());
    expect(strings).toContainEqual({ value: RESOURCE_TOKEN, locator: clientTokenLocator, key: 'com.facebook.sdk.ClientToken' });
    expect(strings).toContainEqual({ value: 'Leaky App', locator: { kind: 'xml-attribute', element: 'application', attribute: 'android:label' }, key: 'android:label' });
  });

  it('prefers the resolved reference over a raw "@string/..." value (aapt v1 keeps both)', () => {
    const raw = STRINGS.length;
    const bytes = xml([...STRINGS, '@string/facebook_client_token'], IDS, manifestNodes({ raw, type: REFERENCE, data: 0x7f010000 }));
    expect(decodeBinaryXml(bytes, resourceTable()).strings).toContainEqual({ value: RESOURCE_TOKEN, locator: clientTokenLocator, key: 'com.facebook.sdk.ClientToken' });
    expect(decodeBinaryXml(bytes).strings).toContainEqual({ value: '@string/facebook_client_token', locator: clientTokenLocator, key: 'com.facebook.sdk.ClientToken' });
  });

  it('emits nothing for a reference it cannot resolve', () => {
    const { strings } = decodeBinaryXml(xml(STRINGS, IDS, manifestNodes({ type: REFERENCE, data: 0x7f010000 })));
    expect(strings.some((string) => string.locator.kind === 'xml-attribute' && string.locator.name === 'com.facebook.sdk.ClientToken' && string.locator.attribute === 'android:value')).toBe(false);
  });

  it('identifies android:name and android:value by resource id when their name strings are blanked', () => {
    const blanked = STRINGS.map((text, index) => (index < 2 ? '' : text));
    const { strings } = decodeBinaryXml(xml(blanked, IDS, manifestNodes(literal(S[CLIENT_TOKEN]!))));
    expect(strings).toContainEqual({ value: CLIENT_TOKEN, locator: clientTokenLocator, key: 'com.facebook.sdk.ClientToken' });
  });

  it('does not take a renamed attribute for android:value when its resource id says otherwise', () => {
    const renamed = STRINGS.map((text) => (text === 'label' ? 'value' : text));
    const nodes = [
      startElement(S['meta-data']!, [android('name', literal(S['com.facebook.sdk.ClientToken']!)), android('label', literal(S[CLIENT_TOKEN]!))]),
      endElement(S['meta-data']!),
    ];
    const [, decoy] = decodeBinaryXml(xml(renamed, IDS, nodes)).strings;
    expect(decoy?.value).toBe(CLIENT_TOKEN);
    expect(decoy?.key).toBe('android:value');
  });

  it('reads attributes where attributeStart and attributeSize say, not at fixed offsets', () => {
    const nodes = [startElement(S['meta-data']!, [android('name', literal(S['com.facebook.sdk.ClientToken']!)), android('value', literal(S[CLIENT_TOKEN]!))], { start: 28, size: 24 })];
    expect(decodeBinaryXml(xml(STRINGS, IDS, nodes)).strings).toContainEqual({ value: CLIENT_TOKEN, locator: clientTokenLocator, key: 'com.facebook.sdk.ClientToken' });
  });

  it('returns text nodes located by their element', () => {
    const nodes = [startElement(S['token']!, [android('name', literal(S['com.example.leaky']!))]), cdata(S['text-node-secret-value']!), endElement(S['token']!)];
    expect(decodeBinaryXml(xml(STRINGS, IDS, nodes)).strings).toContainEqual({
      value: 'text-node-secret-value',
      locator: { kind: 'xml-attribute', element: 'token', attribute: '#text', name: 'com.example.leaky' },
    });
  });
});

describe('decodeBinaryXml on hostile input', () => {
  const manifest = (): Uint8Array => xml(STRINGS, IDS, manifestNodes(literal(S[CLIENT_TOKEN]!)));

  it('rejects what is not binary XML, or XML without a string pool', () => {
    expect(() => decodeBinaryXml(new TextEncoder().encode('<manifest/>'))).toThrow(FormatError);
    expect(() => decodeBinaryXml(chunk(0x0003, new Uint8Array(0), resourceMap(IDS)))).toThrow(FormatError);
  });

  it('stops at a zero-size chunk and keeps what came before', () => {
    const nodes = manifestNodes(literal(S[CLIENT_TOKEN]!));
    const zero = new Writer().u16(0x0102).u16(16).u32(0).done();
    const { strings } = decodeBinaryXml(xml(STRINGS, IDS, [...nodes.slice(0, 5), zero, ...nodes.slice(5)]));
    expect(strings.map((string) => string.value)).toContain(CLIENT_TOKEN);
    expect(strings.map((string) => string.value)).not.toContain(MAPS_KEY);
  });

  it('steps over chunks of unknown type by their size', () => {
    const nodes = manifestNodes(literal(S[CLIENT_TOKEN]!));
    const unknown = chunk(0x0777, new Uint8Array(8).fill(0xff), new Uint8Array(40).fill(0x02));
    const { strings } = decodeBinaryXml(xml(STRINGS, IDS, [unknown, ...nodes.slice(0, 3), unknown, ...nodes.slice(3)]));
    expect(strings).toContainEqual({ value: CLIENT_TOKEN, locator: clientTokenLocator, key: 'com.facebook.sdk.ClientToken' });
    expect(strings.map((string) => string.value)).toContain(MAPS_KEY);
  });

  it('skips an element whose attributeStart points outside its chunk, and reads the next', () => {
    const nodes = manifestNodes(literal(S[CLIENT_TOKEN]!));
    const bogus = startElement(S['meta-data']!, [android('value', literal(S[CLIENT_TOKEN]!))]);
    new DataView(bogus.buffer).setUint16(16 + 8, 0xfff0, true);
    const { strings } = decodeBinaryXml(xml(STRINGS, IDS, [bogus, ...nodes]));
    expect(strings.filter((string) => string.value === CLIENT_TOKEN)).toHaveLength(1);
  });

  it('drops out-of-range string indexes and clamps a huge attribute count', () => {
    const nodes = [
      startElement(S['meta-data']!, [android('name', literal(S['com.facebook.sdk.ClientToken']!)), { ns: 0x7fffffff, name: 0x7fffffff, raw: 0x7ffffff0, type: STRING, data: 0x7ffffff0 }], { count: 0xffff }),
      startElement(0x7fffffff, [android('value', literal(S[MAPS_KEY]!))]),
    ];
    const { strings } = decodeBinaryXml(xml(STRINGS, IDS, nodes));
    expect(strings).toEqual([
      { value: 'com.facebook.sdk.ClientToken', locator: { kind: 'xml-attribute', element: 'meta-data', attribute: 'android:name', name: 'com.facebook.sdk.ClientToken' }, key: 'android:name' },
      { value: MAPS_KEY, locator: { kind: 'xml-attribute', element: '', attribute: 'android:value' }, key: 'android:value' },
    ]);
  });

  it('decodes a truncated manifest up to the cut, with a notice', () => {
    const bytes = manifest();
    const result = decodeBinaryXml(bytes.subarray(0, bytes.length - 150));
    expect(result.strings.map((string) => string.value)).toContain(CLIENT_TOKEN);
    expect(result.notices.some((notice) => notice.includes('truncated'))).toBe(true);
  });

  it('never throws anything but FormatError on randomly damaged manifests', () => {
    const table = resourceTable();
    expectOnlyFormatErrors((bytes) => decodeBinaryXml(bytes, table), manifest(), { seed: 987654, rounds: 500, cutEvery: 5, maxHits: 8 });
  });
});

const manifestFile = new URL('out/parts/AndroidManifest.xml', APPS);
const tableFile = new URL('out/parts/resources.arsc', APPS);

describe.skipIf(!HAS_ANSWER_KEY || !existsSync(manifestFile) || !existsSync(tableFile))('decodeBinaryXml on the aapt2-built fixtures', () => {
  const planted = HAS_ANSWER_KEY ? plantedSecrets() : [];
  const inManifest = planted.filter((secret) => secret.artifact === 'out/parts/AndroidManifest.xml').map((secret) => [secret.where, secret] as const);
  // A table value the manifest points at: `AndroidManifest.xml meta-data com.facebook.sdk.ClientToken (@0x7f020003)`.
  const referenced = planted.flatMap((secret) => {
    const name = secret.artifact === 'out/parts/resources.arsc' ? /^AndroidManifest\.xml meta-data (\S+)/.exec(secret.referencedBy ?? '')?.[1] : undefined;
    return name === undefined ? [] : [[`${name} → ${secret.where}`, name, secret] as const];
  });
  const decode = (): Extraction => decodeBinaryXml(readFileSync(manifestFile), decodeResourceTable(readFileSync(tableFile)));

  it('has planted manifest values to check', () => {
    expect(inManifest.length + referenced.length).toBeGreaterThan(0);
  });

  // `where` reads `meta-data com.google.android.geo.API_KEY (literal value, string pool #14)`.
  it.each(inManifest)('literal %s', (where, secret) => {
    const { strings, notices } = decode();
    expect(notices).toEqual([]);
    const name = /^meta-data (\S+)/.exec(where)?.[1];
    expect(strings).toContainEqual({ value: secret.secret, locator: { kind: 'xml-attribute', element: 'meta-data', attribute: 'android:value', name }, key: name });
  });

  it.each(referenced)('reference %s', (_, name, secret) => {
    expect(decode().strings).toContainEqual({ value: secret.secret, locator: { kind: 'xml-attribute', element: 'meta-data', attribute: 'android:value', name }, key: name });
  });
});
