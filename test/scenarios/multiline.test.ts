/**
 * Multi-line secrets through the real CLI: a private key is reported from its BEGIN line to its END
 * line in JSON, SARIF, text and HTML, in files, in JSON strings with `\n` escapes and in history,
 * while its fingerprint (rule and one body line) stays what baselines and shards keyed on.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { keyleak } from '../helpers/cli.js';
import { makeTree, type Tree } from '../helpers/tree.js';
import { seeded } from '../helpers/seeded.js';

function randomBytes(count: number, seed: number): Buffer {
  const next = seeded(seed);
  return Buffer.from(Array.from({ length: count }, () => Math.floor(next() * 256)));
}

function wrap(base64: string, width: number): string[] {
  return base64.match(new RegExp(`.{1,${width}}`, 'g')) ?? [];
}

/** A fake PKCS#8 key block: a DER header, then random bytes, wrapped at 64 columns like OpenSSL. */
function pemKey(seed: number): string[] {
  const der = Buffer.concat([Buffer.from('308204bd020100300d06092a864886f70d0101010500048204a7', 'hex'), randomBytes(600, seed)]);
  return ['-----BEGIN PRIVATE KEY-----', ...wrap(der.toString('base64'), 64), '-----END PRIVATE KEY-----'];
}

/** A fake unencrypted OpenSSH key (PROTOCOL.key): magic, cipher and KDF `none`, empty KDF options, one key, then random bytes, wrapped at 70. */
function opensshKey(seed: number): string[] {
  const text = (value: string) => Buffer.concat([Buffer.from([0, 0, 0, value.length]), Buffer.from(value, 'latin1')]);
  const blob = Buffer.concat([Buffer.from('openssh-key-v1\0', 'latin1'), text('none'), text('none'), text(''), Buffer.from([0, 0, 0, 1]), randomBytes(300, seed)]);
  return ['-----BEGIN OPENSSH PRIVATE KEY-----', ...wrap(blob.toString('base64'), 70), '-----END OPENSSH PRIVATE KEY-----'];
}

interface Occurrence {
  path: string;
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
  snippet: string;
}

interface Report {
  findings: { ruleId: string; fingerprint: string; secret: string; occurrences: Occurrence[] }[];
  notices: { code: string; message: string; path?: string }[];
}

function json(args: readonly string[], cwd: string): Report {
  const result = keyleak([...args, '--format', 'json'], { cwd });
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as Report;
}

function only(report: Report, ruleId: string): Report['findings'][number] {
  const found = report.findings.filter((finding) => finding.ruleId === ruleId);
  expect(found, JSON.stringify(report.findings.map((finding) => finding.ruleId))).toHaveLength(1);
  return found[0]!;
}

let tree: Tree | undefined;
afterEach(() => {
  tree?.remove();
  tree = undefined;
});

describe('a private key is reported from its BEGIN line to its END line', () => {
  const key = pemKey(7);
  const file = ['# TLS key for the staging proxy', '', ...key, ''].join('\n');
  const endLine = 2 + key.length;

  it('in JSON, SARIF, text and HTML', () => {
    tree = makeTree({ 'deploy/proxy.pem': file });
    const finding = only(json(['scan', '.'], tree.root), 'private-key-pem');
    expect(finding.occurrences).toHaveLength(1);
    expect(finding.occurrences[0]).toMatchObject({ path: 'deploy/proxy.pem', startLine: 3, startColumn: 1, endLine, endColumn: 26 });
    // The secret, and so the fingerprint, is a body line, never the constant BEGIN line.
    expect(key.slice(1, -1).some((line) => line.startsWith(finding.secret.replace(/\*+$/, '')))).toBe(true);

    const sarif = JSON.parse(keyleak(['scan', '.', '--format', 'sarif'], { cwd: tree.root }).stdout) as {
      runs: { results: { ruleId: string; locations: { physicalLocation: { region: Record<string, unknown> } }[] }[] }[];
    };
    const result = sarif.runs[0]!.results.find((entry) => entry.ruleId === 'private-key-pem')!;
    expect(result.locations[0]!.physicalLocation.region).toMatchObject({ startLine: 3, startColumn: 1, endLine, endColumn: 26 });

    const text = keyleak(['scan', '.'], { cwd: tree.root });
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(new RegExp(`^  3:1-${endLine}:26 +error +private-key-pem `, 'm'));

    const html = keyleak(['scan', '.', '--format', 'html'], { cwd: tree.root }).stdout;
    expect(html).toContain(`deploy/proxy.pem</span> 3:1-${endLine}:26`);
  });

  it('with CRLF line ends and an indented YAML block', () => {
    const yaml = ['tls:', '  key: |', ...key.map((line) => `    ${line}`), '  cert: proxy.crt', ''].join('\r\n');
    tree = makeTree({ 'values.yaml': yaml });
    const finding = only(json(['scan', '.'], tree.root), 'private-key-pem');
    expect(finding.occurrences[0]).toMatchObject({ startLine: 3, startColumn: 5, endLine: 2 + key.length, endColumn: 30 });
  });

  it('on the one line of a JSON string with \\n escapes (a service-account key file)', () => {
    const escaped = `${key.join('\\n')}\\n`;
    const lines = ['{', '  "type": "service_account",', '  "project_id": "billing-7731",', `  "private_key": "${escaped}",`, '  "client_email": "ci@billing-7731.iam.gserviceaccount.com"', '}', ''];
    tree = makeTree({ 'sa.json': lines.join('\n') });
    const finding = only(json(['scan', '.'], tree.root), 'private-key-pem');
    const startColumn = lines[3]!.indexOf('-----BEGIN') + 1;
    const endColumn = lines[3]!.indexOf('-----END PRIVATE KEY-----') + '-----END PRIVATE KEY-----'.length + 1;
    expect(finding.occurrences[0]).toMatchObject({ startLine: 4, startColumn, endLine: 4, endColumn });
    expect(finding.occurrences[0]!.snippet).toMatch(/^"private_key": "\S+\*+\\n",$/);
  });

  it('keeps the fingerprint of the same key wherever and however it is written', () => {
    const openssh = opensshKey(11);
    tree = makeTree({
      'a/id_ed25519': `${openssh.join('\n')}\n`,
      'b/deploy.json': `{"deploy_key": "${openssh.join('\\n')}\\n"}\n`,
      'c/notes.md': `Deploy key:\n\n    ${openssh.join('\r\n    ')}\r\n`,
    });
    const finding = only(json(['scan', '.'], tree.root), 'private-key-openssh');
    expect(finding.occurrences.map((occurrence) => [occurrence.path, occurrence.startLine, occurrence.endLine])).toEqual([
      ['a/id_ed25519', 1, openssh.length],
      ['b/deploy.json', 1, 1],
      ['c/notes.md', 3, 2 + openssh.length],
    ]);
  });

  it('is silenced by keyleak:allow on its END line or its one escaped line, and the comment counts as used', () => {
    const other = pemKey(9);
    const source = [
      `const fixtureKey = \`${key[0]}`,
      ...key.slice(1, -1),
      `${key.at(-1)}\`; // keyleak:allow test fixture`,
      `const otherKey = "${other.join('\\n')}\\n"; // keyleak:allow`,
      '',
    ].join('\n');
    tree = makeTree({ 'test/keys.ts': source });
    const report = json(['scan', '.', '--report-unused'], tree.root);
    expect(report.findings).toEqual([]);
    expect(report.notices.filter((notice) => notice.code === 'unused-inline-allow')).toEqual([]);
  });

  it('stays in a baseline made before the region grew: the fingerprint did not change', () => {
    tree = makeTree({ 'deploy/proxy.pem': file });
    const before = only(json(['scan', '.'], tree.root), 'private-key-pem');
    expect(keyleak(['baseline', 'create', '--quiet'], { cwd: tree.root }).code).toBe(0);
    tree.write('deploy/proxy.pem', `# moved down\n\n\n${file}`);
    const after = only(json(['scan', '.'], tree.root), 'private-key-pem');
    expect(after.fingerprint).toBe(before.fingerprint);
    expect(keyleak(['scan', '.', '--baseline', '.keyleak-baseline.json'], { cwd: tree.root }).code).toBe(0);
  });
});

describe('history: a key in added lines is reported at its lines in the new file', () => {
  it('when a second key is appended after a first one of the same shape', () => {
    tree = makeTree();
    const run = (...args: string[]) => execFileSync('git', args, { cwd: tree!.root, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
    run('init', '-q');
    const first = pemKey(21);
    const second = pemKey(22);
    tree.write('keys/bundle.pem', `${first.join('\n')}\n`);
    run('add', '-A');
    run('commit', '-qm', 'first key');
    tree.write('keys/bundle.pem', `${[...first, '', ...second].join('\n')}\n`);
    run('add', '-A');
    run('commit', '-qm', 'second key');
    const report = json(['git', '.'], tree.root);
    const places = report.findings
      .filter((finding) => finding.ruleId === 'private-key-pem')
      .flatMap((finding) => finding.occurrences.map((occurrence) => [occurrence.startLine, occurrence.endLine]))
      .sort((a, b) => a[0]! - b[0]!);
    expect(places).toEqual([
      [1, first.length],
      [first.length + 2, first.length + 1 + second.length],
    ]);
    expect(readFileSync(path.join(tree.root, 'keys/bundle.pem'), 'utf8').split('\n')[first.length + 1]).toBe('-----BEGIN PRIVATE KEY-----');
  });
});
