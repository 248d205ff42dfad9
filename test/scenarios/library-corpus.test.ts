/**
 * What libraries put into every app is never a finding: the committed library-noise app (Material's
 * password-toggle drawables, AndroidX, Play services, Firebase, Facebook SDK, React Native and
 * Flutter resources and constants) and, when Debian has them installed, real Android and JVM
 * library artifacts, all scanned by the real CLI with every level reported.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { keyleak } from '../helpers/cli.js';

const LIBRARY_NOISE = fileURLToPath(new URL('../../fixtures/apps/out/library-noise.apk', import.meta.url));

/** Real artifacts from Debian packages (`.ci/run` installs them); each test says which package it needs. */
const DEBIAN_ARTIFACTS: readonly { readonly file: string; readonly from: string }[] = [
  { file: '/usr/share/android-framework-res/framework-res.apk', from: 'android-framework-res' },
  { file: '/usr/share/java/okhttp.jar', from: 'libokhttp-java' },
  { file: '/usr/share/java/okio.jar', from: 'libokhttp-java' },
  { file: '/usr/share/java/com.android.json.jar', from: 'libandroid-json-java' },
  { file: '/usr/share/java/smali.jar', from: 'apktool' },
];

interface Report {
  readonly findings: readonly { readonly ruleId: string; readonly secret: string; readonly occurrences: readonly { readonly path: string }[] }[];
  readonly notices: readonly unknown[];
}

function scanEverything(target: string): { readonly code: number | null; readonly report: Report } {
  const result = keyleak(['scan', target, '--format', 'json', '--no-redact', '--fail-on', 'note', '--threads', '1']);
  return { code: result.code, report: JSON.parse(result.stdout) as Report };
}

function described(report: Report): string[] {
  return report.findings.map((finding) => `${finding.ruleId} ${finding.occurrences[0]?.path} ${JSON.stringify(finding.secret)}`);
}

describe('library resources and constants are not findings', () => {
  it('the library-noise app, password-toggle drawables included, has no finding at any level', () => {
    const { code, report } = scanEverything(LIBRARY_NOISE);
    expect(described(report)).toEqual([]);
    expect(report.notices).toEqual([]);
    expect(code).toBe(0);
  });

  for (const { file, from } of DEBIAN_ARTIFACTS) {
    it.skipIf(!existsSync(file))(`${file} (Debian ${from}${existsSync(file) ? '' : ', not installed: skipped'}) has no finding`, () => {
      const { code, report } = scanEverything(file);
      expect(described(report)).toEqual([]);
      expect(code).toBe(0);
    });
  }
});
