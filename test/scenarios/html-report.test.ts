/** `--format html` through the real CLI: the same bytes whatever the thread count, the exit code of the other formats. */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { keyleak } from '../helpers/cli.js';
import { APPS, plantedSecrets } from '../helpers/planted.js';

const APP_ARTIFACTS = [...new Set(plantedSecrets().map((entry) => entry.artifact))].sort();

describe('--format html', () => {
  it('writes byte-identical reports of the app fixtures with one thread and with two', () => {
    const cwd = fileURLToPath(APPS);
    const one = keyleak(['scan', ...APP_ARTIFACTS, '--format', 'html', '--threads', '1'], { cwd });
    const two = keyleak(['scan', ...APP_ARTIFACTS, '--format', 'html', '--threads', '2'], { cwd });
    expect(one.code).toBe(1);
    expect(one.stdout.length).toBeGreaterThan(50_000);
    expect(two.stdout).toBe(one.stdout);
  });

  it('writes byte-identical reports of the demo with one thread and with two, and exits as the text report does', () => {
    const one = keyleak(['scan', 'fixtures/demo', '--format', 'html', '--threads', '1']);
    const two = keyleak(['scan', 'fixtures/demo', '--format', 'html', '--threads', '2']);
    expect(two.stdout).toBe(one.stdout);
    expect(one.stdout.startsWith('<!doctype html>\n')).toBe(true);
    expect(one.code).toBe(keyleak(['scan', 'fixtures/demo']).code);
  });

  it('gives each bundle hit the original source line its source map traces it to, and counts it as a bundle', () => {
    const json = JSON.parse(keyleak(['scan', 'fixtures/web/dist', '--format', 'json']).stdout) as { findings: { occurrences: { original?: { source: string; line: number; column: number } }[] }[] };
    const html = keyleak(['scan', 'fixtures/web/dist', '--format', 'html']).stdout;
    const originals = json.findings.flatMap((finding) => finding.occurrences.flatMap((occurrence) => (occurrence.original === undefined ? [] : [occurrence.original])));
    expect(originals.length).toBeGreaterThan(0);
    const shown = [...html.matchAll(/from <span class="mono">([^<]+)<\/span> \(source map\)/g)].map((match) => match[1]);
    expect(shown.sort()).toEqual(originals.map((original) => `${original.source}:${original.line}:${original.column}`).sort());
    expect(html).toMatch(/<text x="\d+" y="\d+" text-anchor="end">bundle<\/text>/);
  });
});
