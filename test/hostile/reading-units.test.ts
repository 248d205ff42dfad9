/** The small pure functions behind hostile reading: where a map URL points, how a byte name shows. */
import { describe, expect, it } from 'vitest';
import { locateMap, sourceMappingUrl } from '../../src/sources/sourcemap.js';
import { climbsOut, nameText } from '../../src/sources/files.js';

const BUNDLE = '/repo/dist/app.js';

describe('sourceMappingUrl', () => {
  it('takes the last comment, in // or /* */ form', () => {
    expect(sourceMappingUrl('a();\n//# sourceMappingURL=old.map\nb();\n//# sourceMappingURL=app.js.map\n')).toBe('app.js.map');
    expect(sourceMappingUrl('body{}\n/*# sourceMappingURL=app.css.map */\n')).toBe('app.css.map');
    expect(sourceMappingUrl('x();\n//@ sourceMappingURL=legacy.map')).toBe('legacy.map');
  });

  it('ignores the key where it is not a comment, or followed by more code', () => {
    expect(sourceMappingUrl('const s = "sourceMappingURL=x.map";\n')).toBeUndefined();
    expect(sourceMappingUrl('//# sourceMappingURL=x.map; evil()\n')).toBeUndefined();
  });

  it('finds an inline map however long its line is', () => {
    const payload = 'A'.repeat(100_000);
    expect(sourceMappingUrl(`x();\n//# sourceMappingURL=data:application/json;base64,${payload}\n`)).toBe(`data:application/json;base64,${payload}`);
  });
});

describe('locateMap', () => {
  it('resolves relative, absolute and file: URLs to paths, dropping a query or fragment', () => {
    expect(locateMap('app.js.map?v=3#x', BUNDLE, 1000)).toEqual({ kind: 'path', path: '/repo/dist/app.js.map' });
    expect(locateMap('../maps/a%20b.map', BUNDLE, 1000)).toEqual({ kind: 'path', path: '/repo/maps/a b.map' });
    expect(locateMap('/etc/passwd', BUNDLE, 1000)).toEqual({ kind: 'path', path: '/etc/passwd' });
    expect(locateMap('file:///repo/x.map', BUNDLE, 1000)).toEqual({ kind: 'path', path: '/repo/x.map' });
  });

  it('refuses remote, foreign-scheme, malformed and NUL-holding URLs without throwing', () => {
    expect(locateMap('https://cdn.invalid/a.map', BUNDLE, 1000)).toEqual({ kind: 'refused', reason: 'it is a remote https: URL; not fetched' });
    expect(locateMap('webpack:///src/a.map', BUNDLE, 1000)).toEqual({ kind: 'refused', reason: 'its webpack: URL is not a local file' });
    expect(locateMap('file://otherhost/a.map', BUNDLE, 1000)).toEqual({ kind: 'refused', reason: 'its file: URL does not name a local file' });
    expect(locateMap('%E0%A4%A', BUNDLE, 1000)).toEqual({ kind: 'refused', reason: 'its URL has malformed percent-encoding' });
    expect(locateMap('a%00.map', BUNDLE, 1000)).toEqual({ kind: 'refused', reason: 'its URL holds a NUL byte' });
    expect(locateMap('file:///a%00.map', BUNDLE, 1000).kind).toBe('refused');
  });

  it('decodes data: URLs within the size limit', () => {
    expect(locateMap(`data:application/json;base64,${Buffer.from('{"a":1}').toString('base64')}`, BUNDLE, 1000)).toEqual({ kind: 'inline', text: '{"a":1}' });
    expect(locateMap('data:application/json,%7B%7D', BUNDLE, 1000)).toEqual({ kind: 'inline', text: '{}' });
    expect(locateMap(`data:application/json,${'x'.repeat(2000)}`, BUNDLE, 1000)).toEqual({ kind: 'refused', reason: 'its inline map is over the 1000-byte limit (--max-file-size)' });
    expect(locateMap('data:application/json', BUNDLE, 1000)).toEqual({ kind: 'refused', reason: 'its data: URL has no comma' });
  });
});

describe('file names', () => {
  it('nameText keeps UTF-8 and escapes each invalid byte', () => {
    expect(nameText(Buffer.from('café.env'))).toBe('café.env');
    expect(nameText(Buffer.from([0x63, 0xe9, 0x2e, 0xf0, 0x9f, 0x98, 0x80, 0xff]))).toBe('c\\xE9.😀\\xFF');
  });

  it('climbsOut tells parent paths from names that start with dots', () => {
    expect(climbsOut('..')).toBe(true);
    expect(climbsOut('../x')).toBe(true);
    expect(climbsOut('/abs')).toBe(true);
    expect(climbsOut('...')).toBe(false);
    expect(climbsOut('..env')).toBe(false);
    expect(climbsOut('a/../b')).toBe(false);
  });
});
