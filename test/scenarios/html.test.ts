/** HTML pages: inline scripts, JSON islands and meta tags are scanned with positions in the page. */
import { afterEach, describe, expect, it } from 'vitest';
import { scan } from '../../src/scan/scan.js';
import { makeTree, type Tree } from '../helpers/tree.js';

const SECRET = 'sk_live_16ztnxi8i2ANqQ6eJIGnvzFmd85mJqHVp8U1Z31X';
const ISLAND_SECRET = 'sk_live_Nrh4Clvru5cbCG0lCOGSoMHetULWlCk15dFD9YjN';
const GOOGLE_KEY = 'AIzaSyD3f9Lq2Xw7Rb4Nz8Vc1Kt6Hm0Pj5Ys2Ue';

let tree: Tree;
afterEach(() => tree?.remove());

describe('HTML', () => {
  it('finds secrets in an inline script, a __NEXT_DATA__ island (escaped JSON) and a meta tag, at their places in the page', async () => {
    const page = [
      '<!doctype html><html><head>',
      `  <meta name="google-maps-key" content="${GOOGLE_KEY}">`,
      `  <script>window.__CONFIG__={stripe:"${SECRET}"}</script>`,
      '</head><body>',
      `  <script id="__NEXT_DATA__" type="application/json">{"props":{"pageProps":{"cfg":"{\\"key\\":\\"${ISLAND_SECRET}\\"}"}}}</script>`,
      '</body></html>',
    ].join('\n');
    tree = makeTree({ 'out/index.html': page });
    const { findings } = await scan({ cwd: tree.root, threads: 1 });
    const places = findings.map((finding) => `${finding.ruleId} ${finding.occurrences[0]!.region.startLine}:${finding.occurrences[0]!.region.startColumn} ${finding.occurrences[0]!.shipped?.via ?? ''}`);
    expect(places).toEqual([
      `google-api-key 2:${page.split('\n')[1]!.indexOf('AIza') + 1} client-bundle`,
      `stripe-secret-key 3:${page.split('\n')[2]!.indexOf('sk_live') + 1} client-bundle`,
      `stripe-secret-key 5:${page.split('\n')[4]!.indexOf('sk_live') + 1} client-bundle`,
    ]);
    expect(findings.find((finding) => finding.secret === ISLAND_SECRET)?.level).toBe('error');
  });
});
