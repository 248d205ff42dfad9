/** Verifiers written as data in rule files (`[rules.verify]` with a URL): see ruleset/verify-spec.ts. */
import type { AnswerMatch, HttpVerifySpec } from '../types.js';
import type { HttpAnswer } from './http.js';
import { jsonAt, parseJson, shownValue, unrecognised, type Outcome, type Plan, type VerifyInput } from './plan.js';
import { fill, fillUrl, headerValue, jsonStringContent, type TemplateValues } from './template.js';

function templateValues(spec: HttpVerifySpec, input: VerifyInput): TemplateValues | undefined {
  const values = new Map([['secret', input.secret], ...[...input.companions].map(([id, value]) => [`companion.${id}`, value] as [string, string])]);
  if (spec.secretParts === undefined) return values;
  const groups = new RegExp(spec.secretParts).exec(input.secret.replace(/\\\//g, '/'))?.groups;
  if (groups === undefined) return undefined;
  for (const [name, value] of Object.entries(groups)) if (value !== undefined) values.set(`part.${name}`, value);
  return values;
}

function matches(match: AnswerMatch, answer: HttpAnswer, document: () => unknown): boolean {
  if (!match.status.includes(answer.status)) return false;
  if (match.absent?.some((path) => jsonAt(document(), path) !== undefined)) return false;
  return Object.entries(match.json).every(([path, expected]) => {
    const value = jsonAt(document(), path);
    return expected.some((item) => item === value);
  });
}

function missingCompanions(spec: HttpVerifySpec, values: TemplateValues): string[] {
  const templates = [spec.url, ...Object.values(spec.headers), ...(spec.basic ?? []), ...Object.values(spec.form ?? {}), spec.json ?? ''];
  const names = templates.flatMap((template) => [...template.matchAll(/\$\{(companion\.[a-z0-9-]+)\}/g)].map((match) => match[1]!));
  return [...new Set(names.filter((name) => !values.has(name)))].map((name) => name.slice('companion.'.length));
}

export function planHttp(spec: HttpVerifySpec, input: VerifyInput): Plan {
  const values = templateValues(spec, input);
  if (values === undefined) return { kind: 'unknown', detail: 'not checked: the secret does not have the shape its verifier reads' };
  const missing = missingCompanions(spec, values);
  if (missing.length > 0) return { kind: 'unknown', detail: `not checked: no ${missing.join(', ')} found next to the secret` };
  const url = fillUrl(spec.url, values);
  if (url === undefined) return { kind: 'unknown', detail: 'not checked: a companion value does not fit the verifier URL' };
  const headers: Record<string, string> = {};
  for (const [name, template] of Object.entries(spec.headers)) {
    const value = fill(template, values, headerValue);
    if (value === undefined) return { kind: 'unknown', detail: `not checked: a value does not fit header ${name}` };
    headers[name.toLowerCase()] = value;
  }
  if (spec.basic) {
    const [user, password] = spec.basic.map((template) => fill(template, values));
    if (user === undefined || password === undefined || user.includes(':')) return { kind: 'unknown', detail: 'not checked: a value does not fit Basic credentials' };
    headers['authorization'] = `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
  }
  let body: string | undefined;
  if (spec.form) {
    const form = new URLSearchParams();
    for (const [name, template] of Object.entries(spec.form)) form.append(name, fill(template, values) ?? '');
    body = form.toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  } else if (spec.json !== undefined) {
    body = fill(spec.json, values, jsonStringContent);
    headers['content-type'] = 'application/json';
  }
  const host = url.host;
  const interpret = (answer: HttpAnswer): Outcome => {
    let parsed: unknown;
    let read = false;
    const document = (): unknown => {
      if (!read) {
        parsed = parseJson(answer.body);
        read = true;
      }
      return parsed;
    };
    if (spec.live.some((match) => matches(match, answer, document))) {
      const identity: Record<string, string> = {};
      for (const [name, source] of Object.entries(spec.identity)) {
        const raw = source.startsWith('json:') ? jsonAt(document(), source.slice(5)) : answer.headers[source.slice(7).toLowerCase()];
        const value = shownValue(raw, input);
        if (value !== undefined) identity[name] = value;
      }
      const described = Object.entries(identity).map(([name, value]) => `${name} ${value}`).join(', ');
      return { status: 'live', detail: `${host} accepted it (HTTP ${answer.status})${described === '' ? '' : `: ${described}`}`, ...(described === '' ? {} : { identity }) };
    }
    if (spec.invalid.some((match) => matches(match, answer, document))) return { status: 'invalid', detail: `${host} refused it (HTTP ${answer.status})` };
    return unrecognised(answer, host);
  };
  return {
    kind: 'request',
    request: { method: spec.method, url, headers, ...(body === undefined ? {} : { body }) },
    origin: input.builtinRule ? 'provider' : 'untrusted',
    interpret,
  };
}
