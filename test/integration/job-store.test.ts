// The job store against real PostgreSQL: each write applies from exactly the statuses the
// lifecycle allows (the table below is the specification, written out independently of
// JOB_WRITES), a refused write changes nothing and says so, and every applied write bumps
// progress_seq by one. Then what a refusal does to a run: a job marked lost while it runs
// stops at its next chunk, and a retry resumes it to the state of one clean run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobStage, JobStatus } from '../../src/generated/prisma/enums.js';
import {
  addWarning,
  cancelJobRow,
  carryOverJob,
  checkpointChunk,
  claimJob,
  finishJob,
  JobNotRunningError,
  markJobLost,
  recordStageTiming,
  requeueJob,
  restartDryRun,
  retryJobRow,
  undoRetry,
  writeProgress,
} from '../../src/jobs/store.js';
import { retryJob } from '../../src/jobs/service.js';
import { createHarness, csv, id, TX_HEADER, USERS_HEADER, type IngestHarness } from '../helpers/ingest-fixtures.js';

let h: IngestHarness;
beforeAll(async () => {
  h = await createHarness('job_store');
});
afterAll(async () => h?.close());

const STATUSES = Object.values(JobStatus);
const usersCsv = csv(USERS_HEADER, [`${id(1, 3)},Ada,EU,true,,,`]);

type Applied = boolean;
/** Each write, called on job `jobId`: whether it applied (a refusal returns false/null or throws JobNotRunningError). */
const WRITES: Record<string, (jobId: string) => Promise<Applied>> = {
  claim: async (jobId) => (await claimJob(h.db.pool, jobId)) !== null,
  finish: (jobId) => finishJob(h.db.pool, jobId, JobStatus.COMPLETED, null),
  cancel: async (jobId) => (await cancelJobRow(h.db.pool, jobId)) !== null,
  retry: async (jobId) => (await retryJobRow(h.db.pool, jobId)) !== null,
  undoRetry: async (jobId) =>
    undoRetry(h.db.pool, jobId, {
      attempts: await attemptsOf(jobId),
      previous: { status: JobStatus.FAILED, error: 'before the retry', finishedAt: new Date(), cancelRequested: false },
    }),
  markLost: (jobId) => markJobLost(h.db.pool, jobId, 'lost'),
  requeue: async (jobId) => (await requeueJob(h.db.pool, jobId, await attemptsOf(jobId))) !== null,
  progress: async (jobId) =>
    (await writeProgress(h.db.pool, jobId, { processedRows: 1, processedBytes: 10, countedRows: null, stage: JobStage.USERS, aggregatesDone: 0 })) !== null,
  warning: (jobId) => addWarning(h.db.pool, jobId, `warning ${Math.random()}`),
  timing: (jobId) => refusedByThrow(recordStageTiming(h.db.pool, jobId, JobStage.USERS, 5)),
  restartDryRun: (jobId) => refusedByThrow(restartDryRun(h.db.pool, jobId)),
  carryOver: (jobId) => refusedByThrow(carryOverJob(h.db.pool, jobId, jobId)),
  checkpoint: async (jobId) => {
    const { rows } = await h.db.pool.query<{ id: string; committed_records: number }>(
      'SELECT id, committed_records FROM job_files WHERE job_id = $1',
      [jobId],
    );
    const file = rows[0]!;
    return refusedByThrow(
      checkpointChunk(h.db.pool, jobId, {
        fileId: file.id, startRecord: file.committed_records, records: 1, inserted: 1, updated: 0, unchanged: 0, rejected: 0, dates: [],
      }),
    );
  },
};

/** The lifecycle: from which statuses each write applies, and the status it leaves (undefined: unchanged). */
const EXPECTED: Record<keyof typeof WRITES, { from: JobStatus[]; to?: JobStatus | Partial<Record<JobStatus, JobStatus>> }> = {
  claim: { from: ['QUEUED', 'RUNNING'], to: 'RUNNING' },
  finish: { from: ['RUNNING'], to: 'COMPLETED' },
  cancel: { from: ['QUEUED', 'RUNNING'], to: { QUEUED: 'CANCELLED', RUNNING: 'RUNNING' } },
  retry: { from: ['FAILED', 'CANCELLED'], to: 'QUEUED' },
  undoRetry: { from: ['QUEUED'], to: 'FAILED' },
  markLost: { from: ['QUEUED', 'RUNNING'], to: 'FAILED' },
  requeue: { from: ['QUEUED', 'RUNNING'] },
  progress: { from: ['RUNNING'] },
  warning: { from: ['RUNNING'] },
  timing: { from: ['RUNNING'] },
  restartDryRun: { from: ['RUNNING'] },
  carryOver: { from: ['RUNNING'] },
  checkpoint: { from: ['RUNNING'] },
};

async function refusedByThrow(write: Promise<unknown>): Promise<Applied> {
  try {
    await write;
    return true;
  } catch (error) {
    if (error instanceof JobNotRunningError) return false;
    throw error;
  }
}

async function attemptsOf(jobId: string): Promise<number> {
  const { rows } = await h.db.pool.query<{ attempts: number }>('SELECT attempts FROM ingest_jobs WHERE id = $1', [jobId]);
  return rows[0]!.attempts;
}

/** What a client could see change, and the sequence it is ordered by. */
async function visible(jobId: string) {
  const { rows } = await h.db.pool.query(
    `SELECT status, stage, error, warnings, stage_timings, processed_rows, rejected_count, cancel_requested, attempts,
            finished_at, progress_seq
       FROM ingest_jobs WHERE id = $1`,
    [jobId],
  );
  return rows[0] as { status: JobStatus; progress_seq: number } & Record<string, unknown>;
}

describe('job store: allowed transitions', () => {
  it.each(STATUSES)('from %s, exactly the allowed writes apply, each bumping progress_seq once', async (status) => {
    const jobId = await h.upload({ users: usersCsv });
    const outcomes: Record<string, { applied: boolean; to: JobStatus; seqDelta: number; unchanged: boolean }> = {};
    for (const [write, call] of Object.entries(WRITES)) {
      // The same job, put back in `status` before each write.
      await h.db.pool.query(
        `UPDATE ingest_jobs SET status = $2::"JobStatus", cancel_requested = false,
                finished_at = CASE WHEN $2 IN ('QUEUED', 'RUNNING') THEN NULL ELSE now() END
          WHERE id = $1`,
        [jobId, status],
      );
      const before = await visible(jobId);
      const applied = await call(jobId);
      const after = await visible(jobId);
      outcomes[write] = {
        applied,
        to: after.status,
        seqDelta: after.progress_seq - before.progress_seq,
        unchanged: JSON.stringify(after) === JSON.stringify(before),
      };
    }
    const expected = Object.fromEntries(
      Object.entries(EXPECTED).map(([write, { from, to }]) => {
        const applied = from.includes(status);
        const target = typeof to === 'object' ? to[status] : to;
        return [write, applied ? { applied, to: target ?? status, seqDelta: 1, unchanged: false } : { applied, to: status, seqDelta: 0, unchanged: true }];
      }),
    );
    expect(outcomes).toEqual(expected);
  });

  it('finish refuses a target that is not an end state (a programming error, thrown)', async () => {
    const jobId = await h.upload({ users: usersCsv });
    await expect(finishJob(h.db.pool, jobId, JobStatus.QUEUED, null)).rejects.toThrow('finish cannot lead a job to QUEUED');
  });
});

describe('a run whose job leaves RUNNING', () => {
  it('stops at its next chunk when the queue marks the job lost, and a retry resumes it to a clean end', async () => {
    const tx = (row: number, user: number) =>
      [id(row, 4), id(user, 4), 'gpt-4o', id(row, 5), 'prompt', '10', '0.0025', '0.000025', '2024-05-01T10:00:00Z'].join(',');
    const files = {
      users: csv(USERS_HEADER, [`${id(1, 4)},Ada,EU,true,,,`]),
      transactions: csv(TX_HEADER, Array.from({ length: 10 }, (_, n) => tx(20 + n, 1))),
    };
    const jobId = await h.upload(files);
    let chunks = 0;
    const result = await h.run(jobId, {
      chunkRecords: 3,
      // What the worker's 'failed' handler does when BullMQ gives up on a job it thinks stalled.
      onChunkCommitted: async (kind) => {
        if (kind === 'TRANSACTIONS' && ++chunks === 1) await markJobLost(h.db.pool, jobId, 'the queue gave up on this job');
      },
    });
    expect(result).toEqual({ status: 'SKIPPED', reason: `job ${jobId} is FAILED, no longer RUNNING: this run stops` });
    const lost = await h.job(jobId);
    expect({ status: lost.status, error: lost.error, stage: lost.stage }).toEqual({
      status: 'FAILED',
      error: 'the queue gave up on this job',
      stage: null,
    });
    // The chunk after the mark was rolled back: only the first one of transactions is in.
    expect((await h.files(jobId)).TRANSACTIONS?.committed).toBe(3);

    await retryJob({ pool: h.db.pool, queue: h.queue }, jobId);
    expect(await h.run(jobId)).toEqual({ status: 'COMPLETED' });
    expect(await h.files(jobId)).toEqual({
      USERS: { total: 1, inserted: 1, updated: 0, unchanged: 0, rejected: 0, committed: 1 },
      TRANSACTIONS: { total: 10, inserted: 10, updated: 0, unchanged: 0, rejected: 0, committed: 10 },
    });
    expect(await h.differences()).toEqual({});
  });
});
