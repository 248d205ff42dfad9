/**
 * A worker's failure must cost only the item it was on: the failing file is named in a
 * `scan-failed` notice, and the other files of its batch (and of the scan) are still reported.
 */
import { afterAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { keyleak } from '../helpers/cli.js';
import { makeTree } from '../helpers/tree.js';
// The pool starts dist/scan/worker.js beside it: built code, as the CLI runs it.
import { WorkerPool } from '../../dist/scan/pool.js';
import { parseRuleText } from '../../src/ruleset/parse-text.js';
import { createHash } from 'node:crypto';
import { DEFAULT_ARCHIVE_LIMITS } from '../../src/artifacts/limits.js';
import type { FileScanResult } from '../../src/scan/file-scan.js';

const STRIPE_BEFORE = 'sk_live_Hq3Zt7Wm1Kx9Vr5Bn2Lc8Fy4Pd6Sj0Ga3Ue7Ro';
const STRIPE_AFTER = 'sk_live_c5Nw8Jr2Tk6Xm9Qb3Vh7Lz1Fs4Dp0Yg8Ae2Ku6';

/** A capture group repeated millions of times overflows V8's regex backtracking stack: a RangeError thrown mid-scan. */
const DEEP_RULE = `
[[rules]]
id = "deep-token"
description = "A rule whose regex exhausts the regex stack on long input."
regex = '''tok_((x)|(y))*z'''
keywords = ["tok_"]
remediation = "none"
`;

interface Report {
  readonly findings: readonly { readonly secret: string; readonly occurrences: readonly { readonly path: string; readonly startLine: number }[] }[];
  readonly notices: readonly { readonly level: string; readonly code: string; readonly message: string; readonly path?: string }[];
}

describe('a rule that throws while scanning one file', () => {
  const tree = makeTree({
    'rules/deep.toml': DEEP_RULE,
    'src/a.txt': `STRIPE_KEY=${STRIPE_BEFORE}\n`,
    // Long enough to overflow the regex stack, short enough to be one detection window.
    'src/deep.txt': `tok_${'x'.repeat(4_150_000)}\n`,
    'src/z.txt': `STRIPE_KEY=${STRIPE_AFTER}\n`,
  });
  afterAll(() => tree.remove());

  it.each([['1'], ['2']])('costs only that file (--threads %s)', (threads) => {
    const result = keyleak(['scan', 'src', '--rules', 'rules/deep.toml', '--threads', threads, '--format', 'json', '--no-redact'], { cwd: tree.root });
    expect(result.stderr).not.toMatch(/RangeError/);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.findings.flatMap((finding) => finding.occurrences.map((occurrence) => `${finding.secret} ${occurrence.path}:${occurrence.startLine}`)).sort()).toEqual(
      [`${STRIPE_BEFORE} src/a.txt:1`, `${STRIPE_AFTER} src/z.txt:1`].sort(),
    );
    const failed = report.notices.filter((notice) => notice.code === 'scan-failed');
    expect(failed.map((notice) => [notice.level, notice.path])).toEqual([['warning', 'src/deep.txt']]);
    expect(failed[0]!.message).toBe('scan failed: RangeError: Maximum call stack size exceeded');
  }, 60_000);
});

/** A plain token rule: 200 000 hits in one file need far more heap than the tiny limit below. */
const TOKEN_RULE = `
[[rules]]
id = "zq-token"
description = "A test token."
regex = '''\\b(zq_[0-9a-z]{12})\\b'''
keywords = ["zq_"]
remediation = "Rotate it."
default_filters = false
`;

function token(index: number): string {
  return `zq_${createHash('sha256').update(String(index)).digest('hex').slice(0, 12)}`;
}

describe('a worker that runs out of memory', () => {
  const tree = makeTree({
    'many.txt': `${Array.from({ length: 200_000 }, (_, index) => token(index)).join('\n')}\n`,
    'small.txt': `first\n${token(-1)}\n`,
  });
  afterAll(() => tree.remove());

  it('is replaced, the file it was on is named, and the rest of its batch is scanned', async () => {
    const rules = parseRuleText('zq.toml', TOKEN_RULE).rules;
    const target = (name: string) => ({ absolute: path.join(tree.root, name), display: name, root: tree.root });
    const setup = { ruleset: { rules, global: { allowlists: [], documentedExamples: [] } }, limits: { maxFileSize: 64 * 1024 * 1024, archive: DEFAULT_ARCHIVE_LIMITS }, now: Date.now() };
    const pool = new WorkerPool(setup, 1, { resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 } });
    try {
      const reply = await pool.run({ kind: 'files', batch: [target('many.txt'), target('small.txt')] });
      const results = (reply.kind === 'files' ? reply.results : []) as readonly FileScanResult[];
      expect(results[0]!.notices.map((notice) => [notice.level, notice.code, notice.path])).toEqual([['warning', 'scan-failed', 'many.txt']]);
      expect(results[0]!.notices[0]!.message).toMatch(/^scan failed: .*out of memory/);
      expect(results[1]!.hits.map((hit) => `${hit.secret} ${hit.provenance.path}:${hit.region.startLine}`)).toEqual([`${token(-1)} small.txt:2`]);
    } finally {
      await pool.close();
    }
  }, 60_000);
});
