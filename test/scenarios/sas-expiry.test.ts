/**
 * Azure shared access signatures are judged by their own expiry (`se`) against the scan's date:
 * one that has expired is not reported, one still valid is, whatever year either falls in.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { scan } from '../../src/scan/scan.js';
import { scanGit } from '../../src/scan/git-scan.js';
import { loadRuleset } from '../../src/ruleset/load.js';
import type { Finding } from '../../src/types.js';
import { keyleak } from '../helpers/cli.js';
import { makeTree, type Tree } from '../helpers/tree.js';
import { execFileSync } from 'node:child_process';

const DAY = 24 * 60 * 60 * 1000;
/** `se` as Azure writes it, `2031-05-04T10:00:00Z`, with the colons URL-encoded as in a copied URL. */
const isoExpiry = (time: number) => new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z').replaceAll(':', '%3A');

function storageSas(expiry: string, signature: string): string {
  return `https://contosomedia.blob.core.windows.net/uploads?sv=2024-08-04&ss=b&srt=sco&sp=rwdlac&se=${expiry}&st=2024-01-01T00%3A00%3A00Z&spr=https&sig=${signature}`;
}

const SIGNATURES = {
  validForAMonth: 'k9qY%2BUq1x6pXw0b3QZr7tF8Lm2vNc4sHj5eRa%2FdKgT0%3D',
  expiredYesterday: 'Tf7mPq2zL9xWc4nVb8sHk1yRg6dJa3uEo5iQt0lNwZc%3D',
  serviceBusValid: 'yH4mWq8Zp2LxT7vN1bRk5sDj0gFc3uEaQ6oIt9nVcX8%3D',
  serviceBusExpired: 'gP3vXz8Yq1RwT6bN0mLk4sJd7hFc2uEaQ9oIt5nVyW0%3D',
};

let tree: Tree;
afterEach(() => tree?.remove());

const signaturesFound = (findings: readonly Finding[]) => findings.filter((finding) => finding.ruleId === 'azure-shared-access-signature').map((finding) => finding.secret).sort();

describe('Azure SAS expiry', () => {
  it('the CLI reports a SAS valid for another month and leaves out one that expired yesterday, by the clock', () => {
    const now = Date.now();
    tree = makeTree({
      'deploy/upload.env': `UPLOAD_URL=${storageSas(isoExpiry(now + 30 * DAY), SIGNATURES.validForAMonth)}\nOLD_UPLOAD_URL=${storageSas(isoExpiry(now - DAY), SIGNATURES.expiredYesterday)}\n`,
      'src/bus.ts': [
        `const live = 'SharedAccessSignature sr=contoso-bus.servicebus.windows.net%2Forders&sig=${SIGNATURES.serviceBusValid}&se=${Math.floor((now + 30 * DAY) / 1000)}&skn=send-only';`,
        `const stale = 'SharedAccessSignature sr=contoso-bus.servicebus.windows.net%2Forders&sig=${SIGNATURES.serviceBusExpired}&se=${Math.floor((now - DAY) / 1000)}&skn=send-only';`,
      ].join('\n'),
    });
    const run = keyleak(['scan', '.', '--format', 'json', '--no-redact'], { cwd: tree.root });
    expect(run.code).toBe(1);
    expect(signaturesFound((JSON.parse(run.stdout) as { findings: Finding[] }).findings)).toEqual([SIGNATURES.validForAMonth, SIGNATURES.serviceBusValid].sort());
  });

  it('judges expiry against the scan date the library is given, on files and in history', async () => {
    const text = `BLOB_URL=${storageSas('2030-06-30T18%3A00%3A00Z', SIGNATURES.validForAMonth)}\n`;
    tree = makeTree({ 'config/blob.env': text });
    const ruleset = await loadRuleset({});
    const before = await scan({ cwd: tree.root, threads: 1, ruleset, now: new Date('2030-06-30T17:59:00Z') });
    const after = await scan({ cwd: tree.root, threads: 1, ruleset, now: new Date('2030-06-30T18:00:00Z') });
    expect(signaturesFound(before.findings)).toEqual([SIGNATURES.validForAMonth]);
    expect(signaturesFound(after.findings)).toEqual([]);

    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: tree.root });
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'blob url');
    const history = (now: string) => scanGit({ cwd: tree.root, ruleset, selection: { kind: 'history', refs: 'all' }, now: new Date(now) });
    expect(signaturesFound((await history('2030-01-01T00:00:00Z')).findings)).toEqual([SIGNATURES.validForAMonth]);
    expect(signaturesFound((await history('2031-01-01T00:00:00Z')).findings)).toEqual([]);
  });
});
