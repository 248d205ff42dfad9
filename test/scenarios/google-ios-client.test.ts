/**
 * Google Sign-In on iOS: GoogleService-Info.plist holds the OAuth client id forwards (CLIENT_ID) and
 * backwards (REVERSED_CLIENT_ID), and Info.plist registers the reversed form as a URL scheme. The
 * reversed id is the same public client id: one note beside CLIENT_ID, a note of its own where it
 * stands alone, and the companion of a client secret stored next to it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { zip } from '../helpers/archives.js';
import { keyleak } from '../helpers/cli.js';
import { array, ascii, bplist, dict } from '../helpers/plist.js';

const CLIENT = '582047316635-k0s2vq9h7mzj4c1tyw8e3nxb5lrg6dfa';
const OTHER_CLIENT = '610935572184-p9x3tfd0wqz1l6ky2m8hcv5sbn7rj4ge';
const REVERSED = `com.googleusercontent.apps.${CLIENT}`;
const OTHER_REVERSED = `com.googleusercontent.apps.${OTHER_CLIENT}`;
const WEB_SECRET = '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';

const googleServiceInfo = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>CLIENT_ID</key>
	<string>${CLIENT}.apps.googleusercontent.com</string>
	<key>REVERSED_CLIENT_ID</key>
	<string>${REVERSED}</string>
	<key>BUNDLE_ID</key>
	<string>com.example.signin</string>
</dict>
</plist>
`;

/** Binary Info.plist: { CFBundleURLTypes: [{ CFBundleURLSchemes: [reversed id] }], GIDClientSecret: web secret }. */
const infoPlist = (scheme: string, secret?: string) =>
  bplist([
    dict(secret === undefined ? [[1, 2]] : [[1, 2], [6, 7]]),
    ascii('CFBundleURLTypes'),
    array(3),
    dict([[4, 5]]),
    ascii('CFBundleURLSchemes'),
    array(8),
    ascii('GIDClientSecret'),
    ascii(secret ?? ''),
    ascii(scheme),
  ]);

interface Finding {
  readonly ruleId: string;
  readonly level: string;
  readonly secret: string;
  readonly occurrences: readonly { readonly path: string; readonly where?: string; readonly companions: readonly { readonly ruleId: string; readonly secret: string; readonly where?: string }[] }[];
}

function scanIpa(members: readonly { readonly name: string; readonly content: string | Uint8Array }[]): Finding[] {
  const folder = mkdtempSync(path.join(tmpdir(), 'keyleak-ios-'));
  const ipa = path.join(folder, 'SignIn.ipa');
  writeFileSync(ipa, zip(members));
  const result = keyleak(['scan', ipa, '--format', 'json', '--no-redact', '--fail-on', 'note', '--threads', '1']);
  return (JSON.parse(result.stdout) as { findings: Finding[] }).findings;
}

describe('Google OAuth client ids of iOS apps', () => {
  it('reports CLIENT_ID once, with REVERSED_CLIENT_ID as its companion, and a URL scheme alone as a note of its own', () => {
    const findings = scanIpa([
      { name: 'Payload/SignIn.app/GoogleService-Info.plist', content: googleServiceInfo },
      { name: 'Payload/SignIn.app/Info.plist', content: infoPlist(OTHER_REVERSED) },
    ]);
    expect(findings.map((finding) => [finding.ruleId, finding.level, finding.secret]).sort()).toEqual([
      ['google-oauth-client-id', 'note', `${CLIENT}.apps.googleusercontent.com`],
      ['google-oauth-reversed-client-id', 'note', OTHER_REVERSED],
    ]);
    const forwards = findings.find((finding) => finding.ruleId === 'google-oauth-client-id')!;
    expect(forwards.occurrences[0]!.companions.map((companion) => [companion.ruleId, companion.secret])).toEqual([['google-oauth-reversed-client-id', REVERSED]]);
    const scheme = findings.find((finding) => finding.ruleId === 'google-oauth-reversed-client-id')!;
    expect(scheme.occurrences[0]!.path).toMatch(/SignIn\.ipa!Payload\/SignIn\.app\/Info\.plist$/);
    expect(scheme.occurrences[0]!.where).toBe('key CFBundleURLTypes/0/CFBundleURLSchemes/0');
  });

  it('pairs a client secret in Info.plist with the reversed client id beside it', () => {
    const findings = scanIpa([{ name: 'Payload/SignIn.app/Info.plist', content: infoPlist(OTHER_REVERSED, WEB_SECRET) }]);
    const secret = findings.find((finding) => finding.ruleId === 'google-oauth-client-secret')!;
    expect(secret.level).toBe('error');
    expect(secret.occurrences[0]!.companions.map((companion) => [companion.ruleId, companion.secret, companion.where])).toEqual([['google-oauth-reversed-client-id', OTHER_REVERSED, 'key CFBundleURLTypes/0/CFBundleURLSchemes/0']]);
    expect(findings.map((finding) => finding.ruleId)).toEqual(['google-oauth-client-secret']);
  });
});
