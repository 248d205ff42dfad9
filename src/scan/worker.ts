/** Worker thread: compiles the ruleset once, then scans the batches of files it is sent. */
import { parentPort, workerData } from 'node:worker_threads';
import type { RulesetSpec } from '../types.js';
import { compileRuleset } from '../ruleset/compile.js';
import type { FileTarget } from '../sources/files.js';
import { scanFile, type FileScanResult } from './file-scan.js';

export interface WorkerSetup {
  readonly ruleset: RulesetSpec;
  readonly maxFileSize: number;
}

export interface WorkerRequest {
  readonly batch: readonly FileTarget[];
}

export interface WorkerReply {
  readonly results: readonly FileScanResult[];
}

const setup = workerData as WorkerSetup;
const ruleset = compileRuleset(setup.ruleset);

parentPort!.on('message', ({ batch }: WorkerRequest) => {
  const reply: WorkerReply = { results: batch.map((file) => scanFile(file, ruleset, setup.maxFileSize)) };
  parentPort!.postMessage(reply);
});
