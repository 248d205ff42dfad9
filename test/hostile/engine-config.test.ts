/** A .gitleaks.toml that would switch detection off, or carries a broken rule, says so; the scan goes on. */
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { keyleak } from '../helpers/cli.js';
import { makeTree, type Tree } from '../helpers/tree.js';

const STRIPE = 'sk_live_Wd4Kq8Zr2Ty6Mb9Xc3Nv7Hj1Lp5Fs0Ga8Ue2Ro4';

interface Report {
  readonly findings: readonly { readonly ruleId: string; readonly occurrences: readonly { readonly path: string; readonly startLine: number }[] }[];
  readonly notices: readonly { readonly level: string; readonly code: string; readonly message: string }[];
}

function scanWith(config: string): { code: number | null; report: Report; stderr: string } {
  const tree: Tree = makeTree({ '.gitleaks.toml': config, 'app.env': `STRIPE_KEY=${STRIPE}\nAPP_TOKEN=ab12_Zq9vXw3Lk7Rt5Yp1Nm8Bc4Hd\n` });
  trees.push(tree);
  const result = keyleak(['scan', '.', '--format', 'json'], { cwd: tree.root });
  return { code: result.code, report: JSON.parse(result.stdout) as Report, stderr: result.stderr };
}

const trees: Tree[] = [];
afterAll(() => trees.forEach((tree) => tree.remove()));

describe('a .gitleaks.toml that leaves no usable rule', () => {
  it.each([
    ['no rules at all', 'title = "empty"\n'],
    ['every rule untranslatable', `[[rules]]\nid = "lookbehind"\nregex = '''(?<=x)abc'''\n`],
    ['every rule an invalid regex', `[[rules]]\nid = "broken"\nregex = '''token_(abc'''\n`],
    ['every rule disabled', `[extend]\ndisabledRules = ["mine"]\n\n[[rules]]\nid = "mine"\nregex = '''mine_[a-z]{8}'''\n`],
  ])('%s: a no-rules warning, exit code 2', (_name, config) => {
    const { code, report } = scanWith(config);
    expect(report.findings).toEqual([]);
    const warnings = report.notices.filter((notice) => notice.code === 'no-rules');
    expect(warnings.map((notice) => notice.level)).toEqual(['warning']);
    expect(warnings[0]!.message).toMatch(/^\.gitleaks\.toml: no usable rule/);
    expect(code).toBe(2);
  });
});

describe('a .gitleaks.toml rule with an invalid regex', () => {
  it('is skipped with a message naming the file and rule; the other rules still find their secrets', () => {
    const config = `[extend]\nuseDefault = true\n\n[[rules]]\nid = "broken-rule"\nregex = '''token_(abc'''\n\n[[rules]]\nid = "app-token"\nregex = '''ab12_[A-Za-z0-9]{22}'''\nkeywords = ["ab12_"]\n`;
    const { code, report } = scanWith(config);
    expect(code).toBe(1);
    expect(report.findings.flatMap((finding) => finding.occurrences.map((occurrence) => `${finding.ruleId} ${occurrence.path}:${occurrence.startLine}`)).sort()).toEqual(['app-token app.env:2', 'stripe-secret-key app.env:1']);
    const skipped = report.notices.filter((notice) => notice.code === 'rule-skipped');
    expect(skipped.map((notice) => notice.message)).toEqual(['.gitleaks.toml: rule broken-rule: regex: skipped: unterminated group']);
  });
});

describe('a rule whose regex nests groups thousands deep', () => {
  it('is read, searched the usual way, and finds its secret; no internal error', () => {
    const deep = `${'(?:'.repeat(20_000)}deep_key${')'.repeat(20_000)}=([A-Za-z0-9]{12})`;
    const tree: Tree = makeTree({ 'rules/deep.toml': `[[rules]]\nid = "deep-nesting"\ndescription = "d"\nregex = '''${deep}'''\nkeywords = ["deep_key"]\nremediation = "r"\n`, 'app.env': `deep_key=Zq9vXw3Lk7Rt\n` });
    trees.push(tree);
    const result = keyleak(['scan', 'app.env', '--rules', 'rules/deep.toml', '--format', 'json'], { cwd: tree.root });
    expect(result.stderr).not.toMatch(/internal error/);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.findings.map((finding) => finding.ruleId)).toContain('deep-nesting');
  });
});

describe('keyleak git with a broken rule file (its log starts while the rules load)', () => {
  it.each([
    ['an invalid regex', `[[rules]]\nid = "broken"\nregex = '''token_(abc'''\n`, /^keyleak: rules\/bad\.toml: rule broken: regex: /],
    ['a file that is not TOML', 'this is [not toml', /^keyleak: rules\/bad\.toml: /],
  ])('%s: one line naming the file, exit code 2, no internal error', (_name, rules, message) => {
    const tree: Tree = makeTree({ 'rules/bad.toml': rules, 'app.env': `STRIPE_KEY=${STRIPE}\n` });
    trees.push(tree);
    execFileSync('git', ['init', '-q'], { cwd: tree.root });
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '-q', '--allow-empty', '-m', 'empty'], { cwd: tree.root });
    execFileSync('git', ['add', 'app.env'], { cwd: tree.root });
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '-q', '-m', 'key'], { cwd: tree.root });
    const result = keyleak(['git', '.', '--rules', 'rules/bad.toml'], { cwd: tree.root });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(result.stdout).toBe('');
  });
});
