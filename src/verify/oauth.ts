/**
 * OAuth 2.0 client credentials (RFC 6749 §4.4): a client id and client secret found together are
 * sent to the provider's token endpoint. A token means live (it is never read beyond its presence,
 * never printed, never kept); `invalid_client` means invalid; `unauthorized_client` means the pair
 * authenticated but may not use this grant: still a working secret, reported as such.
 *
 * The endpoint's host is the provider's (a fixed host, or a tenant sub-domain of the provider's own
 * domain, found next to the secret); a self-hosted issuer (Keycloak) or a token URL written in the
 * scanned file is a host from the content, which the egress policy sends to only when allowed.
 */
import type { OAuthProvider } from '../types.js';
import type { HostOrigin } from './egress.js';
import type { HttpAnswer } from './http.js';
import { errorCode, jsonAt, parseJson, shownValue, unrecognised, type Outcome, type Plan, type VerifyInput } from './plan.js';

/** Companion rules that carry the pieces: ids, token URLs, issuers and tenants. */
export const TOKEN_URL_RULE = 'oauth-token-url';
export const ISSUER_RULE = 'oauth-issuer';
/** Client ids are `oauth-client-id`, a provider's `<provider>-client-id`, or Salesforce's consumer key. */
const CLIENT_ID_RULE = /^(?:oauth|[a-z0-9]+(?:-oauth)?)-client-id$|^salesforce-consumer-key$/;

/**
 * Providers with one token endpoint for every client, as their documentation gives it, and what
 * a client-credentials request there needs besides the pair.
 */
const FIXED_ENDPOINTS: Partial<Readonly<Record<OAuthProvider, { readonly url: string; readonly params?: Readonly<Record<string, string>> }>>> = {
  spotify: { url: 'https://accounts.spotify.com/api/token' },
  twitch: { url: 'https://id.twitch.tv/oauth2/token' },
  discord: { url: 'https://discord.com/api/v10/oauth2/token', params: { scope: 'identify' } },
  linkedin: { url: 'https://www.linkedin.com/oauth/v2/accessToken' },
  adobe: { url: 'https://ims-na1.adobelogin.com/ims/token/v3', params: { scope: 'openid' } },
};

interface Endpoint {
  readonly url: URL;
  readonly origin: HostOrigin;
}

type Resolved = Endpoint | { readonly missing: string };

const PROVIDER_NAMES: Readonly<Record<OAuthProvider, string>> = {
  auth0: 'Auth0',
  okta: 'Okta',
  entra: 'Microsoft Entra ID',
  google: 'Google',
  salesforce: 'Salesforce',
  cognito: 'Amazon Cognito',
  keycloak: 'Keycloak',
  spotify: 'Spotify',
  twitch: 'Twitch',
  discord: 'Discord',
  linkedin: 'LinkedIn',
  adobe: 'Adobe',
  generic: 'OAuth',
};

/** How each provider wants the client to authenticate (RFC 6749 §2.3.1), as its documentation shows. */
const CLIENT_AUTH: Readonly<Record<OAuthProvider, 'basic' | 'post'>> = {
  auth0: 'post',
  okta: 'basic',
  entra: 'post',
  google: 'post',
  salesforce: 'post',
  cognito: 'basic',
  keycloak: 'basic',
  spotify: 'basic',
  twitch: 'post',
  discord: 'basic',
  linkedin: 'post',
  adobe: 'post',
  generic: 'post',
};

function parseUrl(text: string | undefined): URL | undefined {
  if (text === undefined) return undefined;
  try {
    return new URL(/^https?:\/\//i.test(text) ? text : `https://${text}`);
  } catch {
    return undefined;
  }
}

const AUTH0_HOST = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z]{2,3})?\.auth0\.com$/;
const OKTA_HOST = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.(?:okta|oktapreview|okta-emea)\.com$/;
const COGNITO_HOST = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.auth\.[a-z]{2}-[a-z]+-[0-9]\.amazoncognito\.com$/;
const SALESFORCE_HOST = /^(?:login|test|[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:--[a-z0-9]+)?(?:\.sandbox)?\.my)\.salesforce\.com$/;
const ENTRA_TENANT = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){1,4})$/i;

/** The issuer or tenant companion as a URL on one of the provider's hosts, with https only. */
function providerHost(candidates: readonly (string | undefined)[], host: RegExp): string | undefined {
  for (const candidate of candidates) {
    const url = parseUrl(candidate);
    if (url && url.protocol === 'https:' && url.port === '' && host.test(url.hostname)) return url.hostname;
  }
  return undefined;
}

function endpointFor(provider: OAuthProvider, input: VerifyInput): Resolved {
  const tokenUrl = input.companions.get(TOKEN_URL_RULE);
  const issuer = input.companions.get(ISSUER_RULE);
  const places = [issuer, tokenUrl];
  const fixed = (url: string): Endpoint => ({ url: new URL(url), origin: 'provider' });
  switch (provider) {
    case 'auth0': {
      const host = providerHost(places, AUTH0_HOST);
      return host === undefined ? { missing: 'Auth0 tenant domain (*.auth0.com)' } : fixed(`https://${host}/oauth/token`);
    }
    case 'okta': {
      const host = providerHost(places, OKTA_HOST);
      if (host === undefined) return { missing: 'Okta org URL (*.okta.com)' };
      // A custom authorization server is /oauth2/<id>. The org server (/oauth2/v1) takes client
      // credentials only with private_key_jwt and would refuse any secret as invalid_client, so a
      // pair without a named server is tried on the default custom server.
      const named = /\/oauth2\/([A-Za-z0-9]{1,64})(?:\/|$)/.exec(parseUrl(issuer ?? tokenUrl)?.pathname ?? '')?.[1];
      const server = named === undefined || named === 'v1' ? 'default' : named;
      return fixed(`https://${host}/oauth2/${server}/v1/token`);
    }
    case 'entra': {
      const fromUrl = parseUrl(issuer);
      const tenant = fromUrl?.hostname === 'login.microsoftonline.com' ? fromUrl.pathname.split('/')[1] : issuer;
      if (tenant === undefined || !ENTRA_TENANT.test(tenant) || ['common', 'organizations', 'consumers'].includes(tenant.toLowerCase())) return { missing: 'Entra tenant id or tenant domain' };
      return fixed(`https://login.microsoftonline.com/${encodeURIComponent(tenant)}/oauth2/v2.0/token`);
    }
    case 'google':
      return fixed('https://oauth2.googleapis.com/token');
    case 'salesforce': {
      const host = providerHost(places, SALESFORCE_HOST) ?? 'login.salesforce.com';
      return fixed(`https://${host}/services/oauth2/token`);
    }
    case 'cognito': {
      const host = providerHost(places, COGNITO_HOST);
      return host === undefined ? { missing: 'Cognito domain (*.auth.<region>.amazoncognito.com)' } : fixed(`https://${host}/oauth2/token`);
    }
    case 'keycloak': {
      const realm = parseUrl(issuer);
      const match = realm && /^(.*\/realms\/[A-Za-z0-9._-]{1,128})(?:\/|$)/.exec(realm.pathname);
      if (realm && match) return { url: new URL(`${realm.origin}${match[1]}/protocol/openid-connect/token`), origin: 'untrusted' };
      const url = parseUrl(tokenUrl);
      return url === undefined ? { missing: 'Keycloak realm URL (…/realms/<realm>)' } : { url, origin: 'untrusted' };
    }
    case 'generic': {
      const url = parseUrl(tokenUrl);
      return url === undefined ? { missing: 'token endpoint URL (token_url = "https://…/token")' } : { url, origin: 'untrusted' };
    }
    default:
      return fixed(FIXED_ENDPOINTS[provider]!.url);
  }
}

function clientIdOf(input: VerifyInput): string | undefined {
  return [...input.companions].find(([ruleId]) => CLIENT_ID_RULE.test(ruleId))?.[1];
}

/**
 * Reads a token endpoint's answer. Only the presence of `access_token` is looked at in a success;
 * the token itself is dropped with the answer.
 */
function interpret(provider: OAuthProvider, host: string, answer: HttpAnswer, input: VerifyInput): Outcome {
  const document = parseJson(answer.body);
  const name = PROVIDER_NAMES[provider];
  if (answer.status === 200 && typeof jsonAt(document, 'access_token') === 'string') {
    const scope = shownValue(jsonAt(document, 'scope'), input);
    return { status: 'live', detail: `${host} issued an access token for the client credentials (not kept)${scope === undefined ? '' : `; scope ${scope}`}`, ...(scope === undefined ? {} : { identity: { scope } }) };
  }
  const error = errorCode(document);
  if (error === 'invalid_client' || (answer.status === 401 && error === undefined)) return { status: 'invalid', detail: `${name} refused the client credentials (${error ?? 'HTTP 401'})` };
  // Twitch answers without an OAuth error code: {"status":403,"message":"invalid client secret"}.
  const message = jsonAt(document, 'message');
  if (provider === 'twitch' && (answer.status === 400 || answer.status === 403) && (message === 'invalid client' || message === 'invalid client secret')) {
    return { status: 'invalid', detail: `Twitch refused the client credentials (${message})` };
  }
  if (error === 'unauthorized_client') {
    return { status: 'live', grantDisabled: true, detail: `${name} authenticated the client but the client credentials grant is not enabled for it (unauthorized_client): the secret works` };
  }
  // Google has no client credentials grant: an authorization code that does not exist is refused
  // with invalid_grant only after the client authenticated (a wrong secret is invalid_client).
  if (provider === 'google' && error === 'invalid_grant') {
    return { status: 'live', grantDisabled: true, detail: 'Google authenticated the client (the probe authorization code was refused with invalid_grant): the secret works' };
  }
  if (error !== undefined && answer.status < 500 && answer.status !== 429) return { status: 'unknown', detail: `${name} answered ${error} (HTTP ${answer.status}), which does not say whether the client authenticated` };
  return unrecognised(answer, host);
}

export function planOAuth(provider: OAuthProvider, input: VerifyInput): Plan {
  const clientId = clientIdOf(input);
  if (clientId === undefined) return { kind: 'unknown', detail: 'not checked: no client id found next to the secret' };
  const endpoint = endpointFor(provider, input);
  if ('missing' in endpoint) return { kind: 'unknown', detail: `not checked: found no ${endpoint.missing} next to the secret` };
  const form = new URLSearchParams(provider === 'google' ? { grant_type: 'authorization_code', code: 'keyleak-verification-probe', redirect_uri: 'http://localhost' } : { grant_type: 'client_credentials' });
  if (provider === 'entra') form.set('scope', 'https://graph.microsoft.com/.default');
  for (const [name, value] of Object.entries(FIXED_ENDPOINTS[provider]?.params ?? {})) form.set(name, value);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (CLIENT_AUTH[provider] === 'basic') {
    // RFC 6749 §2.3.1: the id and secret are form-encoded before they are joined for Basic.
    headers['authorization'] = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(input.secret)}`).toString('base64')}`;
  } else {
    form.set('client_id', clientId);
    form.set('client_secret', input.secret);
  }
  const host = endpoint.url.host;
  return {
    kind: 'request',
    request: { method: 'POST', url: endpoint.url, headers, body: form.toString() },
    // A user's rule file may call this verifier too: its endpoint is then never the provider's word.
    origin: input.builtinRule ? endpoint.origin : 'untrusted',
    interpret: (answer) => interpret(provider, host, answer, input),
  };
}
