/** What a reviewer handed an app reads: the chain to each secret, its place, and how exposed it is. */
import { describe, expect, it } from 'vitest';
import { keyleak } from '../helpers/cli.js';
import { makeTree } from '../helpers/tree.js';
import { zip } from '../helpers/archives.js';

interface Finding {
  ruleId: string;
  level: string;
  exposure: string;
  occurrences: { path: string; where?: string; shipped?: { via: string; app?: string } }[];
}

describe('an APK in the text report', () => {
  const run = keyleak(['scan', 'fixtures/apps/out/leaky.apk']);

  it('names the chain, the place inside each file and the exposure', () => {
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^fixtures\/apps\/out\/leaky\.apk!assets\/sdk\/secret-sdk\.aar!classes\.jar!com\/example\/sdk\/TwilioConfig\.class$/m);
    expect(run.stdout).toMatch(/^ {2}dex string #12 +error +github-pat +ghp_\*+$/m);
    expect(run.stdout).toMatch(/^ {2}string\/slack_token +error +slack-bot-token/m);
    expect(run.stdout).toMatch(/^ {2}<meta-data com\.example\.SLACK_TOKEN> android:value +error +slack-bot-token/m);
    expect(run.stdout).toMatch(/exposed to everyone who downloads fixtures\/apps\/out\/leaky\.apk/);
    expect(run.stdout).not.toMatch(/ghp_[A-Za-z0-9]{10}/);
  });
});

describe('an IPA in the text report', () => {
  const run = keyleak(['scan', 'fixtures/apps/out/Leaky.ipa']);
  const group = run.stdout.split('\n\n').find((block) => block.startsWith('fixtures/apps/out/Leaky.ipa!Payload/Leaky.app/Leaky\n'))!;

  it('lists a binary’s strings in file order, slice by slice, and says the exposure once', () => {
    const places = [...group.matchAll(/^ {2}(__TEXT,\S+ \((?:arm64|x86_64)\) at 0x[0-9a-f]+)/gm)].map((match) => match[1]!);
    expect(places).toHaveLength(10);
    expect(places[0]).toBe('__TEXT,__cstring (x86_64) at 0x1976');
    const offsets = places.map((place) => Number.parseInt(place.split(' at ')[1]!, 16));
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(group.match(/exposed to everyone who downloads/g)).toHaveLength(1);
  });
});

describe('exposure of secrets in shipped apps', () => {
  const json = JSON.parse(keyleak(['scan', 'fixtures/apps/out/leaky.apk', 'fixtures/apps/out/Leaky.ipa', '--format', 'json']).stdout) as { findings: Finding[] };
  const byRule = (id: string) => json.findings.filter((finding) => finding.ruleId === id);

  it('resolves a manifest @string/ reference through the APK’s resource table', () => {
    const token = byRule('facebook-client-token').find((finding) => finding.occurrences.some((occurrence) => occurrence.path.endsWith('leaky.apk!resources.arsc')))!;
    expect(token.occurrences.map((occurrence) => `${occurrence.path} ${occurrence.where}`)).toEqual([
      'fixtures/apps/out/leaky.apk!AndroidManifest.xml <meta-data com.facebook.sdk.ClientToken> android:value',
      'fixtures/apps/out/leaky.apk!resources.arsc string/facebook_client_token',
    ]);
  });

  it('reports a native string once, from its section, not again from the raw scan', () => {
    const npm = byRule('npm-access-token').filter((finding) => finding.occurrences.some((occurrence) => occurrence.path.endsWith('libleaky.so')));
    expect(npm.flatMap((finding) => finding.occurrences.map((occurrence) => occurrence.where))).toEqual(['.rodata at 0x2ea']);
  });

  it('raises confidential secrets to error and marks them shipped in the app', () => {
    const sendgrid = byRule('sendgrid-api-key');
    expect(sendgrid.length).toBeGreaterThan(0);
    for (const finding of sendgrid) {
      expect(finding.level).toBe('error');
      expect(finding.occurrences.every((occurrence) => occurrence.shipped?.via === 'app')).toBe(true);
    }
  });

  it('lists publishable app keys as notes, even where their rule warns', () => {
    for (const id of ['google-api-key', 'facebook-client-token', 'google-oauth-client-id']) {
      expect(byRule(id).length, id).toBeGreaterThan(0);
      for (const finding of byRule(id)) expect([finding.exposure, finding.level]).toEqual(['publishable', 'note']);
    }
  });

  it('keeps a plain archive that is no app unexposed', () => {
    const tree = makeTree({ 'backup.zip': zip([{ name: 'server/.env', content: 'STRIPE_KEY=sk_live_4xips2Vy5CpNulaWBuPizSSGjkh73VneVCzpxaTq\n' }]) });
    try {
      const report = JSON.parse(keyleak(['scan', '.', '--format', 'json'], { cwd: tree.root }).stdout) as { findings: Finding[] };
      expect(report.findings.map((finding) => finding.occurrences.map((occurrence) => [occurrence.path, occurrence.shipped]))).toEqual([[['backup.zip!server/.env', undefined]]]);
    } finally {
      tree.remove();
    }
  });
});
