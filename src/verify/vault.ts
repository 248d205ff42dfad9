/**
 * HashiCorp Vault tokens: `GET /v1/auth/token/lookup-self` on the Vault the token sits next to
 * (VAULT_ADDR). Vault is self-hosted, so its address comes from the scanned content and is sent to
 * only when the user allows it; HCP Vault clusters (`*.hashicorp.cloud`) are HashiCorp's own domain.
 */
import type { HostOrigin } from './egress.js';
import type { HttpAnswer } from './http.js';
import { jsonAt, parseJson, shownValue, unrecognised, type Outcome, type Plan, type VerifyInput } from './plan.js';

/** The companion rule that carries the Vault address. */
export const VAULT_ADDRESS_RULE = 'vault-address';
const HCP_HOST = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.hashicorp\.cloud$/;

function interpret(answer: HttpAnswer, host: string, input: VerifyInput): Outcome {
  const document = parseJson(answer.body);
  if (answer.status === 200 && typeof jsonAt(document, 'data') === 'object') {
    const identity: Record<string, string> = {};
    for (const [name, path] of [['name', 'data.display_name'], ['policies', 'data.policies'], ['ttl', 'data.ttl']] as const) {
      const value = shownValue(jsonAt(document, path), input);
      if (value !== undefined) identity[name] = value;
    }
    return { status: 'live', detail: `${host} looked the token up${identity['policies'] === undefined ? '' : `: policies ${identity['policies']}`}`, identity };
  }
  // Vault answers a token it does not know, or one that expired, with 403 "permission denied".
  if (answer.status === 403) return { status: 'invalid', detail: `${host} refused the token (HTTP 403)` };
  return unrecognised(answer, host);
}

export function planVault(input: VerifyInput): Plan {
  const address = input.companions.get(VAULT_ADDRESS_RULE);
  let base: URL | undefined;
  try {
    base = address === undefined ? undefined : new URL(address);
  } catch {
    base = undefined;
  }
  if (base === undefined || (base.protocol !== 'https:' && base.protocol !== 'http:') || base.username !== '' || base.password !== '') {
    return { kind: 'unknown', detail: 'not checked: found no Vault address (VAULT_ADDR) next to the token' };
  }
  const hcp = base.protocol === 'https:' && HCP_HOST.test(base.hostname);
  const origin: HostOrigin = hcp && input.builtinRule ? 'provider' : 'untrusted';
  const url = new URL('/v1/auth/token/lookup-self', base.origin);
  return {
    kind: 'request',
    // HCP Vault issues tokens in the admin namespace.
    request: { method: 'GET', url, headers: { 'x-vault-token': input.secret, ...(hcp ? { 'x-vault-namespace': 'admin' } : {}) } },
    origin,
    interpret: (answer) => interpret(answer, url.host, input),
  };
}
