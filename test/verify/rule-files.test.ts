/** `[rules.verify]` in rule files: every field checked, one line per problem naming the file; users' verifiers trusted with no host. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseRuleText } from '../../src/ruleset/parse-text.js';
import { fillUrl, urlTemplateProblem } from '../../src/verify/template.js';
import { makeTree, type Tree } from '../helpers/tree.js';
import { HAS_OPENSSL, keyleakAsync, providerServer, selfSignedCertificate, type Certificate, type ProviderServer } from '../helpers/verify-server.js';

function rule(verify: string, extra = ''): string {
  return `provider = "Acme"\n[[rules]]\nid = "acme-token"\ndescription = "Acme token"\nregex = '''\\b(acme_[a-z0-9]{24})\\b'''\nkeywords = ["acme_"]\n${extra}\n[rules.verify]\n${verify}\n`;
}

function problems(verify: string, extra = ''): string[] {
  return parseRuleText('acme.toml', rule(verify, extra)).problems.map((problem) => `${problem.field}: ${problem.message}`);
}

const GOOD = 'url = "https://api.acme.example/v1/me"\nheaders = { Authorization = "Bearer ${secret}" }\nlive = { status = [200] }\ninvalid = { status = [401] }';

describe('verify tables', () => {
  it('a complete table parses into a verifier', () => {
    const parsed = parseRuleText('acme.toml', rule(GOOD));
    expect(parsed.problems).toEqual([]);
    expect(parsed.rules[0]!.verify).toEqual({ kind: 'http', method: 'GET', url: 'https://api.acme.example/v1/me', headers: { Authorization: 'Bearer ${secret}' }, live: [{ status: [200], json: {} }], invalid: [{ status: [401], json: {} }], identity: {} });
  });

  it.each([
    ['url = "http://api.acme.example/v1/me"', 'verify.url: must be an https:// URL without a fragment'],
    ['url = "https://${secret}/v1/me"', "verify.url: a placeholder in the host must be followed by the provider's own domain (at least two literal labels)"],
    ['url = "https://${secret}.example/v1/me"', "verify.url: a placeholder in the host must be followed by the provider's own domain (at least two literal labels)"],
    ['url = "https://user@api.acme.example/"', 'verify.url: the host must not hold user information'],
    ['url = "https://api.acme.example/${companion.other}"', 'verify.url: unknown placeholder ${companion.other} (known: ${secret})'],
    ['method = "DELETE"', 'verify.method: must be one of GET, POST, HEAD'],
    ['json = "{}"', 'verify.method: a body needs method = "POST"'],
    ['headers = { "Bad Header" = "${secret}" }', 'verify.headers.Bad Header: is not a header name'],
    ['headers = { Host = "${secret}" }', 'verify.headers.Host: is set by keyleak'],
    ['live = { status = [302] }', 'verify.live.status: redirects are never followed, so a 3xx answer cannot mean live or invalid'],
    ['invalid = { status = [] }', 'verify.invalid.status: must be a non-empty array of HTTP status codes'],
    ['identity = { login = "body:login" }', 'verify.identity.login: must be json:<dotted.path> or header:<name>'],
    ['secret_parts = "acme_(.*)"', 'verify.secret_parts: needs at least one named group (?<name>...)'],
    ['surprise = 1', 'verify.surprise: unknown field in [rules.verify]'],
  ])('%s', (change, expected) => {
    const field = change.split(' ')[0];
    const lines = GOOD.split('\n').filter((line) => line.split(' ')[0] !== field);
    expect(problems([...lines, change].join('\n'))).toContain(expected);
  });

  it('a check must send the secret', () => {
    expect(problems(GOOD.replace('Bearer ${secret}', 'Bearer'))).toEqual(['verify.url: no template uses ${secret} or a part of it: the check would not test the secret']);
  });

  it('a check in code is named with its provider', () => {
    expect(problems('code = "oauth-client-credentials"\nprovider = "acme"')).toContain('verify.provider: must be one of auth0, okta, entra, google, salesforce, cognito, keycloak, spotify, twitch, discord, linkedin, adobe, generic');
    expect(problems('code = "oauth-client-credentials"\nprovider = "okta"')).toContain('verify.code: a client-credentials check needs a client id companion ([[rules.companions]])');
    expect(problems('code = "telnet"')).toContain('verify.code: must be one of oauth-client-credentials, aws-sts, vault, azure-storage');
  });

  it('a gitleaks configuration (which may come with the scanned repository) cannot add a verifier', () => {
    const parsed = parseRuleText('.gitleaks.toml', `[[rules]]\nid = "acme-token"\nregex = '''acme_[a-z0-9]{24}'''\n[rules.verify]\nurl = "https://collector.example/\${secret}"\n`, 'gitleaks');
    expect(parsed.problems).toEqual([]);
    expect(parsed.rules[0]!.verify).toBeUndefined();
    expect(parsed.warnings.map((warning) => warning.message)).toEqual(['ignored: verification is only read from keyleak rule files']);
  });
});

describe('URL templates', () => {
  it('a value can fill one host label, never add a host, path, query or fragment', () => {
    const template = 'https://${companion.app}-dsn.search.example/1/keys/${secret}?tag=${companion.tag}';
    expect(urlTemplateProblem(template)).toBeUndefined();
    const url = (app: string, secret: string, tag = 't') => fillUrl(template, new Map([['companion.app', app], ['secret', secret], ['companion.tag', tag]]))?.href;
    expect(url('acme', 'k1')).toBe('https://acme-dsn.search.example/1/keys/k1?tag=t');
    expect(url('collector.invalid/x', 'k1')).toBeUndefined();
    expect(url('acme@collector.invalid', 'k1')).toBeUndefined();
    expect(url('', 'k1')).toBeUndefined();
    expect(url('acme', '../../admin')).toBe('https://acme-dsn.search.example/1/keys/..%2F..%2Fadmin?tag=t');
    expect(url('acme', '..')).toBeUndefined();
    expect(url('acme', 'k1#frag?x=1')).toBe('https://acme-dsn.search.example/1/keys/k1%23frag%3Fx%3D1?tag=t');
    expect(url('acme', 'k1', 'a&admin=1')).toBe('https://acme-dsn.search.example/1/keys/k1?tag=a%26admin%3D1');
  });
});

describe('a bad verify table in a user\'s rule file', () => {
  let tree: Tree;
  afterEach(() => tree?.remove());

  it('a bad verify table stops the scan with one line naming the file, rule and field', async () => {
    tree = makeTree({ 'rules/acme.toml': rule('url = "http://api.acme.example/${secret}"\nlive = { status = [200] }\ninvalid = { status = [401] }'), 'src/a.txt': 'x\n' });
    const result = await keyleakAsync(['scan', tree.root, '--rules', `${tree.root}/rules/acme.toml`, '--verify']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/acme\.toml.*acme-token.*verify\.url.*must be an https:\/\/ URL/)]);
  });
});

describe.skipIf(!HAS_OPENSSL)('a user\'s rule file with a verifier, through the CLI (skipped without openssl to make a certificate)', () => {
  let certificate: Certificate;
  let server: ProviderServer;
  let tree: Tree;
  beforeAll(async () => {
    certificate = selfSignedCertificate();
    server = await providerServer({ tls: certificate });
    server.handle((request) => (request.headers.authorization === 'Bearer acme_0123456789abcdefghijklmn' ? { status: 200, json: { login: 'acme-bot' } } : { status: 401, json: {} }));
  });
  afterAll(async () => {
    await server.close();
    certificate.remove();
  });
  afterEach(() => tree?.remove());

  it('its host gets the secret only when the user allows that host', async () => {
    tree = makeTree({
      'rules/acme.toml': rule(`url = "https://127.0.0.1:${server.port}/v1/me"\nheaders = { Authorization = "Bearer \${secret}" }\nlive = { status = [200] }\ninvalid = { status = [401] }\nidentity = { login = "json:login" }`),
      'src/settings.txt': 'ACME_TOKEN=acme_0123456789abcdefghijklmn\n',
    });
    const base = ['scan', `${tree.root}/src`, '--rules', `${tree.root}/rules/acme.toml`, '--no-builtin-rules', '--verify', '--format', 'json'];
    const env = { NODE_EXTRA_CA_CERTS: certificate.file };
    const refused = JSON.parse((await keyleakAsync(base, { env })).stdout);
    expect(refused.findings[0].verification).toMatchObject({ status: 'unknown', detail: expect.stringContaining(`host 127.0.0.1:${server.port} is not allowed`) });
    expect(server.requests).toEqual([]);
    const allowed = JSON.parse((await keyleakAsync([...base, '--verify-allow-host', `127.0.0.1:${server.port}`], { env })).stdout);
    expect(allowed.findings[0].verification).toMatchObject({ status: 'live', identity: { login: 'acme-bot' } });
    expect(server.requests).toHaveLength(1);
  });
});
