import { describe, expect, it } from 'vitest';
import { findTextRuns, printableRuns, type TextRun } from '../../src/artifacts/formats/printable.js';

const ascii = (text: string): number[] => [...Buffer.from(text, 'latin1')];
const utf16le = (text: string): number[] => [...Buffer.from(text, 'utf16le')];
const utf16be = (text: string): number[] => [...Buffer.from(text, 'utf16le').swap16()];
const bytesOf = (...parts: (number | number[])[]): Uint8Array => new Uint8Array(parts.flat());
const summary = (runs: readonly TextRun[]): [string, number, string][] => runs.map((run) => [run.value, run.offset, run.encoding]);

/** Deterministic bytes so that a failure can be replayed. */
function seededBytes(seed: number, length: number, pick: (random: () => number) => number): Uint8Array {
  let state = seed >>> 0;
  const random = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  return Uint8Array.from({ length }, () => pick(random));
}

describe('printableRuns', () => {
  it('reports ASCII runs of at least 8 characters at their offset plus base', () => {
    const bytes = bytesOf(0, 1, ascii('short'), 0, ascii('sk_live_FAKE0123'), 0xff, ascii('1234567'), 0);
    expect(printableRuns(bytes, { base: 1000 })).toEqual([
      { value: 'sk_live_FAKE0123', locator: { kind: 'offset', offset: 1008, encoding: 'utf8' } },
    ]);
    expect(summary(findTextRuns(bytes, { minLength: 5 }))).toEqual([
      ['short', 2, 'utf8'],
      ['sk_live_FAKE0123', 8, 'utf8'],
      ['1234567', 25, 'utf8'],
    ]);
  });

  it('keeps tabs and line breaks inside a run, so a PEM block stays whole', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';
    expect(summary(findTextRuns(bytesOf(0, ascii(pem), 0)))).toEqual([[pem, 1, 'utf8']]);
  });

  it('decodes well-formed UTF-8 and counts characters, not bytes', () => {
    const text = 'clé secrète ✓ 𝄞';
    const encoded = [...Buffer.from(text, 'utf8')];
    expect(summary(findTextRuns(bytesOf(0, encoded, 0)))).toEqual([[text, 1, 'utf8']]);
    expect(findTextRuns(bytesOf(0, [...Buffer.from('ééééééé', 'utf8')], 0))).toEqual([]);
  });

  it('ends runs at malformed UTF-8, C1 controls and surrogates', () => {
    const prefix = ascii('prefix-one');
    const suffix = ascii('suffix-two');
    for (const bad of [[0xc3, 0x28], [0xc2, 0x85], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf8]]) {
      expect(findTextRuns(bytesOf(prefix, bad, suffix)).map((run) => run.value)).toEqual(['prefix-one', expect.stringContaining('suffix-two')]);
    }
  });

  it('reports a pure ASCII run once, as utf8', () => {
    expect(summary(findTextRuns(bytesOf(ascii('AKIAIOSFODNN7EXAMPLE'))))).toEqual([['AKIAIOSFODNN7EXAMPLE', 0, 'utf8']]);
  });

  it('finds UTF-16LE text that an ASCII scan misses', () => {
    const bytes = bytesOf(0xff, 0xff, utf16le('ghp_FAKEtoken1234'), 0xff, 0xff);
    expect(summary(findTextRuns(bytes))).toEqual([['ghp_FAKEtoken1234', 2, 'utf16le']]);
  });

  it('finds UTF-16BE text, as binary plists store it, including its last character', () => {
    const bytes = bytesOf(0x6f, 0x10, 0x11, utf16be('xoxb-FAKE-slack-17'), 0xd3, 0x12);
    expect(summary(findTextRuns(bytes))).toEqual([['xoxb-FAKE-slack-17', 3, 'utf16be']]);
  });

  it('reports UTF-16 text with zero bytes on both sides once, as utf16le', () => {
    const bytes = bytesOf(0, 0, 0, 0, utf16le('ApiSecret-Value'), 0, 0, 0, 0);
    expect(summary(findTextRuns(bytes))).toEqual([['ApiSecret-Value', 4, 'utf16le']]);
  });

  it('cuts very long runs at 64 KiB and loses no character', () => {
    const text = 'A'.repeat(200 * 1024);
    const runs = findTextRuns(bytesOf(0, ascii(text), 0));
    expect(runs.length).toBe(4);
    expect(runs.every((run) => run.value.length <= 64 * 1024)).toBe(true);
    expect(runs.map((run) => run.value).join('')).toBe(text);
    expect(runs.map((run) => run.offset)).toEqual([1, 1 + 65536, 1 + 2 * 65536, 1 + 3 * 65536]);

    const wide = findTextRuns(bytesOf(0xff, utf16le('B'.repeat(40_000)), 0xff));
    expect(wide.map((run) => [run.value.length, run.offset, run.encoding])).toEqual([
      [32768, 1, 'utf16le'],
      [40_000 - 32768, 1 + 65536, 'utf16le'],
    ]);
  });

  it('does not split a multi-byte character at the 64 KiB cut', () => {
    const text = 'a'.repeat(65535) + 'é' + 'b'.repeat(20);
    const runs = findTextRuns(bytesOf([...Buffer.from(text, 'utf8')]));
    expect(runs.map((run) => run.value).join('')).toBe(text);
    expect(runs[1]?.value.startsWith('é')).toBe(true);
  });

  it('handles empty, tiny and text-free input', () => {
    expect(printableRuns(new Uint8Array(0))).toEqual([]);
    expect(printableRuns(bytesOf(0x41))).toEqual([]);
    expect(printableRuns(new Uint8Array(4096))).toEqual([]);
  });

  it('finds exactly what a plain regex scan finds, on noisy buffers (the skip-ahead loses nothing)', () => {
    const alphabet = [0, 0, 0, 0x01, 0x41, 0x42, 0x7a, 0x20, 0x0a, 0x7f, 0xff, 0x90];
    for (let seed = 1; seed <= 40; seed++) {
      const bytes = seededBytes(seed, 4000, (random) => (random() < 0.5 ? 0x61 : alphabet[Math.floor(random() * alphabet.length)]!));
      for (const minLength of [3, 8]) {
        const latin1 = Buffer.from(bytes).toString('latin1');
        const text = `[\\t\\n\\r\\x20-\\x7e]`;
        const expectedUtf8 = [...latin1.matchAll(new RegExp(`${text}{${minLength},}`, 'g'))].map((match) => [match[0], match.index, 'utf8']);
        const runs = findTextRuns(bytes, { minLength });
        expect(summary(runs.filter((run) => run.encoding === 'utf8'))).toEqual(expectedUtf8);

        // Every UTF-16 reading a regex finds is reported, or overlapped by the reading reported instead.
        const wide = runs.filter((run) => run.encoding !== 'utf8');
        for (const [encoding, pattern] of [['utf16le', `(?:${text}\\x00){${minLength},}`], ['utf16be', `(?:\\x00${text}){${minLength},}`]] as const) {
          for (const match of latin1.matchAll(new RegExp(pattern, 'g'))) {
            const end = match.index + match[0].length;
            const covering = wide.find((run) => run.offset < end && match.index < run.offset + run.value.length * 2);
            expect(covering, `${encoding} run at ${match.index} (seed ${seed})`).toBeDefined();
            if (covering!.encoding === encoding) expect(covering!.offset).toBe(match.index);
            else expect(covering!.value.length).toBeGreaterThanOrEqual(match[0].length / 2);
          }
        }
      }
    }
  });

  it('finds a key in 50 MB of binary-like bytes', () => {
    const bytes = new Uint8Array(50 * 1024 * 1024);
    const chunk = seededBytes(7, 1024 * 1024, (random) => (random() < 0.6 ? 0 : Math.floor(random() * 256)));
    for (let at = 0; at < bytes.length; at += chunk.length) bytes.set(chunk, at);
    bytes.set([0, ...Buffer.from('AKIAIOSFODNN7EXAMPLE'), 0], 12_345_677);
    const runs = findTextRuns(bytes);
    expect(runs.some((run) => run.value === 'AKIAIOSFODNN7EXAMPLE' && run.offset === 12_345_678)).toBe(true);
  });
});
