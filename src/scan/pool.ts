/**
 * A pool of detection workers: each compiles the ruleset once; requests go to whichever worker is
 * free, so one huge file does not hold up the rest. Callers keep their own order.
 *
 * The pool also guards the scan. A single search of a rule's regex that runs longer than the rule
 * time budget is stopped by terminating its worker; the item is scanned again without that rule (a
 * `rule-timeout` notice) and the rest of the batch goes on in a fresh worker. A worker that dies
 * (out of memory, a crash) costs only the item it was on (a `scan-failed` notice).
 */
import { Worker } from 'node:worker_threads';
import type { Hit, Notice } from '../types.js';
import type { FileScanResult } from './file-scan.js';
import {
  errorLine, PROGRESS_ITEM, PROGRESS_RULE, PROGRESS_SLOTS, PROGRESS_STEP, scanFailed,
  type ItemMessage, type ItemResult, type WatchedRequest, type WatchedSetup, type WorkerReply, type WorkerRequest, type WorkerSetup,
} from './worker-protocol.js';

/** How long one search of a rule's regex may run before the rule is stopped for that item (`ruleTimeout`). */
export const DEFAULT_RULE_TIMEOUT_MS = 2000;
/** How often running workers are looked at: the guard's reaction time, and nearly all its cost. */
const WATCH_INTERVAL_MS = 100;

export interface PoolOptions {
  readonly ruleTimeoutMs?: number;
  /** Heap limits for each worker, so one file cannot take all the machine's memory. */
  readonly resourceLimits?: { readonly maxOldGenerationSizeMb?: number; readonly maxYoungGenerationSizeMb?: number };
  /** Called as each item's result arrives, with the item's path: for progress displays. */
  readonly onItemDone?: (path: string, result: ItemResult) => void;
}

interface Job {
  readonly request: WorkerRequest;
  readonly results: (ItemResult | undefined)[];
  /** Per item: rules that overran on it, and the notices saying so. */
  readonly skipRules: number[][];
  readonly extraNotices: Notice[][];
  readonly resolve: (reply: WorkerReply) => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  readonly worker: Worker;
  readonly progress: Int32Array;
  job: Job | undefined;
  /** The job's item indexes, in the order they were sent in the worker's batch. */
  sent: readonly number[];
  lastStep: number;
  stepSeenAt: number;
}

function itemPath(request: WorkerRequest, index: number): string {
  return request.kind === 'files' ? request.batch[index]!.display : request.batch[index]!.path;
}

function failedItem(request: WorkerRequest, notice: Notice): ItemResult {
  return request.kind === 'files' ? { hits: [], inlineAllows: [], notices: [notice], bytes: 0, scanned: false } : { hits: [], notices: [notice] };
}

function withNotices(result: ItemResult, notices: readonly Notice[]): ItemResult {
  return notices.length === 0 ? result : { ...result, notices: [...result.notices, ...notices] };
}

function reply(job: Job): WorkerReply {
  const results = job.results.map((result, index) => withNotices(result!, job.extraNotices[index]!));
  if (job.request.kind === 'files') return { kind: 'files', results: results as FileScanResult[] };
  const hits: Hit[] = [];
  const notices: Notice[] = [];
  for (const result of results) {
    for (const hit of result.hits) hits.push(hit);
    for (const notice of result.notices) notices.push(notice);
  }
  return { kind: 'added', hits, notices };
}

export class WorkerPool {
  private readonly queue: Job[] = [];
  private readonly slots = new Set<Slot>();
  private readonly idle: Slot[] = [];
  private readonly ruleTimeoutMs: number;
  private readonly watch: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly setup: WorkerSetup,
    size: number,
    private readonly options: PoolOptions = {},
  ) {
    this.ruleTimeoutMs = options.ruleTimeoutMs ?? DEFAULT_RULE_TIMEOUT_MS;
    for (let i = 0; i < Math.max(1, size); i++) this.idle.push(this.startWorker());
    this.watch = setInterval(() => this.checkBudgets(), WATCH_INTERVAL_MS);
    this.watch.unref();
  }

  /** Requests waiting for a worker; callers producing work faster than it is done wait on this. */
  get backlog(): number {
    return this.queue.length;
  }

  run(request: WorkerRequest): Promise<WorkerReply> {
    return new Promise((resolve, reject) => {
      const items = request.batch.length;
      const job: Job = { request, results: new Array(items).fill(undefined), skipRules: Array.from({ length: items }, () => []), extraNotices: Array.from({ length: items }, () => []), resolve, reject };
      if (items === 0) {
        resolve(reply(job));
        return;
      }
      this.queue.push(job);
      const slot = this.idle.pop();
      if (slot) this.release(slot);
    });
  }

  private startWorker(): Slot {
    const progress = new SharedArrayBuffer(PROGRESS_SLOTS * Int32Array.BYTES_PER_ELEMENT);
    const setup: WatchedSetup = { ...this.setup, progress };
    const worker = new Worker(new URL('./worker.js', import.meta.url), {
      workerData: setup,
      ...(this.options.resourceLimits === undefined ? {} : { resourceLimits: { ...this.options.resourceLimits } }),
    });
    const slot: Slot = { worker, progress: new Int32Array(progress), job: undefined, sent: [], lastStep: 0, stepSeenAt: performance.now() };
    this.slots.add(slot);
    worker.on('message', (messages: readonly ItemMessage[]) => this.received(slot, messages));
    worker.on('error', (error) => this.crashed(slot, error));
    worker.on('exit', (code) => {
      if (this.slots.has(slot)) this.crashed(slot, new Error(`worker exited with code ${code}`));
    });
    return slot;
  }

  private received(slot: Slot, messages: readonly ItemMessage[]): void {
    const job = slot.job;
    if (job === undefined) return;
    for (const message of messages) {
      const item = slot.sent[message.index]!;
      job.results[item] = message.result;
      this.options.onItemDone?.(itemPath(job.request, item), message.result);
    }
    if (job.results.some((result) => result === undefined)) return;
    slot.job = undefined;
    job.resolve(reply(job));
    this.release(slot);
  }

  /** Paths of the items workers are on now, for progress displays. */
  working(): string[] {
    const paths: string[] = [];
    for (const slot of this.slots) {
      const item = slot.job === undefined ? undefined : this.currentItem(slot);
      if (item !== undefined && slot.job!.results[item] === undefined) paths.push(itemPath(slot.job!.request, item));
    }
    return paths;
  }

  /** The job's item the worker is on, when it has started one. */
  private currentItem(slot: Slot): number | undefined {
    return slot.sent[Atomics.load(slot.progress, PROGRESS_ITEM)];
  }

  private crashed(slot: Slot, error: Error): void {
    if (!this.slots.has(slot)) return;
    const job = slot.job;
    const item = job === undefined ? undefined : this.currentItem(slot);
    if (job !== undefined && item === undefined) {
      // Nothing to blame (the worker could not start): the job fails rather than loop.
      slot.job = undefined;
      job.reject(new Error(errorLine(error)));
    } else if (job !== undefined && item !== undefined && job.results[item] === undefined) {
      job.results[item] = failedItem(job.request, scanFailed(itemPath(job.request, item), error));
      this.options.onItemDone?.(itemPath(job.request, item), job.results[item]!);
    }
    this.replace(slot);
  }

  private checkBudgets(): void {
    const now = performance.now();
    for (const slot of this.slots) {
      if (slot.job === undefined) continue;
      const step = Atomics.load(slot.progress, PROGRESS_STEP);
      if (step !== slot.lastStep) {
        slot.lastStep = step;
        slot.stepSeenAt = now;
        continue;
      }
      const rule = Atomics.load(slot.progress, PROGRESS_RULE);
      const item = this.currentItem(slot);
      if (rule < 0 || item === undefined || now - slot.stepSeenAt <= this.ruleTimeoutMs) continue;
      const job = slot.job;
      const ruleId = this.setup.ruleset.rules[rule]?.id ?? `#${rule}`;
      job.skipRules[item]!.push(rule);
      job.extraNotices[item]!.push({
        level: 'warning',
        code: 'rule-timeout',
        message: `rule ${ruleId} ran longer than ${this.ruleTimeoutMs} ms and was stopped; the file was scanned without it`,
        path: itemPath(job.request, item),
      });
      this.replace(slot);
    }
  }

  /** Stops a worker and starts another; its unfinished items go back to the front of the queue. */
  private replace(slot: Slot): void {
    this.slots.delete(slot);
    void slot.worker.terminate();
    const job = slot.job;
    slot.job = undefined;
    if (this.closed) return;
    if (job !== undefined && job.results.every((result) => result !== undefined)) job.resolve(reply(job));
    else if (job !== undefined) this.queue.unshift(job);
    this.release(this.startWorker());
  }

  private release(slot: Slot): void {
    const job = this.queue.shift();
    if (!job) {
      this.idle.push(slot);
      return;
    }
    const pending = job.results.flatMap((result, index) => (result === undefined ? [index] : []));
    slot.job = job;
    slot.sent = pending;
    Atomics.store(slot.progress, PROGRESS_ITEM, -1);
    slot.lastStep = Atomics.load(slot.progress, PROGRESS_STEP);
    slot.stepSeenAt = performance.now();
    const batch = pending.map((index) => job.request.batch[index]!);
    const message = { kind: job.request.kind, batch, skipRules: pending.map((index) => job.skipRules[index]!) } as WatchedRequest;
    slot.worker.postMessage(message);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.watch);
    const slots = [...this.slots];
    this.slots.clear();
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }
}
