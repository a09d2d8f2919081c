// Publishing a job's state to every API process. The worker's progress reporter publishes
// the event it has just written (worker/pipeline/progress.ts: the one throttle); every other
// change of a job (created, cancelled, retried, finished, given up by the queue) publishes
// the row as it reads it right after the change. Both reject when Redis refuses: the
// callers log it.
import type pg from 'pg';
import type { PubSub } from '../infra/pubsub.js';
import type { JobProgressEvent } from './events.js';
import { readProgressEvent } from './job-row.js';

/**
 * Sends `event` on its job's progress channel and, when the job's status or stage
 * changed (`changed`), a notice on the jobs-changed channel (row counts alone raise none).
 */
export async function publishProgress(pubsub: PubSub, event: JobProgressEvent, changed: boolean): Promise<void> {
  const progress = pubsub.publish(pubsub.topics.jobProgress(event.jobId), event);
  const notice = changed
    ? pubsub.publish(pubsub.topics.jobsChanged(), { jobId: event.jobId, status: event.status, stage: event.stage, sequence: event.sequence })
    : undefined;
  await Promise.all([progress, notice]);
}

/** Reads the job's row and publishes it as a status or stage change; nothing when there is no such job. */
export async function publishJobState(pool: pg.Pool, pubsub: PubSub, jobId: string): Promise<void> {
  const event = await readProgressEvent(pool, jobId);
  if (event) await publishProgress(pubsub, event, true);
}
