/** JSON report: a stable, documented schema (see README "Output formats"). */
import type { Reporter } from './context.js';
import { redactedLocator, redactor, type Redactor } from './redact.js';
import { describeLocator } from './places.js';
import { redactedVerification } from './verification.js';
import type { EntryProvenance, Notice, Occurrence, OriginalPosition, SecretHistory, ShippedTo } from '../types.js';

export const JSON_SCHEMA_VERSION = 1;

/** Where inside an artifact: the container chain, the decoded format and the place in it. */
function entryFields(provenance: EntryProvenance, redactor: Redactor) {
  return {
    artifact: redactor.text(provenance.artifact),
    chain: provenance.chain.map(redactor.text),
    ...(provenance.format === undefined ? {} : { format: provenance.format }),
    ...(provenance.locator === undefined ? {} : { locator: redactedLocator(provenance.locator, redactor), where: redactor.text(describeLocator(provenance.locator)) }),
  };
}

function redactedOriginal(original: OriginalPosition, redactor: Redactor): OriginalPosition {
  return { ...original, source: redactor.text(original.source), ...(original.envVariable === undefined ? {} : { envVariable: redactor.text(original.envVariable) }) };
}

function redactedShipped(shipped: ShippedTo, redactor: Redactor): ShippedTo {
  return { ...shipped, ...(shipped.app === undefined ? {} : { app: redactor.text(shipped.app) }), ...(shipped.variable === undefined ? {} : { variable: redactor.text(shipped.variable) }) };
}

export function redactedNotice(notice: Notice, redactor: Redactor): Notice {
  return { ...notice, message: redactor.text(notice.message), ...(notice.path === undefined ? {} : { path: redactor.text(notice.path) }) };
}

function redactedHistory(history: SecretHistory, redactor: Redactor): SecretHistory {
  return {
    ...history,
    introduced: redactor.commit(history.introduced),
    ...(history.removedIn === undefined ? {} : { removedIn: redactor.commit(history.removedIn) }),
    ...(history.onlyOn === undefined ? {} : { onlyOn: history.onlyOn.map(redactor.text) }),
  };
}

function occurrenceFields(occurrence: Occurrence, secret: string, redactor: Redactor) {
  const { provenance } = occurrence;
  return {
    path: redactor.text(provenance.path),
    ...(provenance.kind === 'git' ? { commit: redactor.commit(provenance.commit) } : {}),
    ...(provenance.kind === 'entry' ? entryFields(provenance, redactor) : {}),
    ...occurrence.region,
    encoding: occurrence.encoding,
    ...(occurrence.original === undefined ? {} : { original: redactedOriginal(occurrence.original, redactor) }),
    ...(occurrence.shipped === undefined ? {} : { shipped: redactedShipped(occurrence.shipped, redactor) }),
    companions: occurrence.companions.map((companion) => ({
      ruleId: companion.ruleId,
      secret: redactor.secret(companion.secret),
      ...companion.region,
      ...(companion.locator === undefined ? {} : { locator: redactedLocator(companion.locator, redactor), where: redactor.text(describeLocator(companion.locator)) }),
    })),
    snippet: redactor.snippet(occurrence, secret),
  };
}

export const jsonReporter: Reporter = (findings, context) => {
  const rules = new Map(context.rules.map((rule) => [rule.id, rule]));
  const shown = redactor(findings, context.redact);
  const document = {
    schemaVersion: JSON_SCHEMA_VERSION,
    tool: { name: 'keyleak', version: context.toolVersion },
    redacted: context.redact,
    findings: findings.map((finding) => ({
      ruleId: finding.ruleId,
      provider: rules.get(finding.ruleId)?.provider ?? '',
      level: finding.level,
      exposure: finding.exposure,
      fingerprint: finding.fingerprint,
      secret: shown.secret(finding.secret),
      entropy: Math.round(finding.entropy * 1000) / 1000,
      ...(finding.likelyPlaceholder === undefined ? {} : { likelyPlaceholder: finding.likelyPlaceholder }),
      ...(finding.history === undefined ? {} : { history: redactedHistory(finding.history, shown) }),
      ...(finding.suppression === undefined ? {} : { suppression: { ...finding.suppression, justification: shown.text(finding.suppression.justification) } }),
      ...(finding.verification === undefined ? {} : { verification: redactedVerification(finding.verification, shown) }),
      occurrences: finding.occurrences.map((occurrence) => occurrenceFields(occurrence, finding.secret, shown)),
    })),
    notices: context.notices.map((notice) => redactedNotice(notice, shown)),
    stats: context.stats,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
};
