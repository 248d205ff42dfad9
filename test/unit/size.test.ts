import { describe, expect, it } from 'vitest';
import { parseSize } from '../../src/config/size.js';

describe('parseSize', () => {
  it('reads bytes and binary units, case-insensitively', () => {
    expect(parseSize('1048576')).toBe(1048576);
    expect(parseSize('512KB')).toBe(512 * 1024);
    expect(parseSize('1.5m')).toBe(1.5 * 1024 * 1024);
    expect(parseSize(' 10 MB ')).toBe(10 * 1024 * 1024);
  });

  it('answers undefined for what is not a size', () => {
    expect(parseSize('big')).toBeUndefined();
    expect(parseSize('10xb')).toBeUndefined();
    expect(parseSize('-1')).toBeUndefined();
  });
});
