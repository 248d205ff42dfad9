/** JSON report: a stable, documented schema (see README "Output formats"). */
import type { Reporter } from './context.js';
import { shownSecret, snippet } from './redact.js';
import { describeLocator } from './places.js';
import type { EntryProvenance } from '../types.js';

export const JSON_SCHEMA_VERSION = 1;

/** Where inside an artifact: the container chain, the decoded format and the place in it. */
function entryFields(provenance: EntryProvenance) {
  return {
    artifact: provenance.artifact,
    chain: provenance.chain,
    ...(provenance.format === undefined ? {} : { format: provenance.format }),
    ...(provenance.locator === undefined ? {} : { locator: provenance.locator, where: describeLocator(provenance.locator) }),
  };
}

export const jsonReporter: Reporter = (findings, context) => {
  const rules = new Map(context.rules.map((rule) => [rule.id, rule]));
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
      secret: shownSecret(finding.secret, context.redact),
      entropy: Math.round(finding.entropy * 1000) / 1000,
      ...(finding.history === undefined ? {} : { history: finding.history }),
      ...(finding.suppression === undefined ? {} : { suppression: finding.suppression }),
      occurrences: finding.occurrences.map((occurrence) => ({
        path: occurrence.provenance.path,
        ...(occurrence.provenance.kind === 'git' ? { commit: occurrence.provenance.commit } : {}),
        ...(occurrence.provenance.kind === 'entry' ? entryFields(occurrence.provenance) : {}),
        ...occurrence.region,
        encoding: occurrence.encoding,
        ...(occurrence.original === undefined ? {} : { original: occurrence.original }),
        ...(occurrence.shipped === undefined ? {} : { shipped: occurrence.shipped }),
        companions: occurrence.companions.map((companion) => ({ ruleId: companion.ruleId, secret: shownSecret(companion.secret, context.redact), ...companion.region })),
        snippet: snippet(occurrence, finding.secret, context.redact),
      })),
    })),
    notices: context.notices,
    stats: context.stats,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
};
