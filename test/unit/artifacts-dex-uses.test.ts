/**
 * decodeDex's use strings (dex-code.ts): on the smali-built used-keys DEX, each constant that
 * reaches a sink in the same method comes out keyed by its use; look-alikes do not; damaged and
 * crafted code never throws anything but FormatError and never hangs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeDex } from '../../src/artifacts/formats/dex.js';
import type { ExtractedString } from '../../src/artifacts/strings.js';
import { decodesOrRejects, expectOnlyFormatErrors, extremeWordCopies } from '../helpers/binary.js';

const USED_KEYS = new URL('../../fixtures/apps/out/parts/used-keys.dex', import.meta.url);
/** class_data_off of the first class_def, patched below to make code items overlap. */
const CLASS_DEFS_OFF = 0x64;

function uses(strings: readonly ExtractedString[]): string[] {
  return strings.flatMap((string) => (string.locator.kind === 'use' ? [`${string.key} | ${string.value} | ${string.locator.method}`] : []));
}

describe.skipIf(!existsSync(USED_KEYS))('decodeDex: constants followed to the calls that use them', () => {
  /** A plain Uint8Array: a Buffer's `slice` shares memory, and the damage helpers would change it in place. */
  const dex = new Uint8Array(readFileSync(USED_KEYS));

  it('keys each constant by its role and sink, after the whole string pool', () => {
    const extraction = decodeDex(dex);
    expect(uses(extraction.strings)).toContain('key for javax.crypto.spec.SecretKeySpec.<init> | This is the super secret key 123 | Lcom/example/usedkeys/Crypto;->aesEncrypt');
    expect(uses(extraction.strings)).toContain('key for javax.crypto.spec.DESKeySpec.<init> | vendorsecretkey | Lcom/example/usedkeys/Crypto;->vendorKeySpec');
    expect(uses(extraction.strings)).toContain('password for okhttp3.Credentials.basic | r3st-Api-Passw0rd | Lcom/example/usedkeys/Network;->request');
    expect(uses(extraction.strings)).toHaveLength(16);
    const firstUse = extraction.strings.findIndex((string) => string.locator.kind === 'use');
    expect(extraction.strings.slice(firstUse, firstUse + 16).every((string) => string.locator.kind === 'use')).toBe(true);
    // Then the constants named by the method that returns them or the field that holds them.
    expect(extraction.strings.slice(firstUse + 16).every((string) => string.locator.kind === 'string-table' && string.unit !== undefined && string.key !== undefined)).toBe(true);
    expect(extraction.strings.slice(0, firstUse).map((string) => string.locator.kind === 'string-table' && string.locator.index)).toEqual(extraction.strings.slice(0, firstUse).map((_, index) => index));
    expect(extraction.notices).toEqual([]);
  });

  it('points each use at the constant’s own string index', () => {
    const extraction = decodeDex(dex);
    for (const string of extraction.strings) {
      if (string.locator.kind !== 'use') continue;
      const pooled = extraction.strings[string.locator.index];
      expect(pooled?.value).toBe(string.value);
    }
  });

  it('decodes damaged copies to strings or a FormatError', () => {
    expectOnlyFormatErrors(decodeDex, dex, { seed: 1515, rounds: 400, cutEvery: 4, maxHits: 12 });
  });

  it('survives extreme counts and offsets in the header and the first tables', () => {
    for (const { bytes, change } of extremeWordCopies(dex, 0x200)) {
      const result = decodesOrRejects(decodeDex, bytes);
      expect(result instanceof Error || Array.isArray(result.strings), change).toBe(true);
    }
  });

  it('reads a class_data that every class_def shares once, finding only what that class uses', () => {
    const bytes = Buffer.from(dex);
    const classDefs = bytes.readUInt32LE(CLASS_DEFS_OFF);
    const classCount = bytes.readUInt32LE(CLASS_DEFS_OFF - 4);
    const firstClassData = bytes.readUInt32LE(classDefs + 24);
    for (let index = 1; index < classCount; index++) bytes.writeUInt32LE(firstClassData, classDefs + index * 32 + 24);
    const original = uses(decodeDex(dex).strings);
    const shared = uses(decodeDex(bytes).strings);
    expect(shared.length).toBeGreaterThan(0);
    expect(shared.length).toBeLessThan(original.length);
    for (const use of shared) expect(original).toContain(use);
  });
});
