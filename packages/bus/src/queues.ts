import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { stringifyWire, type OrderIntent, type SettlementJob } from '@floor/domain';
import { Queues, type BusNames } from './names.js';

/** Jobs carry the wire form of the message (bigints as strings), one field `m` parsed with zod by the worker. */
export interface WireJob {
  readonly m: string;
}

/** Intents and settlements are kept a while after completion so a duplicate job id is still recognised. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 200 },
  removeOnComplete: { age: 24 * 3600, count: 50_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

export function createIntentsQueue(connection: Redis | ConnectionOptions, names: BusNames): Queue<WireJob> {
  return new Queue<WireJob>(Queues.intents, { connection: connection as ConnectionOptions, prefix: names.bullPrefix, defaultJobOptions: DEFAULT_JOB_OPTIONS });
}

export function createSettlementsQueue(connection: Redis | ConnectionOptions, names: BusNames): Queue<WireJob> {
  return new Queue<WireJob>(Queues.settlements, { connection: connection as ConnectionOptions, prefix: names.bullPrefix, defaultJobOptions: DEFAULT_JOB_OPTIONS });
}

/**
 * Enqueues an intent with `jobId = intentId`: BullMQ ignores an add whose job id already exists, so an agent
 * that replays after a crash cannot queue the same intent twice.
 */
export async function enqueueIntent(queue: Queue<WireJob>, intent: OrderIntent): Promise<void> {
  await queue.add('intent', { m: stringifyWire(intent) }, { jobId: intent.intentId });
}

export async function enqueueSettlement(queue: Queue<WireJob>, job: SettlementJob): Promise<void> {
  await queue.add('settle', { m: stringifyWire(job) }, { jobId: `settle-${job.marketId}` });
}
