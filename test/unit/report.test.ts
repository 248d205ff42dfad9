import { describe, expect, it } from 'vitest';
import { redactSecret, snippet } from '../../src/report/redact.js';
import { formatBytes } from '../../src/report/text.js';

describe('redaction', () => {
  it('keeps a short prefix and hides the rest and the length', () => {
    expect(redactSecret('sk_live_aaSP1eDQdeILH06xHJhyk9GDU0KXfYSBEPvwCHS5')).toBe('sk_l*****');
    expect(redactSecret('hunter2pass')).toBe('hu*****');
    expect(redactSecret('short')).toBe('*****');
  });

  it('puts the shown secret back into its context, marking encoded ones', () => {
    const occurrence = { provenance: { kind: 'file', path: 'a' }, region: { startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 }, before: '   key = "', after: '";  ', encoding: [] } as const;
    expect(snippet(occurrence, 'abcdefghijklmnopqr', true)).toBe('key = "abcd*****";');
    expect(snippet(occurrence, 'abcdefghijklmnopqr', false)).toBe('key = "abcdefghijklmnopqr";');
    expect(snippet({ ...occurrence, encoding: ['base64'] }, 'abcdefghijklmnopqr', true)).toBe('key = "[base64-encoded abcd*****]";');
  });
});

describe('formatBytes', () => {
  it('uses bytes below 1 KB and one decimal above', () => {
    expect(formatBytes(131)).toBe('131 bytes');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(365 * 1024 * 1024)).toBe('365.0 MB');
  });
});
