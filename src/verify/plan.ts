/** What a verifier produces: one request to send and how to read its answer, or why it cannot check. */
import type { Verification } from '../types.js';
import type { HostOrigin } from './egress.js';
import type { HttpAnswer, HttpRequest } from './http.js';

/** A verification without its time stamp. */
export type Outcome = Omit<Verification, 'checkedAt' | 'host'>;

/** The secret and the values of its companions (the nearest match of each companion rule). */
export interface VerifyInput {
  readonly secret: string;
  /** By companion rule id. */
  readonly companions: ReadonlyMap<string, string>;
  /** Whether the rule comes from keyleak's own rule files: only then is the host its verifier names trusted. */
  readonly builtinRule: boolean;
}

export type Plan =
  | { readonly kind: 'request'; readonly request: HttpRequest; readonly origin: HostOrigin; readonly interpret: (answer: HttpAnswer) => Outcome }
  | { readonly kind: 'unknown'; readonly detail: string };

/** The JSON value at a dotted path, or undefined. */
export function jsonAt(document: unknown, path: string): unknown {
  let value = document;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * A value a provider returned, fit for a report: one short line without control characters, and
 * never anything that holds the secret or a companion (a provider may echo what it was sent).
 */
export function shownValue(value: unknown, input: VerifyInput): string | undefined {
  // A list of plain values (scopes, an ACL) is shown joined; anything else is not an identity.
  if (Array.isArray(value) && value.length > 0 && value.every((item) => ['string', 'number', 'boolean'].includes(typeof item))) return shownValue(value.join(', '), input);
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return undefined;
  const text = String(value).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ').trim().slice(0, 160);
  if (text === '') return undefined;
  const sensitive = [input.secret, ...input.companions.values()].filter((item) => item.length >= 6);
  if (sensitive.some((item) => text.includes(item) || (text.length >= 8 && item.includes(text)))) return undefined;
  return text;
}

/** `error` of an OAuth or API error answer, when it is a plain code. */
export function errorCode(document: unknown): string | undefined {
  const error = jsonAt(document, 'error');
  return typeof error === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(error) ? error : undefined;
}

/** What every verifier says about answers it does not recognise. */
export function unrecognised(answer: HttpAnswer, host: string): Outcome {
  if (answer.status === 429) return { status: 'unknown', detail: `rate limited by ${host} (HTTP 429)` };
  if (answer.status >= 500) return { status: 'error', detail: `${host} failed (HTTP ${answer.status})` };
  return { status: 'unknown', detail: `HTTP ${answer.status} from ${host} is not an answer this verifier knows` };
}
