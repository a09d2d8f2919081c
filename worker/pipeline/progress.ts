// Progress of a running job, written to its ingest_jobs row and published as it was
// written. Rows stream through at ~100k/s, so writes are throttled (at most one per
// interval, never two in flight, the last change of a burst written when the interval
// ends) and forced at stage changes and at the end. This is the one throttle of progress:
// each write returns the row it left, and that row, as a JobProgressEvent, is what
// `publish` (Redis pub/sub, src/progress/publisher.ts) fans out, without the stages knowing.
import type pg from 'pg';
import { JobStage, type JobStatus } from '../../src/generated/prisma/enums.js';
import { logger } from '../../src/infra/logger.js';
import { writeProgress, type JobProgress } from '../../src/jobs/store.js';
import { workerMetrics } from '../../src/metrics/worker.js';
import { progressEvent, RateMeter, type JobProgressEvent, type JobProgressRow } from '../../src/progress/events.js';
import { readJobProgressRow } from '../../src/progress/job-row.js';

/** Sends one event; `changed` when the job's status or stage differs from the last event sent. */
export type PublishProgress = (event: JobProgressEvent, changed: boolean) => Promise<void>;

export interface ProgressOptions {
  /** Minimum time between throttled writes (default 250 ms: ≤ 4 writes/s). */
  minIntervalMs?: number;
  publish?: PublishProgress;
}

/** The stages whose rows/s the worker's bi_ingest_rows_per_second reports. */
const FILE_STAGES: ReadonlySet<JobStage> = new Set([JobStage.USERS, JobStage.TRANSACTIONS]);

export class ProgressReporter {
  private processedRows = 0;
  private processedBytes = 0;
  private countedRows: number | null = null;
  private aggregatesDone = 0;
  private stage: JobStage | null = null;
  private lastWriteAt = 0;
  private inFlight: Promise<void> | null = null;
  private dirty = false;
  private trailing: NodeJS.Timeout | null = null;
  private readonly minIntervalMs: number;
  private readonly rate = new RateMeter();
  /** Status and stage of the last event sent: a change of either also goes to the jobs-changed channel. */
  private lastSent: { status: JobStatus; stage: JobStage | null } | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly jobId: string,
    private readonly options: ProgressOptions = {},
  ) {
    this.minIntervalMs = options.minIntervalMs ?? 250;
  }

  /**
   * Counts rows and bytes read; writes when the interval has passed, else once it has (a
   * trailing write), so the last advance of a burst is published even if the next one is
   * a chunk commit away.
   */
  advance(rows: number, bytes: number): void {
    this.processedRows += rows;
    this.processedBytes += bytes;
    this.dirty = true;
    this.writeWhenDue();
  }

  private writeWhenDue(): void {
    if (this.trailing) return;
    const wait = this.lastWriteAt + this.minIntervalMs - Date.now();
    if (wait <= 0 && !this.inFlight) {
      void this.write();
      return;
    }
    this.trailing = setTimeout(() => {
      this.trailing = null;
      if (this.dirty) this.writeWhenDue();
    }, Math.max(wait, 10));
    this.trailing.unref();
  }

  async setStage(stage: JobStage): Promise<void> {
    this.stage = stage;
    await this.flush();
  }

  /** Every file has been read: `total` records, counted (until now total_rows was the upload's estimate). */
  setCountedRows(total: number): void {
    this.countedRows = total;
    this.dirty = true;
  }

  /** Share (0–1) of the aggregates refresh done; written like rows, at most once per interval. */
  aggregatesAdvanced(fraction: number): void {
    this.aggregatesDone = Math.min(1, Math.max(0, fraction));
    this.dirty = true;
    this.writeWhenDue();
  }

  /** Writes the current state now (waiting for a write in flight first). */
  async flush(): Promise<void> {
    if (this.trailing) clearTimeout(this.trailing);
    this.trailing = null;
    if (this.inFlight) await this.inFlight;
    this.dirty = true;
    await this.write();
  }

  /**
   * Publishes the row as it is now, without a progress write: after the final status
   * update, which the job runner writes itself. The job's rows/s leaves the gauge.
   */
  async publishNow(): Promise<void> {
    workerMetrics.recordRowsPerSecond(this.jobId, null, 0);
    try {
      const row = await readJobProgressRow(this.pool, this.jobId);
      if (row) await this.publish(row);
    } catch (error) {
      logger.warn({ err: error, jobId: this.jobId }, 'progress publish failed');
    }
  }

  private write(): Promise<void> {
    if (!this.dirty) return Promise.resolve();
    this.dirty = false;
    this.lastWriteAt = Date.now();
    // total_rows holds the upload's estimate until the worker has counted every record.
    const progress: JobProgress = {
      processedRows: this.processedRows,
      processedBytes: this.processedBytes,
      countedRows: this.countedRows,
      stage: this.stage,
      aggregatesDone: this.aggregatesDone,
    };
    const run = (async () => {
      let row: JobProgressRow | null = null;
      try {
        // Null when the job left RUNNING under this run (it stops at its next chunk): nothing written.
        row = await writeProgress(this.pool, this.jobId, progress);
      } catch (error) {
        // Progress is advisory: a lost update must not fail the job; the next one heals it.
        logger.warn({ err: error, jobId: this.jobId }, 'progress update failed');
      }
      if (!row) return;
      try {
        await this.publish(row);
      } catch (error) {
        // Subscribers re-read the row when nothing arrives for a while: the next event or that read heals it.
        logger.warn({ err: error, jobId: this.jobId }, 'progress publish failed');
      }
    })();
    const tracked: Promise<void> = run.finally(() => {
      if (this.inFlight === tracked) this.inFlight = null;
    });
    this.inFlight = tracked;
    return tracked;
  }

  /** The row as an event, its rows/s measured over this reporter's writes; published when there is a publisher. */
  private async publish(row: JobProgressRow): Promise<void> {
    const now = Date.now();
    const rate = this.rate.measure(row, now);
    const reading = row.status === 'RUNNING' && row.stage !== null && FILE_STAGES.has(row.stage);
    workerMetrics.recordRowsPerSecond(this.jobId, reading ? row.stage : null, rate.rowsPerSecond);
    if (!this.options.publish) return;
    const changed = this.lastSent?.status !== row.status || this.lastSent.stage !== row.stage;
    await this.options.publish(progressEvent(row, rate, now), changed);
    this.lastSent = { status: row.status, stage: row.stage };
  }
}
