/** The CLI as users run it: real processes on real files, exit codes and formats. */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyleak } from './helpers/cli.js';
import { makeTree, type Tree } from './helpers/tree.js';

const SECRET = 'sk_live_aaSP1eDQdeILH06xHJhyk9GDU0KXfYSBEPvwCHS5';
const PUBLISHABLE = 'pk_live_QoC9H8eyTcRUYMFHQpttakYs1gVmMjgB9lp0Q313XEOG';

let tree: Tree;
beforeAll(() => {
  tree = makeTree({
    'server/.env': `STRIPE_SECRET_KEY=${SECRET}\n`,
    'web/app.js': `Stripe("${PUBLISHABLE}");\n`,
    'clean/readme.md': '# nothing to see\n',
    'only-publishable/app.js': `Stripe("${PUBLISHABLE}");\n`,
    'rules/good.toml': `provider = "Acme"
[[rules]]
id = "acme-token"
description = "An Acme API token."
remediation = "Revoke it in the Acme console."
regex = '''\\b(acme_[A-Za-z0-9]{24})\\b'''
keywords = ["acme_"]
entropy = 3.0
examples = ["ACME=acme_Q7fK2mZp9XwL4rT8vB1nC6yD", "token: 'acme_H3jS8kW2qP5zR9xV1mN4bT7g'"]
negative_examples = ["acme_short", "ACME=acme_\${TOKEN}"]
`,
    'rules/failing.toml': `[[rules]]
id = "acme-loose"
description = "Too loose."
remediation = "Fix it."
regex = '''(acme_[a-z]{4,})'''
keywords = ["acme_"]
examples = ["acme_abcd"]
negative_examples = ["acme_abcdefgh", "acme_zzzz"]
`,
    'rules/broken.toml': `[[rules]]\nid = "acme-broken"\nregex = '''(?i)acme_([a-z]{4})'''\n`,
    'uses-acme/config.yml': 'acme: acme_Q7fK2mZp9XwL4rT8vB1nC6yD\n',
  });
});
afterAll(() => tree.remove());

const run = (args: readonly string[]) => keyleak(args, { cwd: tree.root });

describe('keyleak scan', () => {
  it('exits 1 on confidential findings, with a redacted text report grouped by file', () => {
    const result = run(['scan', 'server', 'web']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('server/.env\n  1:19      error   stripe-secret-key  sk_l*****');
    expect(result.stdout).toContain('Publishable by design');
    expect(result.stdout).not.toContain(SECRET);
    expect(result.stdout).not.toContain(PUBLISHABLE);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('✖ 1 secret (1 error) · 1 publishable key · 2 files scanned (131 bytes)');
  });

  it('exits 0 on a clean tree and on publishable keys alone, 1 on them with --fail-on note', () => {
    expect(run(['scan', 'clean']).code).toBe(0);
    expect(run(['scan', 'only-publishable']).code).toBe(0);
    expect(run(['scan', 'only-publishable', '--fail-on', 'note']).code).toBe(1);
  });

  it('shows full values only with --no-redact', () => {
    expect(run(['scan', 'server', '--no-redact']).stdout).toContain(`STRIPE_SECRET_KEY=${SECRET}`);
  });

  it('exits 2 with one line naming a missing path', () => {
    const result = run(['scan', 'does-not-exist']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('keyleak: does-not-exist: no such file or directory\n');
    expect(result.stdout).toBe('');
  });

  it('exits 2 on a usage error', () => {
    const result = run(['scan', '--format', 'xml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("argument 'xml' is invalid");
  });

  it('writes JSON with the documented fields to --output', () => {
    expect(run(['scan', 'server', '--format', 'json', '--output', 'out.json']).code).toBe(1);
    const report = JSON.parse(readFileSync(`${tree.root}/out.json`, 'utf8'));
    expect(report).toMatchObject({
      schemaVersion: 1,
      tool: { name: 'keyleak' },
      redacted: true,
      findings: [{ ruleId: 'stripe-secret-key', provider: 'Stripe', level: 'error', exposure: 'confidential', secret: 'sk_l*****', occurrences: [{ path: 'server/.env', startLine: 1, startColumn: 19, endLine: 1, endColumn: 67, encoding: [], snippet: 'STRIPE_SECRET_KEY=sk_l*****' }] }],
      notices: [],
      stats: { files: 1, bytes: 67 },
    });
    expect(report.findings[0].fingerprint).toMatch(/^[0-9a-f]{32}$/);
  });

  it('gives byte-identical reports whatever the thread count', () => {
    const one = run(['scan', '.', '--format', 'sarif', '--threads', '1']);
    const two = run(['scan', '.', '--format', 'sarif', '--threads', '2']);
    const again = run(['scan', '.', '--format', 'sarif', '--threads', '2']);
    expect(one.code).toBe(1);
    expect(two.stdout).toBe(one.stdout);
    expect(again.stdout).toBe(one.stdout);
  });

  it('loads extra rules with --rules', () => {
    const result = run(['scan', 'uses-acme', '--rules', 'rules/good.toml', '--format', 'json']);
    expect(JSON.parse(result.stdout).findings.map((finding: { ruleId: string }) => finding.ruleId)).toEqual(['acme-token']);
  });

  it('exits 2 naming the file, rule and field of an invalid rule', () => {
    const result = run(['scan', 'clean', '--rules', 'rules/broken.toml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('keyleak: rules/broken.toml: rule acme-broken: regex: Invalid group\n');
  });

  it('documents the exit codes in --help', () => {
    const help = run(['scan', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Exit codes:\n\s+0 .*\n\s+1 .*\n\s+2 /);
  });
});

describe('keyleak rules', () => {
  it('lists the inventory', () => {
    const result = run(['rules', 'list']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^stripe-secret-key\s+error\s+confidential\s+Stripe$/m);
    expect(result.stdout).toMatch(/^stripe-publishable-key\s+note\s+publishable\s+Stripe$/m);
    expect(result.stdout).toMatch(/^\d+ rules\n$/m);
  });

  it('checks a user rule file: ok', () => {
    const result = run(['rules', 'check', 'rules/good.toml']);
    expect(result.stdout).toBe('ok: 1 rules checked\n');
    expect(result.code).toBe(0);
  });

  it('checks a user rule file: every failing example, exit 1', () => {
    const result = run(['rules', 'check', 'rules/failing.toml', '--skip-redos']);
    expect(result.code).toBe(1);
    expect(result.stdout.split('\n')).toEqual(expect.arrayContaining([
      'rules/failing.toml: rule acme-loose: examples: needs at least 2 positive examples',
      'rules/failing.toml: rule acme-loose: negative_examples[0]: detected "acme_abcdefgh"',
      'rules/failing.toml: rule acme-loose: negative_examples[1]: detected "acme_zzzz"',
    ]));
  });

  it('exits 2 on a rule file that does not load', () => {
    expect(run(['rules', 'check', 'rules/broken.toml']).code).toBe(2);
  });
});
