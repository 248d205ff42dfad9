/** Vault tokens: lookup-self on the Vault named next to them, self-hosted only with the user's word. */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/types.js';
import { providerHarness } from '../helpers/verify-server.js';

const TOKEN = 'hvs.CAESIJ7n9x2kQvL4pR8tY1wZ5mB3cF6hD0gK2jN7sU9eA4oX';

const provider = providerHarness('deploy.sh', 'vault-service-token');
function tokenFinding(address: string): Finding {
  const text = `export VAULT_ADDR=${address}\nexport VAULT_TOKEN=${TOKEN}\n`;
  return provider.finding(text);
}

const { verify } = provider;

const LOOKUP = { status: 200, json: { request_id: 'r', data: { display_name: 'token-ci-deployer', policies: ['default', 'deploy'], ttl: 2764790, id: TOKEN } } };

describe('Vault tokens', () => {
  it('a self-hosted Vault is asked only when its host is allowed', async () => {
    const finding = tokenFinding('https://vault.acme.internal:8200');
    const refused = await verify(finding, LOOKUP);
    expect(refused.approved).toEqual([]);
    expect(refused.finding.verification?.detail).toContain('host vault.acme.internal:8200 is not allowed');
    const allowed = await verify(finding, LOOKUP, { allowedHosts: ['vault.acme.internal:8200'] });
    expect(allowed.approved.map((url) => url.href)).toEqual(['https://vault.acme.internal:8200/v1/auth/token/lookup-self']);
    expect(allowed.finding.verification).toMatchObject({ status: 'live', identity: { name: 'token-ci-deployer', policies: 'default, deploy', ttl: '2764790' } });
    expect(provider.server.requests[0]!.headers['x-vault-token']).toBe(TOKEN);
    expect(JSON.stringify(allowed.finding.verification)).not.toContain(TOKEN);
  });

  it('an HCP Vault cluster is HashiCorp\'s domain: asked in its admin namespace; 403 is invalid', async () => {
    const finding = tokenFinding('https://acme-public-vault-4f2a.z1.hashicorp.cloud:8200');
    const live = await verify(finding, LOOKUP);
    expect(live.approved.map((url) => url.host)).toEqual(['acme-public-vault-4f2a.z1.hashicorp.cloud:8200']);
    expect(provider.server.requests[0]!.headers['x-vault-namespace']).toBe('admin');
    expect(live.finding.verification?.status).toBe('live');
    const invalid = await verify(finding, { status: 403, json: { errors: ['permission denied'] } });
    expect(invalid.finding.verification?.status).toBe('invalid');
  });

  it('a hashicorp.cloud look-alike is not HashiCorp\'s', async () => {
    for (const address of ['https://hashicorp.cloud.collector.example', 'https://collector.example/x.hashicorp.cloud', 'http://acme.hashicorp.cloud']) {
      const { approved, finding } = await verify(tokenFinding(address), LOOKUP);
      expect(approved, address).toEqual([]);
      expect(finding.verification?.status, address).toBe('unknown');
    }
  });
});
