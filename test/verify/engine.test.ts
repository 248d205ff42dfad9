/** The verification engine's own promises: a concurrency limit, one request per secret per run, and honest unknowns. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRuleText } from '../../src/ruleset/parse-text.js';
import { verifyFindings } from '../../src/verify/verify.js';
import type { Finding, RuleSpec } from '../../src/types.js';
import { providerServer, type ProviderServer } from '../helpers/verify-server.js';

let server: ProviderServer;
let rules: readonly RuleSpec[];

beforeAll(async () => {
  server = await providerServer();
  const parsed = parseRuleText(
    'acme.toml',
    `provider = "Acme"
[[rules]]
id = "acme-token"
regex = '''\\b(acme_[a-z0-9]{24})\\b'''
keywords = ["acme_"]
[rules.verify]
url = "https://api.acme.example/v1/me"
headers = { Authorization = "Bearer \${secret}" }
live = { status = [200] }
invalid = { status = [401] }

[[rules]]
id = "acme-id"
regex = '''\\b(acmeid_[a-z0-9]{8})\\b'''
keywords = ["acmeid_"]
`,
  );
  expect(parsed.problems).toEqual([]);
  rules = parsed.rules;
});
afterAll(() => server.close());

function finding(ruleId: string, secret: string): Finding {
  const region = { startLine: 1, startColumn: 1, endLine: 1, endColumn: secret.length + 1 };
  return { ruleId, level: 'error', exposure: 'confidential', secret, entropy: 4, fingerprint: secret, occurrences: [{ provenance: { kind: 'file', path: 'a.txt' }, region, companions: [], before: '', after: '', encoding: [] }] };
}

const options = (extra: object = {}) => ({
  isBuiltinRule: () => true,
  hostIntervalMs: 0,
  rewriteForTests: (url: URL) => new URL(url.pathname, server.origin),
  ...extra,
});

describe('verification engine', () => {
  it('keeps at most `concurrency` requests in flight', async () => {
    server.requests.length = 0;
    server.resetInFlight();
    // Slow answers, so requests would pile up if nothing held them back.
    server.handle(() => ({ status: 200, json: {}, delayMs: 30 }));
    const findings = Array.from({ length: 7 }, (_, index) => finding('acme-token', `acme_${String(index).padStart(24, 'k')}`));
    const verified = await verifyFindings(findings, rules, options({ concurrency: 2 }));
    expect(verified.map((item) => item.verification?.status)).toEqual(Array(7).fill('live'));
    expect(server.requests).toHaveLength(7);
    expect(server.mostInFlight()).toBe(2);
  });

  it('sends one request for a secret seen in several findings', async () => {
    server.requests.length = 0;
    server.handle(() => ({ status: 401, json: {} }));
    const secret = 'acme_abcdefghijklmnopqrstuvwx';
    const verified = await verifyFindings([finding('acme-token', secret), { ...finding('acme-token', secret), fingerprint: 'other' }], rules, options());
    expect(verified.map((item) => item.verification?.status)).toEqual(['invalid', 'invalid']);
    expect(server.requests).toHaveLength(1);
  });

  it('says unknown, and sends nothing, for a rule without a verifier', async () => {
    server.requests.length = 0;
    const [verified] = await verifyFindings([finding('acme-id', 'acmeid_abcd1234')], rules, options());
    expect(verified!.verification).toMatchObject({ status: 'unknown', detail: 'no verifier for this rule' });
    expect(server.requests).toEqual([]);
  });

  it('never puts a secret that would break or add a header line into a request', async () => {
    server.requests.length = 0;
    for (const secret of ['acme_abc\r\nX-Injected: 1', 'acme_abc\u0000def', 'acme_\u0430\u0431\u0432defghijklmnop']) {
      const [verified] = await verifyFindings([finding('acme-token', secret)], rules, options());
      expect(verified!.verification, JSON.stringify(secret)).toMatchObject({ status: 'unknown', detail: 'not checked: a value does not fit header Authorization' });
    }
    expect(server.requests).toEqual([]);
  });

  it('trusts no host of a rule it is not told is built in', async () => {
    server.requests.length = 0;
    const [verified] = await verifyFindings([finding('acme-token', 'acme_abcdefghijklmnopqrstuvwx')], rules, options({ isBuiltinRule: () => false }));
    expect(verified!.verification?.detail).toContain('host api.acme.example is not allowed');
    expect(server.requests).toEqual([]);
  });
});
