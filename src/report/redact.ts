/** How much of a secret a human-readable report shows. Every reporter goes through here. */
import type { Occurrence } from '../types.js';

const MASK = '*****';

/** Keeps a short prefix (enough to tell `sk_live_` from `ghp_`) and hides the rest, including its length. */
export function redactSecret(secret: string): string {
  const visible = secret.length >= 16 ? 4 : secret.length >= 8 ? 2 : 0;
  return secret.slice(0, visible) + MASK;
}

export function shownSecret(secret: string, redact: boolean): string {
  return redact ? redactSecret(secret) : secret;
}

/** The text around an occurrence with the secret in place, trimmed of leading indentation. */
export function snippet(occurrence: Occurrence, secret: string, redact: boolean): string {
  const shown = occurrence.encoding.length > 0 ? `[${occurrence.encoding.join('+')}-encoded ${shownSecret(secret, redact)}]` : shownSecret(secret, redact);
  return `${occurrence.before.trimStart()}${shown}${occurrence.after.trimEnd()}`;
}
