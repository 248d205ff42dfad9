/**
 * Azure Storage account keys: List Containers (one result) on the account's own Blob endpoint,
 * signed with Shared Key. The account name, found next to the key, fills one label under
 * blob.core.windows.net; the call reads nothing but a container name and changes nothing.
 */
import { createHmac } from 'node:crypto';
import type { HttpAnswer } from './http.js';
import { unrecognised, type Outcome, type Plan, type VerifyInput } from './plan.js';

/** The companion rule that carries the storage account name. */
export const ACCOUNT_NAME_RULE = 'azure-storage-account-name';
const API_VERSION = '2021-08-06';

export interface SharedKeyInput {
  readonly method: string;
  readonly account: string;
  /** base64, as the portal shows it. */
  readonly key: string;
  readonly url: URL;
  /** `x-ms-*` headers, lower-case names. */
  readonly msHeaders: Readonly<Record<string, string>>;
}

/**
 * The `Authorization` value of Shared Key for a request without a body (Blob service, version
 * 2015-02-21 and later): the documented string to sign, with empty standard headers.
 */
export function sharedKeyAuthorization(input: SharedKeyInput): string {
  const canonicalHeaders = Object.keys(input.msHeaders)
    .map((name) => name.toLowerCase())
    .sort()
    .map((name) => `${name}:${input.msHeaders[name]!.trim()}\n`)
    .join('');
  const parameters = new Map<string, string[]>();
  for (const [name, value] of input.url.searchParams) parameters.set(name.toLowerCase(), [...(parameters.get(name.toLowerCase()) ?? []), value]);
  const canonicalResource = [`/${input.account}${input.url.pathname}`, ...[...parameters.keys()].sort().map((name) => `${name}:${parameters.get(name)!.sort().join(',')}`)].join('\n');
  // VERB, then Content-Encoding, -Language, -Length, -MD5, -Type, Date, If-Modified-Since, If-Match,
  // If-None-Match, If-Unmodified-Since and Range, all empty here.
  const stringToSign = `${input.method}\n${'\n'.repeat(11)}${canonicalHeaders}${canonicalResource}`;
  const signature = createHmac('sha256', Buffer.from(input.key, 'base64')).update(stringToSign, 'utf8').digest('base64');
  return `SharedKey ${input.account}:${signature}`;
}

function interpret(answer: HttpAnswer, host: string): Outcome {
  if (answer.status === 200 && answer.body.includes('<EnumerationResults')) return { status: 'live', detail: `${host} listed the account's containers with the key` };
  const code = /<Code>([A-Za-z]{1,64})<\/Code>/.exec(answer.body)?.[1];
  if (answer.status === 403 && code === 'AuthenticationFailed') return { status: 'invalid', detail: `${host} refused the key (AuthenticationFailed)` };
  return unrecognised(answer, host);
}

export function planAzureStorage(input: VerifyInput, now: Date = new Date()): Plan {
  const account = input.companions.get(ACCOUNT_NAME_RULE);
  if (account === undefined || !/^[a-z0-9]{3,24}$/.test(account)) return { kind: 'unknown', detail: 'not checked: found no storage account name next to the key' };
  const url = new URL(`https://${account}.blob.core.windows.net/?comp=list&maxresults=1`);
  const msHeaders = { 'x-ms-date': now.toUTCString(), 'x-ms-version': API_VERSION };
  const authorization = sharedKeyAuthorization({ method: 'GET', account, key: input.secret, url, msHeaders });
  return {
    kind: 'request',
    request: { method: 'GET', url, headers: { ...msHeaders, accept: 'application/xml', authorization } },
    origin: input.builtinRule ? 'provider' : 'untrusted',
    interpret: (answer) => interpret(answer, url.host),
  };
}
