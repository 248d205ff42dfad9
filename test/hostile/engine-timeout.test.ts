/**
 * A hostile rule (here from the .gitleaks.toml a repository carries) whose regex backtracks for
 * ever must not hang a scan: the rule is stopped on that file with a `rule-timeout` notice and
 * everything else is still found.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { keyleak } from '../helpers/cli.js';
import { makeTree } from '../helpers/tree.js';

const STRIPE_IN_SLOW = 'sk_live_Q4v2W8kR1nX7cT5yB9mJ3hL6pD0sF8gZaE2uK4';
const STRIPE_IN_OTHER = 'sk_live_m7Yt3Lq9Xw2Nc5Rb8Vk1Jh4Pd6Sg0Fz3Ue7Ha9';

/** Polynomial backtracking (seven adjacent `a*`): no nested quantifier, so only the time guard can stop it. */
const SLOW_CONFIG = `
[extend]
useDefault = true

[[rules]]
id = "slow-token"
description = "hostile"
regex = '''tok_a*a*a*a*a*a*a*c'''
keywords = ["tok_"]
`;

const slowText = `tok_${'a'.repeat(5000)}!\nSTRIPE_KEY=${STRIPE_IN_SLOW}\n`;

interface Report {
  readonly findings: readonly { readonly ruleId: string; readonly secret: string; readonly occurrences: readonly { readonly path: string; readonly startLine: number }[] }[];
  readonly notices: readonly { readonly level: string; readonly code: string; readonly message: string; readonly path?: string }[];
}

function places(report: Report): string[] {
  return report.findings.flatMap((finding) => finding.occurrences.map((occurrence) => `${finding.ruleId} ${finding.secret} ${occurrence.path}:${occurrence.startLine}`)).sort();
}

describe('a rule that backtracks for ever', () => {
  const tree = makeTree({ '.gitleaks.toml': SLOW_CONFIG, 'src/slow.txt': slowText, 'src/other.txt': `STRIPE_KEY=${STRIPE_IN_OTHER}\n` });
  afterAll(() => tree.remove());

  it.each([['1'], ['2']])('is stopped on that file and the scan goes on (--threads %s)', (threads) => {
    // The time budget is the feature: the rule-timeout notice below proves the rule was stopped. The one
    // wall-clock bound kept is ten times the 2000 ms default budget, so only a guard that fires far too late
    // (not a loaded machine) fails it; a guard that never fires is caught by the per-test timeout.
    const started = Date.now();
    const result = keyleak(['scan', '.', '--threads', threads, '--format', 'json', '--no-redact'], { cwd: tree.root });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as Report;
    expect(places(report)).toEqual([`stripe-secret-key ${STRIPE_IN_SLOW} src/slow.txt:2`, `stripe-secret-key ${STRIPE_IN_OTHER} src/other.txt:1`]);
    const timeouts = report.notices.filter((notice) => notice.code === 'rule-timeout');
    expect(timeouts).toHaveLength(1);
    expect(timeouts[0]).toMatchObject({ level: 'warning', path: 'src/slow.txt' });
    expect(timeouts[0]!.message).toContain('slow-token');
    expect(timeouts[0]!.message).toContain('ran longer than 2000 ms and was stopped');
  }, 60_000);

  it('is stopped in git history too', () => {
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: tree.root });
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'files');
    const result = keyleak(['git', '.', '--threads', '1', '--format', 'json', '--no-redact'], { cwd: tree.root });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as Report;
    expect(places(report)).toEqual([`stripe-secret-key ${STRIPE_IN_SLOW} src/slow.txt:2`, `stripe-secret-key ${STRIPE_IN_OTHER} src/other.txt:1`]);
    expect(report.notices.filter((notice) => notice.code === 'rule-timeout').map((notice) => [notice.level, notice.path])).toEqual([['warning', 'src/slow.txt']]);
  }, 60_000);
});
