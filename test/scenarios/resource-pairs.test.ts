/**
 * An AWS key id and its secret in two string resources (InjuredAndroid's `string/Access_Key` and
 * `string/Secret_Key`) or two static fields: the secret is the AWS secret access key, paired with
 * its key id, not a generic API key; a 40-character value whose name does not say secret is not.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { keyleak } from '../helpers/cli.js';

const APP = fileURLToPath(new URL('../../fixtures/apps/out/resource-pairs.apk', import.meta.url));

interface Finding {
  readonly ruleId: string;
  readonly secret: string;
  readonly occurrences: readonly { readonly where?: string; readonly companions: readonly { readonly ruleId: string; readonly secret: string; readonly where?: string }[] }[];
}

describe('pairs across resources', () => {
  const result = keyleak(['scan', APP, '--format', 'json', '--no-redact', '--fail-on', 'note', '--threads', '1']);
  const findings = (JSON.parse(result.stdout) as { findings: Finding[] }).findings;

  it('reports string/Secret_Key as the AWS secret paired with string/Access_Key', () => {
    const secret = findings.find((finding) => finding.secret === 'Ps+rf+pb7IjWH7aWZAfHc8hxqAhdgl/7EBI6OoGV')!;
    expect(secret.ruleId).toBe('aws-secret-access-key');
    expect(secret.occurrences[0]!.where).toBe('string/Secret_Key');
    expect(secret.occurrences[0]!.companions.map((companion) => [companion.ruleId, companion.secret, companion.where])).toEqual([['aws-paired-access-key-id', 'AKIAUE4WZB3YSXQ6G74O', 'string/Access_Key']]);
  });

  it('pairs two static fields the class declares side by side, though the DEX string pool stores them apart', () => {
    const secret = findings.find((finding) => finding.secret === 'qsxRpvED5hJRaOvRTYZPNvS/I4k9GvvK9JkmW378')!;
    expect(secret.ruleId).toBe('aws-secret-access-key');
    expect(secret.occurrences[0]!.companions.map((companion) => [companion.secret, companion.where])).toEqual([['AKIA2IBYYURL7B6KJ6HB', expect.stringMatching(/^dex string #\d+$/)]]);
    expect(findings.map((finding) => finding.ruleId).sort()).toEqual(['aws-access-key-id', 'aws-access-key-id', 'aws-secret-access-key', 'aws-secret-access-key']);
  });

  it('names the key id’s resource in the text report', () => {
    const text = keyleak(['scan', APP, '--threads', '1']);
    expect(text.stdout).toContain('paired with aws-paired-access-key-id at string/Access_Key');
  });

  it('does not pair a 40-character value whose name does not say secret', () => {
    expect(result.stdout).not.toContain('VKJY6h/bOjMA5wUlkx/O2qxxneP2VJAe3AgyOTSe');
  });
});
