/** gitleaks compatibility: configurations in RE2 syntax, [extend], .gitleaks.toml discovery, .gitleaksignore. */
import { copyFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { keyleak } from './helpers/cli.js';
import { makeTree, type Tree } from './helpers/tree.js';

const TOKEN = 'acme_Cb6DqW1yjzLtIvPK0Nr6Ttul';
const OTHER_TOKEN = 'acme_RoOzMVm5dcKnfyj9lK09LR6o';
const HEX = 'dfe1d5843d8f39a8d2a23b23b7226acf';
const CLIENT_SECRET = 'Yo1Uh5vkpI7ymZQ6emBqCaRjhwyNAY';
const STRIPE = 'sk_live_aaSP1eDQdeILH06xHJhyk9GDU0KXfYSBEPvwCHS5';

interface Report {
  findings: { ruleId: string; occurrences: { path: string; startLine: number }[] }[];
  notices: { code: string; message: string }[];
}

let tree: Tree;
afterEach(() => tree?.remove());

function scanJson(args: readonly string[]): { code: number | null; report: Report; stderr: string } {
  const result = keyleak(['scan', ...args, '--format', 'json'], { cwd: tree.root });
  return { code: result.code, report: JSON.parse(result.stdout) as Report, stderr: result.stderr };
}

const keysOf = (report: Report) => report.findings.flatMap((finding) => finding.occurrences.map((o) => `${finding.ruleId} ${o.path}:${o.startLine}`)).sort();

describe('gitleaks configurations', () => {
  function makeAcmeTree(): Tree {
    return makeTree({
      'app/config.js': `const token = "${TOKEN}";\nconst stripe = "${STRIPE}";\n`,
      'app/example.sh': `  # example: ${OTHER_TOKEN}\n`,
      'app/fixture.snap': `${OTHER_TOKEN}\n`,
      'app/.env': `ACME_SECRET=${HEX}`,
      'app/secret.txt': `ACME_SECRET=${HEX}`,
      'app/paired.yml': `client_id: acmeid_0123456789\nCLIENT_SECRET: "${CLIENT_SECRET}"\n`,
      'app/unpaired.yml': `CLIENT_SECRET: "${CLIENT_SECRET.toLowerCase()}"\n`,
    });
  }

  it('loads RE2 rules as is: only the configuration rules, allowlists, path, required companions', () => {
    tree = makeAcmeTree();
    copyFileSync('fixtures/gitleaks/custom.toml', `${tree.root}/custom.toml`);
    const { code, report, stderr } = scanJson(['app', '--config', 'custom.toml']);
    expect(code).toBe(1);
    expect(keysOf(report)).toEqual(['acme-api-token app/config.js:1', 'acme-client-secret app/paired.yml:2', 'acme-env-secret app/.env:1']);
    expect(stderr.split('\n').filter(Boolean)).toEqual([
      'keyleak: warning: custom.toml: rule acme-ungreedy: regex: skipped: the ungreedy flag (?U) has no JavaScript equivalent',
      'keyleak: warning: custom.toml: rule acme-pkcs12-file: regex: skipped: rules that match a path without a regex are not supported',
    ]);
    expect(report.notices.filter((notice) => notice.code === 'rule-skipped')).toHaveLength(2);
  });

  it('extends the built-in rules with [extend] useDefault, minus disabledRules', () => {
    tree = makeAcmeTree();
    copyFileSync('fixtures/gitleaks/extends-default.toml', `${tree.root}/extends.toml`);
    const { report } = scanJson(['app/config.js', '--config', 'extends.toml']);
    expect(keysOf(report)).toEqual(['acme-api-token app/config.js:1', 'stripe-secret-key app/config.js:2']);
    const list = keyleak(['rules', 'list', '--config', 'extends.toml'], { cwd: tree.root }).stdout;
    expect(list).toContain('acme-api-token');
    expect(list).not.toContain('stripe-publishable-key');
  });

  it('picks up .gitleaks.toml at the scan root and honours .gitleaksignore there', () => {
    tree = makeAcmeTree();
    copyFileSync('fixtures/gitleaks/custom.toml', `${tree.root}/app/.gitleaks.toml`);
    const discovered = scanJson(['app']);
    expect(keysOf(discovered.report)).toEqual(['acme-api-token app/config.js:1', 'acme-client-secret app/paired.yml:2', 'acme-env-secret app/.env:1']);
    tree.write('app/.gitleaksignore', '# triaged\nconfig.js:acme-api-token:1\n');
    const ignored = scanJson(['app']);
    expect(keysOf(ignored.report)).toEqual(['acme-client-secret app/paired.yml:2', 'acme-env-secret app/.env:1']);
  });
});
