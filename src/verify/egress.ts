/**
 * Where a secret may be sent. A request is planned with the reason its host is trusted; this module
 * alone decides whether it may go. The rule: a secret goes to the host its verifier names for the
 * provider (a built-in rule file's literal host, or a tenant sub-domain of the provider's own
 * domain), and to a host taken from anything else (the scanned content, a user's rule file) only
 * when the user named that host with `--verify-allow-host`. Plain HTTP only to such named hosts.
 */

/** Why a planned request's host could be trusted. */
export type HostOrigin =
  /** Named by keyleak itself: a built-in rule file's URL, a code verifier's provider domain. */
  | 'provider'
  /** Taken from the scanned content (a token URL, a self-hosted issuer) or from a rule file keyleak does not ship. */
  | 'untrusted';

export interface EgressPolicy {
  /** `--verify-allow-host` entries, lower-cased: `host` (default port) or `host:port`. */
  readonly allowedHosts: readonly string[];
}

/** `host[:port]` as typed by a user, checked: a name or IP and an optional port. */
export function parseAllowedHost(value: string): string | undefined {
  const match = /^(\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?)(?::([0-9]{1,5}))?$/i.exec(value.trim());
  if (!match) return undefined;
  const port = match[2] === undefined ? undefined : Number(match[2]);
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  return `${match[1]!.toLowerCase()}${port === undefined ? '' : `:${port}`}`;
}

function defaultPort(url: URL): string {
  return url.protocol === 'https:' ? '443' : '80';
}

/** Whether the user named this URL's host (and its port, when the URL has one that is not the default). */
export function userAllowed(url: URL, policy: EgressPolicy): boolean {
  const host = url.hostname.toLowerCase();
  const port = url.port === '' ? defaultPort(url) : url.port;
  return policy.allowedHosts.some((entry) => entry === `${host}:${port}` || (entry === host && port === defaultPort(url)));
}

/** Undefined when the request may go; otherwise why not, for the verification detail. */
export function egressRefusal(url: URL, origin: HostOrigin, policy: EgressPolicy): string | undefined {
  if (url.username !== '' || url.password !== '') return 'a URL with user information is never used';
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `${url.protocol} is not HTTP`;
  const allowed = userAllowed(url, policy);
  if (allowed) return undefined;
  const named = url.port === '' ? url.hostname : `${url.hostname}:${url.port}`;
  if (origin === 'untrusted') return `host ${named} is not allowed: it does not come from keyleak's own rules (allow it with --verify-allow-host ${named})`;
  if (url.protocol !== 'https:') return `plain HTTP to ${named} is refused (HTTPS only, except for --verify-allow-host hosts)`;
  return undefined;
}
