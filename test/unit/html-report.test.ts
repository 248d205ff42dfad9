/** The HTML report's pure pieces: escaping, the page's policy, commit links, the container tree and the charts. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { commitUrl, repositoryLinks } from '../../src/report/commit-links.js';
import { containerTrees, type ContainerNode } from '../../src/report/container-tree.js';
import type { ReportContext } from '../../src/report/context.js';
import { countBars, whereFound } from '../../src/report/html-chart.js';
import { escapeHtml, htmlReporter } from '../../src/report/html.js';
import type { CommitInfo, Finding, Occurrence, Provenance, RuleSpec } from '../../src/types.js';

const STRIPE = 'sk_live_Q7vK2mWx9RtY4pLs8NbC3hJd6FgZ1aEu';
const SLACK = 'xoxb-7302419865-5120938476123-Kd8sLq2Wv9Xc4Rt7Yp3Nm6Bz';
const HOSTILE_NAME = '"><script>window.__pwned=1</script><img src=x onerror=alert(1)>.env';

function occurrence(provenance: Provenance, extra: Partial<Occurrence> = {}): Occurrence {
  return { provenance, region: { startLine: 3, startColumn: 7, endLine: 3, endColumn: 40 }, before: 'KEY = "', after: '"', encoding: [], companions: [], ...extra };
}

function finding(ruleId: string, secret: string, occurrences: readonly Occurrence[], extra: Partial<Finding> = {}): Finding {
  return { ruleId, level: 'error', exposure: 'confidential', secret, entropy: 4.5, fingerprint: createHash('sha256').update(`${ruleId}:${secret}`).digest('hex').slice(0, 32), occurrences, ...extra };
}

function rule(id: string, provider: string, extra: Partial<RuleSpec> = {}): RuleSpec {
  return {
    id,
    file: `rules/${id}.toml`,
    provider,
    description: `A ${provider} key.`,
    regex: 'x',
    flags: '',
    keywords: [],
    entropy: 0,
    exposure: 'confidential',
    level: 'error',
    filters: [],
    defaultFilters: true,
    generic: false,
    skipReport: false,
    anchored: false,
    allowlists: [],
    companions: [],
    remediation: `Revoke it in the ${provider} console.`,
    references: [],
    examples: [],
    negativeExamples: [],
    ...extra,
  };
}

function context(extra: Partial<ReportContext> = {}): ReportContext {
  return { rules: [rule('stripe-secret-key', 'Stripe'), rule('slack-bot-token', 'Slack')], notices: [], stats: { files: 2, bytes: 300 }, toolVersion: '0.1.0', cwd: '/repo', redact: true, color: false, ...extra };
}

const commit = (sha: string, subject: string): CommitInfo => ({ sha, author: 'Dev', email: 'dev@example.org', date: '2024-05-01T10:00:00Z', subject });

describe('escapeHtml', () => {
  it('makes markup characters inert in content and in quoted attributes', () => {
    expect(escapeHtml(`<script>alert("x")</script> & 'y'`)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;');
  });

  it('shows controls and direction overrides as visible escapes, as the terminal report does', () => {
    expect(escapeHtml('a\u202eexe.txt\u0000\n')).toBe('a\\u202eexe.txt\\x00\\n');
  });
});

describe('the HTML page', () => {
  const hostile = [
    finding('stripe-secret-key', STRIPE, [occurrence({ kind: 'file', path: HOSTILE_NAME }, { before: '<b onclick="x">', after: '</textarea><script>' })]),
    finding('slack-bot-token', SLACK, [occurrence({ kind: 'git', path: 'ci/<iframe>.yml', commit: commit('a'.repeat(40), `</title><script>steal()</script> ${STRIPE}`) })], {
      history: { introduced: commit('a'.repeat(40), '<svg onload=alert(2)>'), presentAtHead: false, removedIn: commit('b'.repeat(40), 'remove <b>it</b>') },
    }),
    finding('stripe-secret-key', `${STRIPE}x`, [
      occurrence({ kind: 'entry', path: `app.apk!<x onmouseover=y>.dex`, artifact: 'app.apk', chain: ['<x onmouseover=y>.dex'], format: 'dex', locator: { kind: 'resource', name: 'string/<b>"key"</b>' } }, { shipped: { via: 'app', app: 'app.apk' } }),
    ]),
  ];
  const page = htmlReporter(hostile, context({ notices: [{ level: 'warning', code: 'unreadable', message: 'cannot read <script>x</script>', path: HOSTILE_NAME }] }));

  it('has exactly one script and one style, its own, and escapes every name, snippet, subject and message', () => {
    expect(page.match(/<script/g)).toHaveLength(1);
    expect(page.match(/<style/g)).toHaveLength(1);
    for (const injected of ['<img', '<iframe', '<svg onload', '<b onclick', '<x onmouseover', '<b>"key"', '</textarea>', '</title><script>', '<b>it</b>']) expect(page).not.toContain(injected);
    expect(page).toContain('&lt;script&gt;window.__pwned=1&lt;/script&gt;');
    expect(page).toContain('string/&lt;b&gt;&quot;key&quot;&lt;/b&gt;');
  });

  it('allows only its own style and script, by hash, and loads nothing', () => {
    const policy = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(page)?.[1];
    const script = /<script>([\s\S]*?)<\/script>/.exec(page)![1]!;
    const style = /<style>([\s\S]*?)<\/style>/.exec(page)![1]!;
    const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    expect(policy).toBe(`default-src 'none'; style-src ${hash(style)}; script-src ${hash(script)}; img-src 'none'; base-uri 'none'; form-action 'none'`);
    // Attribute values are escaped (no quote inside), so dropping them leaves only the markup keyleak wrote.
    const markup = page.replace(/"[^"]*"/g, '""');
    expect(markup).not.toMatch(/<[a-z][^>]*\s(?:src|srcset)=|<link|@import|url\(/);
  });

  it('redacts every secret wherever it appears, a commit subject included', () => {
    expect(page).not.toContain(STRIPE.slice(0, 12));
    expect(page).not.toContain(SLACK.slice(0, 12));
    expect(page).toContain('sk_l*****');
    expect(htmlReporter(hostile, context({ redact: false }))).toContain(STRIPE);
  });

  it('says an app’s secrets are exposed to everyone who downloads it, and when history removed a secret', () => {
    expect(page).toContain('Exposed to everyone who downloads app.apk');
    expect(page).toMatch(/Removed<\/span> in <code>bbbbbbbbbbbb<\/code>/);
  });

  it('links commits to the repository’s web pages when the remote is on a known host', () => {
    const linked = htmlReporter(hostile, context({ repository: repositoryLinks('git@github.com:acme/leaky.git')! }));
    expect(linked).toContain(`href="https://github.com/acme/leaky/commit/${'a'.repeat(40)}"`);
    expect(linked).toContain(`href="https://github.com/acme/leaky/commit/${'b'.repeat(40)}"`);
    expect(page).not.toContain('href="https://github.com');
  });

  it('links only http(s) references from rule files', () => {
    const rules = [rule('stripe-secret-key', 'Stripe', { references: ['javascript:alert(1)', 'https://docs.stripe.com/keys'] })];
    const withReferences = htmlReporter([hostile[0]!], context({ rules }));
    expect(withReferences).toContain('<a href="https://docs.stripe.com/keys" rel="noopener noreferrer">');
    expect(withReferences).not.toContain('href="javascript:');
  });

  it('is the same page whatever order the tree’s entries were met in', () => {
    const a = finding('stripe-secret-key', STRIPE, [occurrence({ kind: 'entry', path: 'x.apk!b.dex', artifact: 'x.apk', chain: ['b.dex'], format: 'dex', locator: { kind: 'string-table', table: 'dex', index: 2 } })]);
    const b = finding('slack-bot-token', SLACK, [occurrence({ kind: 'entry', path: 'x.apk!a.dex', artifact: 'x.apk', chain: ['a.dex'], format: 'dex', locator: { kind: 'string-table', table: 'dex', index: 1 } })]);
    const names = (html: string) => [...html.matchAll(/data-name="([^"]+)"/g)].map((match) => match[1]);
    expect(names(htmlReporter([a, b], context()))).toEqual(['x.apk', 'a.dex', 'b.dex']);
    expect(htmlReporter([b, a], context())).toBe(htmlReporter([b, a], context()));
  });

  it('shows what --verify learnt: LIVE badges, the verified-live count, the detail redacted, a verification filter', () => {
    const live = finding('stripe-secret-key', STRIPE, [occurrence({ kind: 'file', path: 'a.env' })], {
      verification: { status: 'live', checkedAt: '2026-01-02T03:04:05.000Z', detail: `account acct_1 accepted ${STRIPE}`, host: 'api.stripe.com', identity: { account: '<b>acct_1</b>' } },
    });
    const refused = finding('slack-bot-token', SLACK, [occurrence({ kind: 'file', path: 'b.env' })], { verification: { status: 'invalid', checkedAt: '2026-01-02T03:04:05.000Z', detail: 'invalid_auth' } });
    const verified = htmlReporter([live, refused], context());
    expect(verified).toContain('<span class="number" data-count="live">1</span> verified live');
    expect(verified).toContain('<span class="number" data-count="invalid">1</span> refused by the provider');
    expect(verified).toContain('<span class="badge live">LIVE</span>');
    expect(verified).toContain('account: <code>&lt;b&gt;acct_1&lt;/b&gt;</code>');
    expect(verified).toContain('data-verification="live"');
    expect(verified).toContain('<input type="checkbox" name="verification" value="none" checked> not checked');
    expect(verified).not.toContain(STRIPE);
    expect(page).not.toContain('<input type="checkbox" name="verification"');
    expect(page).not.toContain('data-count="live"');
  });

  it('says when every finding is in the baseline, and still lists them', () => {
    const accepted = finding('stripe-secret-key', STRIPE, [occurrence({ kind: 'file', path: 'a.env' })], { suppression: { kind: 'baseline', justification: 'in .keyleak-baseline.json' } });
    const baselined = htmlReporter([accepted], context());
    expect(baselined).toContain('<title>keyleak report: no findings outside the baseline (1 in it)</title>');
    expect(baselined).toContain('<span class="number" data-count="suppressed">1</span> in the baseline');
    expect(baselined).toContain('<span class="badge suppressed">in the baseline</span> in .keyleak-baseline.json; does not fail the build');
  });

  it('says so when nothing was found, and shows no filters', () => {
    const empty = htmlReporter([], context());
    expect(empty).toContain('<title>keyleak report: no secrets found</title>');
    expect(empty).toContain('<p>No secrets found.</p>');
    expect(empty).not.toContain('id="filters"');
  });
});

describe('repositoryLinks', () => {
  it('reads scp-like, ssh and https remotes on known hosts', () => {
    expect(repositoryLinks('git@github.com:acme/leaky.git')).toEqual({ host: 'github', web: 'https://github.com/acme/leaky' });
    expect(repositoryLinks('ssh://git@ssh.github.com:443/acme/leaky.git')).toEqual({ host: 'github', web: 'https://github.com/acme/leaky' });
    expect(repositoryLinks('https://gitlab.com/group/sub/project.git/')).toEqual({ host: 'gitlab', web: 'https://gitlab.com/group/sub/project' });
    expect(repositoryLinks('https://bitbucket.org/team/repo')).toEqual({ host: 'bitbucket', web: 'https://bitbucket.org/team/repo' });
    expect(repositoryLinks('https://codeberg.org/someone/thing.git')).toEqual({ host: 'gitea', web: 'https://codeberg.org/someone/thing' });
  });

  it('drops the user name and token a remote URL can carry', () => {
    const links = repositoryLinks('https://dev:ghp_R8x2Lq7Wm4Kv9Tz3Nc6Hb1Pd5Sf0Yg8Ju2Ae@github.com/acme/leaky.git');
    expect(links).toEqual({ host: 'github', web: 'https://github.com/acme/leaky' });
  });

  it('links nothing for unknown hosts, local paths and paths that are not a repository', () => {
    for (const remote of ['https://git.internal.example/acme/leaky.git', '/srv/git/leaky.git', 'file:///srv/git/leaky', 'https://github.com/acme', 'https://github.com/acme/leaky/extra', 'https://github.com/acme/..', 'git@github.com:acme/"><x>.git', 'javascript:alert(1)']) {
      expect(repositoryLinks(remote), remote).toBeUndefined();
    }
  });

  it('spells each host’s commit page, for full commit ids only', () => {
    const sha = '0123456789abcdef0123456789abcdef01234567';
    expect(commitUrl(repositoryLinks('git@gitlab.com:g/p.git')!, sha)).toBe(`https://gitlab.com/g/p/-/commit/${sha}`);
    expect(commitUrl(repositoryLinks('git@bitbucket.org:t/r.git')!, sha)).toBe(`https://bitbucket.org/t/r/commits/${sha}`);
    expect(commitUrl(repositoryLinks('git@github.com:a/b.git')!, 'HEAD~1')).toBeUndefined();
  });
});

describe('containerTrees', () => {
  const entry = (artifact: string, chain: readonly string[], index: number): Occurrence =>
    occurrence({ kind: 'entry', path: [artifact, ...chain].join('!'), artifact, chain, format: 'dex', locator: { kind: 'string-table', table: 'dex', index } });
  const shape = (node: ContainerNode): unknown => ({ [node.name]: [node.total, ...node.hits.map((hit) => hit.finding.ruleId), ...node.children.map(shape)] });

  it('hangs each finding off the leaf that holds it, nested containers included, names in order', () => {
    const findings = [
      finding('stripe-secret-key', STRIPE, [entry('app.apk', ['assets/sdk.aar', 'classes.jar', 'Config.class'], 4), entry('app.apk', ['classes2.dex'], 9)]),
      finding('slack-bot-token', SLACK, [entry('app.apk', ['classes.dex'], 1), occurrence({ kind: 'file', path: 'src/a.ts' })]),
    ];
    expect(containerTrees(findings).map(shape)).toEqual([
      { 'app.apk': [3, { 'assets/sdk.aar': [1, { 'classes.jar': [1, { 'Config.class': [1, 'stripe-secret-key'] }] }] }, { 'classes.dex': [1, 'slack-bot-token'] }, { 'classes2.dex': [1, 'stripe-secret-key'] }] },
    ]);
  });
});

describe('summary charts', () => {
  it('counts each finding once per place kind: source, history, bundle, app → format', () => {
    const findings = [
      finding('a', STRIPE, [occurrence({ kind: 'file', path: 'src/a.ts' }), occurrence({ kind: 'file', path: 'dist/a.js' }, { shipped: { via: 'client-bundle' } }), occurrence({ kind: 'file', path: 'src/b.ts' })]),
      finding('b', SLACK, [
        occurrence({ kind: 'entry', path: 'x.apk!AndroidManifest.xml', artifact: 'x.apk', chain: ['AndroidManifest.xml'], format: 'axml' }, { shipped: { via: 'app', app: 'x.apk' } }),
        occurrence({ kind: 'git', path: 'a', commit: commit('c'.repeat(40), 's') }),
      ]),
    ];
    expect(findings.flatMap((item) => item.occurrences.map(whereFound))).toEqual(['source', 'bundle', 'source', 'app → manifest', 'history']);
    expect(countBars(findings, (item) => item.occurrences.map(whereFound))).toEqual([
      { label: 'app → manifest', value: 1 },
      { label: 'bundle', value: 1 },
      { label: 'history', value: 1 },
      { label: 'source', value: 1 },
    ]);
  });
});
