/** Hostile input for the detector: files with so many matches that spreading them into arrays overflowed the stack. */
import { afterAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { keyleak } from '../helpers/cli.js';
import { makeTree } from '../helpers/tree.js';
import { compileRuleset } from '../../src/ruleset/compile.js';
import { parseRuleText } from '../../src/ruleset/parse-text.js';
import { detect } from '../../src/detect/detector.js';

const MATCHES = 200_000;

const TOKEN_RULE = `
[[rules]]
id = "zq-token"
description = "A test token."
regex = '''\\b(zq_[a-z0-9]{12})\\b'''
keywords = ["zq_"]
remediation = "Rotate it."
default_filters = false
`;

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
function token(): string {
  return `zq_${[...randomBytes(12)].map((byte) => ALPHABET[byte % ALPHABET.length]).join('')}`;
}

const tokens = Array.from({ length: MATCHES }, token);
const tree = makeTree({ 'rules/zq.toml': TOKEN_RULE, 'src/tokens.txt': `${tokens.join('\n')}\n`, 'src/one.txt': `first\n${tokens[0]}\n` });
afterAll(() => tree.remove());

describe('a file with 200 000 matches', () => {
  it('detect() returns every hit instead of overflowing the stack', () => {
    const parsed = parseRuleText('zq.toml', TOKEN_RULE);
    const ruleset = compileRuleset({ rules: parsed.rules, global: { allowlists: [], documentedExamples: [] } });
    const hits = detect({ text: tokens.join('\n'), provenance: { kind: 'file', path: 'tokens.txt' } }, ruleset);
    expect(hits).toHaveLength(MATCHES);
    expect(hits[MATCHES - 1]!.region.startLine).toBe(MATCHES);
    expect(hits[MATCHES - 1]!.secret).toBe(tokens[MATCHES - 1]);
  });

  it.each([['1'], ['2']])('the CLI (--threads %s) reports them and the other file', (threads) => {
    const result = keyleak(['scan', 'src', '--no-builtin-rules', '--rules', 'rules/zq.toml', '--threads', threads, '--format', 'json', '--no-redact', '-o', `report-${threads}.json`], { cwd: tree.root });
    expect(result.stderr).not.toMatch(/RangeError|call stack/);
    expect(result.code).toBe(1);
    // The report is written to a file: 200 000 findings outgrow a child process's stdout buffer.
    const report = JSON.parse(readFileSync(path.join(tree.root, `report-${threads}.json`), 'utf8')) as { findings: { secret: string; occurrences: { path: string; startLine: number }[] }[] };
    expect(report.findings).toHaveLength(MATCHES);
    const last = report.findings.find((finding) => finding.secret === tokens[MATCHES - 1]);
    expect(last?.occurrences.map((occurrence) => `${occurrence.path}:${occurrence.startLine}`)).toEqual([`src/tokens.txt:${MATCHES}`]);
    const first = report.findings.find((finding) => finding.secret === tokens[0]);
    expect(first?.occurrences.map((occurrence) => `${occurrence.path}:${occurrence.startLine}`).sort()).toEqual(['src/one.txt:2', 'src/tokens.txt:1']);
  }, 120_000);
});
