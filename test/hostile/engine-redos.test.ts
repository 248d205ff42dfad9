/** The static check for catastrophic backtracking, and what loading a rule it flags does. */
import { afterAll, describe, expect, it } from 'vitest';
import { catastrophicBacktracking } from '../../src/ruleset/redos.js';
import { loadRuleset } from '../../src/ruleset/load.js';
import { parseRuleText } from '../../src/ruleset/parse-text.js';
import { keyleak } from '../helpers/cli.js';
import { makeTree } from '../helpers/tree.js';

describe('catastrophicBacktracking', () => {
  it.each([
    ['(a+)+$', 'nested quantifiers'],
    ['tok_(a+)+b', 'nested quantifiers'],
    ['(a|a)*', 'alternatives'],
    ['(a|ab)*', 'nested quantifiers'],
    ['(\\w+\\s?)*', 'nested quantifiers'],
    ['(.*a){20}', 'nested quantifiers'],
    ['(?:-?[a-z]+)+x', 'nested quantifiers'],
    ['^(?:[a-z0-9]|[a-f])+$', 'alternatives'],
    ['(?<t>\\d+)*z', 'nested quantifiers'],
  ])('flags %s', (source, why) => {
    expect(catastrophicBacktracking(source)).toContain(why);
  });

  it.each([
    '\\b(sk_live_[0-9a-zA-Z]{20,247})\\b',
    '([a-z]+\\.)+[a-z]{2,6}',
    '(\\.[a-z]+)+',
    '(?:[a-z]|-)+',
    '"(?:\\\\.|[^"\\\\])*"',
    '([a-z]+[0-9]+)+',
    '(?:\\s?x)+',
    '(?:[^:\\s#]|\\\\:){1,255}:',
    '(?:[A-Za-z0-9]{4}-){3}[A-Za-z0-9]{4}',
  ])('lets %s pass', (source) => {
    expect(catastrophicBacktracking(source)).toBeUndefined();
  });

  it('passes every built-in rule', async () => {
    const spec = await loadRuleset();
    expect(spec.rules.length).toBeGreaterThan(300);
    expect(spec.rules.filter((rule) => catastrophicBacktracking(rule.regex, rule.flags) !== undefined).map((rule) => rule.id)).toEqual([]);
  });
});

describe('loading a rule the check flags', () => {
  it('is an error naming file and rule in a keyleak rule file', () => {
    const parsed = parseRuleText('mine.toml', `[[rules]]\nid = "nested"\ndescription = "d"\nregex = '''tok_(a+)+b'''\nkeywords = ["tok_"]\nremediation = "r"\n`);
    expect(parsed.problems).toEqual([expect.objectContaining({ file: 'mine.toml', ruleId: 'nested', field: 'regex', message: expect.stringMatching(/^can backtrack catastrophically/) })]);
  });

  const tree = makeTree({
    '.gitleaks.toml': `[extend]\nuseDefault = true\n\n[[rules]]\nid = "nested"\nregex = '''tok_(a+)+b'''\nkeywords = ["tok_"]\n`,
    'src/app.env': `TOKEN=tok_${'a'.repeat(40)}!\nSTRIPE_KEY=sk_live_Rk8Vt2Xq6Zn4Bw1Mj9Lc3Hp7Fd5Sy0Ga2Ue6Ko8\n`,
  });
  afterAll(() => tree.remove());

  it('is skipped with a rule-skipped warning from a .gitleaks.toml, and the scan goes on', () => {
    const result = keyleak(['scan', '.', '--format', 'json'], { cwd: tree.root });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { findings: { ruleId: string }[]; notices: { level: string; code: string; message: string }[] };
    expect(report.findings.map((finding) => finding.ruleId)).toEqual(['stripe-secret-key']);
    expect(report.notices.filter((notice) => notice.code === 'rule-skipped')).toEqual([
      { level: 'warning', code: 'rule-skipped', message: expect.stringMatching(/^\.gitleaks\.toml: rule nested: regex: skipped: can backtrack catastrophically/) },
    ]);
  });
});
