// Drives a job's progress the way the worker does: the real ProgressReporter writes the
// ingest_jobs row and publishes what it wrote; status changes are row updates followed
// by a publish of the row, as the job runner makes them.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { JobStage, JobStatus } from '../../src/generated/prisma/enums.js';
import type { PubSub } from '../../src/infra/pubsub.js';
import { publishJobState, publishProgress } from '../../src/progress/publisher.js';
import { ProgressReporter } from '../../worker/pipeline/progress.js';
import { sleep, until } from './processes.js';

export async function insertJob(pool: pg.Pool, fields: { status?: JobStatus; totalBytes?: number } = {}): Promise<string> {
  const id = randomUUID();
  await pool.query(`INSERT INTO ingest_jobs (id, status, total_bytes, updated_at) VALUES ($1, $2, $3, now())`, [
    id,
    fields.status ?? 'QUEUED',
    fields.totalBytes ?? 1_000_000,
  ]);
  return id;
}

export class JobDriver {
  readonly reporter: ProgressReporter;

  constructor(
    private readonly pool: pg.Pool,
    private readonly pubsub: PubSub,
    readonly jobId: string,
    minIntervalMs = 250,
  ) {
    this.reporter = new ProgressReporter(pool, jobId, { minIntervalMs, publish: (event, changed) => publishProgress(pubsub, event, changed) });
  }

  /** Sets the status (no sequence bump, as a plain status update would) and publishes. */
  async setStatus(status: JobStatus): Promise<void> {
    const finished = status !== 'QUEUED' && status !== 'RUNNING';
    await this.pool.query(
      `UPDATE ingest_jobs SET status = $2::"JobStatus", updated_at = now(),
              started_at = coalesce(started_at, now()),
              finished_at = CASE WHEN $3 THEN now() END
        WHERE id = $1`,
      [this.jobId, status, finished],
    );
    await publishJobState(this.pool, this.pubsub, this.jobId);
  }

  async stage(stage: JobStage): Promise<void> {
    await this.reporter.setStage(stage);
  }

  /** Reads `rows` more rows and writes the row at once (one sequence step). */
  async write(rows: number, bytes: number): Promise<void> {
    this.reporter.advance(rows, bytes);
    await this.reporter.flush();
  }

  /** Streams `rows` rows of `bytesPerRow` in `steps` steps over `ms` milliseconds. */
  async flow(rows: number, bytesPerRow: number, steps: number, ms: number): Promise<void> {
    const perStep = Math.floor(rows / steps);
    for (let step = 0; step < steps; step++) {
      this.reporter.advance(perStep, perStep * bytesPerRow);
      await sleep(ms / steps);
    }
    await this.reporter.flush();
  }
}

export { sleep };

/** Polls every 50 ms until `check` holds (default 10 s); the error names the last value. */
export const waitFor = <T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 10_000): Promise<T> =>
  until(read, check, 'a progress condition', timeoutMs, 50);
