/**
 * AWS access keys: sts:GetCallerIdentity, signed with Signature Version 4. The call needs no
 * permission (an explicit deny cannot block it), changes nothing, and answers with the account and
 * the ARN of the key's identity.
 */
import { createHash, createHmac } from 'node:crypto';
import type { HttpAnswer } from './http.js';
import { shownValue, unrecognised, type Outcome, type Plan, type VerifyInput } from './plan.js';

/** The companion rule that carries the access key id next to its secret. */
export const ACCESS_KEY_ID_RULE = 'aws-paired-access-key-id';
const STS_URL = 'https://sts.amazonaws.com/';
const REGION = 'us-east-1';
const SERVICE = 'sts';

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function hmac(key: Buffer | string, text: string): Buffer {
  return createHmac('sha256', key).update(text, 'utf8').digest();
}

export interface SignInput {
  readonly method: string;
  readonly url: URL;
  /** Lower-case names; `host` and `x-amz-date` included. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
  readonly service: string;
  /** `YYYYMMDD'T'HHMMSS'Z'`. */
  readonly amzDate: string;
}

/** The `Authorization` header value of AWS Signature Version 4 for a request. */
export function signatureV4(input: SignInput): string {
  const names = Object.keys(input.headers).map((name) => name.toLowerCase()).sort();
  const canonicalHeaders = names.map((name) => `${name}:${input.headers[name]!.trim().replace(/\s+/g, ' ')}\n`).join('');
  const signedHeaders = names.join(';');
  const query = [...input.url.searchParams].map(([key, value]) => [encodeURIComponent(key), encodeURIComponent(value)]).sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0)).map(([key, value]) => `${key}=${value}`).join('&');
  const canonicalRequest = [input.method, input.url.pathname || '/', query, canonicalHeaders, signedHeaders, sha256Hex(input.body)].join('\n');
  const date = input.amzDate.slice(0, 8);
  const scope = `${date}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', input.amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${input.secretAccessKey}`, date), input.region), input.service), 'aws4_request');
  const signature = createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
  return `AWS4-HMAC-SHA256 Credential=${input.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
}

function amzDateOf(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** An element's text in STS's XML answer (`<Account>123456789012</Account>`). */
function xmlText(body: string, element: string): string | undefined {
  return new RegExp(`<${element}>([^<]{1,512})</${element}>`).exec(body)?.[1];
}

function interpret(answer: HttpAnswer, input: VerifyInput): Outcome {
  if (answer.status === 200) {
    const identity: Record<string, string> = {};
    for (const [name, element] of [['account', 'Account'], ['arn', 'Arn'], ['userId', 'UserId']] as const) {
      const value = shownValue(xmlText(answer.body, element), input);
      if (value !== undefined) identity[name] = value;
    }
    return { status: 'live', detail: `sts:GetCallerIdentity answered${identity['arn'] === undefined ? '' : `: ${identity['arn']}`}`, identity };
  }
  const code = xmlText(answer.body, 'Code');
  if (answer.status === 403 && (code === 'InvalidClientTokenId' || code === 'SignatureDoesNotMatch')) {
    return { status: 'invalid', detail: `AWS refused the key (${code})` };
  }
  if (answer.status === 403 && code === 'ExpiredToken') return { status: 'invalid', detail: 'AWS refused the key (ExpiredToken)' };
  return unrecognised(answer, 'sts.amazonaws.com');
}

export function planAwsSts(input: VerifyInput, now: Date = new Date()): Plan {
  const accessKeyId = input.companions.get(ACCESS_KEY_ID_RULE);
  if (accessKeyId === undefined) return { kind: 'unknown', detail: 'not checked: no access key id found next to the secret' };
  if (accessKeyId.startsWith('ASIA')) return { kind: 'unknown', detail: 'not checked: a temporary (ASIA) key needs its session token, which keyleak does not send' };
  const url = new URL(STS_URL);
  const body = 'Action=GetCallerIdentity&Version=2011-06-15';
  const amzDate = amzDateOf(now);
  const signed = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', host: url.host, 'x-amz-date': amzDate };
  const authorization = signatureV4({ method: 'POST', url, headers: signed, body, accessKeyId, secretAccessKey: input.secret, region: REGION, service: SERVICE, amzDate });
  const { host: _host, ...headers } = signed;
  return {
    kind: 'request',
    request: { method: 'POST', url, headers: { ...headers, accept: 'text/xml', authorization }, body },
    origin: input.builtinRule ? 'provider' : 'untrusted',
    interpret: (answer) => interpret(answer, input),
  };
}
