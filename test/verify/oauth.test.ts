/**
 * Client-credential pairs (RFC 6749 §4.4) per provider: the real detector pairs the secret with its
 * client id and issuer, the verifier picks the provider's token endpoint, and a local server answers
 * as that endpoint does. Hostile issuers and tenants must never move the request off the provider.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBuiltinRule, loadRuleset } from '../../src/ruleset/load.js';
import { compileRuleset, type Ruleset } from '../../src/ruleset/compile.js';
import { detect } from '../../src/detect/detector.js';
import { groupFindings } from '../../src/post/findings.js';
import { verifyFindings, type VerifyOptions } from '../../src/verify/verify.js';
import { planOAuth } from '../../src/verify/oauth.js';
import type { Finding, RulesetSpec } from '../../src/types.js';
import { providerServer, type Answer, type ProviderServer, type SeenRequest } from '../helpers/verify-server.js';

let server: ProviderServer;
let spec: RulesetSpec;
let ruleset: Ruleset;

beforeAll(async () => {
  server = await providerServer();
  spec = await loadRuleset();
  ruleset = compileRuleset(spec);
});
afterAll(() => server.close());

function findingIn(text: string, ruleId: string): Finding {
  const hits = detect({ text, provenance: { kind: 'file', path: 'config/settings.txt' } }, ruleset).filter((hit) => hit.ruleId === ruleId);
  const finding = groupFindings(hits, new Map(spec.rules.map((rule) => [rule.id, rule])))[0];
  if (!finding) throw new Error(`${ruleId} not found in ${text}`);
  return finding;
}

/** Sent requests keep the URL the egress policy approved, in `approved`, and go to the local server. */
async function verify(finding: Finding, answer: (request: SeenRequest) => Answer, options: VerifyOptions = {}): Promise<{ finding: Finding; approved: URL[] }> {
  server.requests.length = 0;
  server.handle(answer);
  const approved: URL[] = [];
  const [verified] = await verifyFindings([finding], spec.rules, {
    isBuiltinRule,
    hostIntervalMs: 0,
    ...options,
    rewriteForTests: (url) => {
      approved.push(url);
      return new URL(`${url.pathname}${url.search}`, server.origin);
    },
  });
  return { finding: verified!, approved };
}

const token = (): Answer => ({ status: 200, json: { access_token: 'eyJ0eXAiOiJKV1QifQ.issued.token', token_type: 'Bearer', expires_in: 86400, scope: 'read:orders' } });
const invalidClient = (): Answer => ({ status: 401, json: { error: 'invalid_client', error_description: 'Client authentication failed' } });
const unauthorizedClient = (): Answer => ({ status: 403, json: { error: 'unauthorized_client', error_description: 'Grant type not allowed for this client' } });

function formOf(request: SeenRequest): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(request.body));
}

function basicOf(request: SeenRequest): string | undefined {
  const header = request.headers.authorization;
  return header?.startsWith('Basic ') ? Buffer.from(header.slice(6), 'base64').toString('utf8') : undefined;
}

const CASES = [
  {
    provider: 'Auth0',
    rule: 'auth0-client-secret',
    text: 'AUTH0_DOMAIN=acme-prod.us.auth0.com\nAUTH0_CLIENT_ID=qNoQ4vFQA6F6AaBhtjecWEyGOBWY3qLG\nAUTH0_CLIENT_SECRET=2NSxpu2v0BBJSKaccJR58EqOCjrrX4Hu5_peaHfOXEVvVwH5Ope8mwHoc7wTipuI\n',
    endpoint: 'https://acme-prod.us.auth0.com/oauth/token',
    clientId: 'qNoQ4vFQA6F6AaBhtjecWEyGOBWY3qLG',
    auth: 'post',
  },
  {
    provider: 'Okta',
    rule: 'okta-client-secret',
    text: 'OKTA_ISSUER=https://acme.okta.com/oauth2/default\nOKTA_CLIENT_ID=0oa8f3k2lq9XyZ1b2357\nOKTA_CLIENT_SECRET=cInyZRi5bjvk9UDAp-UDbHwYFk9iArAGbUWNFCDWEm1FCEKyV4s9hBe-XyxSuTiP\n',
    endpoint: 'https://acme.okta.com/oauth2/default/v1/token',
    clientId: '0oa8f3k2lq9XyZ1b2357',
    auth: 'basic',
  },
  {
    provider: 'Microsoft Entra ID',
    rule: 'microsoft-entra-client-secret',
    text: '"AzureAd": { "TenantId": "c880a809-3bd0-4e35-93af-17a0374539ac", "ClientId": "a14624d7-ed69-448d-8e50-e3d94977a480", "ClientSecret": "VS_6Q~Dpv1UtPCgZln4u~PkAlJv5Y7qHYLwsBbil" }\n',
    endpoint: 'https://login.microsoftonline.com/c880a809-3bd0-4e35-93af-17a0374539ac/oauth2/v2.0/token',
    clientId: 'a14624d7-ed69-448d-8e50-e3d94977a480',
    auth: 'post',
  },
  {
    provider: 'Salesforce',
    rule: 'salesforce-consumer-secret',
    text: 'SF_LOGIN_URL=https://acme.my.salesforce.com\nSALESFORCE_CONSUMER_KEY=3MVG9n3i7.Ltt4OFMmnfAVpULeoPpps0gLEZPG0LftCSnrHWNQi8moCFkmSWZ0dC0IHkWTG2z43ESKVynH1Y9\nSALESFORCE_CONSUMER_SECRET=A6603426B5DB2BBC434337D120AEF0AA7B5455D84C5FF383D1222819EFA6F9C8\n',
    endpoint: 'https://acme.my.salesforce.com/services/oauth2/token',
    clientId: '3MVG9n3i7.Ltt4OFMmnfAVpULeoPpps0gLEZPG0LftCSnrHWNQi8moCFkmSWZ0dC0IHkWTG2z43ESKVynH1Y9',
    auth: 'post',
  },
  {
    provider: 'Amazon Cognito',
    rule: 'cognito-client-secret',
    text: 'COGNITO_DOMAIN=https://acme-prod.auth.us-east-1.amazoncognito.com\nCOGNITO_CLIENT_ID=80mtudaibftpe1jspqp2caabge\nCOGNITO_CLIENT_SECRET=yu5mzksnac7xa475ppdov7z87y1ery9dcuc0xgnrnaoexdj2uipg\n',
    endpoint: 'https://acme-prod.auth.us-east-1.amazoncognito.com/oauth2/token',
    clientId: '80mtudaibftpe1jspqp2caabge',
    auth: 'basic',
  },
] as const;

describe.each(CASES)('$provider client credentials', ({ rule, text, endpoint, clientId, auth }) => {
  it('asks the provider\'s token endpoint for a token with the pair: a token is live', async () => {
    const finding = findingIn(text, rule);
    const { finding: verified, approved } = await verify(finding, token);
    expect(approved.map((url) => url.href)).toEqual([endpoint]);
    expect(verified.verification).toMatchObject({ status: 'live', host: new URL(endpoint).host, identity: { scope: 'read:orders' } });
    expect(JSON.stringify(verified.verification)).not.toContain('issued.token');
    const request = server.requests[0]!;
    expect(formOf(request)['grant_type']).toBe('client_credentials');
    if (auth === 'basic') {
      expect(basicOf(request)).toBe(`${encodeURIComponent(clientId)}:${encodeURIComponent(finding.secret)}`);
      expect(formOf(request)['client_secret']).toBeUndefined();
    } else {
      expect(formOf(request)).toMatchObject({ client_id: clientId, client_secret: finding.secret });
      expect(request.headers.authorization).toBeUndefined();
    }
  });

  it('invalid_client is invalid; unauthorized_client is a working secret whose grant is disabled', async () => {
    const finding = findingIn(text, rule);
    expect((await verify(finding, invalidClient)).finding.verification?.status).toBe('invalid');
    const disabled = (await verify(finding, unauthorizedClient)).finding.verification;
    expect(disabled).toMatchObject({ status: 'live', grantDisabled: true, detail: expect.stringContaining('unauthorized_client') });
    const unclear = (await verify(finding, () => ({ status: 400, json: { error: 'invalid_scope' } }))).finding.verification;
    expect(unclear).toMatchObject({ status: 'unknown', detail: expect.stringContaining('invalid_scope') });
  });
});

describe('Google OAuth clients', () => {
  const text = '{"web":{"client_id":"614229709722-ulvcrez3jivwnmi36rlccjwfo2axdudu.apps.googleusercontent.com","project_id":"acme-prod","client_secret":"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"}}';

  it('have no client credentials grant: a probe code refused with invalid_grant means the client authenticated', async () => {
    const finding = findingIn(text, 'google-oauth-client-secret');
    const { finding: verified, approved } = await verify(finding, () => ({ status: 400, json: { error: 'invalid_grant', error_description: 'Malformed auth code.' } }));
    expect(approved.map((url) => url.href)).toEqual(['https://oauth2.googleapis.com/token']);
    expect(verified.verification).toMatchObject({ status: 'live', grantDisabled: true });
    expect(formOf(server.requests[0]!)).toMatchObject({ grant_type: 'authorization_code', client_id: '614229709722-ulvcrez3jivwnmi36rlccjwfo2axdudu.apps.googleusercontent.com' });
    const wrong = await verify(finding, () => ({ status: 401, json: { error: 'invalid_client', error_description: 'Unauthorized' } }));
    expect(wrong.finding.verification?.status).toBe('invalid');
  });
});

describe('providers with one token endpoint', () => {
  const FIXED = [
    ['spotify-client-secret', 'https://accounts.spotify.com/api/token', 'basic'],
    ['twitch-client-secret', 'https://id.twitch.tv/oauth2/token', 'post'],
    ['discord-client-secret', 'https://discord.com/api/v10/oauth2/token', 'basic'],
    ['linkedin-client-secret', 'https://www.linkedin.com/oauth/v2/accessToken', 'post'],
    ['adobe-client-secret', 'https://ims-na1.adobelogin.com/ims/token/v3', 'post'],
  ] as const;

  it.each(FIXED)('%s goes to %s with the pair from its own example', async (ruleId, endpoint, auth) => {
    const rule = spec.rules.find((candidate) => candidate.id === ruleId)!;
    const finding = rule.examples
      .map((example) => {
        try {
          return findingIn(example.text, ruleId);
        } catch {
          return undefined;
        }
      })
      .find((candidate) => candidate?.occurrences[0]!.companions.some((companion) => companion.ruleId.endsWith('client-id')));
    expect(finding, `${ruleId}: no example pairs the secret with a client id`).toBeDefined();
    const { finding: verified, approved } = await verify(finding!, token);
    expect(approved.map((url) => url.href)).toEqual([endpoint]);
    expect(verified.verification?.status).toBe('live');
    const request = server.requests[0]!;
    expect(formOf(request)['grant_type']).toBe('client_credentials');
    if (auth === 'basic') expect(basicOf(request)?.endsWith(`:${encodeURIComponent(finding!.secret)}`)).toBe(true);
    else expect(formOf(request)['client_secret']).toBe(finding!.secret);
    expect((await verify(finding!, invalidClient)).finding.verification?.status).toBe('invalid');
  });

  it('Twitch\'s own refusal, without an OAuth error code, is invalid', async () => {
    const finding = spec.rules.find((candidate) => candidate.id === 'twitch-client-secret')!.examples.map((example) => {
      try {
        return findingIn(example.text, 'twitch-client-secret');
      } catch {
        return undefined;
      }
    }).find((candidate) => candidate?.occurrences[0]!.companions.length)!;
    const refused = await verify(finding, () => ({ status: 403, json: { status: 403, message: 'invalid client secret' } }));
    expect(refused.finding.verification).toMatchObject({ status: 'invalid', detail: 'Twitch refused the client credentials (invalid client secret)' });
  });
});

describe('Okta authorization servers', () => {
  it('a named custom server is used; an org URL alone goes to the default custom server, as the org server refuses client secrets', () => {
    const url = (issuer: string) => {
      const plan = planOAuth('okta', { secret: 's'.repeat(40), companions: new Map([['oauth-client-id', '0oa8f3k2lq9XyZ1b2357'], ['oauth-issuer', issuer]]), builtinRule: true });
      return plan.kind === 'request' ? plan.request.url.href : plan.detail;
    };
    expect(url('https://acme.okta.com/oauth2/aus9x2k4TUBWIGm1e357')).toBe('https://acme.okta.com/oauth2/aus9x2k4TUBWIGm1e357/v1/token');
    expect(url('https://acme.okta.com')).toBe('https://acme.okta.com/oauth2/default/v1/token');
    expect(url('https://acme.okta.com/oauth2/v1/authorize')).toBe('https://acme.okta.com/oauth2/default/v1/token');
  });
});

describe('self-hosted issuers and token URLs from the scanned content', () => {
  const text = 'KEYCLOAK_ISSUER=https://sso.acme.io/realms/acme\nKEYCLOAK_CLIENT_ID=portal-backend\nKEYCLOAK_CLIENT_SECRET=u1vhU7xBWVFKouo2RgEXzsYkolImF2yi\n';

  it('a Keycloak realm is only called when the user allows its host', async () => {
    const finding = findingIn(text, 'keycloak-client-secret');
    const refused = await verify(finding, token);
    expect(refused.approved).toEqual([]);
    expect(server.requests).toEqual([]);
    expect(refused.finding.verification).toMatchObject({ status: 'unknown', detail: expect.stringContaining('host sso.acme.io is not allowed') });
    const allowed = await verify(finding, token, { allowedHosts: ['sso.acme.io'] });
    expect(allowed.approved.map((url) => url.href)).toEqual(['https://sso.acme.io/realms/acme/protocol/openid-connect/token']);
    expect(allowed.finding.verification?.status).toBe('live');
    expect(basicOf(server.requests[0]!)).toBe(`portal-backend:${finding.secret}`);
  });

  it('a pair without an issuer or token URL is not checked, and says what is missing', async () => {
    const finding = findingIn('AUTH0_CLIENT_ID=qNoQ4vFQA6F6AaBhtjecWEyGOBWY3qLG\nAUTH0_CLIENT_SECRET=2NSxpu2v0BBJSKaccJR58EqOCjrrX4Hu5_peaHfOXEVvVwH5Ope8mwHoc7wTipuI\n# auth0', 'auth0-client-secret');
    const { finding: verified } = await verify(finding, token);
    expect(verified.verification).toMatchObject({ status: 'unknown', detail: 'not checked: found no Auth0 tenant domain (*.auth0.com) next to the secret' });
    expect(server.requests).toEqual([]);
  });
});

describe('hostile issuers cannot steer a secret off the provider', () => {
  const SECRET = '2NSxpu2v0BBJSKaccJR58EqOCjrrX4Hu5_peaHfOXEVvVwH5Ope8mwHoc7wTipuI';
  const steering = [
    'https://acme.auth0.com@collector.example/',
    'acme.auth0.com.collector.example',
    'https://collector.example/acme.auth0.com',
    'https://collector.example/#.auth0.com',
    'https://collector.example?.auth0.com',
    'http://acme.auth0.com',
    'https://acme.auth0.com:8443/',
    'https://acme.auth0.com\\@collector.example',
    'https://xn--acme-collector.example/.auth0.com',
    'https://acme%2eauth0.com.collector.example',
  ];

  it.each(steering)('issuer %s', (issuer) => {
    for (const provider of ['auth0', 'okta', 'cognito', 'salesforce', 'entra'] as const) {
      const plan = planOAuth(provider, { secret: SECRET, companions: new Map([['oauth-client-id', 'qNoQ4vFQA6F6AaBhtjecWEyGOBWY3qLG'], ['oauth-issuer', issuer], ['oauth-token-url', issuer]]), builtinRule: true });
      if (plan.kind === 'unknown') continue;
      const { url } = plan.request;
      expect(url.protocol, `${provider} ${issuer}`).toBe('https:');
      expect(url.port, `${provider} ${issuer}`).toBe('');
      expect(url.hostname, `${provider} ${issuer}`).toMatch(/(?:^|\.)(?:auth0\.com|okta\.com|amazoncognito\.com|salesforce\.com|login\.microsoftonline\.com)$/);
      expect(url.hostname).not.toContain('collector');
    }
  });

  it('an Entra tenant cannot add path segments to the token URL', () => {
    for (const tenant of ['../../collector.example', 'contoso.onmicrosoft.com/oauth2', 'common', 'https://login.microsoftonline.com/../evil']) {
      const plan = planOAuth('entra', { secret: SECRET, companions: new Map([['oauth-client-id', 'a14624d7-ed69-448d-8e50-e3d94977a480'], ['oauth-issuer', tenant]]), builtinRule: true });
      if (plan.kind === 'request') expect(plan.request.url.pathname).toMatch(/^\/[A-Za-z0-9.-]+\/oauth2\/v2\.0\/token$/);
    }
  });

  it('a file that pairs a real tenant domain with a collector URL still sends only to the tenant', async () => {
    const finding = findingIn(`AUTH0_DOMAIN=acme.auth0.com.collector.example\nAUTH0_CLIENT_ID=qNoQ4vFQA6F6AaBhtjecWEyGOBWY3qLG\nAUTH0_CLIENT_SECRET=${SECRET}\ntoken_url = "https://collector.example/oauth/token"\n`, 'auth0-client-secret');
    const { approved, finding: verified } = await verify(finding, token);
    expect(approved).toEqual([]);
    expect(verified.verification?.status).toBe('unknown');
  });

  it('a verifier from a rule file keyleak does not ship is trusted with no host', async () => {
    const finding = findingIn('OKTA_ISSUER=https://acme.okta.com/oauth2/default\nOKTA_CLIENT_ID=0oa8f3k2lq9XyZ1b2357\nOKTA_CLIENT_SECRET=cInyZRi5bjvk9UDAp-UDbHwYFk9iArAGbUWNFCDWEm1FCEKyV4s9hBe-XyxSuTiP\n', 'okta-client-secret');
    const { approved, finding: verified } = await verify(finding, token, { isBuiltinRule: () => false });
    expect(approved).toEqual([]);
    expect(verified.verification?.detail).toContain('host acme.okta.com is not allowed');
  });
});
