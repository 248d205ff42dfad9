/**
 * decodeClassFile's use strings (class-code.ts) on the javac-built used-keys jar: each constant
 * that reaches a sink in the same class comes out keyed by its use, with the method (and caller);
 * the logged look-alike does not; damaged copies never throw anything but FormatError.
 */
import { existsSync, readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeClassFile } from '../../src/artifacts/formats/java-class.js';
import type { ExtractedString } from '../../src/artifacts/strings.js';
import { expectOnlyFormatErrors } from '../helpers/binary.js';

const JAR = new URL('../../fixtures/apps/out/parts/used-keys.jar', import.meta.url);
const VAULT = 'com/example/usedkeys/JvmVault.class';

/** One stored or deflated member of a zip, found through its local header (the fixture's zipper writes no data descriptors). */
function member(zip: Buffer, name: string): Uint8Array {
  for (let at = 0; at + 30 <= zip.length && zip.readUInt32LE(at) === 0x04034b50; ) {
    const method = zip.readUInt16LE(at + 8);
    const size = zip.readUInt32LE(at + 18);
    const nameLength = zip.readUInt16LE(at + 26);
    const extraLength = zip.readUInt16LE(at + 28);
    const start = at + 30 + nameLength + extraLength;
    if (zip.toString('utf8', at + 30, at + 30 + nameLength) === name) {
      const data = zip.subarray(start, start + size);
      return new Uint8Array(method === 8 ? inflateRawSync(data) : data);
    }
    at = start + size;
  }
  throw new Error(`${name} not in the jar`);
}

function uses(strings: readonly ExtractedString[]): string[] {
  return strings.flatMap((string) =>
    string.locator.kind === 'use' ? [`${string.key} | ${string.value} | ${string.locator.method.replace('Lcom/example/usedkeys/', '')}${string.locator.caller === undefined ? '' : ` < ${string.locator.caller.replace('Lcom/example/usedkeys/', '')}`}`] : [],
  );
}

describe.skipIf(!existsSync(JAR))('decodeClassFile: constants followed to the calls that use them', () => {
  const vault = member(readFileSync(JAR), VAULT);

  it('finds each key, IV and password the methods hand to a sink, and not the logged look-alike', () => {
    const extraction = decodeClassFile(vault);
    expect(uses(extraction.strings).sort()).toEqual(
      [
        'key for javax.crypto.spec.SecretKeySpec.<init> | jvm super secret aes key 1234567 | JvmVault;->encrypt',
        'iv for javax.crypto.spec.IvParameterSpec.<init> | jvmFixedIv000001 | JvmVault;->encrypt',
        'key for javax.crypto.spec.SecretKeySpec.<init> | jvm-hmac-key-from-constructor | JvmVault;->hmac < JvmVault;->sign',
        'key for javax.crypto.spec.SecretKeySpec.<init> | Zm9yLWp2bS1iYXNlNjQta2V5LTE2Ynl0ZQ== | JvmVault;->fromBase64',
        'password for javax.crypto.spec.PBEKeySpec.<init> | jvm-verycomplicatedpassword | JvmVault;->passwordSpec',
        'password for java.security.KeyStore.load | jvm-store-pass | JvmVault;->store',
        'authorization for java.net.HttpURLConnection.setRequestProperty | Bearer jvm-7Hq2vL9xKp4Wm1Zr | JvmVault;->authorize',
        'password for java.net.PasswordAuthentication.<init> | jvm-proxy-secret | JvmVault;->proxy',
      ].sort(),
    );
    expect(extraction.notices).toEqual([]);
  });

  it('points each use at the constant’s Utf8 entry', () => {
    const extraction = decodeClassFile(vault);
    for (const string of extraction.strings) {
      if (string.locator.kind !== 'use') continue;
      const pooled = extraction.strings.find((candidate) => candidate.locator.kind === 'string-table' && candidate.locator.index === (string.locator.kind === 'use' ? string.locator.index : -1));
      expect(pooled?.value).toBe(string.value);
    }
  });

  it('decodes damaged copies to strings or a FormatError', () => {
    expectOnlyFormatErrors(decodeClassFile, vault, { seed: 2718, rounds: 400, cutEvery: 4, maxHits: 12 });
  });
});
