/** Every decoder against headers whose counts, sizes and offsets say 2^32-1 or 2^31: notices naming the file, in bounded time. */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRuleset } from '../../src/ruleset/load.js';
import { compileRuleset, type Ruleset } from '../../src/ruleset/compile.js';
import { scanArtifact } from '../../src/scan/artifact-scan.js';
import { DEFAULT_ARCHIVE_LIMITS } from '../../src/artifacts/limits.js';
import { extremeWordCopies } from '../helpers/binary.js';
import { zip } from '../helpers/archives.js';
import { listZip } from '../../src/artifacts/containers/zip.js';

/** One real file per decoder, named so the extractor picks that decoder. */
const PARTS: readonly (readonly [file: string, name: string, format: string])[] = [
  ['parts/classes.dex', 'classes.dex', 'dex'],
  ['parts/resources.arsc', 'resources.arsc', 'arsc'],
  ['parts/AndroidManifest.xml', 'AndroidManifest.xml', 'axml'],
  ['parts/AndroidManifest.pb', 'base/manifest/AndroidManifest.xml', 'protobuf'],
  ['parts/Info.plist', 'Info.plist', 'plist'],
  ['parts/Leaky', 'Leaky', 'macho'],
  ['parts/libleaky.so', 'libleaky.so', 'elf'],
  ['parts/resources.pb', 'base/resources.pb', 'protobuf'],
  ['hermes/app-v96.hbc', 'index.android.bundle', 'hermes'],
  ['parts/secret-sdk.jar', 'com/acme/Keys.class', 'class'],
];

let ruleset: Ruleset;
beforeAll(async () => {
  ruleset = compileRuleset(await loadRuleset());
});

/** The file itself, or for a jar its first class file. */
function read(file: string): Uint8Array {
  const bytes = readFileSync(new URL(`../../fixtures/apps/out/${file}`, import.meta.url));
  if (!file.endsWith('.jar')) return bytes;
  return listZip(bytes, 100).entries.find((entry) => entry.name.endsWith('.class'))!.read(1 << 20);
}

describe.each(PARTS)('%s with extreme header words', (file, name, format) => {
  it(`ends every copy in findings or one-line notices on ${name}, never an exception or a hang`, () => {
    const original = read(file);
    // The decoder reads the untouched file, so every notice below comes from the damage.
    const clean = scanArtifact(zip([{ name, content: original }]), 'app.apk', ruleset, DEFAULT_ARCHIVE_LIMITS);
    expect(clean.notices.filter((notice) => notice.code === 'format-damaged' || notice.code === 'decode-notice')).toEqual([]);
    let damaged = 0;
    for (const { bytes, change } of extremeWordCopies(original, 256)) {
      const result = scanArtifact(zip([{ name, content: bytes }]), 'app.apk', ruleset, DEFAULT_ARCHIVE_LIMITS);
      for (const notice of result.notices) {
        expect(notice.path, change).toBe(`app.apk!${name}`);
        expect(notice.message, change).not.toMatch(/\n|\s{4}at /);
      }
      // A fat Mach-O loses one slice and keeps the other: that is a decode notice, not a damaged file.
      if (result.notices.some((notice) => (notice.code === 'format-damaged' && notice.message.startsWith(`damaged ${format}:`)) || notice.code === 'decode-notice')) damaged++;
    }
    expect(damaged).toBeGreaterThan(0);
  }, 60_000); // a hang fails on this per-test timeout
});
