import { describe, expect, it } from 'vitest';
import { lineLocator } from '../../src/detect/lines.js';

describe('lineLocator', () => {
  it('gives 1-based lines and columns with LF', () => {
    const text = 'ab\ncd\nef';
    const locator = lineLocator(text);
    expect(locator.position(0)).toEqual({ line: 1, column: 1 });
    expect(locator.position(text.indexOf('d'))).toEqual({ line: 2, column: 2 });
    expect(locator.position(text.indexOf('f'))).toEqual({ line: 3, column: 2 });
  });

  it('counts CRLF and lone CR as one line break each', () => {
    const text = 'a\r\nbc\rd\r\n\r\nxyz';
    const locator = lineLocator(text);
    expect(locator.position(text.indexOf('c'))).toEqual({ line: 2, column: 2 });
    expect(locator.position(text.indexOf('d'))).toEqual({ line: 3, column: 1 });
    expect(locator.position(text.indexOf('z'))).toEqual({ line: 5, column: 3 });
  });

  it('counts columns in UTF-16 code units', () => {
    const text = 'x = "😀é" + KEY';
    expect(lineLocator(text).position(text.indexOf('KEY'))).toEqual({ line: 1, column: 13 });
  });

  it('is exact far into a very long line', () => {
    const text = `${'a'.repeat(3_000_000)}SECRET`;
    expect(lineLocator(text).position(3_000_000)).toEqual({ line: 1, column: 3_000_001 });
  });

  it('gives line bounds without the terminator', () => {
    const text = 'one\r\ntwo\nthree';
    const bounds = lineLocator(text).lineBounds(text.indexOf('w'));
    expect(text.slice(bounds.start, bounds.end)).toBe('two');
  });
});
