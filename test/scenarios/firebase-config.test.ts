/**
 * A Firebase web config is publishable by design, decided by the config object wherever it lies;
 * and a minified script is a built bundle even without a source map or a dist/ folder.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { keyleak } from '../helpers/cli.js';
import { makeTree } from '../helpers/tree.js';

/** Generated, well-formed fakes: AIza + 35 characters, an sk_live_ key of the documented length. */
const FIREBASE_KEY = 'AIzaSyq3Lx9Rk2Wm7Tn4Vb8Zc1Hd6Jf0Gp5Ys2E';
const MAPS_KEY = 'AIzaSyR8mN2kQ7vX4pL9wB3tH6jD1cF5gZ0sYe1';
const STRIPE_KEY = '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';

const prettyConfig = `import { initializeApp } from 'firebase/app';

const firebaseConfig = {
  apiKey: "${FIREBASE_KEY}",
  authDomain: "tour-guide-prod.firebaseapp.com",
  projectId: "tour-guide-prod",
  storageBucket: "tour-guide-prod.appspot.com",
  messagingSenderId: "804151235813",
  appId: "1:804151235813:web:4f2a9c7d1e3b5a6c",
};

export const app = initializeApp(firebaseConfig);
`;

/** What Vite writes to assets/: one long line, no map, under a folder no build tool owns. */
const viteChunk = `import{initializeApp as t}from"./vendor-9c1e2f.js";${'const a=[1,2,3].map(e=>e*2);'.repeat(60)}const o={apiKey:"${FIREBASE_KEY}",authDomain:"tour-guide-prod.firebaseapp.com",projectId:"tour-guide-prod",appId:"1:804151235813:web:4f2a9c7d1e3b5a6c"};t(o);const s="${STRIPE_KEY}";export{s as k};\n`;

interface Finding {
  readonly ruleId: string;
  readonly level: string;
  readonly secret: string;
  readonly occurrences: readonly { readonly path: string; readonly shipped?: { readonly via: string } }[];
}

const tree = makeTree({
  'src/firebase.js': prettyConfig,
  'pr-81/assets/index-3f2a9c.js': viteChunk,
  'src/maps.js': `export const MAPS_KEY = "${MAPS_KEY}";\n`,
  'src/lonely.js': `const settings = {\n  apiKey: "${MAPS_KEY}",\n  region: "eu",\n};\n`,
});
afterAll(() => tree.remove());

function scan(path: string): readonly Finding[] {
  const result = keyleak(['scan', path, '--format', 'json', '--no-redact', '--fail-on', 'note', '--threads', '1'], { cwd: tree.root });
  return (JSON.parse(result.stdout) as { findings: Finding[] }).findings;
}

describe('Firebase web config and built bundles', () => {
  it('reports the apiKey of a Firebase config object in source as a note, shipped by design', () => {
    const findings = scan('src/firebase.js');
    expect(findings.map((finding) => [finding.ruleId, finding.level, finding.occurrences[0]?.shipped?.via])).toEqual([['google-api-key', 'note', 'client-config']]);
  });

  it('treats a minified chunk outside any build folder as a built bundle: the config key is a note, a secret key an error', () => {
    const findings = scan('pr-81');
    const levels = Object.fromEntries(findings.map((finding) => [finding.secret, [finding.level, finding.occurrences[0]?.shipped?.via]]));
    expect(levels).toEqual({ [FIREBASE_KEY]: ['note', 'client-bundle'], [STRIPE_KEY]: ['error', 'client-bundle'] });
  });

  it('keeps a Google key outside a Firebase config at the rule level', () => {
    expect(scan('src/maps.js').map((finding) => [finding.level, finding.occurrences[0]?.shipped])).toEqual([['warning', undefined]]);
    expect(scan('src/lonely.js').map((finding) => [finding.level, finding.occurrences[0]?.shipped])).toEqual([['warning', undefined]]);
  });
});
