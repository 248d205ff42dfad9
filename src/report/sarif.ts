/** SARIF 2.1.0 for GitHub code scanning and every SARIF viewer (architecture decision 12). */
import { pathToFileURL } from 'node:url';
import type { Log, Location, Notification, ReportingDescriptor, Result } from 'sarif';
import type { EntryProvenance, Finding, Occurrence, RuleSpec } from '../types.js';
import { describeLocator } from './places.js';
import { LIKELY_PLACEHOLDER_NOTE, securitySeverity, type Reporter } from './context.js';
import { redactedLocator, redactor as redactorFor, type Redactor } from './redact.js';
import { LIVE_SECURITY_SEVERITY, redactedVerification, verificationLabel } from './verification.js';

const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const INFORMATION_URI = 'https://github.com/keyleak/keyleak';
const SRCROOT = '%SRCROOT%';

/** `stripe-secret-key` → `StripeSecretKey`, the SARIF convention for rule names. */
function ruleName(id: string): string {
  return id.replace(/(?:^|-)([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

function helpText(rule: RuleSpec): string {
  const references = rule.references.length > 0 ? `\n\nReferences:\n${rule.references.map((url) => `- ${url}`).join('\n')}` : '';
  return `${sentence(rule.remediation)}${references}`;
}

function descriptor(rule: RuleSpec): ReportingDescriptor {
  return {
    id: rule.id,
    name: ruleName(rule.id),
    shortDescription: { text: sentence(`${rule.provider}: ${rule.id}`) },
    fullDescription: { text: sentence(rule.description) },
    help: { text: helpText(rule), markdown: helpText(rule) },
    ...(rule.references[0] === undefined ? {} : { helpUri: rule.references[0] }),
    defaultConfiguration: { level: rule.level },
    properties: {
      tags: ['security', 'secret', rule.exposure, rule.provider],
      precision: rule.generic ? 'medium' : 'high',
      'security-severity': securitySeverity(rule.level),
    },
  };
}

/** Paths under the scan root are relative to %SRCROOT%; paths outside it become absolute file URIs. */
function artifactLocation(rawPath: string, redactor: Redactor): { uri: string; uriBaseId?: string } {
  const path = redactor.text(rawPath);
  if (path.startsWith('/')) return { uri: pathToFileURL(path).href };
  return { uri: encodeURI(path).replace(/[?#]/g, encodeURIComponent), uriBaseId: SRCROOT };
}

/**
 * A place inside an artifact: the physical location is the artifact on disk (line 1: a binary has
 * no lines, and GitHub needs one), the logical location and properties carry the inner chain.
 */
function entryLocation(provenance: EntryProvenance, occurrence: Occurrence, secret: string, redactor: Redactor): Location {
  const where = provenance.locator === undefined ? undefined : redactor.text(describeLocator(provenance.locator));
  const path = redactor.text(provenance.path);
  return {
    physicalLocation: { artifactLocation: artifactLocation(provenance.artifact, redactor), region: { startLine: 1, snippet: { text: redactor.snippet(occurrence, secret) } } },
    logicalLocations: [{ name: where ?? redactor.text(provenance.chain.at(-1) ?? provenance.artifact), fullyQualifiedName: where === undefined ? path : `${path} ${where}`, kind: where === undefined ? 'module' : 'element' }],
    properties: {
      artifactChain: [provenance.artifact, ...provenance.chain].map(redactor.text),
      ...(provenance.format === undefined ? {} : { format: provenance.format }),
      ...(provenance.locator === undefined ? {} : { locator: redactedLocator(provenance.locator, redactor) }),
      innerRegion: occurrence.region,
    },
  };
}

function location(occurrence: Occurrence, secret: string, redactor: Redactor, id?: number): Location {
  const { provenance } = occurrence;
  const label = id === undefined ? {} : { id, message: { text: 'Same secret.' } };
  if (provenance.kind === 'entry') return { ...label, ...entryLocation(provenance, occurrence, secret, redactor) };
  return {
    ...label,
    physicalLocation: {
      artifactLocation: artifactLocation(provenance.path, redactor),
      region: { ...occurrence.region, snippet: { text: redactor.snippet(occurrence, secret) } },
    },
    ...(provenance.kind === 'git' ? { properties: { commit: provenance.commit.sha, author: redactor.text(provenance.commit.email), date: provenance.commit.date } } : {}),
  };
}

function result(finding: Finding, ruleIndex: number, rule: RuleSpec, redactor: Redactor): Result {
  const [first, ...others] = finding.occurrences;
  const elsewhere = others.length === 0 ? '' : ` It also appears in ${others.length} other place${others.length === 1 ? '' : 's'}.`;
  const companions = finding.occurrences.flatMap((occurrence) => occurrence.companions.map((companion) => ({ occurrence, companion })));
  const pairedWith = companions.length === 0 ? '' : ` Paired with ${[...new Set(companions.map(({ companion }) => companion.ruleId))].join(', ')}.`;
  const shippedTo = finding.exposure === 'confidential' ? finding.occurrences.find((occurrence) => occurrence.shipped)?.shipped : undefined;
  const exposedNote = shippedTo === undefined ? '' : shippedTo.via === 'app' ? ` It is shipped inside ${redactor.text(shippedTo.app ?? '')}, which anyone can download and unpack.` : ' It is shipped to every user of the site or app.';
  const originals = finding.occurrences.flatMap((occurrence) => (occurrence.original === undefined ? [] : [occurrence.original]));
  const verification = finding.verification === undefined ? undefined : redactedVerification(finding.verification, redactor);
  const placeholderNote = finding.likelyPlaceholder === undefined ? '' : ` Likely placeholder: ${LIKELY_PLACEHOLDER_NOTE}.`;
  const verifiedNote = verification === undefined ? '' : ` Verification: ${verificationLabel(verification)} (${verification.detail}).`;
  const related: Location[] = [
    ...others.map((occurrence, index) => location(occurrence, finding.secret, redactor, index + 1)),
    ...originals.map((original, index) => ({
      id: others.length + index + 1,
      message: { text: 'Original source, from the source map.' },
      physicalLocation: { artifactLocation: { uri: encodeURI(redactor.text(original.source)) }, region: { startLine: original.line, startColumn: original.column } },
    })),
    ...companions.map(({ occurrence, companion }, index) => ({
      id: others.length + originals.length + index + 1,
      message: { text: companion.locator === undefined ? `Paired ${companion.ruleId}.` : `Paired ${companion.ruleId} at ${redactor.text(describeLocator(companion.locator))}.` },
      physicalLocation: occurrence.provenance.kind === 'entry' ? { artifactLocation: artifactLocation(occurrence.provenance.artifact, redactor), region: { startLine: 1 } } : { artifactLocation: artifactLocation(occurrence.provenance.path, redactor), region: companion.region },
    })),
  ];
  return {
    ruleId: finding.ruleId,
    ruleIndex,
    level: finding.level,
    message: { text: `${rule.provider} ${finding.exposure} secret ${redactor.secret(finding.secret)} (${finding.ruleId}).${placeholderNote}${verifiedNote}${exposedNote}${pairedWith}${elsewhere}` },
    locations: [location(first!, finding.secret, redactor)],
    ...(related.length === 0 ? {} : { relatedLocations: related }),
    partialFingerprints: { 'keyleak/v1': finding.fingerprint },
    ...(finding.suppression === undefined ? {} : { suppressions: [{ kind: 'external', status: 'accepted', justification: redactor.text(finding.suppression.justification) }] }),
    properties: {
      exposure: finding.exposure,
      ...(finding.likelyPlaceholder === undefined ? {} : { likelyPlaceholder: finding.likelyPlaceholder }),
      ...(shippedTo === undefined ? {} : { shippedToClients: true, shippedVia: shippedTo.via, ...(shippedTo.variable === undefined ? {} : { publicEnvVariable: redactor.text(shippedTo.variable) }), ...(shippedTo.app === undefined ? {} : { appPackage: redactor.text(shippedTo.app) }) }),
      entropy: Math.round(finding.entropy * 1000) / 1000,
      occurrences: finding.occurrences.length,
      encoding: first!.encoding,
      ...(verification === undefined ? {} : { verification }),
      // GitHub ranks alerts by security-severity: a secret the provider accepted is critical whatever the rule's level.
      ...(verification?.status === 'live' ? { 'security-severity': LIVE_SECURITY_SEVERITY, tags: ['verified-live'] } : {}),
      ...(finding.history === undefined
        ? {}
        : {
            introducedIn: finding.history.introduced.sha,
            presentAtHead: finding.history.presentAtHead,
            ...(finding.history.removedIn ? { removedIn: finding.history.removedIn.sha } : {}),
            ...(finding.history.onlyOn ? { onlyOn: finding.history.onlyOn.map(redactor.text) } : {}),
          }),
    },
  };
}

export const sarifReporter: Reporter = (findings, context) => {
  const ruleIndex = new Map(context.rules.map((rule, index) => [rule.id, index]));
  const redactor = redactorFor(findings, context.redact);
  const notifications: Notification[] = context.notices.map((notice) => ({
    level: notice.level,
    message: { text: sentence(redactor.text(notice.path === undefined ? notice.message : `${notice.path}: ${notice.message}`)) },
    descriptor: { id: notice.code },
    ...(notice.path === undefined ? {} : { locations: [{ physicalLocation: { artifactLocation: artifactLocation(notice.path, redactor) } }] }),
  }));
  const log: Log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'keyleak',
            version: context.toolVersion,
            semanticVersion: context.toolVersion,
            informationUri: INFORMATION_URI,
            rules: context.rules.map(descriptor),
          },
        },
        originalUriBaseIds: { [SRCROOT]: { uri: pathToFileURL(context.cwd.endsWith('/') ? context.cwd : `${context.cwd}/`).href } },
        invocations: [{ executionSuccessful: true, toolExecutionNotifications: notifications }],
        columnKind: 'utf16CodeUnits',
        results: findings.map((finding) => result(finding, ruleIndex.get(finding.ruleId)!, context.rules[ruleIndex.get(finding.ruleId)!]!, redactor)),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
};
