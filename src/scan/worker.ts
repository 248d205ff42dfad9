/** Worker thread: compiles the ruleset once, then scans what it is sent: files, or lines git reports added. */
import { parentPort, workerData } from 'node:worker_threads';
import type { Hit, RulesetSpec } from '../types.js';
import { compileRuleset } from '../ruleset/compile.js';
import type { FileTarget } from '../sources/files.js';
import type { AddedLines } from '../sources/git.js';
import { scanFile, type FileLimits, type FileScanResult } from './file-scan.js';
import { detectAdded } from './added-lines.js';

export interface WorkerSetup {
  readonly ruleset: RulesetSpec;
  readonly limits: FileLimits;
}

export type WorkerRequest = { readonly kind: 'files'; readonly batch: readonly FileTarget[] } | { readonly kind: 'added'; readonly batch: readonly AddedLines[] };

export type WorkerReply = { readonly kind: 'files'; readonly results: readonly FileScanResult[] } | { readonly kind: 'added'; readonly hits: readonly Hit[] };

const setup = workerData as WorkerSetup;
const ruleset = compileRuleset(setup.ruleset);

parentPort!.on('message', (request: WorkerRequest) => {
  const reply: WorkerReply =
    request.kind === 'files'
      ? { kind: 'files', results: request.batch.map((file) => scanFile(file, ruleset, setup.limits)) }
      : { kind: 'added', hits: request.batch.flatMap((added) => detectAdded(added, ruleset)) };
  parentPort!.postMessage(reply);
});
