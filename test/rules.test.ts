/** The rule harness: every built-in rule through the same checks `keyleak rules check` runs. */
import { describe, expect, it } from 'vitest';
import { loadRuleset } from '../src/ruleset/load.js';
import { checkRules } from '../src/ruleset/check.js';
import { formatRuleProblem } from '../src/ruleset/errors.js';
import { compileRuleset } from '../src/ruleset/compile.js';
import { detect } from '../src/detect/detector.js';

const spec = await loadRuleset();

describe('built-in rules', () => {
  it('number at least 40, with unique ids', () => {
    expect(spec.rules.length).toBeGreaterThanOrEqual(40);
    expect(new Set(spec.rules.map((rule) => rule.id)).size).toBe(spec.rules.length);
  });

  it.each(spec.rules.map((rule) => [rule.id, rule] as const))('%s passes the rule checks', (_id, rule) => {
    expect(checkRules(spec, [rule]).map(formatRuleProblem)).toEqual([]);
  });

  it('every rule says what to do, and OAuth client secrets say that a public client cannot keep one', () => {
    expect(spec.rules.filter((rule) => rule.remediation.trim() === '').map((rule) => rule.id)).toEqual([]);
    const clientSecrets = spec.rules.filter((rule) => /client-secret|app-secret|consumer-secret|oauth-secret/.test(rule.id));
    expect(clientSecrets.length).toBeGreaterThan(20);
    expect(clientSecrets.filter((rule) => !/PKCE|server/i.test(rule.remediation)).map((rule) => rule.id)).toEqual([]);
  });

  it('publishable rules never report at level error', () => {
    expect(spec.rules.filter((rule) => rule.exposure === 'publishable' && rule.level === 'error').map((rule) => rule.id)).toEqual([]);
  });

  /**
   * Credentials that really do contain or imitate another: key files that embed a PEM private key,
   * and S3-compatible keys written under AWS's own setting names.
   */
  const NESTED_CREDENTIALS = new Set([
    'gcp-service-account-key > private-key-pem',
    'kubernetes-kubeconfig-client-key > private-key-pem',
    'yandex-cloud-static-key-secret > aws-secret-access-key',
  ]);

  it('no positive example of a provider rule is reported by another provider rule', () => {
    const ruleset = compileRuleset(spec);
    const crossings: string[] = [];
    for (const rule of spec.rules.filter((candidate) => !candidate.generic)) {
      for (const example of rule.examples) {
        const others = detect({ text: example.text, provenance: { kind: 'file', path: example.path ?? 'input.txt' } }, ruleset)
          .map((hit) => spec.rules.find((candidate) => candidate.id === hit.ruleId)!)
          .filter((other) => other.id !== rule.id && !other.generic && other.provider !== rule.provider)
          .filter((other) => !NESTED_CREDENTIALS.has(`${rule.id} > ${other.id}`));
        crossings.push(...others.map((other) => `${rule.id} example found by ${other.id}`));
      }
    }
    expect(crossings).toEqual([]);
  });
});
