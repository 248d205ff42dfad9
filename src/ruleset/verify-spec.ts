/**
 * `[rules.verify]`: how `--verify` checks a rule's secret, as data. Either an HTTP check (method,
 * URL, headers, body, and the answers that mean live or invalid) or the name of a check that needs
 * code (`code = "aws-sts"`, `code = "oauth-client-credentials"` with a `provider`).
 */
import type { AnswerMatch, CompanionSpec, HttpVerifySpec, OAuthProvider, VerifySpec } from '../types.js';
import { placeholders, urlTemplateProblem } from '../verify/template.js';
import { catastrophicBacktracking } from './redos.js';

type Table = Readonly<Record<string, unknown>>;
type Problem = (field: string, message: string) => void;

const HTTP_FIELDS = new Set(['method', 'url', 'probe', 'secret_parts', 'headers', 'basic', 'form', 'json', 'live', 'invalid', 'identity']);
const CODE_FIELDS = new Set(['code', 'provider']);
const MATCH_FIELDS = new Set(['status', 'json', 'absent']);
const METHODS = ['GET', 'POST', 'HEAD'] as const;
export const OAUTH_PROVIDERS: readonly OAuthProvider[] = ['auth0', 'okta', 'entra', 'google', 'salesforce', 'cognito', 'keycloak', 'spotify', 'twitch', 'discord', 'linkedin', 'adobe', 'generic'];
const CODE_VERIFIERS = ['oauth-client-credentials', 'aws-sts', 'vault', 'azure-storage'] as const;

function isTable(value: unknown): value is Table {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringTable(value: unknown, field: string, problem: Problem): Record<string, string> {
  if (value === undefined) return {};
  if (!isTable(value) || !Object.values(value).every((item) => typeof item === 'string')) {
    problem(field, 'must be a table of strings');
    return {};
  }
  return { ...(value as Record<string, string>) };
}

function answerMatches(value: unknown, field: string, problem: Problem): AnswerMatch[] {
  if (value === undefined) return [];
  const entries = Array.isArray(value) ? value : [value];
  const matches: AnswerMatch[] = [];
  for (const entry of entries) {
    if (!isTable(entry)) {
      problem(field, 'must be a table or an array of tables with status and json');
      continue;
    }
    for (const key of Object.keys(entry)) if (!MATCH_FIELDS.has(key)) problem(`${field}.${key}`, 'unknown field');
    const status = entry['status'];
    if (!Array.isArray(status) || status.length === 0 || !status.every((code) => Number.isInteger(code) && code >= 100 && code <= 599)) {
      problem(`${field}.status`, 'must be a non-empty array of HTTP status codes');
      continue;
    }
    const json: Record<string, (string | number | boolean)[]> = {};
    const rawJson = entry['json'] ?? {};
    if (!isTable(rawJson)) problem(`${field}.json`, 'must be a table of JSON paths and values');
    else {
      for (const [path, expected] of Object.entries(rawJson)) {
        const values = Array.isArray(expected) ? expected : [expected];
        if (values.length === 0 || !values.every((item) => ['string', 'number', 'boolean'].includes(typeof item))) problem(`${field}.json.${path}`, 'must be a string, number or boolean, or an array of them');
        else json[path] = values as (string | number | boolean)[];
      }
    }
    if (status.some((code: number) => code >= 300 && code < 400)) problem(`${field}.status`, 'redirects are never followed, so a 3xx answer cannot mean live or invalid');
    const absent = entry['absent'];
    if (absent !== undefined && !(Array.isArray(absent) && absent.every((path) => typeof path === 'string'))) problem(`${field}.absent`, 'must be an array of JSON paths');
    matches.push({ status: status as number[], json, ...(Array.isArray(absent) && absent.length > 0 ? { absent: absent as string[] } : {}) });
  }
  return matches;
}

/** Every placeholder a template may use: the secret, its parts, and the rule's own companions. */
function checkPlaceholders(template: string, field: string, companions: readonly CompanionSpec[], problem: Problem, parts: readonly string[] = []): void {
  const known = new Set(['secret', ...parts.map((part) => `part.${part}`), ...companions.map((companion) => `companion.${companion.id}`)]);
  for (const name of placeholders(template)) {
    if (!known.has(name)) problem(field, `unknown placeholder \${${name}} (known: ${[...known].map((item) => `\${${item}}`).join(', ')})`);
  }
}

function parseHttp(table: Table, companions: readonly CompanionSpec[], problem: Problem): HttpVerifySpec | undefined {
  for (const key of Object.keys(table)) if (!HTTP_FIELDS.has(key)) problem(key, 'unknown field in [rules.verify]');
  const method = table['method'] ?? 'GET';
  if (!(METHODS as readonly unknown[]).includes(method)) problem('method', `must be one of ${METHODS.join(', ')}`);
  const rawUrl = table['url'];
  const urls = typeof rawUrl === 'string' ? [rawUrl] : Array.isArray(rawUrl) && rawUrl.length > 0 && rawUrl.every((item) => typeof item === 'string') ? (rawUrl as string[]) : undefined;
  if (urls === undefined) {
    problem('url', 'missing: a URL or an array of URLs (or give code = "..." for a check in code)');
    return undefined;
  }
  const [url, ...otherUrls] = urls as [string, ...string[]];
  for (const template of urls) {
    const urlProblem = urlTemplateProblem(template);
    if (urlProblem !== undefined) problem('url', urlProblem);
  }
  const probe = table['probe'];
  if (probe !== undefined && probe !== 'until-live' && probe !== 'all') problem('probe', 'must be "until-live" or "all"');
  if (probe !== undefined && otherUrls.length === 0) problem('probe', 'needs url to be an array of URLs');
  const secretParts = table['secret_parts'];
  const parts: string[] = [];
  if (secretParts !== undefined) {
    if (typeof secretParts !== 'string') problem('secret_parts', 'must be a regex with named groups');
    else {
      try {
        new RegExp(secretParts).test('');
        parts.push(...[...secretParts.matchAll(/\(\?<([A-Za-z][A-Za-z0-9]*)>/g)].map((match) => match[1]!));
        if (parts.length === 0) problem('secret_parts', 'needs at least one named group (?<name>...)');
        const backtracking = catastrophicBacktracking(secretParts, '');
        if (backtracking !== undefined) problem('secret_parts', `can backtrack catastrophically: ${backtracking}`);
      } catch (error) {
        problem('secret_parts', `invalid regex: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
  for (const template of urls) checkPlaceholders(template, 'url', companions, problem, parts);
  const headers = stringTable(table['headers'], 'headers', problem);
  for (const [name, value] of Object.entries(headers)) {
    if (!/^[A-Za-z0-9-]+$/.test(name)) problem(`headers.${name}`, 'is not a header name');
    if (['host', 'content-length', 'transfer-encoding', 'connection'].includes(name.toLowerCase())) problem(`headers.${name}`, 'is set by keyleak');
    checkPlaceholders(value, `headers.${name}`, companions, problem);
  }
  let basic: readonly [string, string] | undefined;
  if (table['basic'] !== undefined) {
    const value = table['basic'];
    if (Array.isArray(value) && value.length === 2 && value.every((item) => typeof item === 'string')) {
      basic = [value[0] as string, value[1] as string];
      basic.forEach((part) => checkPlaceholders(part, 'basic', companions, problem));
    } else problem('basic', 'must be [user, password]');
  }
  const form = table['form'] === undefined ? undefined : stringTable(table['form'], 'form', problem);
  for (const value of Object.values(form ?? {})) checkPlaceholders(value, 'form', companions, problem);
  const json = table['json'];
  if (json !== undefined && typeof json !== 'string') problem('json', 'must be a JSON text (a string)');
  if (typeof json === 'string') checkPlaceholders(json, 'json', companions, problem);
  if (form !== undefined && json !== undefined) problem('json', 'give a form or a json body, not both');
  if ((form !== undefined || json !== undefined) && method !== 'POST') problem('method', 'a body needs method = "POST"');
  const sendsSecret = (template: string) => placeholders(template).some((name) => name === 'secret' || name.startsWith('part.'));
  const elsewhere = [...Object.values(headers), ...(basic ?? []), ...Object.values(form ?? {}), typeof json === 'string' ? json : ''];
  if (!elsewhere.some(sendsSecret) && !urls.every(sendsSecret)) problem('url', 'no template uses ${secret} or a part of it: the check would not test the secret');
  const live = answerMatches(table['live'], 'live', problem);
  const invalid = answerMatches(table['invalid'], 'invalid', problem);
  if (live.length === 0) problem('live', 'say which answer means the secret is live');
  if (invalid.length === 0) problem('invalid', 'say which answer means the secret is invalid');
  const identity = stringTable(table['identity'], 'identity', problem);
  for (const [name, source] of Object.entries(identity)) {
    if (!/^(?:json:[A-Za-z0-9_.-]+|header:[A-Za-z0-9-]+)$/.test(source)) problem(`identity.${name}`, 'must be json:<dotted.path> or header:<name>');
  }
  return {
    kind: 'http',
    method: method as HttpVerifySpec['method'],
    url,
    ...(otherUrls.length === 0 ? {} : { otherUrls, probe: probe === 'all' ? 'all' : 'until-live' }),
    ...(typeof secretParts === 'string' ? { secretParts } : {}),
    headers,
    ...(basic === undefined ? {} : { basic }),
    ...(form === undefined ? {} : { form }),
    ...(typeof json === 'string' ? { json } : {}),
    live,
    invalid,
    identity,
  };
}

/**
 * The `verify` table of a rule; problems are reported through `problem` with the field inside the
 * table (`verify.url`), and undefined is returned when the table cannot be used.
 */
export function parseVerifySpec(value: unknown, companions: readonly CompanionSpec[], report: (field: string, message: string) => void): VerifySpec | undefined {
  if (value === undefined) return undefined;
  let failed = false;
  const problem: Problem = (field, message) => {
    failed = true;
    report(`verify.${field}`, message);
  };
  if (!isTable(value)) {
    report('verify', 'must be a table ([rules.verify])');
    return undefined;
  }
  let spec: VerifySpec | undefined;
  if (value['code'] !== undefined) {
    for (const key of Object.keys(value)) if (!CODE_FIELDS.has(key)) problem(key, 'unknown field for a check in code');
    const code = value['code'];
    if (code === 'aws-sts') spec = { kind: 'aws-sts' };
    else if (code === 'vault') spec = { kind: 'vault' };
    else if (code === 'azure-storage') spec = { kind: 'azure-storage' };
    else if (code === 'oauth-client-credentials') {
      const provider = value['provider'];
      if (!(OAUTH_PROVIDERS as readonly unknown[]).includes(provider)) problem('provider', `must be one of ${OAUTH_PROVIDERS.join(', ')}`);
      else spec = { kind: 'oauth-client-credentials', provider: provider as OAuthProvider };
      if (!companions.some((companion) => companion.id === 'oauth-client-id' || companion.id.endsWith('client-id'))) problem('code', 'a client-credentials check needs a client id companion ([[rules.companions]])');
    } else problem('code', `must be one of ${CODE_VERIFIERS.join(', ')}`);
  } else spec = parseHttp(value, companions, problem);
  return failed ? undefined : spec;
}
