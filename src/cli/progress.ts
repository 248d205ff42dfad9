/**
 * The progress line of a long scan on a terminal: one line on stderr, redrawn in place (`\r` and
 * erase-to-end-of-line), shown only once a scan has taken a second, and erased when it ends, so a
 * quick scan shows nothing and what stays on the screen is the report alone. run.ts decides whether
 * there is a terminal to draw on; stdout, redirected output, JSON and SARIF never see it.
 */
import type { ScanProgress } from '../types.js';
import { escapeControls } from '../report/terminal.js';
import { formatBytes } from '../report/text.js';

/** Scans quicker than this show no progress at all. */
export const PROGRESS_DELAY_MS = 1000;
/** Redraws at most this often: more is flicker and terminal traffic. */
const REDRAW_MS = 100;
/** Redraws at least this often while nothing finishes (the elapsed time still moves). */
const TICK_MS = 500;

const ERASE_LINE = '\r\x1b[K';

/** A terminal to draw on: raw writes (the escapes pass as they are) and its width in columns. */
export interface ProgressTerminal {
  readonly write: (text: string) => void;
  readonly columns: number;
  /** How long a scan runs before the line shows (default PROGRESS_DELAY_MS). */
  readonly delayMs?: number;
}

export interface ProgressLine {
  readonly update: (progress: ScanProgress) => void;
  /** Erases the line if it was drawn, and stops redrawing; safe to call more than once. */
  readonly finish: () => void;
}

function thousands(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `7s`, `2m 05s`, `1h 02m`. */
export function formatElapsed(milliseconds: number): string {
  const seconds = Math.floor(milliseconds / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/** The line's text, cut to `columns - 1` characters (a full line would wrap on some terminals) by shortening the current name from its start. */
export function describeProgress(progress: ScanProgress, elapsedMs: number, columns: number): string {
  const count = progress.total ?? progress.done;
  const unit = count === 1 ? progress.unit.slice(0, -1) : progress.unit;
  const counted = progress.total === undefined ? `${thousands(progress.done)} ${unit}` : `${thousands(progress.done)}/${thousands(progress.total)} ${unit}`;
  const head = `keyleak: ${counted} · ${formatBytes(progress.bytes)} · ${formatElapsed(elapsedMs)}`;
  const width = Math.max(1, columns - 1);
  const headCharacters = [...head];
  if (headCharacters.length >= width) return headCharacters.slice(0, width).join('');
  if (progress.current === undefined) return head;
  const current = [...escapeControls(progress.current)];
  const room = width - headCharacters.length - 3;
  if (room < 4) return head;
  const shown = current.length <= room ? current.join('') : `…${current.slice(current.length - room + 1).join('')}`;
  return `${head} · ${shown}`;
}

/** A progress line on `terminal`; `now` is the clock in milliseconds (tests pass their own). */
export function progressLine(terminal: ProgressTerminal, now: () => number = () => performance.now()): ProgressLine {
  const started = now();
  const delay = terminal.delayMs ?? PROGRESS_DELAY_MS;
  let latest: ScanProgress | undefined;
  let drawnAt = Number.NEGATIVE_INFINITY;
  let drawn = false;
  let finished = false;
  const draw = (force: boolean) => {
    const time = now();
    if (finished || latest === undefined || time - started < delay || (!force && time - drawnAt < REDRAW_MS)) return;
    terminal.write(`${ERASE_LINE}${describeProgress(latest, time - started, terminal.columns)}`);
    drawnAt = time;
    drawn = true;
  };
  const ticker = setInterval(() => draw(true), TICK_MS);
  ticker.unref();
  return {
    update(progress) {
      latest = progress;
      draw(false);
    },
    finish() {
      if (finished) return;
      finished = true;
      clearInterval(ticker);
      if (drawn) terminal.write(ERASE_LINE);
    },
  };
}
