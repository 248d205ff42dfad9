import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodePlist, isBinaryPlist, isXmlPlist } from '../../src/artifacts/formats/plist.js';
import { FormatError, type Extraction } from '../../src/artifacts/strings.js';
import { APPS, type PlantedSecret, plantedSecrets } from '../helpers/planted.js';
import { TRUE, array, ascii, bplist, data, dict, int, set, utf16 } from '../helpers/plist.js';


/** Sets a trailer field: 6 offsetIntSize, 7 objectRefSize (one byte); 8, 16, 24 the u64 counts. */
function withTrailer(bytes: Uint8Array, field: 6 | 7 | 8 | 16 | 24, value: number | bigint): Uint8Array {
  const copy = bytes.slice();
  const view = new DataView(copy.buffer);
  const at = copy.length - 32 + field;
  if (field === 6 || field === 7) view.setUint8(at, Number(value));
  else view.setBigUint64(at, BigInt(value));
  return copy;
}

const rows = (extraction: Extraction): [string, string, string | undefined][] =>
  extraction.strings.map((found) => [found.value, found.locator.kind === 'plist-key' ? found.locator.keyPath : '?', found.key]);

const LONG_TOKEN = 'sk_live_FAKE51wax75yvZDC9nhK67wyEpXzuAtIJyL0';

/**
 * { API_KEY: "AIza...", NSAppTransportSecurity: { NSExceptionDomains: ["example.com", "Café <long>"] },
 *   Build: 42, Blob: <data>, Enabled: true, Schemes: set("fbapi") }
 */
const NESTED = bplist([
  dict([[1, 2], [3, 4], [9, 10], [11, 12], [13, 14], [15, 16]]),
  ascii('API_KEY'),
  ascii('AIzaSyA1234567890abcdefghijklmnopqrstu'),
  ascii('NSAppTransportSecurity'),
  dict([[5, 6]]),
  ascii('NSExceptionDomains'),
  array(7, 8),
  ascii('example.com'),
  utf16(`Café ${LONG_TOKEN}`),
  ascii('Build'),
  int(42),
  ascii('Blob'),
  data('sk_live_inside_a_data_blob'),
  ascii('Enabled'),
  TRUE,
  ascii('Schemes'),
  set(17),
  ascii('fbapi'),
]);

describe('plist sniffing', () => {
  it('tells binary and XML plists from other files', () => {
    expect(isBinaryPlist(NESTED)).toBe(true);
    expect(isXmlPlist(NESTED)).toBe(false);
    expect(isXmlPlist(new Uint8Array(Buffer.from(XML_PLIST)))).toBe(true);
    expect(isXmlPlist(new Uint8Array(Buffer.from(`\uFEFF<plist version="1.0"><string>x</string></plist>`)))).toBe(true);
    expect(isBinaryPlist(new Uint8Array(Buffer.from(XML_PLIST)))).toBe(false);
    expect(isXmlPlist(new Uint8Array(Buffer.from('<?xml version="1.0"?><manifest package="a"/>')))).toBe(false);
    expect(isBinaryPlist(new Uint8Array(Buffer.from('bplist')))).toBe(false);
    expect(() => decodePlist(new Uint8Array(Buffer.from('{"json": true}')))).toThrow(FormatError);
  });
});

describe('decodePlist (binary)', () => {
  it('reports every string value with its key path and nearest dictionary key', () => {
    expect(rows(decodePlist(NESTED))).toEqual([
      ['AIzaSyA1234567890abcdefghijklmnopqrstu', 'API_KEY', 'API_KEY'],
      ['example.com', 'NSAppTransportSecurity/NSExceptionDomains/0', 'NSExceptionDomains'],
      [`Café ${LONG_TOKEN}`, 'NSAppTransportSecurity/NSExceptionDomains/1', 'NSExceptionDomains'],
      ['fbapi', 'Schemes/0', 'Schemes'],
    ]);
    expect(decodePlist(NESTED).notices).toEqual([]);
  });

  it('reports a top-level string without a key', () => {
    const extraction = decodePlist(bplist([utf16('Grüße')]));
    expect(extraction.strings).toEqual([{ value: 'Grüße', locator: { kind: 'plist-key', keyPath: '' } }]);
  });

  it('reads extended counts of one, two and four bytes', () => {
    const long = 'x'.repeat(300);
    const huge = 'y'.repeat(70_000);
    const extraction = decodePlist(bplist([array(1, 2, 3), ascii(LONG_TOKEN), utf16(long), ascii(huge)]));
    expect(extraction.strings.map((found) => found.value)).toEqual([LONG_TOKEN, long, huge]);
  });

  it('reads references and offsets wider than one byte', () => {
    const values = Array.from({ length: 300 }, (_, index) => `value-${index}`);
    // 301 objects: references need two bytes, offsets past 64 KiB need three.
    const objects = [[0xaf, 0x11, 0x01, 0x2c, ...values.flatMap((_, index) => [(index + 1) >> 8, (index + 1) & 0xff])], ...values.map((value) => ascii(value + '-'.repeat(250)))];
    const body: number[] = [...Buffer.from('bplist00', 'latin1')];
    const offsets = objects.map((object) => {
      const offset = body.length;
      body.push(...object);
      return offset;
    });
    const offsetTableOffset = body.length;
    for (const offset of offsets) body.push(offset >> 16, (offset >> 8) & 0xff, offset & 0xff);
    const trailer = new DataView(new ArrayBuffer(32));
    trailer.setUint8(6, 3);
    trailer.setUint8(7, 2);
    trailer.setBigUint64(8, BigInt(objects.length));
    trailer.setBigUint64(24, BigInt(offsetTableOffset));
    const extraction = decodePlist(new Uint8Array([...body, ...new Uint8Array(trailer.buffer)]));
    expect(extraction.strings.length).toBe(300);
    expect(extraction.strings[299]).toEqual({ value: `value-299${'-'.repeat(250)}`, locator: { kind: 'plist-key', keyPath: '299' } });
  });

  it('reports a string shared by two keys under both', () => {
    const shared = bplist([dict([[1, 3], [2, 3]]), ascii('Primary'), ascii('Backup'), ascii('shared-secret-value')]);
    expect(rows(decodePlist(shared))).toEqual([
      ['shared-secret-value', 'Primary', 'Primary'],
      ['shared-secret-value', 'Backup', 'Backup'],
    ]);
  });

  it('matches what Python plistlib wrote (real writer: sorted keys, shared objects, UTF-16BE)', () => {
    // python3: plistlib.dumps({...}, fmt=plistlib.FMT_BINARY), values below
    const written = Buffer.from(
      'YnBsaXN0MDDYAQIDBAUGBwgJCgsMDRAXF1dBUElfS0VZVEJsb2JVQnVpbGRcQ0ZCdW5kbGVOYW1lXxAbTFNBcHBsaWNhdGlvblF1ZXJpZXNTY2hlbWVzXxAWTlNBcHBUcmFuc3BvcnRTZWN1cml0eVdTaGFyZWQxV1NoYXJlZDJfECZBSXphU3lBMTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3BxcnN0dU8QGHNrX2xpdmVfaW5zaWRlX2RhdGFfYmxvYhAqagBMAGUAYQBrAHkAIABDAGEAZgDpog4PVWZiYXBpXxAWZmItbWVzc2VuZ2VyLXNoYXJlLWFwadEREl8QEk5TRXhjZXB0aW9uRG9tYWluc9ETFF8QD2FwaS5leGFtcGxlLmNvbdEVFl8QFE5TSW5jbHVkZXNTdWJkb21haW5zCVpzYW1lLXZhbHVlAAgAGQAhACYALAA5AFcAcAB4AIAAqQDEAMYA2wDeAOQA/QEAARUBGAEqAS0BRAFFAAAAAAAAAgEAAAAAAAAAGAAAAAAAAAAAAAAAAAAAAVA=',
      'base64',
    );
    expect(rows(decodePlist(new Uint8Array(written)))).toEqual([
      ['AIzaSyA1234567890abcdefghijklmnopqrstu', 'API_KEY', 'API_KEY'],
      ['Leaky Café', 'CFBundleName', 'CFBundleName'],
      ['fbapi', 'LSApplicationQueriesSchemes/0', 'LSApplicationQueriesSchemes'],
      ['fb-messenger-share-api', 'LSApplicationQueriesSchemes/1', 'LSApplicationQueriesSchemes'],
      ['same-value', 'Shared1', 'Shared1'],
      ['same-value', 'Shared2', 'Shared2'],
    ]);
  });

  it('does not follow reference cycles', () => {
    const selfContaining = bplist([array(1, 0), ascii('before-the-cycle')]);
    const extraction = decodePlist(selfContaining);
    expect(rows(extraction)).toEqual([['before-the-cycle', '0', undefined]]);
    expect(extraction.notices).toEqual(['binary plist contains a reference cycle; the cycle not followed']);

    const mutual = bplist([dict([[1, 2]]), ascii('Child'), dict([[3, 0], [4, 5]]), ascii('Parent'), ascii('Token'), ascii('tok-123')]);
    expect(rows(decodePlist(mutual))).toEqual([['tok-123', 'Child/Token', 'Token']]);
  });

  it('stops a small file that expands exponentially through shared containers', () => {
    // Object i is an array holding object i+1 twice: 2^40 paths to the string at the bottom.
    const levels = 40;
    const objects = [...Array.from({ length: levels }, (_, index) => array(index + 1, index + 1)), ascii('bottom-of-the-bomb')];
    const extraction = decodePlist(bplist(objects));
    expect(extraction.notices).toEqual(['binary plist expands to more values than the file can hold; the rest not scanned']);
    expect(extraction.strings.length).toBeGreaterThan(0);
    expect(extraction.strings.length).toBeLessThanOrEqual(bplist(objects).length);
  });

  it('caps nesting depth and keeps what lies above the cap', () => {
    // Object i (i < 100) is an array of a shared string and object i+1; object 100 is the deepest string.
    const depth = 100;
    const objects = [...Array.from({ length: depth }, (_, index) => array(depth + 1, index + 1)), ascii('deepest'), ascii('at-every-level')];
    const extraction = decodePlist(bplist(objects));
    expect(extraction.notices).toEqual(['plist nests deeper than 64 levels; deeper values not scanned']);
    expect(extraction.strings.map((found) => found.value)).not.toContain('deepest');
    // The arrays at depths 0..63 are read, each with its string.
    expect(extraction.strings.length).toBe(64);
    expect(extraction.strings[63]?.locator).toEqual({ kind: 'plist-key', keyPath: [...Array<string>(63).fill('1'), '0'].join('/') });
  });

  it('rejects damaged files with FormatError', () => {
    const broken: [string, Uint8Array, RegExp][] = [
      ['too short', NESTED.slice(0, 30), /too short/],
      ['offset table past the end', withTrailer(NESTED, 24, NESTED.length), /offset table/],
      ['absurd object count', withTrailer(NESTED, 8, 2n ** 62n), /offset table/],
      ['top object out of range', withTrailer(NESTED, 16, 1000), /top object/],
      ['zero-byte integers', withTrailer(NESTED, 6, 0), /integer sizes/],
      ['reference out of range', bplist([array(1, 7), ascii('a')]), /reference 7/],
      ['string past the end', bplist([[0x5f, 0x12, 0x7f, 0xff, 0xff, 0xff, 0x41]]), /runs past/],
      ['array count past the end', bplist([[0xaf, 0x13, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]]), /runs past/],
      ['bad count marker', bplist([[0x5f, 0x55, 0x41]]), /count marker/],
      ['key that is not a string', bplist([dict([[1, 1]]), int(3)]), /key is not a string/],
    ];
    for (const [what, bytes, message] of broken) expect(() => decodePlist(bytes), what).toThrow(message);

    const pointingIntoTrailer = NESTED.slice();
    const offsetTable = Number(new DataView(NESTED.buffer).getBigUint64(NESTED.length - 8));
    pointingIntoTrailer[offsetTable] = 0xff;
    expect(() => decodePlist(pointingIntoTrailer)).toThrow(/outside the object area/);
  });

  it('never throws anything but FormatError on damaged files', () => {
    let state = 7;
    const random = (limit: number): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state % limit;
    };
    for (let round = 0; round < 3000; round++) {
      const damaged = NESTED.slice();
      for (let hits = 0; hits < 3; hits++) damaged[random(damaged.length)] = random(256);
      try {
        expect(Array.isArray(decodePlist(damaged).strings)).toBe(true);
      } catch (error) {
        expect(error).toBeInstanceOf(FormatError);
      }
    }
  });
});

const XML_PLIST = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<!-- GoogleService-Info.plist as Firebase ships it -->
<dict>
\t<key>API_KEY</key>
\t<string>AIzaSyaQ6n38fO4p7Q2Lze7POXJIVkTF7liP_rE</string>
\t<key>GCM_SENDER_ID</key>
\t<integer>439606689613</integer>
\t<key>IS_ADS_ENABLED</key>
\t<false/>
\t<key>Empty</key>
\t<string/>
\t<key>DATABASE_URL</key>
\t<string>https://leaky.firebaseio.com/?a=1&amp;b=&#x32;&#51;</string>
\t<key>Notes</key>
\t<array>
\t\t<string><![CDATA[token <sk_live_FAKE> & more]]></string>
\t\t<dict>
\t\t\t<key>Nested Key</key>
\t\t\t<string>Café</string>
\t\t\t<key>Blob</key>
\t\t\t<data>c2tfbGl2ZV9ibG9i</data>
\t\t</dict>
\t\t<array/>
\t\t<string>after-empty-array</string>
\t</array>
\t<key>Last</key>
\t<string>done</string>
</dict>
</plist>
`;

const xml = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'utf8'));

describe('decodePlist (XML)', () => {
  it('reports every string value with its key path and nearest dictionary key', () => {
    expect(rows(decodePlist(xml(XML_PLIST)))).toEqual([
      ['AIzaSyaQ6n38fO4p7Q2Lze7POXJIVkTF7liP_rE', 'API_KEY', 'API_KEY'],
      ['', 'Empty', 'Empty'],
      ['https://leaky.firebaseio.com/?a=1&b=23', 'DATABASE_URL', 'DATABASE_URL'],
      ['token <sk_live_FAKE> & more', 'Notes/0', 'Notes'],
      ['Café', 'Notes/1/Nested Key', 'Nested Key'],
      ['after-empty-array', 'Notes/3', 'Notes'],
      ['done', 'Last', 'Last'],
    ]);
  });

  it('reads a top-level array and a top-level string', () => {
    expect(rows(decodePlist(xml('<plist><array><string>a-token</string><string>b</string></array></plist>')))).toEqual([
      ['a-token', '0', undefined],
      ['b', '1', undefined],
    ]);
    expect(rows(decodePlist(xml('<plist version="1.0"><string>lonely</string></plist>')))).toEqual([['lonely', '', undefined]]);
  });

  it('caps nesting depth without overflowing the stack', () => {
    const depth = 200_000;
    const deep = `<plist>${'<array><string>level</string>'.repeat(depth)}${'</array>'.repeat(depth)}</plist>`;
    const extraction = decodePlist(xml(deep));
    expect(extraction.notices).toEqual(['plist nests deeper than 64 levels; deeper values not scanned']);
    expect(extraction.strings.length).toBe(64);
  });

  it('rejects malformed XML with FormatError', () => {
    const broken: [string, RegExp][] = [
      ['<plist><dict><key>A</key><string>never closed</dict></plist>', /unterminated <string>/],
      ['<plist><dict><key>A</key><string>x</string></array></plist>', /unbalanced <\/array>/],
      ['<plist><dict><key>A</key><string>x</string>', /ends inside a <dict>/],
      ['<plist><array><key>A</key></array></plist>', /outside a <dict>/],
      ['<plist><dict><string>no key</string></dict></plist>', /has no <key>/],
      ['<plist><!-- never closed <string>x</string></plist>', /unterminated comment/],
      ['<plist><dict', /unterminated tag/],
      ['<plist>< dict></plist>', /malformed tag/],
      ['<plist><string><![CDATA[never closed</string></plist>', /unterminated CDATA/],
    ];
    for (const [text, message] of broken) expect(() => decodePlist(xml(text)), text).toThrow(message);
  });

  // Sized so that a search restarted at every opener (quadratic: some 10^12 characters compared) could not end within the test timeout.
  it('stays linear on markup built to make a parser backtrack', () => {
    expect(() => decodePlist(xml(`<plist><string>${'<![CDATA['.repeat(1_000_000)}</string></plist>`))).toThrow(/unterminated CDATA/);
    const manyCdata = decodePlist(xml(`<plist><string>${'<![CDATA[x]]>&amp;'.repeat(500_000)}</string></plist>`));
    expect(manyCdata.strings[0]?.value).toBe('x&'.repeat(500_000));
    expect(decodePlist(xml(`<plist>${'<a'.repeat(1_000_000)}></plist>`)).strings).toEqual([]);
  });
});

const BINARY_INFO_PLIST = new URL('out/parts/Info.plist', APPS);
const XML_INFO_PLIST = new URL('src/ios/Info.plist', APPS);
const GOOGLE_SERVICE_PLIST = new URL('src/ios/GoogleService-Info.plist', APPS);

const fixture = (path: URL): Extraction => decodePlist(new Uint8Array(readFileSync(path)));

/** Answer-key entries name the plist key first: `key FacebookClientToken (object #25, ...)`. */
function expectPlanted(extraction: Extraction, secrets: readonly PlantedSecret[]): void {
  expect(secrets.length).toBeGreaterThan(0);
  for (const secret of secrets) {
    const key = /^key (\S+?),? /.exec(secret.where)![1]!;
    expect(extraction.strings.find((found) => found.value.includes(secret.secret)), secret.where).toMatchObject({
      locator: { kind: 'plist-key', keyPath: key },
      key,
    });
  }
}

describe.skipIf(![BINARY_INFO_PLIST, XML_INFO_PLIST, GOOGLE_SERVICE_PLIST].every((path) => existsSync(path)))('decodePlist on the app fixtures', () => {
  it('finds the planted Info.plist values (plistutil binary, with a UTF-16BE string) under their keys', () => {
    const extraction = fixture(BINARY_INFO_PLIST);
    expectPlanted(extraction, plantedSecrets().filter((secret) => secret.artifact === 'out/parts/Info.plist'));
    expect(extraction.strings.find((found) => found.key === 'CFBundleURLSchemes')?.locator).toEqual({
      kind: 'plist-key',
      keyPath: 'CFBundleURLTypes/0/CFBundleURLSchemes/0',
    });
  });

  it('reads the XML source of Info.plist exactly as its binary conversion', () => {
    expect(fixture(XML_INFO_PLIST)).toEqual(fixture(BINARY_INFO_PLIST));
  });

  it('finds the planted GoogleService-Info.plist values (XML, as shipped in the IPA)', () => {
    const extraction = fixture(GOOGLE_SERVICE_PLIST);
    expectPlanted(extraction, plantedSecrets().filter((secret) => secret.format === 'xml-plist' && secret.chain.at(-1)?.endsWith('GoogleService-Info.plist') === true));
  });
});
