/** Rule-file validation: each file in fixtures/rules-invalid/ is named after the mistake it holds. */
import { describe, expect, it } from 'vitest';
import { loadRuleset } from '../src/ruleset/load.js';
import { RuleError, formatRuleProblem } from '../src/ruleset/errors.js';

async function problemsOf(file: string, builtin = false): Promise<string[]> {
  try {
    await loadRuleset({ builtin, paths: [`fixtures/rules-invalid/${file}`] });
  } catch (error) {
    if (error instanceof RuleError) return error.problems.map(formatRuleProblem);
    throw error;
  }
  return [];
}

describe('rule file validation', () => {
  it.each([
    ['invalid-regex.toml', 'fixtures/rules-invalid/invalid-regex.toml: rule broken-inline-flag: regex: Invalid group'],
    ['missing-id.toml', 'fixtures/rules-invalid/missing-id.toml: rules[0]: missing id'],
    ['unknown-field.toml', 'fixtures/rules-invalid/unknown-field.toml: rule unknown-field: severity: unknown field in rule'],
    ['publishable-error.toml', 'fixtures/rules-invalid/publishable-error.toml: rule publishable-at-error: level: a publishable secret cannot be reported at level error'],
    ['bad-secret-group.toml', 'fixtures/rules-invalid/bad-secret-group.toml: rule missing-group: secretGroup: group 3 does not exist (the regex has 1)'],
    ['empty-match.toml', 'fixtures/rules-invalid/empty-match.toml: rule empty-match: regex: matches the empty string'],
  ])('%s is reported precisely', async (file, message) => {
    expect(await problemsOf(file)).toEqual([message]);
  });

  it('reports a TOML syntax error with the file name', async () => {
    const [problem] = await problemsOf('bad-toml.toml');
    expect(problem).toMatch(/^fixtures\/rules-invalid\/bad-toml\.toml: invalid TOML: /);
  });

  it('reports every problem of a rule, not just the first', async () => {
    expect(await problemsOf('bad-filter.toml')).toEqual([
      'fixtures/rules-invalid/bad-filter.toml: rule bad-filter: flags: only i, m, s, u are allowed; the engine adds g and d',
      expect.stringContaining('filters: unknown filter "vowels"'),
    ]);
  });

  it('rejects a rule id that a built-in rule already uses', async () => {
    expect(await problemsOf('duplicate-id.toml', true)).toEqual([
      'fixtures/rules-invalid/duplicate-id.toml: rule stripe-secret-key: id: already defined in rules/stripe.toml',
    ]);
  });

  it('loads the built-in rules with none disabled unless asked', async () => {
    const all = await loadRuleset();
    const fewer = await loadRuleset({ disable: ['stripe-secret-key'] });
    expect(fewer.rules.length).toBe(all.rules.length - 1);
    expect(fewer.rules.some((rule) => rule.id === 'stripe-secret-key')).toBe(false);
  });
});
