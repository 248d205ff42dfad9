/**
 * Constants a DEX names only through its code (fixtures/apps/out/parts/named-constants.dex, from
 * src/named-constants/smali): a secret a getter returns is read under the getter's name, a secret a
 * constructor stores under the field's name, each with the client id of its own class and not
 * with another class's; getters of UI text stay quiet.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { keyleak } from '../helpers/cli.js';

const DEX = fileURLToPath(new URL('../../fixtures/apps/out/parts/named-constants.dex', import.meta.url));

interface Finding {
  readonly ruleId: string;
  readonly secret: string;
  readonly occurrences: readonly { readonly where?: string; readonly snippet?: string; readonly companions: readonly { readonly ruleId: string; readonly secret: string; readonly where?: string }[] }[];
}

describe('constants named by their method or field', () => {
  const result = keyleak(['scan', DEX, '--format', 'json', '--no-redact', '--fail-on', 'note', '--threads', '1']);
  const findings = (JSON.parse(result.stdout) as { findings: Finding[] }).findings;
  const pairs = (ruleId: string) => findings.find((finding) => finding.ruleId === ruleId)!.occurrences[0]!.companions.map((companion) => [companion.ruleId, companion.secret]);

  it('reports the consumer secret getConsumerSecret() returns, paired with the consumer key getConsumerKey() returns', () => {
    expect(pairs('salesforce-consumer-secret')).toEqual([['salesforce-consumer-key', '3MVG9XJbleXlf0M0rRLVtsom5E3U3y75zFfp32zYNEGwCtDR7klGBP42yrWAHF8l3UM5llmbqpWycgKRLtK4h']]);
    const secret = findings.find((finding) => finding.ruleId === 'salesforce-consumer-secret')!;
    expect(secret.occurrences.map((occurrence) => occurrence.where)).toEqual(['dex string #2 (returned by Lcom/example/named/SalesforceConfig;->getConsumerSecret)']);
  });

  it('reports the client secret a constructor stores once, as Auth0, with the domain and client id of its class only', () => {
    expect(pairs('auth0-client-secret')).toEqual([
      ['oauth-client-id', 'Yl9v9sKuW9XQmiCQQNgsUz4JgtjTrTn1'],
      ['oauth-issuer', 'named-prod.us.auth0.com'],
    ]);
    const companions = findings.find((finding) => finding.ruleId === 'auth0-client-secret')!.occurrences[0]!.companions;
    expect(companions.map((companion) => companion.where)).toEqual([expect.stringMatching(/^dex string #\d+ \(held by Lcom\/example\/named\/Auth0Client;->clientId\)$/), expect.stringMatching(/\(held by Lcom\/example\/named\/Auth0Client;->domain\)$/)]);
  });

  it('finds nothing else: not the same secret under a generic rule, not UI text behind secret-named getters', () => {
    expect(findings.map((finding) => finding.ruleId).sort()).toEqual(['auth0-client-secret', 'salesforce-consumer-key', 'salesforce-consumer-secret']);
    expect(result.code).toBe(1);
  });
});

describe('constants named by the Objective-C selector that returns them', () => {
  const LKAUTH = fileURLToPath(new URL('../../fixtures/apps/out/parts/LKAuth', import.meta.url));
  const result = keyleak(['scan', LKAUTH, '--format', 'json', '--no-redact', '--fail-on', 'note', '--threads', '1']);
  const findings = (JSON.parse(result.stdout) as { findings: Finding[] }).findings;

  it('reports -clientSecret as an Auth0 secret with -domain and -clientId of its class, and +consumerSecret with +consumerKey, in both slices', () => {
    const auth0 = findings.find((finding) => finding.ruleId === 'auth0-client-secret')!;
    expect(auth0.occurrences.map((occurrence) => occurrence.companions.map((companion) => [companion.ruleId, companion.secret]))).toEqual([
      [['oauth-client-id', '3nd9hLClF483EFDZpSUmZDWYzD0KbOEm'], ['oauth-issuer', 'named-ios.us.auth0.com']],
      [['oauth-client-id', '3nd9hLClF483EFDZpSUmZDWYzD0KbOEm'], ['oauth-issuer', 'named-ios.us.auth0.com']],
    ]);
    const salesforce = findings.find((finding) => finding.ruleId === 'salesforce-consumer-secret')!;
    expect(salesforce.occurrences.flatMap((occurrence) => occurrence.companions.map((companion) => companion.ruleId))).toEqual(['salesforce-consumer-key', 'salesforce-consumer-key']);
  });

  it('does not report the label a secret-named selector returns', () => {
    expect(findings.map((finding) => finding.ruleId).sort()).toEqual(['auth0-client-secret', 'salesforce-consumer-key', 'salesforce-consumer-secret']);
    expect(result.stdout).not.toContain('Answer your secret question');
  });
});

describe('constants named by their method or field in class files', () => {
  const JAR = fileURLToPath(new URL('../../fixtures/apps/out/parts/named-constants.jar', import.meta.url));
  const result = keyleak(['scan', JAR, '--format', 'json', '--no-redact', '--fail-on', 'note', '--threads', '1']);
  const findings = (JSON.parse(result.stdout) as { findings: Finding[] }).findings;

  it('reports the consumer secret getConsumerSecret() returns with the consumer key of its class, and nothing from the label getter', () => {
    const secret = findings.find((finding) => finding.ruleId === 'salesforce-consumer-secret')!;
    expect(secret.occurrences[0]!.where).toMatch(/^constant-pool string #\d+ \(returned by Lcom\/example\/named\/JvmClients\$Salesforce;->getConsumerSecret\)$/);
    expect(secret.occurrences[0]!.companions.map((companion) => companion.ruleId)).toEqual(['salesforce-consumer-key']);
    expect(findings.map((finding) => finding.ruleId).sort()).toEqual(['auth0-client-secret', 'salesforce-consumer-key', 'salesforce-consumer-secret']);
  });
});
