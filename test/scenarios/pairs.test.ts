/** Client-credential pairs: a client secret next to its client id is one finding carrying both. */
import { afterEach, describe, expect, it } from 'vitest';
import { scan } from '../../src/scan/scan.js';
import { keyleak } from '../helpers/cli.js';
import { makeTree, type Tree } from '../helpers/tree.js';

let tree: Tree;
afterEach(() => tree?.remove());

const OKTA_SECRET = 'mwlUx35ijN8yI8ZB0yLRXvdFXhhqi7oEtdOgY9KcmYJ8YlKg';
const OKTA_CLIENT_ID = '0oa8bCTRGBqpUUkaF7Ie';
const GENERIC_SECRET = 'R4t8Yq2LmZ6wKp0NvB3xJc7TgF1hDs9E';

describe('client-credential pairs', () => {
  it('attaches the client id (and the issuer a verification calls) to a provider client secret (Okta) as companions, not findings of their own', async () => {
    tree = makeTree({
      'okta.json': `{\n  "issuer": "https://acme.okta.com/oauth2/default",\n  "client_id": "${OKTA_CLIENT_ID}",\n  "client_secret": "${OKTA_SECRET}"\n}\n`,
    });
    const { findings } = await scan({ cwd: tree.root, threads: 1 });
    expect(findings.map((finding) => finding.ruleId)).toEqual(['okta-client-secret']);
    expect(findings[0]!.occurrences[0]!.companions).toEqual([
      { ruleId: 'oauth-client-id', secret: OKTA_CLIENT_ID, region: { startLine: 3, startColumn: 17, endLine: 3, endColumn: 37 } },
      { ruleId: 'oauth-issuer', secret: 'https://acme.okta.com/oauth2/default', region: { startLine: 2, startColumn: 14, endLine: 2, endColumn: 50 } },
    ]);
  });

  it('pairs a generic client secret with a client id in the same YAML object', async () => {
    tree = makeTree({ 'app.yml': `oauth:\n  client_id: sso-portal-7734\n  client_secret: ${GENERIC_SECRET}\n` });
    const { findings } = await scan({ cwd: tree.root, threads: 1 });
    expect(findings.map((finding) => `${finding.ruleId} ${finding.occurrences[0]!.companions.map((companion) => companion.secret).join(',')}`)).toEqual([
      'generic-client-secret sso-portal-7734',
    ]);
  });

  it('finds a prefix-less Auth0 client secret in a minified bundle by its tenant domain and client id, through the CLI', () => {
    const clientId = 'hCgQpMaNSeGgCCPph9ryE80PBTpmNgSr';
    const secret = 'Vd2x_Kq8LmN4pR7tW1yZ3bC6fH9jA0sE5gU-iO2kM8nQ4rT6vX1zB3dF7hJ9lP0w';
    tree = makeTree({
      'dist/main.js': `!function(){var o="acme-prod.eu.auth0.com",u="${clientId}",s="${secret}";e.exports=new t.AuthenticationClient({domain:o,clientId:u,clientSecret:s})}();\n`,
      'dist/other.js': `var o="acme-prod.eu.auth0.com",u="${clientId}";\nvar s=process.env.SECRET;\n`,
    });
    const run = keyleak(['scan', '.', '--format', 'json', '--no-redact'], { cwd: tree.root });
    expect(run.code).toBe(1);
    const findings = JSON.parse(run.stdout).findings as { ruleId: string; secret: string; occurrences: { path: string; companions: { ruleId: string; secret: string }[] }[] }[];
    expect(findings.map((finding) => [finding.ruleId, finding.secret, finding.occurrences.map((occurrence) => occurrence.path)])).toEqual([['auth0-client-secret', secret, ['dist/main.js']]]);
    expect(findings[0]!.occurrences[0]!.companions.map((companion) => `${companion.ruleId} ${companion.secret}`)).toEqual([`oauth-client-id ${clientId}`, 'oauth-issuer acme-prod.eu.auth0.com']);
  });

  it('reports a secret beside a Salesforce consumer key as a Salesforce consumer secret paired with the key, whatever the secret is named', () => {
    const consumerKey = '3MVG9fTLmJ60pJ5JsK0cEfiT1x1Z6J4uYVt2pQ8wXnR3eLkD7sAoGhBvCm9WqZ5yFp2UrTj6NbHd4XgKc8Ls1Ae0';
    const secret = '9F2C4E6A8B0D1F3E5A7C9B1D3F5E7A9C0B2D4F6E8A1C3B5D7F9E2A4C6B8D0F1E';
    tree = makeTree({ 'src/SfConfig.java': `final class SfConfig {\n  static final String KEY = "${consumerKey}";\n  static final String SECRET = "${secret}";\n}\n` });
    const run = keyleak(['scan', '.', '--format', 'json', '--no-redact'], { cwd: tree.root });
    const findings = JSON.parse(run.stdout).findings as { ruleId: string; secret: string; occurrences: { companions: { ruleId: string; secret: string }[] }[] }[];
    const reported = findings.find((finding) => finding.secret === secret);
    expect(reported?.ruleId).toBe('salesforce-consumer-secret');
    expect(reported?.occurrences[0]!.companions.map((companion) => `${companion.ruleId} ${companion.secret}`)).toContain(`salesforce-consumer-key ${consumerKey}`);
  });

  it('does not report a client id found alone', async () => {
    tree = makeTree({ 'app.yml': 'oauth:\n  client_id: sso-portal-7734\n' });
    expect((await scan({ cwd: tree.root, threads: 1 })).findings).toEqual([]);
  });
});
