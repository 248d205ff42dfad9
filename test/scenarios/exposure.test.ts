/** Secrets shipped to clients: built bundles, source maps and public env prefixes raise a finding. */
import { afterEach, describe, expect, it } from 'vitest';
import { scan } from '../../src/scan/scan.js';
import { makeTree, type Tree } from '../helpers/tree.js';

const SECRET = 'sk_live_16ztnxi8i2ANqQ6eJIGnvzFmd85mJqHVp8U1Z31X';
const AWS_KEY_ID = 'AKIAQ7ZP3MXK4W5NBV2C';

let tree: Tree;
afterEach(() => tree?.remove());

describe('secrets shipped to clients', () => {
  it('marks a confidential secret in a built bundle, names a public env variable, and raises the level', async () => {
    tree = makeTree({
      'dist/assets/index-3f2a.js': `const s="${SECRET}",a="${AWS_KEY_ID}";`,
      '.env.production': `NEXT_PUBLIC_STRIPE_SECRET=${SECRET}\nAWS_KEY=${AWS_KEY_ID}\n`,
      'src/server.ts': `const k = "${AWS_KEY_ID}";\n`,
    });
    const { findings } = await scan({ cwd: tree.root, threads: 1 });
    const summary = findings.map((finding) => ({
      rule: finding.ruleId,
      level: finding.level,
      places: finding.occurrences.map((o) => `${o.provenance.path} ${o.shipped ? `${o.shipped.via}${o.shipped.variable ? `:${o.shipped.variable}` : ''}` : 'not shipped'}`),
    }));
    expect(summary).toEqual([
      { rule: 'stripe-secret-key', level: 'error', places: ['.env.production public-env:NEXT_PUBLIC_STRIPE_SECRET', 'dist/assets/index-3f2a.js client-bundle'] },
      { rule: 'aws-access-key-id', level: 'error', places: ['.env.production not shipped', 'dist/assets/index-3f2a.js client-bundle', 'src/server.ts not shipped'] },
    ]);
  });

  it('leaves a key id that never ships at its rule level', async () => {
    tree = makeTree({ 'src/server.ts': `const k = "${AWS_KEY_ID}";\n` });
    expect((await scan({ cwd: tree.root, threads: 1 })).findings.map((finding) => finding.level)).toEqual(['warning']);
  });

  it('reports a publishable key shipped in a bundle as a note, even where its rule warns', async () => {
    tree = makeTree({ 'dist/app.js': 'initMaps({key:"AIzaSyD3f9Lq2Xw7Rb4Nz8Vc1Kt6Hm0Pj5Ys2Ue"});', 'server/maps.py': 'KEY = "AIzaSyD3f9Lq2Xw7Rb4Nz8Vc1Kt6Hm0Pj5Ys2Uf"\n' });
    const levels = (await scan({ cwd: tree.root, threads: 1 })).findings.map((finding) => `${finding.ruleId} ${finding.occurrences[0]!.provenance.path} ${finding.level}`);
    expect(levels).toEqual(['google-api-key dist/app.js note', 'google-api-key server/maps.py warning']);
  });
});
