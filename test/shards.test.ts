/**
 * `--shard i/N` and `keyleak merge`: the shards of a split scan, merged, are exactly the report a
 * single run writes (byte for byte, in every format), and every commit or file is scanned by exactly
 * one shard.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, keyleak } from './helpers/cli.js';
import { makeTree, type Tree } from './helpers/tree.js';

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Live-format Stripe keys from a fixed seed: well-formed, never real, the same on every run. */
function stripeKeys(count: number, seed: number): string[] {
  let state = seed;
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state >>> 8;
  };
  return Array.from({ length: count }, () => `sk_live_${Array.from({ length: 40 }, () => BASE62[next() % 62]).join('')}`);
}

const [REMOVED, SPREAD, AGAIN, ON_BRANCH, EVIL_MERGE, ...EACH_COMMIT] = stripeKeys(5 + 14, 20261205);

let tree: Tree;
let work: Tree;

/** Commits a day apart, so which commit came first is never a tie. */
let commitDate = '';
let commits = 0;

function git(args: readonly string[]): string {
  return execFileSync('git', args, { cwd: tree.root, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_DATE: commitDate, GIT_COMMITTER_DATE: commitDate } });
}

function commitFiles(message: string, files: Readonly<Record<string, string | null>>): void {
  for (const [file, content] of Object.entries(files)) {
    if (content === null) git(['rm', '-q', file]);
    else tree.write(file, content);
  }
  git(['add', '-A']);
  commits += 1;
  commitDate = new Date(Date.UTC(2024, 0, commits, 12)).toISOString();
  git(['commit', '-q', '-m', message]);
}

/** A history with what merging must get right: a secret in commits of different shards, removals, an unmerged branch, an evil merge. */
beforeAll(() => {
  tree = makeTree();
  work = makeTree();
  git(['init', '-q', '-b', 'main']);
  git(['config', 'user.email', 'dev@example.org']);
  git(['config', 'user.name', 'Dev']);
  git(['config', 'commit.gpgsign', 'false']);
  EACH_COMMIT.forEach((secret, i) => {
    const extra: Record<string, string | null> = {};
    if (i === 1) extra['removed.env'] = `STRIPE_KEY=${REMOVED}\n`;
    if (i === 2) extra['first.env'] = `KEY=${SPREAD}\n`;
    if (i === 3) extra['again.env'] = `KEY=${AGAIN}\n`;
    if (i === 5) extra['again.env'] = null;
    if (i === 8) extra['removed.env'] = null;
    if (i === 9) extra['again-later.env'] = `# back\nKEY=${AGAIN}\n`;
    if (i === 11) extra['second.env'] = `\n\nKEY=${SPREAD}\n`;
    if (i === 12) extra['first.env'] = null;
    if (i === 13) extra['again-later.env'] = null;
    commitFiles(`change ${i}`, { [`k${i}.env`]: `STRIPE_KEY=${secret}\n`, ...extra });
  });
  git(['checkout', '-q', '-b', 'feature/payments']);
  commitFiles('wip payments', { 'payments.env': `KEY=${ON_BRANCH}\n` });
  git(['checkout', '-q', 'main']);
  git(['checkout', '-q', '-b', 'topic']);
  commitFiles('topic work', { 'topic.txt': 'topic\n' });
  git(['checkout', '-q', 'main']);
  git(['merge', '-q', '--no-ff', '--no-commit', 'topic']);
  tree.write('merge.env', `KEY=${EVIL_MERGE}\n`);
  git(['add', 'merge.env']);
  commitDate = new Date(Date.UTC(2024, 0, commits + 1, 12)).toISOString();
  git(['commit', '-q', '-m', 'merge topic']);
});
afterAll(() => {
  tree.remove();
  work.remove();
});

/** The history split in three, written once for the tests that only read it. */
let threeShards: string[] = [];
const splitInThree = () => (threeShards.length > 0 ? threeShards : (threeShards = shardFiles(['git'], 3)));

function run(args: readonly string[], cwd = tree.root): string {
  const result = keyleak(args, { cwd });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(1);
  return result.stdout;
}

/** Writes each shard's file and returns their paths. */
function shardFiles(command: readonly string[], count: number, cwd = tree.root): string[] {
  return Array.from({ length: count }, (_, i) => {
    const file = path.join(work.root, `${command.join('-').replace(/[^a-z0-9-]/gi, '_')}-${i + 1}-of-${count}.json`);
    const result = keyleak([...command, '--shard', `${i + 1}/${count}`, '--format', 'shard', '--output', file], { cwd });
    expect(result.stderr).toBe('');
    expect([0, 1]).toContain(result.code);
    return file;
  });
}

interface ShardDocument {
  shard: { index: number; count: number };
  findings: { secret: string; occurrences: { provenance: { kind: string; commit?: { sha: string } } }[] }[];
  stats: { files: number };
}

const readShard = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as ShardDocument;

describe('keyleak git --shard and keyleak merge', () => {
  it('merging 5 shards of a history, in any order, gives the single run report byte for byte', () => {
    expect(run(['merge', ...shardFiles(['git'], 5).reverse(), '--format', 'json'])).toBe(run(['git', '--format', 'json']));
  });

  it('is byte for byte the same in SARIF, text and HTML, and unredacted', () => {
    const files = splitInThree();
    for (const format of ['sarif', 'text', 'html']) expect(run(['merge', ...files, '--format', format])).toBe(run(['git', '--format', format]));
    expect(run(['merge', ...files, '--format', 'text', '--no-redact'])).toBe(run(['git', '--format', 'text', '--no-redact']));
  });

  it('keeps the history a single run reads: first introduction, still at HEAD, removed in, only on a branch, an evil merge', () => {
    const report = JSON.parse(run(['merge', ...splitInThree(), '--format', 'json', '--no-redact'])) as {
      findings: { secret: string; occurrences: unknown[]; history: { introduced: { subject: string }; presentAtHead: boolean; removedIn?: { subject: string }; onlyOn?: string[] } }[];
    };
    const history = (secret: string) => report.findings.find((finding) => finding.secret === secret);
    expect(history(SPREAD)).toMatchObject({ occurrences: [{}, {}], history: { introduced: { subject: 'change 2' }, presentAtHead: true } });
    expect(history(REMOVED)?.history).toMatchObject({ introduced: { subject: 'change 1' }, presentAtHead: false, removedIn: { subject: 'change 8' } });
    expect(history(AGAIN)?.history).toMatchObject({ introduced: { subject: 'change 3' }, presentAtHead: false });
    expect(history(ON_BRANCH)?.history).toMatchObject({ presentAtHead: false, onlyOn: ['feature/payments'] });
    expect(history(EVIL_MERGE)?.history).toMatchObject({ introduced: { subject: 'merge topic' }, presentAtHead: true });
  });

  it('scans every commit in exactly one shard', () => {
    const commitsOf = (document: ShardDocument) => document.findings.flatMap((finding) => finding.occurrences.map((occurrence) => occurrence.provenance.commit?.sha ?? ''));
    const shards = splitInThree().map(readShard);
    const perShard = shards.map((shard) => new Set(commitsOf(shard)));
    const all = perShard.flatMap((commits) => [...commits]);
    expect(new Set(all).size).toBe(all.length);
    const single = readShard(shardFiles(['git'], 1)[0]!);
    expect(new Set(all)).toEqual(new Set(commitsOf(single)));
    expect(shards.reduce((sum, shard) => sum + shard.stats.files, 0)).toBe(single.stats.files);
    expect(perShard.filter((commits) => commits.size > 0).length).toBeGreaterThan(1);
  });

  it('splits a commit range and a limited walk the same way', () => {
    const since = git(['rev-parse', 'main~6']).trim();
    for (const command of [['git', '--since', since], ['git', '--max-commits', '9']]) {
      expect(run(['merge', ...shardFiles(command, 2), '--format', 'json'])).toBe(run([...command, '--format', 'json']));
    }
  });

  it('merges the history of a real repository (this one) exactly', () => {
    const repo = fileURLToPath(new URL('..', import.meta.url));
    const shallow = execFileSync('git', ['rev-parse', '--is-shallow-repository'], { cwd: repo, encoding: 'utf8' }).trim();
    if (shallow !== 'false') return expect.soft(shallow, 'a shallow clone holds no history to split').toBe('false');
    // A snapshot: commits made to this repository while the test runs must not change one run's input and not the other's.
    const snapshot = path.join(work.root, 'snapshot.git');
    execFileSync('git', ['clone', '-q', '--mirror', repo, snapshot]);
    const command = ['git', snapshot, '--max-commits', '60'];
    expect(run(['merge', ...shardFiles(command, 2, work.root), '--format', 'sarif'], work.root)).toBe(run([...command, '--format', 'sarif'], work.root));
  });

  it('refuses --shard on staged changes and with --submodules, shards that are not i/N, and --verify before the merge', () => {
    for (const args of [['git', '--staged', '--shard', '1/2'], ['git', '--submodules', '--shard', '1/2'], ['git', '--shard', '0/3'], ['git', '--shard', '4/3'], ['git', '--shard', 'x'], ['scan', '.', '--shard', '1/0'], ['git', '--shard', '1/2', '--format', 'shard', '--verify']]) {
      const result = keyleak(args, { cwd: tree.root });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(args.includes('x') || args.includes('0/3') || args.includes('4/3') || args.includes('1/0') ? 2 : 1);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

describe('keyleak scan --shard and keyleak merge', () => {
  const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

  it('merging the shards of a folder with apps, bundles and source maps gives the single run report', () => {
    const files = shardFiles(['scan', fixtures], 3, work.root);
    for (const format of ['json', 'sarif']) {
      const single = keyleak(['scan', fixtures, '--format', format], { cwd: work.root });
      const merged = keyleak(['merge', ...files, '--format', format], { cwd: work.root });
      expect(merged.stderr).toBe('');
      expect(merged.code).toBe(single.code);
      expect(merged.stdout).toBe(single.stdout);
    }
  });
});

describe('keyleak merge refuses what would give a wrong report', () => {
  let files: string[] = [];
  beforeAll(() => {
    files = splitInThree();
  });

  function refused(args: readonly string[]): string {
    const result = keyleak(['merge', ...args], { cwd: work.root });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    return result.stderr;
  }

  it('a missing or repeated shard', () => {
    expect(refused([files[0]!, files[2]!])).toBe('keyleak: shard 2/3 missing: a merge of part of a scan would report part of its findings\n');
    expect(refused([files[0]!, files[1]!, files[1]!])).toMatch(/shard 2\/3 is given twice/);
  });

  it('shards of other splits, other rules or other commands', () => {
    const otherSplit = shardFiles(['git'], 2);
    expect(refused([files[0]!, files[1]!, files[2]!, otherSplit[0]!])).toMatch(/split in 2/);
    const otherRules = path.join(work.root, 'other-rules.json');
    expect(keyleak(['git', '--shard', '2/3', '--format', 'shard', '--disable-rule', 'stripe-secret-key', '--output', otherRules], { cwd: tree.root }).code).toBe(0);
    expect(refused([files[0]!, otherRules, files[2]!])).toMatch(/other rules/);
    const scanShard = shardFiles(['scan', '.'], 3)[1]!;
    expect(refused([files[0]!, scanShard, files[2]!])).toMatch(/keyleak scan/);
  });

  it('files that are not shard files, broken or hostile ones, naming the file', () => {
    const sarif = path.join(work.root, 'report.sarif');
    writeFileSync(sarif, run(['git', '--format', 'sarif']));
    expect(refused([sarif])).toBe(`keyleak: ${sarif}: not a keyleak shard file (write one with --format shard)\n`);
    const broken = path.join(work.root, 'broken.json');
    writeFileSync(broken, readFileSync(files[0]!, 'utf8').slice(0, 500));
    expect(refused([broken])).toBe(`keyleak: ${broken}: not JSON: not a keyleak shard file\n`);
    const document = JSON.parse(readFileSync(files[0]!, 'utf8')) as Record<string, unknown>;
    const hostile = path.join(work.root, 'hostile.json');
    for (const [field, value] of [['findings', [{ ruleId: 'x', secret: 1, occurrences: [] }]], ['shard', { index: 4, count: 3 }], ['notices', 'none'], ['historyFacts', { atHead: [1] }]] as const) {
      writeFileSync(hostile, JSON.stringify({ ...document, [field]: value }));
      expect(refused([hostile]), field).toMatch(new RegExp(`^keyleak: ${hostile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `));
    }
    expect(refused([path.join(work.root, 'absent.json')])).toMatch(/absent\.json: /);
  });

  it('findings whose places are not as keyleak writes them, in any format', () => {
    const document = JSON.parse(readFileSync(files[0]!, 'utf8')) as { findings: { occurrences: Record<string, unknown>[] }[] };
    const hostile = path.join(work.root, 'hostile-place.json');
    const first = document.findings[0]!;
    const places: Record<string, unknown>[] = [
      { provenance: { kind: 'bogus', path: 'x' } },
      { provenance: { kind: 'entry', path: 'a!b', artifact: 'a', chain: ['b'], locator: { kind: 'zzz' } } },
      { provenance: { kind: 'entry', path: 'a!b', artifact: 'a', chain: 'b' } },
      { companions: [{ ruleId: 1 }] },
      { encoding: [42] },
    ];
    for (const place of places) {
      writeFileSync(hostile, JSON.stringify({ ...document, findings: [{ ...first, occurrences: [{ ...first.occurrences[0], ...place }] }] }));
      for (const format of ['text', 'html']) expect(refused([hostile, '--format', format]), JSON.stringify(place)).toContain('findings is not as keyleak writes it');
    }
  });

  it('rules from a shard file are keyleak\'s own for --verify only when they equal the built-in rule: a changed verify host gets nothing', () => {
    const tampered = files.map((file, index) => {
      const document = JSON.parse(readFileSync(file, 'utf8')) as { ruleset: { rules: { id: string; verify?: Record<string, unknown> }[] } };
      const rules = document.ruleset.rules.map((rule) => (rule.id === 'stripe-secret-key' ? { ...rule, verify: { ...rule.verify, url: 'https://collector.attacker.example/steal' } } : rule));
      const copy = path.join(work.root, `tampered-${index}.json`);
      writeFileSync(copy, JSON.stringify({ ...document, ruleset: { ...document.ruleset, rules } }));
      return copy;
    });
    // An empty network namespace, where one can be made: whatever keyleak tries to reach fails on this machine.
    const offline = execFileSync('sh', ['-c', 'unshare --net true && echo yes || true'], { encoding: 'utf8' }).trim() === 'yes';
    if (!offline) return expect.soft(offline, 'unshare --net is not available: the merged --verify is not run').toBe(true);
    const merge = (shards: readonly string[]) => {
      const run = execFileSync('sh', ['-c', 'unshare --net "$@" || true', 'sh', process.execPath, BIN, 'merge', ...shards, '--verify', '--format', 'json'], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' } });
      return (JSON.parse(run) as { findings: { verification?: { detail: string; host?: string } }[] }).findings.map((finding) => finding.verification);
    };
    expect(merge(tampered).length).toBeGreaterThan(3);
    for (const verification of merge(tampered)) expect(verification?.detail).toMatch(/^not sent: host collector\.attacker\.example is not allowed/);
    for (const verification of merge(files)) expect(verification).toMatchObject({ host: 'api.stripe.com' });
  });

  it('a shard file in a name nobody could type is named escaped', () => {
    const odd = path.join(work.root, 'odd\u001b[31mname.json');
    writeFileSync(odd, '{}');
    expect(refused([odd])).toContain('odd\\x1b[31mname.json');
  });
});
