// Progress of a running job, written to its ingest_jobs row. Rows stream through at
// ~100k/s, so writes are throttled (at most one per interval, never two in flight, the
// last change of a burst written when the interval ends) and forced at stage changes and
// at the end. `publish` runs after every write so a notifier (Redis pub/sub) can fan the
// new state out without the stages knowing.
import type pg from 'pg';
import type { JobStage } from '../../src/generated/prisma/enums.js';
import { logger } from '../../src/infra/logger.js';
import { writeProgress, type JobProgress } from '../../src/jobs/store.js';

export type PublishProgress = (jobId: string) => Promise<void> | void;

export interface ProgressOptions {
  /** Minimum time between throttled writes (default 250 ms: ≤ 4 writes/s). */
  minIntervalMs?: number;
  publish?: PublishProgress;
}

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

  /** Runs the publish hook without a progress write (after the final status update). */
  async publishNow(): Promise<void> {
    try {
      await this.options.publish?.(this.jobId);
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
      try {
        // Refused when the job left RUNNING under this run (it stops at its next chunk): nothing to write.
        await writeProgress(this.pool, this.jobId, progress);
        await this.options.publish?.(this.jobId);
      } catch (error) {
        // Progress is advisory: a lost update must not fail the job; the next one heals it.
        logger.warn({ err: error, jobId: this.jobId }, 'progress update failed');
      }
    })();
    const tracked: Promise<void> = run.finally(() => {
      if (this.inFlight === tracked) this.inFlight = null;
    });
    this.inFlight = tracked;
    return tracked;
  }
}
