/**
 * A pool of detection workers: each compiles the ruleset once; requests go to whichever worker is
 * free, so one huge file does not hold up the rest. Callers keep their own order.
 */
import { Worker } from 'node:worker_threads';
import type { WorkerReply, WorkerRequest, WorkerSetup } from './worker.js';

interface Job {
  readonly request: WorkerRequest;
  readonly resolve: (reply: WorkerReply) => void;
  readonly reject: (error: Error) => void;
}

export class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly queue: Job[] = [];
  private readonly workers: Worker[];
  private readonly running = new Map<Worker, Job>();

  constructor(setup: WorkerSetup, size: number) {
    this.workers = Array.from({ length: Math.max(1, size) }, () => {
      const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: setup });
      worker.on('message', (reply: WorkerReply) => {
        const job = this.running.get(worker)!;
        this.running.delete(worker);
        job.resolve(reply);
        this.release(worker);
      });
      worker.on('error', (error) => {
        this.running.get(worker)?.reject(error);
        this.running.delete(worker);
      });
      return worker;
    });
    this.idle.push(...this.workers);
  }

  /** Requests waiting for a worker; callers producing work faster than it is done wait on this. */
  get backlog(): number {
    return this.queue.length;
  }

  run(request: WorkerRequest): Promise<WorkerReply> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      const worker = this.idle.pop();
      if (worker) this.release(worker);
    });
  }

  private release(worker: Worker): void {
    const job = this.queue.shift();
    if (!job) {
      this.idle.push(worker);
      return;
    }
    this.running.set(worker, job);
    worker.postMessage(job.request);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}
