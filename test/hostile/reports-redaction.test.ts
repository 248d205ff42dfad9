/**
 * Hardening: with redaction on, no field of any report shows any finding's secret: not a
 * neighbour's on a minified line, not one cut by a snippet's edge, not an encoded one, not one in a
 * commit subject or author.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base62, crc32 } from '../../src/detect/checksum.js';
import { base64Forms, maskCovers, redactText, redactor, secretSet } from '../../src/report/redact.js';
import type { Finding, Occurrence } from '../../src/types.js';
import { keyleak } from '../helpers/cli.js';
import { makeTree, type Tree } from '../helpers/tree.js';

const STRIPE_A = 'sk_live_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8dKLzd';
const STRIPE_B = 'sk_live_ocJ2isAjIhKtJ0RlgLKOmxgJTeKdNnFRIBXuDL7D';
const STRIPE_C = 'sk_live_xtpYlSXpfKtHF4vUCsMehGAkWvj7FAc9QeWJKY40';
const STRIPE_D = 'sk_live_uvSwMFLZDe1f8rESQedUStPKR0CsTy4Qwb8DwkNh';
const STRIPE_E = 'sk_live_FdnXsiVpzz63FfkCzJr4i0B3JrTAwR4y9ojfljoQ';
const GITHUB_BODY = 'gEOzdmenCkhvMdgaKjIg8xNbe3nNyj';
const GITHUB = `ghp_${GITHUB_BODY}${base62(crc32(GITHUB_BODY), 6)}`;
const OKTA_SECRET = 'mwlUx35ijN8yI8ZB0yLRXvdFXhhqi7oEtdOgY9KcmYJ8YlKg';
const OKTA_CLIENT_ID = '0oa8bCTRGBqpUUkaF7Ie';
/** Found only inside this base64 blob. */
const ENCODED_STRIPE = 'sk_live_FdnXsiVpzz63FfkCzJr4i0B3JrTAwR4y9ojfljoQ';
const BLOB = Buffer.from(`stripe=${ENCODED_STRIPE}`).toString('base64');

const ALL = [STRIPE_A, STRIPE_B, STRIPE_C, STRIPE_D, GITHUB, OKTA_SECRET, OKTA_CLIENT_ID, ENCODED_STRIPE];

/** Every piece of 12 characters of every secret: a report must hold none of them. */
function leakedPieces(report: string, secrets: readonly string[] = ALL): string[] {
  return secrets.flatMap((secret) => [...Array(secret.length - 11).keys()].map((at) => secret.slice(at, at + 12))).filter((piece) => report.includes(piece));
}

const FILLER = 'x'.repeat(25);

let tree: Tree;
beforeAll(() => {
  tree = makeTree({
    // Three secrets on one minified line: each snippet window holds the others.
    'dist/bundle.min.js': `var a="${STRIPE_A}",b="${GITHUB}",c="${STRIPE_B}";\n`,
    // B's window (40 characters) cuts A's tail before it and C's head after it.
    'cut.js': `k1="${STRIPE_C}";${FILLER}k2="${STRIPE_D}";${FILLER}k3="${STRIPE_A}";\n`,
    // A secret found only as base64, next to a plain one.
    'encoded.js': `x="${STRIPE_B}";y="${BLOB}";\n`,
    // A client secret and its paired client id.
    'okta.json': `{"client_id":"${OKTA_CLIENT_ID}","client_secret":"${OKTA_SECRET}"}\n`,
  });
});
afterAll(() => tree.remove());

const scan = (args: readonly string[]) => keyleak(['scan', ...args], { cwd: tree.root });

interface JsonReport {
  findings: { ruleId: string; secret: string; occurrences: { path: string; startLine: number; startColumn: number; snippet: string; companions: { secret: string }[]; commit?: { subject: string; author: string; email: string } }[]; history?: { introduced: { subject: string } } }[];
}

describe('redaction: secrets next to each other', () => {
  it('text: every secret on a minified line is found at its column and none shows in another snippet', () => {
    const result = scan(['dist/bundle.min.js']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('1:8       error   stripe-secret-key  sk_l*****');
    expect(result.stdout).toContain(`1:${8 + STRIPE_A.length + 5}`);
    expect(result.stdout).toContain('github-pat');
    expect(leakedPieces(result.stdout)).toEqual([]);
  });

  it('json, sarif and html: no field holds another finding’s secret', () => {
    for (const format of ['json', 'sarif', 'html']) {
      const result = scan(['dist/bundle.min.js', 'cut.js', 'encoded.js', 'okta.json', '--format', format]);
      expect(result.code).toBe(1);
      expect(leakedPieces(result.stdout)).toEqual([]);
    }
    const json = JSON.parse(scan(['dist/bundle.min.js', '--format', 'json']).stdout) as JsonReport;
    const github = json.findings.find((finding) => finding.ruleId === 'github-pat')!;
    expect(github.occurrences[0]).toMatchObject({ path: 'dist/bundle.min.js', startLine: 1, startColumn: 8 + STRIPE_A.length + 5 });
    expect(github.occurrences[0]!.snippet).toBe('*****",b="ghp_*****",c="sk_l*****');
  });

  it('hides a secret cut by the edge of a snippet window, head or tail', () => {
    const json = JSON.parse(scan(['cut.js', '--format', 'json']).stdout) as JsonReport;
    const middle = json.findings.find((finding) => finding.occurrences[0]!.startColumn === 4 + STRIPE_C.length + 2 + FILLER.length + 5)!;
    expect(middle.secret).toBe('sk_l*****');
    // The window starts inside C (its tail masked) and ends inside A (its head kept as redaction keeps it).
    expect(middle.occurrences[0]!.snippet).toBe(`*****";${FILLER}k2="sk_l*****";${FILLER}k3="sk_l*****`);
    expect(leakedPieces(JSON.stringify(json), [STRIPE_A, STRIPE_C, STRIPE_D])).toEqual([]);
  });

  it('hides the base64 form of a secret found only encoded, in a neighbour’s snippet', () => {
    const result = scan(['encoded.js', '--format', 'json']);
    const json = JSON.parse(result.stdout) as JsonReport;
    expect(json.findings.map((finding) => finding.occurrences[0]!.snippet).sort()).toEqual([
      '*****";y="[base64-encoded sk_l*****]";',
      'x="sk_l*****";y="*****',
    ]);
    expect(result.stdout).not.toContain(BLOB.slice(0, 16));
  });

  it('hides the paired client id next to a client secret, in every format', () => {
    for (const format of ['text', 'json', 'sarif', 'html']) {
      const result = scan(['okta.json', '--format', format]);
      expect(result.code).toBe(1);
      expect(result.stdout).not.toContain(OKTA_CLIENT_ID);
      expect(result.stdout).not.toContain(OKTA_SECRET);
    }
    const json = JSON.parse(scan(['okta.json', '--format', 'json']).stdout) as JsonReport;
    expect(json.findings[0]!.occurrences[0]!.snippet).toBe('"0oa8*****","client_secret":"mwlU*****"}');
    expect(json.findings[0]!.occurrences[0]!.companions[0]!.secret).toBe('0oa8*****');
  });

  it('shows everything with --no-redact', () => {
    const json = JSON.parse(scan(['dist/bundle.min.js', '--format', 'json', '--no-redact']).stdout) as JsonReport;
    // Snippets keep 40 characters on each side.
    expect(json.findings.find((finding) => finding.ruleId === 'github-pat')!.occurrences[0]!.snippet).toBe(`${STRIPE_A.slice(-35)}",b="${GITHUB}",c="${STRIPE_B.slice(0, 35)}`);
  });
});

describe('redaction: git reports', () => {
  let repo: Tree;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo.root, encoding: 'utf8' });
  beforeAll(() => {
    repo = makeTree({ 'keys.env': `STRIPE=${STRIPE_E}\n` });
    git('init', '-q');
    git('-c', 'user.name=Dev', '-c', 'user.email=dev@example.org', 'add', '.');
    git('-c', `user.name=Dev ${STRIPE_E}`, '-c', `user.email=${STRIPE_E}@example.org`, '-c', 'commit.gpgsign=false', 'commit', '-q', '-m', `add key ${STRIPE_E}`);
  });
  afterAll(() => repo.remove());

  it('redacts the commit subject, author name and email in text, json, sarif and html', () => {
    for (const format of ['text', 'json', 'sarif', 'html']) {
      const result = keyleak(['git', '.', '--format', format], { cwd: repo.root });
      expect(result.code).toBe(1);
      expect(leakedPieces(result.stdout, [STRIPE_E])).toEqual([]);
    }
    const json = JSON.parse(keyleak(['git', '.', '--format', 'json'], { cwd: repo.root }).stdout) as JsonReport;
    expect(json.findings[0]!.occurrences[0]!.commit).toMatchObject({ subject: 'add key sk_l*****', author: 'Dev sk_l*****', email: 'sk_l*****@example.org' });
    expect(json.findings[0]!.history!.introduced.subject).toBe('add key sk_l*****');
  });

  it('keeps them with --no-redact', () => {
    const json = JSON.parse(keyleak(['git', '.', '--format', 'json', '--no-redact'], { cwd: repo.root }).stdout) as JsonReport;
    expect(json.findings[0]!.occurrences[0]!.commit!.subject).toBe(`add key ${STRIPE_E}`);
  });
});

describe('redactText', () => {
  const secrets = secretSet([STRIPE_A, GITHUB]);

  it('hides every whole secret, keeping the prefix redaction keeps', () => {
    expect(redactText(`add ${STRIPE_A} and ${GITHUB}!`, secrets)).toBe('add sk_l***** and ghp_*****!');
  });

  it('hides the tail of a secret at the start and its head at the end, at least four characters of them', () => {
    expect(redactText(`${STRIPE_A.slice(-10)}";x="${GITHUB.slice(0, 9)}`, secrets)).toBe('*****";x="ghp_*****');
    expect(redactText(`${STRIPE_A.slice(-3)} ok`, secrets)).toBe(`${STRIPE_A.slice(-3)} ok`);
  });

  it('hides the base64 form, at any alignment, of a secret that was found encoded', () => {
    const encoded = secretSet([STRIPE_A], [STRIPE_A]);
    for (const prefix of ['', 'a', 'ab']) {
      const blob = Buffer.from(`${prefix}${STRIPE_A}`).toString('base64');
      const shown = redactText(`y="${blob}"`, encoded);
      expect(leakedPieces(shown, base64Forms(STRIPE_A))).toEqual([]);
    }
  });

  it('leaves text without secrets alone', () => {
    expect(redactText('fix: typo in README', secrets)).toBe('fix: typo in README');
  });
});

describe('maskCovers', () => {
  it('merges overlapping covers and clips those past either edge', () => {
    expect(maskCovers('abcdefghij', [{ start: 2, end: 5, visible: 1 }, { start: 4, end: 7, visible: 1 }])).toBe('abc*****hij');
    expect(maskCovers('abcdefghij', [{ start: -3, end: 2, visible: 4 }, { start: 8, end: 20, visible: 4 }])).toBe('*****cdefghij*****');
  });
});

describe('redactor snippets', () => {
  it('compares each place of a field with one secret at most, with 50 000 secrets sharing a prefix, one per line of one file', () => {
    const secrets = [...Array(50_000).keys()].map((index) => `sk_live_${index.toString(36).padStart(8, '0')}${STRIPE_A.slice(16)}`);
    // The search looks up each place's next 16 characters once per head length and compares the forms filed under them.
    const index = secretSet(secrets);
    expect(index.headLengths).toEqual([16]);
    expect(Math.max(...[...index.byHead.values()].map((forms) => forms.length))).toBe(1);
    const findings = secrets.map((secret, index) => finding(secret, { ...at(5, secret, 'KEY=', ` # was ${secrets[index + 1] ?? ''}`), region: { startLine: index + 1, startColumn: 5, endLine: index + 1, endColumn: 5 + secret.length } }));
    const shown = redactor(findings, true);
    const snippets = findings.map((each) => shown.snippet(each.occurrences[0]!, each.secret));
    expect(snippets[0]).toBe('KEY=sk_l***** # was sk_l*****');
    expect(snippets.at(-1)).toBe('KEY=sk_l***** # was');
  });

  const at = (startColumn: number, secret: string, before: string, after: string): Occurrence => ({
    provenance: { kind: 'file', path: 'a.js' },
    region: { startLine: 1, startColumn, endLine: 1, endColumn: startColumn + secret.length },
    before,
    after,
    companions: [],
    encoding: [],
  });
  const finding = (secret: string, occurrence: Occurrence): Finding => ({ ruleId: 'r', level: 'error', exposure: 'confidential', secret, entropy: 4, fingerprint: 'f', occurrences: [occurrence] });

  it('hides a neighbour by its position even when no text search could tell (a short secret)', () => {
    const short = finding('abc', at(4, 'abc', 'p="', `";q="${STRIPE_A.slice(0, 20)}";`));
    const long = finding(STRIPE_A.slice(0, 20), at(12, STRIPE_A.slice(0, 20), 'p="abc";q="', '";'));
    expect(redactor([short, long], true).snippet(long.occurrences[0]!, long.secret)).toBe('p="*****";q="sk_l*****";');
  });
});
