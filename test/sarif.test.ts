/** SARIF output validated by Microsoft's SARIF multitool against the 2.1.0 schema and its rules. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Log } from 'sarif';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyleak } from './helpers/cli.js';
import { makeTree, type Tree } from './helpers/tree.js';

const require = createRequire(import.meta.url);
const MULTITOOL = path.join(path.dirname(require.resolve('@microsoft/sarif-multitool/package.json')), 'bin.js');

/**
 * The validator looks up the host of every rule's help URI. With no network those lookups wait for
 * the resolver's timeouts (50 s of a 55 s run here), so it runs in an empty network namespace where
 * they fail at once, when the machine allows one (root with util-linux's unshare); the results are the same.
 */
const OFFLINE = spawnSync('unshare', ['--net', 'true']).status === 0 ? ['unshare', '--net'] : [];

/** Runs `Sarif.Multitool validate` and returns its results (schema and rule violations). */
function validate(file: string): { level: string; message: string }[] {
  const output = `${file}.validation.sarif`;
  const [command, ...prefix] = [...OFFLINE, process.execPath];
  const run = spawnSync(command!, [...prefix, MULTITOOL, 'validate', file, '--output', output, '--log', 'ForceOverwrite'], { encoding: 'utf8' });
  expect(run.status, run.stdout + run.stderr).toBe(0);
  const log = JSON.parse(readFileSync(output, 'utf8')) as Log;
  const rules = log.runs[0]!.tool.driver.rules ?? [];
  return (log.runs[0]!.results ?? []).map((result) => ({
    level: result.level ?? 'warning',
    message: `${result.ruleId}: ${rules.find((rule) => rule.id === result.ruleId)?.messageStrings?.[result.message.id ?? '']?.text ?? ''} ${JSON.stringify(result.message.arguments)}`,
  }));
}

let tree: Tree;
let log: Log;
beforeAll(() => {
  tree = makeTree({
    'src/config.ts': `export const stripe = "sk_live_aaSP1eDQdeILH06xHJhyk9GDU0KXfYSBEPvwCHS5";\n`,
    'copy of config.env': 'STRIPE=sk_live_aaSP1eDQdeILH06xHJhyk9GDU0KXfYSBEPvwCHS5\n',
    'web/index.html': '<script>Stripe("pk_live_QoC9H8eyTcRUYMFHQpttakYs1gVmMjgB9lp0Q313XEOG")</script>\n',
    'logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]),
    'apps/leaky.apk': readFileSync(new URL('../fixtures/apps/out/leaky.apk', import.meta.url)),
    'apps/Leaky.ipa': readFileSync(new URL('../fixtures/apps/out/Leaky.ipa', import.meta.url)),
  });
  const result = keyleak(['scan', '.', '--format', 'sarif', '--output', 'report.sarif'], { cwd: tree.root });
  expect(result.code).toBe(1);
  log = JSON.parse(readFileSync(`${tree.root}/report.sarif`, 'utf8')) as Log;
});
afterAll(() => tree.remove());

describe('SARIF report', () => {
  /** The multitool is a .NET program: slow to start on a loaded two-core machine. */
  const VALIDATION_TIMEOUT = 180_000;

  it('validates with zero errors', { timeout: VALIDATION_TIMEOUT }, () => {
    expect(validate(`${tree.root}/report.sarif`).filter((result) => result.level === 'error')).toEqual([]);
  });

  it('validates the bundled demo with zero errors', { timeout: VALIDATION_TIMEOUT }, () => {
    const demo = keyleak(['scan', 'fixtures/demo', '--format', 'sarif', '--output', `${tree.root}/demo.sarif`]);
    expect(demo.code).toBe(1);
    expect(validate(`${tree.root}/demo.sarif`).filter((result) => result.level === 'error')).toEqual([]);
    const demoLog = JSON.parse(readFileSync(`${tree.root}/demo.sarif`, 'utf8')) as Log;
    const clientSecret = demoLog.runs[0]!.results!.find((result) => result.ruleId === 'google-oauth-client-secret')!;
    expect(clientSecret.relatedLocations).toEqual([
      expect.objectContaining({ message: { text: 'Paired google-oauth-client-id.' }, physicalLocation: expect.objectContaining({ region: expect.objectContaining({ startLine: 3, startColumn: 14 }) }) }),
    ]);
    expect(demoLog.runs[0]!.results!.some((result) => result.ruleId === 'google-oauth-client-id')).toBe(false);
  });

  it('describes every loaded rule with help, severity and tags', () => {
    const rules = log.runs[0]!.tool.driver.rules!;
    const listed = keyleak(['rules', 'list', '--format', 'json']);
    expect(rules.map((rule) => rule.id)).toEqual(JSON.parse(listed.stdout).map((rule: { id: string }) => rule.id));
    for (const rule of rules) {
      expect(rule.help?.text, rule.id).toMatch(/\w/);
      expect(rule.fullDescription?.text, rule.id).toMatch(/\w/);
      expect(Number(rule.properties?.['security-severity']), rule.id).toBeGreaterThan(0);
      expect(rule.properties?.tags, rule.id).toEqual(expect.arrayContaining(['security', 'secret']));
    }
  });

  it('reports one result per secret, other places as related locations, with redacted snippets and content fingerprints', () => {
    const run = log.runs[0]!;
    expect(run.columnKind).toBe('utf16CodeUnits');
    const secret = run.results!.find((result) => result.ruleId === 'stripe-secret-key' && result.locations![0]!.properties?.['artifactChain'] === undefined)!;
    expect(secret.level).toBe('error');
    expect(secret.locations![0]!.physicalLocation!.artifactLocation).toEqual({ uri: 'copy%20of%20config.env', uriBaseId: '%SRCROOT%' });
    expect(secret.locations![0]!.physicalLocation!.region).toEqual({ startLine: 1, startColumn: 8, endLine: 1, endColumn: 56, snippet: { text: 'STRIPE=sk_l*****' } });
    expect(secret.relatedLocations!.map((location) => location.physicalLocation!.artifactLocation!.uri)).toEqual(['src/config.ts']);
    expect(secret.partialFingerprints!['keyleak/v1']).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(log)).not.toContain('aaSP1eDQdeILH06');
    const publishable = run.results!.find((result) => result.ruleId === 'stripe-publishable-key')!;
    expect(publishable.level).toBe('note');
  });

  it('carries notices as tool execution notifications', () => {
    const notifications = log.runs[0]!.invocations![0]!.toolExecutionNotifications!;
    expect(notifications.map((notification) => notification.descriptor?.id)).toEqual(['binary-skipped']);
    expect(notifications[0]!.locations![0]!.physicalLocation!.artifactLocation!.uri).toBe('logo.png');
  });
});

describe('SARIF for app packages', () => {
  it('points at the outer artifact and carries the inner chain (validated with the rest above)', () => {
    const results = log.runs[0]!.results!;
    const pat = results.find((result) => result.locations![0]!.logicalLocations?.[0]?.fullyQualifiedName === 'apps/leaky.apk!classes2.dex dex string #12')!;
    expect(pat.ruleId).toBe('github-pat');
    expect(pat.level).toBe('error');
    expect(pat.message.text).toMatch(/shipped inside apps\/leaky\.apk/);
    expect(pat.locations![0]!.physicalLocation!.artifactLocation).toEqual({ uri: 'apps/leaky.apk', uriBaseId: '%SRCROOT%' });
    expect(pat.locations![0]!.properties).toEqual(
      expect.objectContaining({ artifactChain: ['apps/leaky.apk', 'classes2.dex'], format: 'dex', locator: { kind: 'string-table', table: 'dex', index: 12 } }),
    );
    const slice = results.find((result) => result.ruleId === 'npm-access-token' && result.locations![0]!.properties?.['format'] === 'macho')!;
    // The CFString a class method returns: the place names the method.
    expect(slice.locations![0]!.logicalLocations![0]!.name).toBe('__TEXT,__ustring (x86_64) at 0x1aba (returned by +[LKSecrets localizedRegistryNote])');
    expect(slice.locations![0]!.properties!['artifactChain']).toEqual(['apps/Leaky.ipa', 'Payload/Leaky.app/Leaky']);
    expect(slice.relatedLocations!.map((location) => location.logicalLocations?.[0]?.name)).toContain('__TEXT,__ustring (arm64) at 0xc1f2 (returned by +[LKSecrets localizedRegistryNote])');
  });
});
