/**
 * Every built-in verifier against a local server that answers as its provider documents: each
 * rule's own example is found by the real detector, verified through the engine with requests
 * re-pointed at the server (a library option the CLI cannot set), and must be read as live on the
 * rule's live answer, invalid on its invalid answer, and never follow a redirect.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRuleset, isBuiltinRule } from '../../src/ruleset/load.js';
import { compileRuleset } from '../../src/ruleset/compile.js';
import { detect } from '../../src/detect/detector.js';
import { groupFindings } from '../../src/post/findings.js';
import { verifyFindings } from '../../src/verify/verify.js';
import type { AnswerMatch, Finding, HttpVerifySpec, RuleSpec, RulesetSpec } from '../../src/types.js';
import { providerServer, type Answer, type ProviderServer, type SeenRequest } from '../helpers/verify-server.js';

let server: ProviderServer;
let spec: RulesetSpec;
let findingsByRule: Map<string, Finding>;

beforeAll(async () => {
  server = await providerServer();
  spec = await loadRuleset();
  const ruleset = compileRuleset(spec);
  const rules = new Map(spec.rules.map((rule) => [rule.id, rule]));
  findingsByRule = new Map();
  for (const rule of spec.rules.filter((candidate) => candidate.verify?.kind === 'http')) {
    // The example with the most companions: a verifier may need the shop or application it names.
    const companionCount = (finding: Finding) => finding.occurrences[0]!.companions.length;
    for (const example of rule.examples) {
      const hits = detect({ text: example.text, provenance: { kind: 'file', path: example.path ?? 'config/settings.txt' } }, ruleset).filter((hit) => hit.ruleId === rule.id);
      const finding = groupFindings(hits, rules)[0];
      const best = findingsByRule.get(rule.id);
      if (finding && (best === undefined || companionCount(finding) > companionCount(best))) findingsByRule.set(rule.id, finding);
    }
  }
});
afterAll(() => server.close());

const httpRules = (): RuleSpec[] => spec.rules.filter((rule) => rule.verify?.kind === 'http');

/** A JSON body that satisfies an answer's conditions, plus identity fields the verifier reads. */
function documentFor(match: AnswerMatch, identity: Readonly<Record<string, string>>): { json: unknown; headers: Record<string, string> } {
  const json: Record<string, unknown> = {};
  const headers: Record<string, string> = {};
  const put = (path: string, value: unknown) => {
    const keys = path.split('.');
    let target = json;
    for (const key of keys.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>;
    target[keys.at(-1)!] = value;
  };
  for (const [name, source] of Object.entries(identity)) {
    if (source.startsWith('json:')) put(source.slice(5), `id-${name}`);
    else headers[source.slice(7)] = `id-${name}`;
  }
  for (const [path, values] of Object.entries(match.json)) put(path, values[0]);
  return { json, headers };
}

function answerFrom(match: AnswerMatch, identity: Readonly<Record<string, string>> = {}): Answer {
  const { json, headers } = documentFor(match, identity);
  return { status: match.status[0]!, json, headers };
}

/** Where the secret travelled in a request: a header, the path, the query or the body. */
function carries(request: SeenRequest, secret: string): boolean {
  const decoded = (text: string) => {
    try {
      return decodeURIComponent(text);
    } catch {
      return text;
    }
  };
  const headerValues = Object.values(request.headers).flatMap((value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]));
  const basic = headerValues.flatMap((value) => (value.startsWith('Basic ') ? [Buffer.from(value.slice(6), 'base64').toString('utf8')] : []));
  const places = [...headerValues, ...basic, decoded(request.url), request.body, decoded(request.body)];
  // A URL secret (a webhook) travels as its path, not as the whole URL.
  const parts = secret.replace(/\\\//g, '/').split('/').filter((part) => part.length >= 17);
  return places.some((place) => place.includes(secret)) || (parts.length > 0 && parts.every((part) => places.some((place) => place.includes(part))));
}

async function verifyAgainstServer(finding: Finding, handler: (request: SeenRequest) => Answer): Promise<Finding> {
  server.requests.length = 0;
  server.handle(handler);
  const [verified] = await verifyFindings([finding], spec.rules, {
    isBuiltinRule,
    hostIntervalMs: 0,
    rewriteForTests: (url) => new URL(`${url.pathname}${url.search}`, server.origin),
  });
  return verified!;
}

describe('built-in verifiers', () => {
  it('cover at least 40 providers, each rule with a verifier found in its own examples', () => {
    const providers = new Set(spec.rules.filter((rule) => rule.verify !== undefined).map((rule) => rule.provider));
    expect(providers.size).toBeGreaterThanOrEqual(40);
    expect(httpRules().filter((rule) => !findingsByRule.has(rule.id)).map((rule) => rule.id)).toEqual([]);
  });

  it('are all listed in the README provider table', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Verification'), readme.indexOf('## Writing a rule'));
    const listed = new Set([...section.matchAll(/^\|.*$/gm)].flatMap((row) => [...row[0].matchAll(/`([a-z0-9-]+)`/g)].map((match) => match[1])));
    expect(spec.rules.filter((rule) => rule.verify !== undefined && !listed.has(rule.id)).map((rule) => rule.id)).toEqual([]);
  });

  it('name an https URL on the provider\'s own host', () => {
    for (const rule of httpRules()) {
      const url = (rule.verify as HttpVerifySpec).url;
      expect(url, rule.id).toMatch(/^https:\/\/(?:\$\{[^}]+\}[a-z0-9-]*\.)?[a-z0-9.-]+\.[a-z]{2,}\//);
    }
  });

  it.each(['live', 'invalid'] as const)('read their provider\'s %s answer', async (outcome) => {
    const failures: string[] = [];
    for (const rule of httpRules()) {
      const verify = rule.verify as HttpVerifySpec;
      const finding = findingsByRule.get(rule.id)!;
      const verified = await verifyAgainstServer(finding, () => answerFrom(verify[outcome][0]!, verify.identity));
      const request = server.requests[0];
      if (request === undefined) {
        failures.push(`${rule.id}: nothing sent (${verified.verification?.detail})`);
        continue;
      }
      if (request.method !== verify.method) failures.push(`${rule.id}: sent ${request.method}, not ${verify.method}`);
      const urls = [verify.url, ...(verify.otherUrls ?? [])];
      if (!urls.some((url) => url.includes('${') || request.url === `${new URL(url).pathname}${new URL(url).search}`)) failures.push(`${rule.id}: sent to ${request.url}`);
      // Regional hosts are asked until one accepts; every API of an `all` probe is asked.
      const expectedRequests = verify.probe === 'all' || outcome === 'invalid' ? urls.length : 1;
      if (server.requests.length !== expectedRequests) failures.push(`${rule.id}: ${server.requests.length} requests, not ${expectedRequests}`);
      if (!carries(request, finding.secret)) failures.push(`${rule.id}: the request does not carry the secret`);
      if (verified.verification?.status !== outcome) failures.push(`${rule.id}: ${verified.verification?.status} (${verified.verification?.detail})`);
      if (outcome === 'live' && Object.keys(verify.identity).length > 0 && verified.verification?.identity === undefined) failures.push(`${rule.id}: no identity in ${verified.verification?.detail}`);
      // The host the secret went to: the template's, a placeholder in it filled by one label.
      const host = new RegExp(`^${new URL(verify.url.replace(/\$\{[^}]+\}/g, 'placeholder')).host.replace(/\./g, '\\.').replace(/placeholder/g, '[a-z0-9-]+')}$`);
      if (!host.test(verified.verification?.host ?? '')) failures.push(`${rule.id}: host ${verified.verification?.host}`);
    }
    expect(failures).toEqual([]);
  });

  it('never follow a redirect, and report server failures as errors', async () => {
    for (const rule of httpRules()) {
      const finding = findingsByRule.get(rule.id)!;
      const redirected = await verifyAgainstServer(finding, () => ({ status: 302, headers: { location: 'https://collector.invalid/steal' } }));
      expect(redirected.verification, rule.id).toMatchObject({ status: 'error', detail: expect.stringContaining('redirected to collector.invalid') });
      const verify = rule.verify as HttpVerifySpec;
      expect(server.requests, rule.id).toHaveLength(1 + (verify.otherUrls?.length ?? 0));
      const failed = await verifyAgainstServer(finding, () => ({ status: 502, body: 'bad gateway' }));
      expect(failed.verification?.status, rule.id).toBe('error');
    }
  });
});

describe('provider answers as documented', () => {
  it('Slack auth.test: ok true is live with the team; invalid_auth in a 200 is invalid', async () => {
    const finding = findingsByRule.get('slack-bot-token')!;
    const live = await verifyAgainstServer(finding, () => ({ status: 200, json: { ok: true, url: 'https://acme.slack.com/', team: 'Acme', user: 'deploy-bot', team_id: 'T0123', user_id: 'U0456' } }));
    expect(live.verification).toMatchObject({ status: 'live', identity: { team: 'Acme', user: 'deploy-bot', url: 'https://acme.slack.com/' } });
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${finding.secret}`);
    const invalid = await verifyAgainstServer(finding, () => ({ status: 200, json: { ok: false, error: 'invalid_auth' } }));
    expect(invalid.verification?.status).toBe('invalid');
    const other = await verifyAgainstServer(finding, () => ({ status: 200, json: { ok: false, error: 'ratelimited' } }));
    expect(other.verification?.status).toBe('unknown');
  });

  it('GitHub /user: the login and the scopes header are the identity', async () => {
    const finding = findingsByRule.get('github-pat')!;
    const live = await verifyAgainstServer(finding, () => ({ status: 200, json: { login: 'octo-deployer', id: 1 }, headers: { 'x-oauth-scopes': 'repo, workflow' } }));
    expect(live.verification).toMatchObject({ status: 'live', identity: { login: 'octo-deployer', scopes: 'repo, workflow' } });
    expect(live.verification?.detail).toBe('api.github.com accepted it (HTTP 200): login octo-deployer, scopes repo, workflow');
    const invalid = await verifyAgainstServer(finding, () => ({ status: 401, json: { message: 'Bad credentials' } }));
    expect(invalid.verification?.status).toBe('invalid');
  });

  it('a provider that echoes the secret back does not get it into the identity', async () => {
    const finding = findingsByRule.get('github-pat')!;
    const echoed = await verifyAgainstServer(finding, () => ({ status: 200, json: { login: `token ${finding.secret}` }, headers: { 'x-oauth-scopes': finding.secret.slice(0, 12) } }));
    expect(echoed.verification?.status).toBe('live');
    expect(echoed.verification?.identity).toBeUndefined();
    expect(JSON.stringify(echoed.verification)).not.toContain(finding.secret.slice(0, 12));
    const escaping = await verifyAgainstServer(finding, () => ({ status: 200, json: { login: '\u001b]8;;https://evil.example\u0007octo\u001b[2J' } }));
    expect(escaping.verification?.identity).toEqual({ login: ']8;;https://evil.example octo [2J' });
  });

  it('Telegram: the bot token goes in the path with its colon, nothing else changes the path', async () => {
    const finding = findingsByRule.get('telegram-bot-token')!;
    const live = await verifyAgainstServer(finding, () => ({ status: 200, json: { ok: true, result: { id: 1, is_bot: true, username: 'acme_alerts_bot' } } }));
    expect(live.verification).toMatchObject({ status: 'live', identity: { username: 'acme_alerts_bot' } });
    expect(server.requests[0]!.url).toBe(`/bot${finding.secret}/getMe`);
  });

  it('Slack webhooks are checked without posting: an empty payload, 400 no_text means the webhook exists', async () => {
    const finding = findingsByRule.get('slack-webhook-url')!;
    const live = await verifyAgainstServer(finding, () => ({ status: 400, body: 'no_text' }));
    expect(live.verification?.status).toBe('live');
    const request = server.requests[0]!;
    expect([request.method, request.body]).toEqual(['POST', '{}']);
    expect(request.url).toMatch(/^\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]+$/);
    const gone = await verifyAgainstServer(finding, () => ({ status: 404, body: 'no_service' }));
    expect(gone.verification?.status).toBe('invalid');
  });
});

describe('verifiers with several URLs', () => {
  it('Datadog: a key of another site is live, not invalid, because every site is asked until one accepts it', async () => {
    const finding = findingsByRule.get('datadog-api-key')!;
    server.requests.length = 0;
    server.handle(() => ({ status: 403, json: { errors: ['Forbidden'] } }));
    const hosts: string[] = [];
    const [verified] = await verifyFindings([finding], spec.rules, {
      isBuiltinRule,
      hostIntervalMs: 0,
      rewriteForTests: (url) => {
        hosts.push(url.host);
        // Only the EU site knows this key.
        return new URL(`${url.pathname}${url.host === 'api.datadoghq.eu' ? '?known' : ''}`, server.origin);
      },
    });
    expect(verified!.verification?.status).toBe('invalid');
    expect(hosts).toEqual(['api.datadoghq.com', 'api.datadoghq.eu', 'api.us3.datadoghq.com', 'api.us5.datadoghq.com', 'api.ap1.datadoghq.com', 'api.ddog-gov.com']);
    hosts.length = 0;
    server.handle((request) => (request.url.endsWith('?known') ? { status: 200, json: { valid: true } } : { status: 403, json: { errors: ['Forbidden'] } }));
    const [eu] = await verifyFindings([finding], spec.rules, {
      isBuiltinRule,
      hostIntervalMs: 0,
      rewriteForTests: (url) => {
        hosts.push(url.host);
        return new URL(`${url.pathname}${url.host === 'api.datadoghq.eu' ? '?known' : ''}`, server.origin);
      },
    });
    expect(eu!.verification).toMatchObject({ status: 'live', host: 'api.datadoghq.eu' });
    expect(hosts).toEqual(['api.datadoghq.com', 'api.datadoghq.eu']);
  });

  it('Google API keys: every API is asked and the ones that answer are listed', async () => {
    const finding = findingsByRule.get('google-api-key')!;
    const verified = await verifyAgainstServer(finding, (request) => {
      if (request.url.startsWith('/v1beta/models')) return { status: 403, json: { error: { code: 403, status: 'PERMISSION_DENIED', message: 'Generative Language API has not been used in project 1 before or it is disabled.' } } };
      if (request.url.startsWith('/youtube/')) return { status: 200, json: { kind: 'youtube#i18nLanguageListResponse', items: [] } };
      return { status: 200, json: { results: [], status: 'REQUEST_DENIED', error_message: 'This API project is not authorized to use this API.' } };
    });
    expect(verified.verification).toMatchObject({ status: 'live', detail: 'answered: www.googleapis.com/youtube/v3/i18nLanguages', identity: { answered: 'www.googleapis.com/youtube/v3/i18nLanguages' } });
    expect(server.requests).toHaveLength(3);
    const invalid = await verifyAgainstServer(finding, (request) =>
      request.url.startsWith('/maps/') ? { status: 200, json: { status: 'REQUEST_DENIED', error_message: 'The provided API key is invalid.' } } : { status: 400, json: { error: { code: 400, status: 'INVALID_ARGUMENT', message: 'API key not valid. Please pass a valid API key.' } } },
    );
    expect(invalid.verification?.status).toBe('invalid');
  });
});
