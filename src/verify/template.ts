/**
 * Verifier templates: `${secret}` and `${companion.<rule-id>}` inside URLs, headers and bodies.
 * Every value is encoded for the place it fills, so a value taken from a scanned file can add a
 * path segment's characters but never a new host, port, path, query parameter or header line.
 */

const PLACEHOLDER = /\$\{([a-z0-9.-]+)\}/g;

/** The names a template uses: `secret`, `companion.oauth-client-id`. */
export function placeholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((match) => match[1]!);
}

/** Values by placeholder name; a name without a value makes the template unusable. */
export type TemplateValues = ReadonlyMap<string, string>;

/** Fills `template`, encoding each value with `encode`; undefined when a value is missing or refused. */
export function fill(template: string, values: TemplateValues, encode: (value: string) => string | undefined = (value) => value): string | undefined {
  let missing = false;
  const filled = template.replace(PLACEHOLDER, (_, name: string) => {
    const value = values.get(name);
    const encoded = value === undefined ? undefined : encode(value);
    if (encoded === undefined) missing = true;
    return encoded ?? '';
  });
  return missing ? undefined : filled;
}

/** One DNS label (a tenant name in `${...}.provider.com`): letters, digits and inner hyphens only. */
export function hostLabel(value: string): string | undefined {
  return /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(value) ? value.toLowerCase() : undefined;
}

/** A path segment: everything but RFC 3986 pchar is percent-encoded, so `/`, `?`, `#` and `..` stay inside it. */
export function pathSegment(value: string): string | undefined {
  if (value === '' || value === '.' || value === '..') return undefined;
  return encodeURIComponent(value).replace(/%3A/g, ':').replace(/%40/g, '@');
}

/** A query value. */
export function queryValue(value: string): string {
  return encodeURIComponent(value);
}

/** A header value: no line break, NUL or other control character (a new header line), nothing HTTP cannot carry. */
export function headerValue(value: string): string | undefined {
  return /^[\t\x20-\x7e\x80-\xff]*$/.test(value) ? value : undefined;
}

/** A value inside a JSON string literal of a body template. */
export function jsonStringContent(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

/**
 * Fills a URL template: labels of the host, path segments and query values each with their own
 * encoding. The scheme, the literal part of the host and the port come from the template alone.
 */
export function fillUrl(template: string, values: TemplateValues): URL | undefined {
  const match = /^(https?:\/\/)([^/?#]*)([^?#]*)(\?[^#]*)?$/.exec(template);
  if (!match) return undefined;
  const [, scheme, host, path, query] = match as unknown as [string, string, string, string, string | undefined];
  const filledHost = fill(host, values, hostLabel);
  const filledPath = fill(path, values, pathSegment);
  const filledQuery = query === undefined ? '' : fill(query, values, queryValue);
  if (filledHost === undefined || filledPath === undefined || filledQuery === undefined) return undefined;
  try {
    return new URL(`${scheme}${filledHost}${filledPath}${filledQuery}`);
  } catch {
    return undefined;
  }
}

/**
 * Why a URL template could send a secret somewhere its rule file did not name, or undefined when
 * it cannot: an https URL whose host is literal, or whose placeholders fill one label each and are
 * followed by at least two literal labels (`${companion.algolia-app-id}-dsn.algolia.net`).
 */
export function urlTemplateProblem(template: string): string | undefined {
  const match = /^https:\/\/([^/?#]+)(?:[/?][^#]*)?$/.exec(template);
  if (!match) return 'must be an https:// URL without a fragment';
  const host = match[1]!;
  if (/[@\\]/.test(host)) return 'the host must not hold user information';
  if (!host.includes('${')) return /^[a-z0-9.-]+(?::[0-9]{1,5})?$/i.test(host) ? undefined : `"${host}" is not a host name`;
  const lastPlaceholder = host.lastIndexOf('}');
  const literalTail = host.slice(lastPlaceholder + 1);
  if (!/^[a-z0-9-]*(?:\.[a-z0-9-]+){2,}$/i.test(literalTail)) return 'a placeholder in the host must be followed by the provider\'s own domain (at least two literal labels)';
  if (/:/.test(host)) return 'a host with a placeholder cannot name a port';
  return undefined;
}
