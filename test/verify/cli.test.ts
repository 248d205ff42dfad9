/**
 * `keyleak scan --verify` end to end: the real CLI against local servers that answer as OAuth token
 * endpoints do, over HTTP and HTTPS, and hostile ones (redirects, slow, huge answers).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTree, type Tree } from '../helpers/tree.js';
import { HAS_OPENSSL, keyleakAsync, providerServer, selfSignedCertificate, type Certificate, type ProviderServer, type SeenRequest } from '../helpers/verify-server.js';

const CLIENT_ID = 'sso-portal-7734';
const CLIENT_SECRET = 'R4t8Yq2LmZ6wKp0NvB3xJc7TgF1hDs9E';
const ISSUED_TOKEN = 'eyJhbGciOiJub25lIn0.issued-access-token-must-never-be-printed';

let server: ProviderServer;
let other: ProviderServer;
let tree: Tree;

beforeAll(async () => {
  server = await providerServer();
  other = await providerServer();
});
afterAll(async () => {
  await server.close();
  await other.close();
});
afterEach(() => {
  tree?.remove();
  server.requests.length = 0;
  other.requests.length = 0;
});

function appConfig(tokenUrl: string): Tree {
  return makeTree({ 'config/app.toml': `[oauth]\ntoken_url = "${tokenUrl}"\nclient_id = "${CLIENT_ID}"\nclient_secret = "${CLIENT_SECRET}"\n` });
}

/** A token endpoint as RFC 6749 §4.4 and §5.2 describe it, for one registered client. */
function tokenEndpoint(request: SeenRequest) {
  const form = new URLSearchParams(request.body);
  if (request.method !== 'POST' || form.get('grant_type') !== 'client_credentials') return { status: 400, json: { error: 'unsupported_grant_type' } };
  if (form.get('client_id') === CLIENT_ID && form.get('client_secret') === CLIENT_SECRET) return { status: 200, json: { access_token: ISSUED_TOKEN, token_type: 'Bearer', expires_in: 3600 } };
  return { status: 401, json: { error: 'invalid_client' } };
}

interface Report {
  readonly findings: { ruleId: string; secret: string; verification?: { status: string; detail: string; host?: string; grantDisabled?: boolean; checkedAt: string } }[];
}

async function scanJson(args: readonly string[], env?: Readonly<Record<string, string>>): Promise<{ code: number | null; report: Report; stdout: string; stderr: string }> {
  const result = await keyleakAsync(['scan', tree.root, '--format', 'json', ...args], env === undefined ? {} : { env });
  let report: Report = { findings: [] };
  try {
    report = JSON.parse(result.stdout) as Report;
  } catch {
    throw new Error(`not JSON (exit ${result.code}): ${result.stdout}\n${result.stderr}`);
  }
  return { ...result, report };
}

function allow(target: ProviderServer): string[] {
  return ['--verify-allow-host', `127.0.0.1:${target.port}`];
}

describe('--verify on a client id + client secret pair with a token URL', () => {
  it('reports live when the token endpoint issues a token, and never prints the token', async () => {
    server.handle(tokenEndpoint);
    tree = appConfig(`${server.origin}/oauth/token`);
    const { code, report, stdout, stderr } = await scanJson(['--verify', ...allow(server)]);
    expect(stderr).toBe('');
    expect(code).toBe(1);
    expect(report.findings.map((finding) => [finding.ruleId, finding.verification?.status])).toEqual([['generic-client-secret', 'live']]);
    const verification = report.findings[0]!.verification!;
    expect(verification.host).toBe(`127.0.0.1:${server.port}`);
    expect(verification.detail).toContain('issued an access token');
    expect(Number.isNaN(Date.parse(verification.checkedAt))).toBe(false);
    expect(stdout).not.toContain(ISSUED_TOKEN);
    expect(stdout).not.toContain('issued-access-token');
    expect(stdout).not.toContain(CLIENT_SECRET);
    expect(server.requests).toHaveLength(1);
    const sent = server.requests[0]!;
    expect([sent.method, sent.url, sent.headers['content-type']]).toEqual(['POST', '/oauth/token', 'application/x-www-form-urlencoded']);
    expect(Object.fromEntries(new URLSearchParams(sent.body))).toEqual({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
  });

  it('reports invalid when the token endpoint answers invalid_client', async () => {
    server.handle(() => ({ status: 401, json: { error: 'invalid_client', error_description: `Client ${CLIENT_ID} authentication failed` } }));
    tree = appConfig(`${server.origin}/oauth/token`);
    const { report, stdout } = await scanJson(['--verify', ...allow(server)]);
    expect(report.findings[0]!.verification).toMatchObject({ status: 'invalid', detail: expect.stringContaining('invalid_client') });
    // The provider's own words (which echo the client id) are not copied into the report.
    expect(stdout).not.toContain('authentication failed');
    expect(server.requests).toHaveLength(1);
  });

  it('reports a pair whose grant is disabled (unauthorized_client) as live, distinctly', async () => {
    server.handle(() => ({ status: 400, json: { error: 'unauthorized_client' } }));
    tree = appConfig(`${server.origin}/oauth/token`);
    const { report } = await scanJson(['--verify', ...allow(server)]);
    expect(report.findings[0]!.verification).toMatchObject({ status: 'live', grantDisabled: true });
    const text = await keyleakAsync(['scan', tree.root, '--verify', ...allow(server)]);
    expect(text.stdout).toContain('[LIVE (grant disabled)]');
  });

  it('sends nothing to a host from the scanned file unless it is allowed, and says so', async () => {
    server.handle(tokenEndpoint);
    tree = appConfig(`${server.origin}/oauth/token`);
    const { report } = await scanJson(['--verify']);
    expect(report.findings[0]!.verification).toMatchObject({ status: 'unknown', detail: expect.stringContaining(`host 127.0.0.1:${server.port} is not allowed`) });
    expect(report.findings[0]!.verification!.host).toBeUndefined();
    // Allowing another port of the same host is not allowing this one.
    const { report: otherPort } = await scanJson(['--verify', ...allow(other)]);
    expect(otherPort.findings[0]!.verification!.status).toBe('unknown');
    expect(server.requests).toEqual([]);
  });

  it('does not verify, and adds no verification, without --verify', async () => {
    server.handle(tokenEndpoint);
    tree = appConfig(`${server.origin}/oauth/token`);
    const { report } = await scanJson([]);
    expect(report.findings.map((finding) => finding.verification)).toEqual([undefined]);
    expect(server.requests).toEqual([]);
  });

  it('does not follow a redirect to another host', async () => {
    server.handle(() => ({ status: 307, headers: { location: `${other.origin}/steal` } }));
    other.handle(tokenEndpoint);
    tree = appConfig(`${server.origin}/oauth/token`);
    const { report } = await scanJson(['--verify', ...allow(server), ...allow(other)]);
    expect(report.findings[0]!.verification).toMatchObject({ status: 'error', detail: expect.stringContaining(`redirected to 127.0.0.1:${other.port}`) });
    expect(server.requests).toHaveLength(1);
    expect(other.requests).toEqual([]);
  });

  it('gives up on a slow server after --verify-timeout', async () => {
    server.handle(() => ({ status: 200, json: { access_token: ISSUED_TOKEN }, delayMs: 5000 }));
    tree = appConfig(`${server.origin}/oauth/token`);
    const { report } = await scanJson(['--verify', '--verify-timeout', '1', ...allow(server)]);
    expect(report.findings[0]!.verification).toMatchObject({ status: 'error', detail: expect.stringContaining('no answer within 1 s') });
  });

  it('stops reading a huge answer', async () => {
    server.handle(() => ({ status: 200, body: `{"access_token":"${'A'.repeat(8 * 1024 * 1024)}"}`, headers: { 'content-type': 'application/json' } }));
    tree = appConfig(`${server.origin}/oauth/token`);
    const { report } = await scanJson(['--verify', ...allow(server)]);
    expect(report.findings[0]!.verification).toMatchObject({ status: 'error', detail: expect.stringContaining('answer larger than') });
  });

  it('reports a provider failure (5xx) as error and rate limiting (429) as unknown', async () => {
    tree = appConfig(`${server.origin}/oauth/token`);
    server.handle(() => ({ status: 503, body: 'down' }));
    expect((await scanJson(['--verify', ...allow(server)])).report.findings[0]!.verification).toMatchObject({ status: 'error', detail: expect.stringContaining('HTTP 503') });
    server.handle(() => ({ status: 429, json: { error: 'slow_down' } }));
    expect((await scanJson(['--verify', ...allow(server)])).report.findings[0]!.verification).toMatchObject({ status: 'unknown', detail: expect.stringContaining('429') });
  });
});

describe.skipIf(!HAS_OPENSSL)('--verify over HTTPS (skipped without openssl to make a certificate)', () => {
  let certificate: Certificate;
  let secure: ProviderServer;
  beforeAll(async () => {
    certificate = selfSignedCertificate();
    secure = await providerServer({ tls: certificate });
    secure.handle(tokenEndpoint);
  });
  afterAll(async () => {
    await secure.close();
    certificate.remove();
  });

  it('verifies against an allowed HTTPS host whose certificate the system trusts', async () => {
    tree = appConfig(`${secure.origin}/oauth/token`);
    const { report } = await scanJson(['--verify', ...allow(secure)], { NODE_EXTRA_CA_CERTS: certificate.file });
    expect(report.findings[0]!.verification).toMatchObject({ status: 'live', host: `127.0.0.1:${secure.port}` });
  });

  it('refuses a certificate nobody trusts', async () => {
    tree = appConfig(`${secure.origin}/oauth/token`);
    const before = secure.requests.length;
    const { report } = await scanJson(['--verify', ...allow(secure)]);
    expect(report.findings[0]!.verification).toMatchObject({ status: 'error', detail: expect.stringContaining('TLS certificate is not trusted') });
    expect(secure.requests.length).toBe(before);
  });
});

describe('what verification changes in reports and exit codes', () => {
  it('--fail-on live fails only on live secrets; --only-verified hides the rest', async () => {
    tree = appConfig(`${server.origin}/oauth/token`);
    server.handle(() => ({ status: 401, json: { error: 'invalid_client' } }));
    const invalid = await scanJson(['--verify', '--fail-on', 'live', ...allow(server)]);
    expect(invalid.code).toBe(0);
    expect((await scanJson(['--verify', '--only-verified', ...allow(server)])).report.findings).toEqual([]);
    server.handle(tokenEndpoint);
    const live = await scanJson(['--verify', '--fail-on', 'live', '--only-verified', ...allow(server)]);
    expect(live.code).toBe(1);
    expect(live.report.findings.map((finding) => finding.verification?.status)).toEqual(['live']);
  });

  it('--fail-on live and --only-verified without --verify are usage errors', async () => {
    tree = appConfig(`${server.origin}/oauth/token`);
    const failOn = await keyleakAsync(['scan', tree.root, '--fail-on', 'live']);
    expect([failOn.code, failOn.stderr]).toEqual([2, 'keyleak: --fail-on live needs --verify (or verify = true in keyleak.toml)\n']);
    const only = await keyleakAsync(['scan', tree.root, '--only-verified']);
    expect(only.code).toBe(2);
    const allowed = await keyleakAsync(['scan', tree.root, '--verify-allow-host', 'http://evil.example/']);
    expect(allowed.code).toBe(2);
    expect(allowed.stderr).toContain('must be a host name or IP address');
  });

  it('SARIF carries the verification and raises security-severity for a live secret; text says LIVE', async () => {
    server.handle(tokenEndpoint);
    tree = appConfig(`${server.origin}/oauth/token`);
    const sarif = await keyleakAsync(['scan', tree.root, '--verify', '--format', 'sarif', ...allow(server)]);
    const result = JSON.parse(sarif.stdout).runs[0].results[0];
    expect(result.properties.verification).toMatchObject({ status: 'live' });
    expect(result.properties['security-severity']).toBe('9.5');
    expect(result.message.text).toContain('Verification: LIVE');
    const text = await keyleakAsync(['scan', tree.root, '--verify', ...allow(server)]);
    expect(text.stdout).toMatch(/generic-client-secret {2}R4t8\*+ \[LIVE\]/);
    expect(text.stdout).toContain('verification: 127.0.0.1');
    expect(text.stdout).toMatch(/✖ 1 secret \(1 error\) · 1 verified LIVE · /);
  });

  it('verify = true in keyleak.toml turns verification on; the allowed hosts still come only from the command line', async () => {
    server.handle(tokenEndpoint);
    tree = appConfig(`${server.origin}/oauth/token`);
    tree.write('keyleak.toml', 'verify = true\n');
    const withoutHost = await scanJson([]);
    expect(withoutHost.report.findings[0]!.verification?.status).toBe('unknown');
    expect(server.requests).toEqual([]);
    const withHost = await scanJson(allow(server));
    expect(withHost.report.findings[0]!.verification?.status).toBe('live');
    tree.write('keyleak.toml', 'verify = true\nverify-allow-host = ["127.0.0.1"]\n');
    const steering = await keyleakAsync(['scan', tree.root]);
    expect(steering.code).toBe(2);
    expect(steering.stderr).toContain('keyleak.toml: verify-allow-host: unknown field');
  });
});

describe('keyleak git --verify', () => {
  it('verifies what history scans find', async () => {
    const { execFileSync } = await import('node:child_process');
    server.handle(tokenEndpoint);
    tree = appConfig(`${server.origin}/oauth/token`);
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=Dev', '-c', 'user.email=dev@example.com', ...args], { cwd: tree.root, stdio: 'ignore' });
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'add config');
    const result = await keyleakAsync(['git', tree.root, '--format', 'json', '--verify', ...allow(server)]);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.findings.map((finding) => [finding.ruleId, finding.verification?.status])).toEqual([['generic-client-secret', 'live']]);
    expect(server.requests).toHaveLength(1);
  });
});

describe('keyleak rules list', () => {
  it('says what each rule\'s --verify calls', async () => {
    const list = JSON.parse((await keyleakAsync(['rules', 'list', '--format', 'json'])).stdout) as { id: string; verify: string | null }[];
    const verify = Object.fromEntries(list.map((rule) => [rule.id, rule.verify]));
    expect([verify['github-pat'], verify['aws-secret-access-key'], verify['generic-client-secret'], verify['datadog-api-key'], verify['oauth-client-id']]).toEqual([
      'GET api.github.com',
      'aws-sts',
      'oauth-client-credentials (generic)',
      'GET api.datadoghq.com (+5)',
      null,
    ]);
  });
});
