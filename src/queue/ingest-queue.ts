// The ingest queue: its name, payload schema and producer, shared by API and worker.
import { Queue, type ConnectionOptions, type DefaultJobOptions } from 'bullmq';
import { z } from 'zod';
import { TUNABLES, type Config } from '../config/config.js';
import { logger } from '../infra/logger.js';

export const INGEST_QUEUE = 'ingest';

export const ingestPayloadSchema = z.object({ jobId: z.uuid() });
export type IngestPayload = z.infer<typeof ingestPayloadSchema>;

/** Retries with exponential backoff for transient faults (database or Redis gone). */
function ingestJobOptions(queue: Config['queue']): DefaultJobOptions {
  return {
    attempts: queue.attempts,
    backoff: { type: 'exponential', delay: queue.backoffMs },
    removeOnComplete: { age: 24 * 3600, count: 1000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

/** The producer: every job it adds gets ingestJobOptions (attempts, backoff, retention). */
export function createIngestQueue(
  connection: ConnectionOptions,
  prefix: string,
  options: Config['queue'] = { attempts: TUNABLES.queueAttempts, backoffMs: TUNABLES.queueBackoffMs },
): Queue<IngestPayload> {
  const queue = new Queue<IngestPayload>(INGEST_QUEUE, { connection, prefix, defaultJobOptions: ingestJobOptions(options) });
  // Without a listener BullMQ console.errors every connection error (a raw stack trace per
  // reconnect attempt); the connection's own listener (infra/redis.ts) logs them, throttled.
  queue.on('error', (error) => logger.debug({ err: error }, 'ingest queue error'));
  return queue;
}

/**
 * BullMQ job id of our job's n-th retry: BullMQ dedups by id (and keeps finished jobs for a
 * day), so each retryJob needs a fresh one. BullMQ 6 refuses ":" in custom ids.
 */
export const bullJobId = (jobId: string, retries: number) => (retries ? `${jobId}-retry-${retries}` : jobId);

/** Idempotent per (job, retry): an API retry of the same request cannot enqueue twice. */
export async function enqueueIngest(queue: Queue<IngestPayload>, jobId: string, retries = 0): Promise<void> {
  const payload = ingestPayloadSchema.parse({ jobId });
  await queue.add('ingest', payload, { jobId: bullJobId(jobId, retries) });
}
