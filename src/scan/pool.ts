/**
 * Spreads file scanning over worker threads. Batches go to whichever worker is free, so one huge
 * file does not hold up the rest; results are keyed by batch so the caller can order them.
 */
import { Worker } from 'node:worker_threads';
import type { FileTarget } from '../sources/files.js';
import type { FileScanResult } from './file-scan.js';
import type { WorkerReply, WorkerRequest, WorkerSetup } from './worker.js';

/** Small enough to balance load across workers, large enough that messaging cost stays negligible. */
const BATCH_FILES = 16;

export async function scanInWorkers(files: readonly FileTarget[], setup: WorkerSetup, threads: number): Promise<FileScanResult[]> {
  const batches: FileTarget[][] = [];
  for (let i = 0; i < files.length; i += BATCH_FILES) batches.push(files.slice(i, i + BATCH_FILES));
  const results: FileScanResult[][] = new Array(batches.length);
  let next = 0;
  const workerCount = Math.max(1, Math.min(threads, batches.length));

  const runWorker = () =>
    new Promise<void>((resolve, reject) => {
      const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: setup });
      let current = -1;
      const dispatch = () => {
        if (next >= batches.length) {
          void worker.terminate().then(() => resolve());
          return;
        }
        current = next++;
        worker.postMessage({ batch: batches[current]! } satisfies WorkerRequest);
      };
      worker.on('message', (reply: WorkerReply) => {
        results[current] = [...reply.results];
        dispatch();
      });
      worker.on('error', reject);
      dispatch();
    });

  await Promise.all(Array.from({ length: workerCount }, runWorker));
  return results.flat();
}
