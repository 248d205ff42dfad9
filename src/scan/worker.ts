/**
 * Worker thread: compiles the ruleset once, then scans what it is sent: files, or lines git reports
 * added. Each item's result is posted as soon as it is done, and before each regex search the
 * worker writes which item and rule it is on into shared memory, so the pool can stop a runaway regex
 * and lose nothing already scanned.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Hit, Notice, RulesetSpec } from '../types.js';
import { compileRuleset, type Ruleset } from '../ruleset/compile.js';
import type { FileTarget } from '../sources/files.js';
import type { AddedLines } from '../sources/git.js';
import { scanFile, type FileLimits, type FileScanResult } from './file-scan.js';
import { detectAdded } from './added-lines.js';

export interface WorkerSetup {
  readonly ruleset: RulesetSpec;
  readonly limits: FileLimits;
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

function scanItem(request: WorkerRequest, index: number, ruleset: Ruleset, limits: FileLimits): ItemResult {
  if (request.kind === 'files') {
    const file = request.batch[index]!;
    try {
      return scanFile(file, ruleset, limits);
    } catch (error) {
      return { hits: [], inlineAllows: [], notices: [scanFailed(file.display, error)], bytes: 0, scanned: false };
    }
  }
  const added = request.batch[index]!;
  try {
    return { hits: detectAdded(added, ruleset), notices: [] };
  } catch (error) {
    return { hits: [], notices: [scanFailed(added.path, error)] };
  }
}

if (parentPort !== null) {
  const port = parentPort;
  const setup = workerData as WatchedSetup;
  const ruleset = compileRuleset(setup.ruleset);
  const progress = new Int32Array(setup.progress);
  port.on('message', (request: WatchedRequest) => {
    for (let index = 0; index < request.batch.length; index++) {
      const skip = new Set(request.skipRules[index] ?? []);
      Atomics.store(progress, PROGRESS_ITEM, index);
      Atomics.store(progress, PROGRESS_RULE, -1);
      Atomics.add(progress, PROGRESS_STEP, 1);
      const watched: Ruleset = {
        ...ruleset,
        skipRule: (rule) => skip.has(rule),
        searching: (rule) => {
          Atomics.store(progress, PROGRESS_RULE, rule ?? -1);
          Atomics.add(progress, PROGRESS_STEP, 1);
        },
      };
      const message: ItemMessage = { index, result: scanItem(request, index, watched, setup.limits) };
      port.postMessage(message);
    }
  });
}
