/**
 * Real bundler output (fixtures/make-web-fixtures.sh: esbuild, webpack with terser, Vite): each
 * leak once per build, traced to its source line and to the env variable that carried it.
 */
import { describe, expect, it } from 'vitest';
import { scan } from '../../src/scan/scan.js';

const SECRET = 'sk_live_mBVO0oMX1qCamBdPJAZaanAbfhhip9cxHXRH0UJT';
const CLIENT_SECRET = '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';

describe.each([
  ['esbuild-external', '../../src/'],
  ['esbuild-inline', '../../src/'],
  ['webpack', 'webpack:///src/'],
  ['vite', '../../src/'],
])('%s build', async (build, sourcePrefix) => {
  const bundle = `fixtures/web/dist/${build}/app.js`;
  const { findings } = await scan({ paths: [`fixtures/web/dist/${build}`], threads: 1 });
  const finding = (ruleId: string) => findings.find((candidate) => candidate.ruleId === ruleId)!;
  const inBundle = (ruleId: string) => finding(ruleId).occurrences.find((o) => o.provenance.path === bundle && o.encoding.length === 0)!;

  it('reports the secret key, the client secret and the publishable key, each once', () => {
    expect(findings.map((candidate) => `${candidate.ruleId} ${candidate.exposure} ${candidate.level}`).sort()).toEqual([
      'google-oauth-client-secret confidential error',
      'stripe-publishable-key publishable note',
      'stripe-secret-key confidential error',
    ]);
    expect(finding('stripe-secret-key').secret).toBe(SECRET);
    expect(finding('google-oauth-client-secret').secret).toBe(CLIENT_SECRET);
  });

  it('traces the injected secret to the line that read NEXT_PUBLIC_STRIPE_SECRET_KEY, and names it', () => {
    expect(inBundle('stripe-secret-key').original).toEqual({ source: `${sourcePrefix}config.js`, line: 3, column: 32, envVariable: 'NEXT_PUBLIC_STRIPE_SECRET_KEY' });
    expect(inBundle('stripe-secret-key').shipped).toEqual({ via: 'client-bundle', variable: 'NEXT_PUBLIC_STRIPE_SECRET_KEY' });
  });

  it('traces the bundler-folded client secret to its concatenation in the source', () => {
    expect(inBundle('google-oauth-client-secret').original).toMatchObject({ source: `${sourcePrefix}oauth.js`, line: 3, column: 35 });
  });
});

describe('source map contents', async () => {
  const { findings } = await scan({ paths: ['fixtures/web/dist/esbuild-external'], threads: 1 });

  it('finds the tree-shaken secret only the map holds, as part of the same finding', () => {
    const secret = findings.find((finding) => finding.ruleId === 'stripe-secret-key')!;
    expect(secret.occurrences.map((o) => `${o.provenance.path}:${o.region.startLine}`)).toEqual([
      'fixtures/web/dist/esbuild-external/app.js:1',
      'fixtures/web/dist/esbuild-external/app.js.map!../../src/unused.js:2',
    ]);
  });

  it('finds the concatenated client secret in the embedded source', () => {
    const client = findings.find((finding) => finding.ruleId === 'google-oauth-client-secret')!;
    expect(client.occurrences.map((o) => `${o.provenance.path}:${o.region.startLine} ${o.encoding.join('')}`)).toContain('fixtures/web/dist/esbuild-external/app.js.map!../../src/oauth.js:3 js-concat');
  });
});
