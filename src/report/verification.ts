/** How `--verify` results appear in reports: every field through the redactor, like all scanned data. */
import type { Verification } from '../types.js';
import type { Redactor } from './redact.js';

/** SARIF `security-severity` of a result whose secret the provider accepted: critical. */
export const LIVE_SECURITY_SEVERITY = '9.5';

export function redactedVerification(verification: Verification, redactor: Redactor): Verification {
  return {
    ...verification,
    detail: redactor.text(verification.detail),
    ...(verification.host === undefined ? {} : { host: redactor.text(verification.host) }),
    ...(verification.identity === undefined ? {} : { identity: Object.fromEntries(Object.entries(verification.identity).map(([name, value]) => [name, redactor.text(value)])) }),
  };
}

/** `LIVE`, `LIVE (grant disabled)`, `invalid`, `unknown`, `error`: the marker text reports show. */
export function verificationLabel(verification: Verification): string {
  if (verification.status === 'live') return verification.grantDisabled ? 'LIVE (grant disabled)' : 'LIVE';
  return verification.status;
}
