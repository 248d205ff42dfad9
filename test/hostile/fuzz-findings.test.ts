/**
 * Inputs the fuzzer found (npm run fuzz, seed 2026), kept as regression tests: an index map whose
 * section offset makes trace-mapping fill a billion lines, a rule path pattern V8 refuses to
 * compile only when first run, and a hunk header whose numbers are not line numbers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { makeTree, type Tree } from '../helpers/tree.js';
import { keyleakWithin, noticeKeys, placesOf, scanJson } from './reading-cli.js';
import { indexMapProblem, MAX_SECTION_LINE } from '../../src/sources/sourcemap.js';
import { parseHunkHeader } from '../../src/sources/git.js';

const KEY = 'sk_live_Qm3vTz8RkW2pLx9YbN4cHs7JdF6gA1eU5iO0';

let tree: Tree | undefined;
afterEach(() => {
  tree?.remove();
  tree = undefined;
});

function indexMap(line: number): string {
  return JSON.stringify({ version: 3, sections: [{ offset: { line, column: 0 }, map: { version: 3, sources: ['a.ts'], sourcesContent: ['x'], names: [], mappings: 'AAAA' } }] });
}

describe('index source maps are bounded before they are decoded', () => {
  it('refuses offsets past the line bound, nested offsets that add up past it, and offsets that are not whole numbers', () => {
    expect(indexMapProblem(JSON.parse(indexMap(10)))).toBeUndefined();
    expect(indexMapProblem(JSON.parse(indexMap(1e9)))).toMatch(/past the 1000000-line bound/);
    const nested = { version: 3, sections: [{ offset: { line: MAX_SECTION_LINE, column: 0 }, map: JSON.parse(indexMap(1)) }] };
    expect(indexMapProblem(nested)).toMatch(/starts at line 1000001/);
    expect(indexMapProblem({ version: 3, sections: [{ offset: { line: -1, column: 0 } }] })).toMatch(/whole numbers/);
    expect(indexMapProblem({ version: 3, sections: [{ offset: { line: '5', column: 0 } }] })).toMatch(/whole numbers/);
    expect(indexMapProblem({ version: 3, sections: 'x' })).toBe('sections is not a list');
    let deep: unknown = JSON.parse(indexMap(0));
    for (let depth = 0; depth < 40; depth++) deep = { version: 3, sections: [{ offset: { line: 0, column: 0 }, map: deep }] };
    expect(indexMapProblem(deep)).toMatch(/nested more than 32 deep/);
  });

  it('a bundle whose map says line 10^9 is scanned with a notice, within bounded time and memory', () => {
    tree = makeTree({ 'app.js': `const key = "${KEY}";\n//# sourceMappingURL=app.js.map\n`, 'app.js.map': indexMap(2 ** 31) });
    const { report } = scanJson(['.'], tree.root);
    expect(placesOf(report, KEY)).toEqual(['app.js:1:14']);
    expect(noticeKeys(report)).toContain('note sourcemap-invalid app.js.map');
  });
});

describe('rule patterns are run once at load', () => {
  it('a path pattern too large for V8 is a rule problem naming the rule, quoted shortened, not an internal error', () => {
    const huge = 'k'.repeat(100_000);
    tree = makeTree({
      'huge.toml': `[[rules]]\nid = "huge-path"\ndescription = "x"\nprovider = "x"\nregex = '''tok_[a-z0-9]{20}'''\nkeywords = ["tok_"]\npath = '''${huge}'''\nexamples = ["tok_abcdefghij0123456789"]\n`,
    });
    const run = keyleakWithin(['rules', 'check', 'huge.toml'], tree.root);
    expect(run.stderr).not.toMatch(/internal error/);
    const output = `${run.stdout}${run.stderr}`;
    expect(output).toMatch(/huge-path: path: Regular expression too large in \/k{80}… \(100000 characters\)\//);
    expect(output.length).toBeLessThan(2_000);
    expect(run.code).toBe(2);
  });
});

describe('hunk headers', () => {
  it('numbers that are not line numbers make the header not a hunk', () => {
    expect(parseHunkHeader('@@ -1 +99999999999999999999999999 @@')).toBeUndefined();
    expect(parseHunkHeader('@@ -1,99999999999999999999 +1 @@')).toBeUndefined();
    expect(parseHunkHeader('@@ -1,2 +3,4 @@ context')).toEqual({ oldCounts: [2], newStart: 3, newCount: 4 });
  });
});
