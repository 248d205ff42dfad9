/**
 * What the pool and its workers share: the messages, the progress slots in shared memory, and the
 * notice for an item that failed. Kept apart from worker.ts so the pool (and the pre-commit path
 * that loads it) does not load the whole file scanner and every artifact decoder.
 */
import type { Hit, Notice, RulesetSpec } from '../types.js';
import type { FileTarget } from '../sources/files.js';
import type { AddedLines } from '../sources/git.js';
import type { FileLimits, FileScanResult } from './file-scan.js';

export interface WorkerSetup {
  readonly ruleset: RulesetSpec;
  readonly limits: FileLimits;
  /** The scan's date (ms since the epoch), the same in every worker. */
  readonly now: number;
}

export type WorkerRequest = { readonly kind: 'files'; readonly batch: readonly FileTarget[] } | { readonly kind: 'added'; readonly batch: readonly AddedLines[] };

export type WorkerReply =
  | { readonly kind: 'files'; readonly results: readonly FileScanResult[] }
  | { readonly kind: 'added'; readonly hits: readonly Hit[]; readonly notices: readonly Notice[] };

/** What one item of a batch gave: a file's scan, or the hits and notices of one change. */
export type ItemResult = FileScanResult | { readonly hits: readonly Hit[]; readonly notices: readonly Notice[] };

/** Slots of the progress array a worker shares with the pool. */
export const PROGRESS_STEP = 0;
export const PROGRESS_ITEM = 1;
export const PROGRESS_RULE = 2;
export const PROGRESS_SLOTS = 3;

/** Setup as the pool sends it: the progress array lives in memory both threads see. */
export interface WatchedSetup extends WorkerSetup {
  readonly progress: SharedArrayBuffer;
}

/** A batch as the pool sends it: `skipRules[i]` are rule indexes left out for item i (they overran). */
export type WatchedRequest = WorkerRequest & { readonly skipRules: readonly (readonly number[])[] };

export interface ItemMessage {
  readonly index: number;
  readonly result: ItemResult;
}

/** The first line of what an exception says, for a notice. */
export function errorLine(error: unknown): string {
  return (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).split('\n')[0]!;
}

export function scanFailed(path: string, error: unknown): Notice {
  return { level: 'warning', code: 'scan-failed', message: `scan failed: ${errorLine(error)}`, path };
}
