import { describe, expect, it } from 'vitest';
import { redactor, redactSecret } from '../../src/report/redact.js';
import { formatBytes } from '../../src/report/text.js';

describe('redaction', () => {
  it('keeps a short prefix and hides the rest and the length', () => {
    expect(redactSecret('sk_live_aaSP1eDQdeILH06xHJhyk9GDU0KXfYSBEPvwCHS5')).toBe('sk_l*****');
    expect(redactSecret('hunter2pass')).toBe('hu*****');
    expect(redactSecret('short')).toBe('*****');
  });

  it('puts the shown secret back into its context, marking encoded ones', () => {
    const occurrence = { provenance: { kind: 'file', path: 'a' }, region: { startLine: 1, startColumn: 11, endLine: 1, endColumn: 29 }, before: '   key = "', after: '";  ', encoding: [], companions: [] } as const;
    expect(redactor([], true).snippet(occurrence, 'abcdefghijklmnopqr')).toBe('key = "abcd*****";');
    expect(redactor([], false).snippet(occurrence, 'abcdefghijklmnopqr')).toBe('key = "abcdefghijklmnopqr";');
    expect(redactor([], true).snippet({ ...occurrence, encoding: ['base64'] }, 'abcdefghijklmnopqr')).toBe('key = "[base64-encoded abcd*****]";');
  });
});

describe('formatBytes', () => {
  it('uses bytes below 1 KB and one decimal above', () => {
    expect(formatBytes(131)).toBe('131 bytes');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(365 * 1024 * 1024)).toBe('365.0 MB');
  });
});
