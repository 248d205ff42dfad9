/** A real esbuild bundle (fixtures/make-web-fixtures.sh): each leak once, traced to its source line and env variable. */
import { describe, expect, it } from 'vitest';
import { scan } from '../../src/scan/scan.js';

const SECRET = 'sk_live_mBVO0oMX1qCamBdPJAZaanAbfhhip9cxHXRH0UJT';
const CLIENT_SECRET = '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';

describe('esbuild bundle with an external source map', async () => {
  const { findings } = await scan({ paths: ['fixtures/web/dist/external'], threads: 1 });
  const byRule = (ruleId: string) => findings.find((finding) => finding.ruleId === ruleId)!;

  it('reports each secret once, in the bundle and in the map', () => {
    expect(findings.map((finding) => `${finding.ruleId} ${finding.exposure} ${finding.level}`).sort()).toEqual([
      'google-oauth-client-secret confidential error',
      'stripe-publishable-key publishable note',
      'stripe-secret-key confidential error',
    ]);
  });

  it('traces the injected secret to the source line that read the NEXT_PUBLIC_ variable, and names it', () => {
    const inBundle = byRule('stripe-secret-key').occurrences.find((o) => o.provenance.path === 'fixtures/web/dist/external/app.js')!;
    expect(byRule('stripe-secret-key').secret).toBe(SECRET);
    expect(inBundle.original).toEqual({ source: '../../src/config.ts', line: 3, column: 40, envVariable: 'NEXT_PUBLIC_STRIPE_SECRET_KEY' });
    expect(inBundle.shipped).toEqual({ via: 'client-bundle', variable: 'NEXT_PUBLIC_STRIPE_SECRET_KEY' });
  });

  it('finds the tree-shaken secret only the map holds', () => {
    expect(byRule('stripe-secret-key').occurrences.map((o) => `${o.provenance.path}:${o.region.startLine}`)).toContain('fixtures/web/dist/external/app.js.map!../../src/unused.ts:2');
  });

  it('finds a client secret concatenated in the source and folded by the bundler', () => {
    const finding = byRule('google-oauth-client-secret');
    expect(finding.secret).toBe(CLIENT_SECRET);
    expect(finding.occurrences.map((o) => `${o.provenance.path}:${o.region.startLine} ${o.encoding.join('')}`)).toEqual([
      'fixtures/web/dist/external/app.js:1 ',
      'fixtures/web/dist/external/app.js.map!../../src/oauth.ts:3 js-concat',
    ]);
  });
});

describe('esbuild bundle with an inline source map', async () => {
  const { findings } = await scan({ paths: ['fixtures/web/dist/inline'], threads: 1 });

  it('reads the data: URL map and traces the secret to its source', () => {
    const secret = findings.find((finding) => finding.ruleId === 'stripe-secret-key')!;
    expect(secret.occurrences.filter((o) => o.encoding.length === 0).map((o) => o.original?.source)).toEqual(['../../src/config.ts']);
  });
});
