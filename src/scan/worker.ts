/**
 * Worker thread: compiles the ruleset once, then scans what it is sent: files, or lines git reports
 * added. Finished items' results are posted every few milliseconds, and before each regex search the
 * worker writes which item and rule it is on into shared memory, so the pool can stop a runaway regex;
 * items done but not yet posted when a worker is stopped are scanned again, so nothing is lost.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { compileRuleset, type Ruleset } from '../ruleset/compile.js';
import { scanFile, type FileLimits } from './file-scan.js';
import { detectAdded } from './added-lines.js';
import { PROGRESS_ITEM, PROGRESS_RULE, PROGRESS_STEP, scanFailed, type ItemMessage, type ItemResult, type WatchedRequest, type WatchedSetup, type WorkerRequest } from './worker-protocol.js';

/**
 * Finished items are posted together at most this often (and at the end of a batch), so a history of
 * thousands of small changes is not thousands of messages, and a worker stopped mid-batch loses at most
 * this much work.
 */
const POST_INTERVAL_MS = 50;

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
  const ruleset = compileRuleset(setup.ruleset, setup.now);
  const progress = new Int32Array(setup.progress);
  let done: ItemMessage[] = [];
  let postedAt = performance.now();
  const post = () => {
    if (done.length > 0) port.postMessage(done);
    done = [];
    postedAt = performance.now();
  };
  port.on('message', (request: WatchedRequest) => {
    postedAt = performance.now();
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
      done.push({ index, result: scanItem(request, index, watched, setup.limits) });
      if (performance.now() - postedAt >= POST_INTERVAL_MS) post();
    }
    post();
  });
}
