/**
 * The committed app fixtures through the real CLI, checked against their answer key
 * (fixtures/apps/expected.json): every planted secret is found at its inner place.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { keyleak } from '../helpers/cli.js';
import { APPS, type PlantedSecret, plantedSecrets } from '../helpers/planted.js';

interface Occurrence {
  readonly path: string;
  readonly artifact?: string;
  readonly chain?: readonly string[];
  readonly format?: string;
  readonly locator?: { kind: string; index?: number; name?: string; section?: string; slice?: string; keyPath?: string };
  readonly where?: string;
  readonly startLine: number;
  readonly shipped?: { via: string; app?: string };
}

interface Finding {
  readonly ruleId: string;
  readonly level: string;
  readonly secret: string;
  readonly occurrences: readonly Occurrence[];
}

const planted = plantedSecrets();

function scanArtifacts(artifacts: readonly string[]): { code: number | null; findings: Finding[]; notices: unknown[] } {
  const result = keyleak(['scan', ...artifacts, '--format', 'json', '--no-redact', '--threads', '1'], { cwd: fileURLToPath(APPS) });
  const json = JSON.parse(result.stdout) as { findings: Finding[]; notices: unknown[] };
  return { code: result.code, findings: json.findings, notices: json.notices };
}

/** Whether an occurrence is at the place the answer key describes. */
function atPlace(entry: PlantedSecret, occurrence: Occurrence): boolean {
  if (occurrence.path !== [entry.artifact, ...entry.chain].join('!')) return false;
  const locator = occurrence.locator;
  const number = (pattern: RegExp) => Number(pattern.exec(entry.where)?.[1]);
  switch (entry.format) {
    case 'hbc':
      if (/object literal #/.test(entry.where)) return locator?.kind === 'object-literal' && locator.index === number(/object literal #(\d+)/);
      return locator?.kind === 'string-table' && locator.index === number(/string #(\d+)/);
    case 'dex':
      return locator?.kind === 'string-table' && locator.index === number(/string #(\d+)/);
    case 'class':
      return locator?.kind === 'string-table' && locator.index === number(/Utf8 #(\d+)/);
    case 'arsc':
      return locator?.kind === 'resource' && locator.name === /^(\S+)/.exec(entry.where)?.[1];
    case 'axml':
      return locator?.kind === 'xml-attribute' && locator.name === /meta-data (\S+)/.exec(entry.where)?.[1];
    case 'bplist':
      return locator?.kind === 'plist-key' && locator.keyPath === /key (\S+)/.exec(entry.where)?.[1];
    case 'elf':
      return locator?.kind === 'section' && locator.section === /^(\S+)/.exec(entry.where)?.[1];
    case 'macho': {
      const [, section, slice] = /^(\S+) (\S+)/.exec(entry.where)!;
      return locator?.kind === 'section' && locator.section === section && locator.slice === slice;
    }
    case 'proto-resources':
    case 'proto-manifest':
      return locator?.kind === 'string-table';
    default:
      // Text entries (json, js, env, pem, properties, XML): the answer key's last line number is where the secret is.
      return occurrence.startLine === Number([...entry.where.matchAll(/line (\d+)/g)].at(-1)?.[1]);
  }
}


const groups = new Map<string, PlantedSecret[]>();
for (const entry of planted) groups.set(entry.artifact, [...(groups.get(entry.artifact) ?? []), entry]);

describe('app fixtures against their answer key', () => {
  for (const [artifact, entries] of groups) {
    it(`${artifact}: every planted secret at its inner place`, () => {
      const { findings } = scanArtifacts([`${artifact}`]);
      const missed = entries
        .filter((entry) => !findings.some((finding) => finding.secret.includes(entry.secret) && finding.ruleId === entry.rule && finding.occurrences.some((occurrence) => atPlace(entry, occurrence))))
        .map((entry) => `${entry.rule} in ${[entry.artifact, ...entry.chain].join('!')} (${entry.where})`);
      expect(missed).toEqual([]);
    });
  }
});

describe('Hermes object literals through the CLI', () => {
  it.each(['76', '89', '96', '99'])('v%s: a consumer secret named only by its property is reported with the consumer key of its own literal, and nothing crosses into the next literal', (version) => {
    const result = keyleak(['scan', `out/hermes/literals-v${version}.hbc`, '--format', 'json', '--no-redact'], { cwd: fileURLToPath(APPS) });
    const findings = (JSON.parse(result.stdout) as { findings: (Finding & { occurrences: (Occurrence & { companions: { ruleId: string; secret: string; where?: string }[] })[] })[] }).findings;
    const secrets = findings.filter((finding) => finding.level === 'error');
    const places = secrets.map((finding) => `${finding.occurrences.map((occurrence) => occurrence.where).join(', ')}: ${finding.ruleId}`).sort();
    expect(places).toEqual(['hermes object literal #0: salesforce-consumer-secret', 'hermes object literal #1: salesforce-consumer-secret', 'hermes object literal #2: auth0-client-secret']);
    const pairs = secrets.map((finding) => finding.occurrences[0]!.companions.map((companion) => `${companion.ruleId} ${companion.secret} ${companion.where ?? 'same literal'}`));
    expect(pairs).toContainEqual(['salesforce-consumer-key 3MVG9eceMwHX067d05Tp3IklVqe27YpJ5UBeNbbUZCsLkiSLFMs1o5ygXvYlaYH.fSQi1DVzjGZbTsBKGpncT same literal']);
    expect(pairs).toContainEqual(['salesforce-consumer-key 3MVG9au0Zm2QRIqv5R.zcbfk3akZiYE9sWbiPuHkW2c89ogP_eZ5jHuNZCDGDlUxZxhPv.iZkquDiFCokiH5. same literal']);
    expect(pairs).toContainEqual(['oauth-client-id HoY3iGpdhuGVcJTKPSfdBmArB1DH3Bel same literal', 'oauth-issuer leaky-prod.eu.auth0.com same literal']);
    expect(result.code).toBe(1);
  });
});
