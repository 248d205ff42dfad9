/**
 * A client secret in an iOS app's plist, found by the key that names it and paired with the client
 * id and domain of the same dict: Auth0's iOS SDK reads `Auth0.plist` (ClientId, Domain), and a
 * ClientSecret added beside them ships to every user.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { zip } from '../helpers/archives.js';
import { keyleak } from '../helpers/cli.js';
import { ascii, bplist, dict } from '../helpers/plist.js';

const CLIENT_ID = 'W1cT8uVTYAMb7ReR7nS5d4CKydxZCaEi';
const CLIENT_SECRET = 'c1t9lVmd0DGcdCA1_sq2Jq4UDutUx-Qmjc0h6tmpYSBSv7TKNu6ZLSn0Z0zXeCf3';

/** Binary Auth0.plist: { ClientId, ClientSecret, Domain }. */
const auth0Plist = bplist([
  dict([[1, 2], [3, 4], [5, 6]]),
  ascii('ClientId'),
  ascii(CLIENT_ID),
  ascii('ClientSecret'),
  ascii(CLIENT_SECRET),
  ascii('Domain'),
  ascii('named-ios.eu.auth0.com'),
]);

interface Finding {
  readonly ruleId: string;
  readonly level: string;
  readonly secret: string;
  readonly occurrences: readonly { readonly where?: string; readonly companions: readonly { readonly ruleId: string; readonly secret: string; readonly where?: string }[] }[];
}

describe('client secrets in iOS plists', () => {
  it('reports ClientSecret in Auth0.plist as an Auth0 client secret with the ClientId and Domain of its dict', () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'keyleak-plist-'));
    const ipa = path.join(folder, 'Named.ipa');
    writeFileSync(ipa, zip([{ name: 'Payload/Named.app/Auth0.plist', content: auth0Plist }]));
    const result = keyleak(['scan', ipa, '--format', 'json', '--no-redact', '--fail-on', 'note', '--threads', '1']);
    const findings = (JSON.parse(result.stdout) as { findings: Finding[] }).findings;
    expect(findings.map((finding) => [finding.ruleId, finding.level, finding.secret])).toEqual([['auth0-client-secret', 'error', CLIENT_SECRET]]);
    const occurrence = findings[0]!.occurrences[0]!;
    expect(occurrence.where).toBe('key ClientSecret');
    expect(occurrence.companions.map((companion) => [companion.ruleId, companion.secret, companion.where])).toEqual([
      ['oauth-client-id', CLIENT_ID, 'key ClientId'],
      ['oauth-issuer', 'named-ios.eu.auth0.com', 'key Domain'],
    ]);
  });
});
