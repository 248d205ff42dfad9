/**
 * Objective-C getters of constants in Mach-O slices: clang 14 + ld64.lld builds of
 * fixtures/apps/src/ios-objc/LKAuth.m (out/parts/LKAuth) and ../ios/main.m (out/parts/Leaky), then
 * the same metadata bent: pointers to nowhere, extreme counts, random damage.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeMachO } from '../../src/artifacts/formats/macho.js';
import type { Extraction } from '../../src/artifacts/strings.js';
import { damagedCopies, decodesOrRejects, extremeWordCopies } from '../helpers/binary.js';
import { APPS } from '../helpers/planted.js';

const LKAUTH = readFileSync(new URL('out/parts/LKAuth', APPS));
const LEAKY = readFileSync(new URL('out/parts/Leaky', APPS));

const named = (extraction: Extraction) =>
  extraction.strings.filter((string) => string.unit !== undefined).map((string) => [string.unit, string.key, string.value, string.locator.kind === 'section' ? string.locator.section : '?']);

/** The arm64 slice of LKAuth starts at 0x8000; its __DATA_CONST (__cfstring, __objc_classlist) at 0x10000, __objc_data and __objc_const at 0x14000. */
const ARM64_CLASS_LIST = 0x10080;
const ARM64_OBJC_DATA = 0x14000;
const ARM64_OBJC_END = 0x14348;

describe('Objective-C constant getters', () => {
  it('names each literal a getter returns by its selector, one unit per class, in both slices', () => {
    const rows = named(decodeMachO(LKAUTH));
    for (const arch of ['x86_64', 'arm64']) {
      expect(rows.filter(([unit]) => unit!.startsWith(`${arch} `))).toEqual([
        [`${arch} LKAuth0Settings`, 'domain', 'named-ios.us.auth0.com', '__TEXT,__cstring'],
        [`${arch} LKAuth0Settings`, 'clientId', '3nd9hLClF483EFDZpSUmZDWYzD0KbOEm', '__TEXT,__cstring'],
        [`${arch} LKAuth0Settings`, 'clientSecret', 'a4_26iY3LqslhOd0R21u_pLbo4PJCpPtHd7rkQ5irqCzLysslnY3CkOZD2IFcnvu', '__TEXT,__cstring'],
        [`${arch} LKSalesforceConfig`, 'consumerKey', '3MVG94d9TsLTpDku.sweaQSnGeHlkSin.B.ly5viD_l9L2Faopdkssy.1rE9zeNQt1IHvsQwYwOx1Wy2RPohs', '__TEXT,__cstring'],
        [`${arch} LKSalesforceConfig`, 'consumerSecret', '27885934A97651FABD36B97605E6F9BFC7163687D116F1C16E1D26F003DC0444', '__TEXT,__cstring'],
        [`${arch} LKLabels`, 'secretQuestionTitle', 'Answer your secret question', '__TEXT,__cstring'],
      ]);
    }
  });

  it('follows class methods, char arrays in __const and UTF-16 CFStrings in __ustring', () => {
    const rows = named(decodeMachO(LEAKY)).filter(([unit]) => unit === 'arm64 LKSecrets');
    expect(rows.map(([, selector, , section]) => `${selector} ${section}`)).toEqual([
      'awsAccessKeyId __TEXT,__cstring',
      'awsSecretAccessKeyForProduction __TEXT,__cstring',
      'alertsWebhook __TEXT,__cstring',
      'githubToken __TEXT,__const',
      'localizedRegistryNote __TEXT,__ustring',
    ]);
    expect(rows.at(-1)![2]).toBe('Jeton du dépôt npm : 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');
  });

  it('reads the relative method lists Apple’s toolchain emits for iOS 14 and later', () => {
    // LKAuth0Settings' instance methods (vm 0xc138, fat offset 0x14138) rewritten in place in the
    // relative form: 12-byte entries of offsets from each field, the name offset pointing at a
    // selector reference, here three slots written after the entries.
    const bytes = Buffer.from(LKAUTH);
    const list = 0x14138;
    const vm = 0xc138;
    const original = [0, 1, 2].map((index) => ({ selector: LKAUTH.readUInt32LE(list + 8 + index * 24), implementation: LKAUTH.readUInt32LE(list + 8 + index * 24 + 16) }));
    bytes.fill(0, list, list + 80);
    bytes.writeUInt32LE(0x8000000c, list);
    bytes.writeUInt32LE(3, list + 4);
    original.forEach(({ selector, implementation }, index) => {
      const entry = 8 + index * 12;
      const slot = 48 + index * 8;
      bytes.writeUInt32LE(selector, list + slot);
      bytes.writeInt32LE(slot - entry, list + entry);
      bytes.writeInt32LE(implementation - (vm + entry + 8), list + entry + 8);
    });
    const rows = named(decodeMachO(bytes)).filter(([unit]) => unit === 'arm64 LKAuth0Settings');
    expect(rows.map(([, selector, value]) => `${selector} ${value}`)).toEqual([
      'domain named-ios.us.auth0.com',
      'clientId 3nd9hLClF483EFDZpSUmZDWYzD0KbOEm',
      'clientSecret a4_26iY3LqslhOd0R21u_pLbo4PJCpPtHd7rkQ5irqCzLysslnY3CkOZD2IFcnvu',
    ]);
  });

  it('puts each named string where the plain section scan finds it', () => {
    const extraction = decodeMachO(LKAUTH);
    for (const string of extraction.strings.filter((found) => found.unit !== undefined)) {
      expect(string.locator).toEqual(expect.objectContaining({ via: expect.stringMatching(/^returned by [-+]\[LK\w+ \w+\]$/) }));
      expect(extraction.strings.some((plain) => plain.unit === undefined && plain.value === string.value && JSON.stringify(plain.locator) === JSON.stringify({ ...string.locator, via: undefined }))).toBe(true);
    }
  });
});

describe('Objective-C metadata in damaged or hostile slices', () => {
  it('finds the class list where the layout says', () => {
    expect(LKAUTH.readUInt32LE(ARM64_CLASS_LIST)).toBe(0xc000);
    expect(LKAUTH.readUInt32LE(ARM64_OBJC_DATA)).toBe(0xc028);
  });

  it('reads nothing from a class list whose pointers go nowhere, and still scans the sections', () => {
    const bytes = Buffer.from(LKAUTH);
    for (let at = ARM64_CLASS_LIST; at < ARM64_CLASS_LIST + 24; at += 8) bytes.writeUInt32LE(0xfffffff0, at);
    const extraction = decodeMachO(bytes);
    expect(named(extraction).filter(([unit]) => unit!.startsWith('arm64 '))).toEqual([]);
    expect(extraction.strings.some((string) => string.value === 'a4_26iY3LqslhOd0R21u_pLbo4PJCpPtHd7rkQ5irqCzLysslnY3CkOZD2IFcnvu' && string.unit === undefined)).toBe(true);
  });

  it('gives every extreme word in the class list and Objective-C metadata of the arm64 slice a result, never an exception', () => {
    const start = ARM64_CLASS_LIST;
    let copies = 0;
    for (const { bytes, change } of extremeWordCopies(LKAUTH.subarray(start, ARM64_OBJC_END), ARM64_OBJC_END - start)) {
      // The class list's slots and the class_t, class_ro_t and method_list_t records after it.
      if (Number(/at byte (\d+)/.exec(change)![1]) >= 0x18 && Number(/at byte (\d+)/.exec(change)![1]) < ARM64_OBJC_DATA - start) continue;
      const whole = Buffer.concat([LKAUTH.subarray(0, start), bytes, LKAUTH.subarray(ARM64_OBJC_END)]);
      const result = decodesOrRejects(decodeMachO, whole);
      expect(result instanceof Error || Array.isArray(result.strings), change).toBe(true);
      copies++;
    }
    expect(copies).toBeGreaterThan(1000);
  });

  it('survives random damage to the code, CFStrings and Objective-C metadata of the arm64 slice', () => {
    // From the arm64 slice's __text (0xc000) to the end of __objc_const.
    const start = 0xc000;
    const region = LKAUTH.subarray(start, ARM64_OBJC_END);
    let named = 0;
    for (const damaged of damagedCopies(region, { seed: 11, rounds: 400, cutEvery: 1000, maxHits: 24 })) {
      const bytes = Buffer.concat([LKAUTH.subarray(0, start), damaged, LKAUTH.subarray(start + damaged.length)]);
      const result = decodesOrRejects(decodeMachO, bytes);
      if (result instanceof Error) continue;
      for (const string of result.strings) expect(typeof string.value).toBe('string');
      named += result.strings.filter((string) => string.unit !== undefined).length;
    }
    expect(named).toBeGreaterThan(0);
  });
});
