/** The whole artifact pipeline on randomly damaged real apps and members: notices, never an exception or a hang. */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRuleset } from '../../src/ruleset/load.js';
import { compileRuleset, type Ruleset } from '../../src/ruleset/compile.js';
import { scanArtifact } from '../../src/scan/artifact-scan.js';
import { walkArtifact } from '../../src/artifacts/walk.js';
import { DEFAULT_ARCHIVE_LIMITS } from '../../src/artifacts/limits.js';
import { damagedCopies } from '../helpers/binary.js';

const APPS = ['leaky.apk', 'Leaky.ipa', 'leaky.aab', 'app.asar', 'leaky.crx'];

let ruleset: Ruleset;
beforeAll(async () => {
  ruleset = compileRuleset(await loadRuleset());
});

function read(name: string): Uint8Array {
  return readFileSync(new URL(`../../fixtures/apps/out/${name}`, import.meta.url));
}

function expectCleanNotices(bytes: Uint8Array, name: string): number {
  const result = scanArtifact(bytes, name, ruleset, DEFAULT_ARCHIVE_LIMITS);
  for (const notice of result.notices) expect(notice.message).not.toMatch(/\n|\s{4}at /);
  return result.notices.length;
}

describe.each(APPS)('damaged %s', (name) => {
  it('scans 100 damaged copies of the package with notices only', () => {
    let noticed = 0;
    for (const bytes of damagedCopies(read(name), { seed: 7, rounds: 100, cutEvery: 10, maxHits: 24 })) noticed += Math.sign(expectCleanNotices(bytes, name));
    expect(noticed).toBeGreaterThan(0);
  });

  it('scans 40 damaged copies of every member (DEX, ARSC, binary XML, Hermes, Mach-O, ELF, plists...)', () => {
    const members: { name: string; bytes: Uint8Array }[] = [];
    walkArtifact(read(name), name, DEFAULT_ARCHIVE_LIMITS, (leaf) => members.push({ name: leaf.name, bytes: leaf.bytes.slice() }));
    expect(members.length).toBeGreaterThan(1);
    for (const member of members) {
      for (const bytes of damagedCopies(member.bytes, { seed: member.bytes.length, rounds: 40, cutEvery: 8, maxHits: 12 })) expectCleanNotices(bytes, member.name);
    }
  });
});
