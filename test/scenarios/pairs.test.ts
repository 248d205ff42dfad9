/** Client-credential pairs: a client secret next to its client id is one finding carrying both. */
import { afterEach, describe, expect, it } from 'vitest';
import { scan } from '../../src/scan/scan.js';
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

  it('does not report a client id found alone', async () => {
    tree = makeTree({ 'app.yml': 'oauth:\n  client_id: sso-portal-7734\n' });
    expect((await scan({ cwd: tree.root, threads: 1 })).findings).toEqual([]);
  });
});
