// Shared setup of the ingest integration tests: a real database and Redis queue per test
// file, uploads through createUploadJob, and runs through runJob (the worker's handler).
import { readFile } from 'node:fs/promises';
import { Redis } from 'ioredis';
import type { Queue } from 'bullmq';
import { createIngestQueue, type IngestPayload } from '../../src/queue/ingest-queue.js';
import { createUploadJob, type UploadFile } from '../../src/jobs/service.js';
import { runJob, type RunJobDeps, type RunJobResult } from '../../worker/pipeline/run-job.js';
import { createTestDatabase, type TestDatabase } from './test-db.js';
import { aggregateDifferences } from './reference-aggregates.js';

export const USERS_HEADER = 'User_ID,User_Name,Region,Is_Active_Sub,Department,Company_Name,Signup_Date';
export const TX_HEADER = 'RowId,User_ID,Model_Name,Conversation_ID,Token_Type,Token_Count,Rate_Per_1k,Calculated_Cost,Timestamp';

export interface IngestHarness {
  db: TestDatabase;
  queue: Queue<IngestPayload>;
  upload(files: { users?: string | Buffer; transactions?: string | Buffer }, options?: { dryRun?: boolean }): Promise<string>;
  run(jobId: string, deps?: Partial<RunJobDeps>): Promise<RunJobResult>;
  /** Uploads, runs the job, and reads back its row and rejected rows. */
  ingest(files: { users?: string | Buffer; transactions?: string | Buffer }): Promise<{
    jobId: string;
    result: RunJobResult;
    job: JobRow;
    rejected: Awaited<ReturnType<IngestHarness['rejected']>>;
  }>;
  job(jobId: string): Promise<JobRow>;
  files(jobId: string): Promise<Record<string, FileCounts>>;
  rejected(jobId: string): Promise<Array<{ file: string; line: number; column: string | null; reason: string; raw: string }>>;
  differences(): Promise<Record<string, unknown[]>>;
  close(): Promise<void>;
}

export interface JobRow {
  status: string;
  stage: string | null;
  error: string | null;
  warnings: string[];
  stage_timings: Record<string, number>;
  rejected_count: number;
  // int8 columns arrive as strings (pg's default).
  processed_rows: string;
  total_rows: string | null;
  processed_bytes: string;
  total_bytes: string;
  cancel_requested: boolean;
  progress_seq: number;
  dry_run: boolean;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface FileCounts {
  total: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  committed: number;
}

export async function* bytesOf(content: string | Buffer, pieceSize = 64 * 1024): AsyncGenerator<Buffer> {
  const buffer = typeof content === 'string' ? Buffer.from(content) : content;
  for (let at = 0; at < buffer.length; at += pieceSize) yield buffer.subarray(at, at + pieceSize);
}

export const fileText = (path: string) => readFile(path);

export async function createHarness(label: string): Promise<IngestHarness> {
  const db = await createTestDatabase(label);
  const redis = new Redis(db.redisUrl, { maxRetriesPerRequest: null });
  const queue = createIngestQueue(redis, db.redisPrefix);
  const harness: IngestHarness = {
    db,
    queue,
    async upload(files, options) {
      const uploads: UploadFile[] = [];
      if (files.users !== undefined) uploads.push({ kind: 'USERS', name: 'users.csv', stream: bytesOf(files.users) });
      if (files.transactions !== undefined) {
        uploads.push({ kind: 'TRANSACTIONS', name: 'transactions.csv', stream: bytesOf(files.transactions) });
      }
      return createUploadJob({ pool: db.pool, queue, maxUploadBytes: 1024 ** 3 }, uploads, options);
    },
    run: (jobId, deps = {}) => runJob({ pool: db.pool, progressIntervalMs: 0, ...deps }, jobId),
    async ingest(files) {
      const jobId = await harness.upload(files);
      const result = await harness.run(jobId);
      return { jobId, result, job: await harness.job(jobId), rejected: await harness.rejected(jobId) };
    },
    async job(jobId) {
      const { rows } = await db.pool.query<JobRow>('SELECT * FROM ingest_jobs WHERE id = $1', [jobId]);
      if (!rows[0]) throw new Error(`no job ${jobId}`);
      return rows[0];
    },
    async files(jobId) {
      const { rows } = await db.pool.query<{ kind: string } & Record<string, number>>(
        `SELECT kind, total_rows AS total, inserted_rows AS inserted, updated_rows AS updated,
                unchanged_rows AS unchanged, rejected_rows AS rejected, committed_records AS committed
           FROM job_files WHERE job_id = $1`,
        [jobId],
      );
      return Object.fromEntries(rows.map(({ kind, ...counts }) => [kind, counts as unknown as FileCounts]));
    },
    async rejected(jobId) {
      const { rows } = await db.pool.query(
        'SELECT file, line, "column", reason, raw FROM rejected_rows WHERE job_id = $1 ORDER BY file, line',
        [jobId],
      );
      return rows;
    },
    differences: () => aggregateDifferences(db.pool),
    async close() {
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      redis.disconnect();
      await db.drop();
    },
  };
  return harness;
}

/** A deterministic UUID for fixtures: `id(7)` → 00000000-0000-4000-8000-000000000007. */
export const id = (n: number, group = 0) =>
  `${String(group).padStart(8, '0')}-0000-4000-8000-${String(n).padStart(12, '0')}`;

export const csv = (header: string, rows: string[]) => [header, ...rows].join('\n') + '\n';
