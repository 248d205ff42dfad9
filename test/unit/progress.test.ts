/** The terminal progress line: its text, its delay and pace, and that it leaves nothing behind. */
import { describe, expect, it } from 'vitest';
import { describeProgress, formatElapsed, PROGRESS_DELAY_MS, progressLine } from '../../src/cli/progress.js';

describe('describeProgress', () => {
  it('says files done of the total, bytes, elapsed time and the file being scanned', () => {
    expect(describeProgress({ unit: 'files', done: 1234, total: 50000, bytes: 3 * 1024 * 1024, current: 'out/app.apk' }, 7200, 120)).toBe('keyleak: 1,234/50,000 files · 3.0 MB · 7s · out/app.apk');
  });

  it('counts commits without a total, which a history scan cannot know in advance', () => {
    expect(describeProgress({ unit: 'commits', done: 1, bytes: 0 }, 0, 120)).toBe('keyleak: 1 commit · 0 bytes · 0s');
    expect(describeProgress({ unit: 'files', done: 0, total: 1, bytes: 0 }, 0, 120)).toBe('keyleak: 0/1 file · 0 bytes · 0s');
    expect(describeProgress({ unit: 'commits', done: 88, bytes: 100, current: '0123456789ab src/a.ts' }, 65_000, 120)).toBe('keyleak: 88 commits · 100 bytes · 1m 05s · 0123456789ab src/a.ts');
  });

  it('fits the terminal: the name loses its start, and a narrow terminal keeps the counts', () => {
    const line = describeProgress({ unit: 'files', done: 1, total: 2, bytes: 0, current: `deep/${'x'.repeat(200)}/leaky.apk` }, 1000, 60);
    expect([...line]).toHaveLength(59);
    expect(line).toMatch(/ · …x+\/leaky\.apk$/);
    expect(describeProgress({ unit: 'files', done: 1, total: 2, bytes: 0, current: 'a' }, 1000, 20)).toBe('keyleak: 1/2 files ');
  });

  it('shows a hostile name’s controls as escapes, so it cannot move the cursor or clear the screen', () => {
    expect(describeProgress({ unit: 'files', done: 0, total: 1, bytes: 0, current: 'evil\x1b[2J\r.env' }, 0, 200)).toBe('keyleak: 0/1 file · 0 bytes · 0s · evil\\x1b[2J\\r.env');
  });
});

describe('formatElapsed', () => {
  it('uses seconds, then minutes, then hours', () => {
    expect([999, 59_999, 60_000, 3_599_000, 3_600_000, 7_500_000].map(formatElapsed)).toEqual(['0s', '59s', '1m 00s', '59m 59s', '1h 00m', '2h 05m']);
  });
});

describe('progressLine', () => {
  const progress = (done: number) => ({ unit: 'files', done, total: 10, bytes: done * 1024 }) as const;

  function terminal() {
    let time = 0;
    const written: string[] = [];
    return { written, at: (ms: number) => (time = ms), now: () => time, write: (text: string) => written.push(text), columns: 80 };
  }

  it('shows nothing for a scan quicker than the delay', () => {
    const tty = terminal();
    const line = progressLine(tty, tty.now);
    line.update(progress(1));
    tty.at(PROGRESS_DELAY_MS - 1);
    line.update(progress(9));
    line.finish();
    expect(tty.written).toEqual([]);
  });

  it('then redraws one line in place at most every 100 ms, and erases it at the end', () => {
    const tty = terminal();
    const line = progressLine(tty, tty.now);
    tty.at(PROGRESS_DELAY_MS);
    line.update(progress(2));
    tty.at(PROGRESS_DELAY_MS + 50);
    line.update(progress(3));
    tty.at(PROGRESS_DELAY_MS + 100);
    line.update(progress(4));
    line.finish();
    line.finish();
    line.update(progress(5));
    expect(tty.written).toEqual(['\r\x1b[Kkeyleak: 2/10 files · 2.0 KB · 1s', '\r\x1b[Kkeyleak: 4/10 files · 4.0 KB · 1s', '\r\x1b[K']);
  });
});
