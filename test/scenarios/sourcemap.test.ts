/** Source maps: bundle hits traced to the original line; sources embedded in a map scanned as files. */
import { afterEach, describe, expect, it } from 'vitest';
import { scan } from '../../src/scan/scan.js';
import type { Finding } from '../../src/types.js';
import { vlq } from '../helpers/sourcemap.js';
import { makeTree, type Tree } from '../helpers/tree.js';

const SHIPPED = 'sk_live_yjhbuSIVwvXzMXvt1GfcNNamPMaWZ98EDQCHlpKI';
const TREE_SHAKEN = 'sk_live_Nrh4Clvru5cbCG0lCOGSoMHetULWlCk15dFD9YjN';

const CONFIG_SOURCE = `// payment settings\nexport const mode = 'live';\nexport const stripeKey = '${SHIPPED}';\n`;
const UNUSED_SOURCE = `export const legacyKey = '${TREE_SHAKEN}';\n`;
const BUNDLE_LINE = `!function(){var e="${SHIPPED}";console.log(e)}();`;
const LITERAL_COLUMN = BUNDLE_LINE.indexOf('"') + 1;

function sourceMap(): string {
  // Generated column 0 → config.ts 1:0; the literal → config.ts line 3 (index 2), column 25.
  const mappings = `${vlq([0, 0, 0, 0])},${vlq([LITERAL_COLUMN, 0, 2, 25])}`;
  return JSON.stringify({ version: 3, file: 'app.js', sources: ['../src/config.ts', '../src/unused.ts'], sourcesContent: [CONFIG_SOURCE, UNUSED_SOURCE], names: [], mappings });
}

let tree: Tree;
afterEach(() => tree?.remove());

const describeFinding = (finding: Finding) =>
  finding.occurrences.map((o) => `${o.provenance.path}:${o.region.startLine}:${o.region.startColumn}${o.original ? ` ← ${o.original.source}:${o.original.line}:${o.original.column}` : ''}`).join(' | ');

describe('source maps', () => {
  it('trace a bundle hit to its original line and scan sources only the map holds, as one finding per secret', async () => {
    tree = makeTree({ 'dist/app.js': `${BUNDLE_LINE}\n//# sourceMappingURL=app.js.map\n`, 'dist/app.js.map': sourceMap() });
    const { findings } = await scan({ cwd: tree.root, threads: 1 });
    expect(findings.map(describeFinding).sort()).toEqual([
      `dist/app.js:1:${LITERAL_COLUMN + 1} ← ../src/config.ts:3:26 | dist/app.js.map!../src/config.ts:3:27`,
      'dist/app.js.map!../src/unused.ts:1:27',
    ].sort());
  });

  it('read an inline data: URL map, and a sibling .map without a comment', async () => {
    const inline = `//# sourceMappingURL=data:application/json;base64,${Buffer.from(sourceMap()).toString('base64')}`;
    tree = makeTree({ 'a/app.js': `${BUNDLE_LINE}\n${inline}\n`, 'b/app.js': `${BUNDLE_LINE}\n` });
    tree.write('b/app.js.map', sourceMap());
    const { findings } = await scan({ cwd: tree.root, paths: ['a/app.js', 'b/app.js'], threads: 1 });
    // The inline map is also found base64-encoded inside a/app.js; the plain literals carry the original.
    expect(findings[0]!.occurrences.filter((o) => o.encoding.length === 0).map((o) => o.original)).toEqual([
      { source: '../src/config.ts', line: 3, column: 26 },
      { source: '../src/config.ts', line: 3, column: 26 },
    ]);
  });

  it('note a broken map and still report the bundle hit', async () => {
    tree = makeTree({ 'dist/app.js': `${BUNDLE_LINE}\n//# sourceMappingURL=app.js.map\n`, 'dist/app.js.map': '{"version":3,"mappings":' });
    const { findings, notices } = await scan({ cwd: tree.root, threads: 1 });
    expect(findings.map(describeFinding)).toEqual([`dist/app.js:1:${LITERAL_COLUMN + 1}`]);
    expect(notices.map((notice) => `${notice.code} ${notice.path}`).sort()).toEqual(['sourcemap-invalid dist/app.js', 'sourcemap-invalid dist/app.js.map']);
  });

  it('read an index map (sections)', async () => {
    const indexMap = JSON.stringify({ version: 3, file: 'app.js', sections: [{ offset: { line: 0, column: 0 }, map: JSON.parse(sourceMap()) }] });
    tree = makeTree({ 'dist/app.js': `${BUNDLE_LINE}\n//# sourceMappingURL=app.js.map\n`, 'dist/app.js.map': indexMap });
    const { findings } = await scan({ cwd: tree.root, threads: 1 });
    expect(findings.map(describeFinding).sort()).toEqual([
      `dist/app.js:1:${LITERAL_COLUMN + 1} ← ../src/config.ts:3:26 | dist/app.js.map!../src/config.ts:3:27`,
      'dist/app.js.map!../src/unused.ts:1:27',
    ].sort());
  });
});
