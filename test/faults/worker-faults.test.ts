// Worker faults with real processes (npm run test:faults): kill -9 at seeded points of the
// TRANSACTIONS and AGGREGATES stages, SIGTERM mid-job, and two overlapping uploads at once.
// Every run is compared with a clean run of the same files on another database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TUNABLES } from '../../src/config/config.js';
import {
  cleanRun,
  createFaultEnv,
  dataSet,
  DATA,
  differences,
  ensureServices,
  expireLocks,
  finished,
  firstPartThenChanged,
  jobCounters,
  overlappingHalves,
  seeded,
  sleep,
  snapshot,
  startWorker,
  until,
  type Baseline,
  type FaultEnv,
  type Proc,
} from './helpers.js';

const SEED = Number(process.env.FAULT_SEED ?? 6);
const KILLS = Number(process.env.FAULT_KILLS ?? 10);
/** The worker's chunk size (config.worker.chunkRecords, a tunable): one checkpoint per chunk. */
const CHUNK_RECORDS = TUNABLES.chunkRecords;

let files: { users: string; transactions: string };
let baseline: Baseline;

beforeAll(async () => {
  await ensureServices();
  files = await dataSet();
  baseline = await cleanRun(files);
});

afterAll(async () => {
  await ensureServices();
});

interface KillPoint {
  index: number;
  stage: 'TRANSACTIONS' | 'AGGREGATES';
  /**
   * TRANSACTIONS: the chunk checkpoint (committed_records) to wait for before the kill;
   * AGGREGATES: a fraction of the stage's clean-run duration.
   */
  at: number;
  /** TRANSACTIONS: delay after the checkpoint (ms), so a kill lands anywhere inside the next chunk. */
  jitter: number;
}

function killPoints(): KillPoint[] {
  const random = seeded(SEED);
  return Array.from({ length: KILLS }, (_, index) => {
    const stage = index % 2 === 0 ? 'TRANSACTIONS' : 'AGGREGATES';
    const chunks = Math.ceil(DATA.transactions / CHUNK_RECORDS);
    const at = stage === 'TRANSACTIONS' ? Math.floor(random() * chunks) * CHUNK_RECORDS : random();
    return { index, stage, at, jitter: Math.floor(random() * 1_500) };
  });
}

/** The job's stage and its transactions file's checkpoint. */
async function position(env: FaultEnv, jobId: string) {
  const { rows } = await env.db.pool.query<{ status: string; stage: string | null; committed: number | null }>(
    `SELECT j.status, j.stage, f.committed_records AS committed
       FROM ingest_jobs j LEFT JOIN job_files f ON f.job_id = j.id AND f.kind = 'TRANSACTIONS'
      WHERE j.id = $1`,
    [jobId],
  );
  return rows[0]!;
}

/** Polls the job every 20 ms until the kill point is reached (or the stage is already over). */
async function reach(env: FaultEnv, jobId: string, point: KillPoint, worker: Proc, timings: Record<string, number>): Promise<void> {
  await until(
    () => position(env, jobId),
    (j) =>
      j.status !== 'RUNNING' && j.status !== 'QUEUED'
        ? true
        : point.stage === 'TRANSACTIONS'
          ? (j.stage === 'TRANSACTIONS' && (j.committed ?? 0) >= point.at) || j.stage === 'AGGREGATES'
          : j.stage === 'AGGREGATES',
    `kill point ${point.index} (${point.stage})`,
    120_000,
    20,
    worker.output,
  );
  if (point.stage === 'AGGREGATES') {
    // Land inside the stage: a fraction of its duration in the clean run.
    const span = (timings.AGGREGATES ?? 500) * 0.5;
    await sleep(Math.floor(point.at * span));
  } else {
    await sleep(point.jitter);
  }
}

/**
 * Kills the worker at `point` of the job, lets BullMQ redeliver it to a new worker and
 * checks the outcome equals the clean run (tables, the job's counters, and aggregates
 * equal to a recomputation).
 */
async function killAndRecover(env: FaultEnv, jobId: string, point: KillPoint, workers: Proc[], clean: Baseline, outcomes: string[]) {
  const t1 = Date.now();
  await reach(env, jobId, point, workers[0]!, clean.timings);
  await workers[0]!.kill9();
  const atKill = await position(env, jobId);
  const hit = atKill.status === 'RUNNING';
  outcomes.push(
    `  #${point.index} ${point.stage}: killed at stage ${atKill.stage ?? '-'} (${atKill.status}), ` +
      `transactions committed ${atKill.committed}` +
      (point.stage === 'TRANSACTIONS' ? ` (${point.jitter} ms after checkpoint ${point.at})` : ''),
  );

  // Redelivery: BullMQ's stalled-job check, brought forward (see expireLocks).
  // (The job is BullMQ-active unless it was between attempts; then its backoff redelivers it.)
  if (hit) expect((await expireLocks(env)).length).toBeLessThanOrEqual(1);
  workers.push(startWorker(env.db));
  const t2 = Date.now();
  const job = await finished(env, jobId, 120_000, workers);
  expect(job.status, job.error ?? '').toBe('COMPLETED');
  const t3 = Date.now();

  expect(await snapshot(env.db)).toEqual(clean.snapshot);
  expect(await jobCounters(env.db, jobId)).toEqual(clean.counters);
  expect(await differences(env.db)).toEqual({});
  outcomes.push(`     (to kill ${t2 - t1} ms, recovery ${t3 - t2} ms, checks ${Date.now() - t3} ms)`);
}

describe('kill -9 of the worker', () => {
  const points = killPoints();
  const outcomes: string[] = [];

  afterAll(() => {
    console.log(`kill -9 points (FAULT_SEED=${SEED}):\n${outcomes.join('\n')}`);
  });

  it.each(points)('kill point $index in $stage: resumes on a new worker and ends identical to a clean run', async (point) => {
    const env = await createFaultEnv(`kill${point.index}`);
    const workers: Proc[] = [startWorker(env.db)];
    try {
      const jobId = await env.upload(files);
      await killAndRecover(env, jobId, point, workers, baseline, outcomes);
    } finally {
      for (const worker of workers) await worker.kill9();
      await env.close();
    }
  });

  it('every stage was actually hit while the job was running', () => {
    // A kill that came after the job finished proves nothing; most must land mid-stage.
    for (const stage of new Set(points.map((point) => point.stage))) {
      const hits = outcomes.filter((line) => line.includes(`${stage}: killed at stage ${stage} (RUNNING)`));
      expect(hits.length, `${stage} kills that landed mid-stage:\n${outcomes.join('\n')}`).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('kill -9 during an incremental job (rows moved to another model)', () => {
  // The job after a first load: its changed rows' old versions leave the aggregates
  // (aggregate_retractions), conversations start spanning models, and only the touched
  // cells, conversations and sets change.
  let parts: [Buffer, Buffer];
  let clean: Baseline;
  const outcomes: string[] = [];
  const points: KillPoint[] = [0, 1, 2, 3].map((index) => {
    const random = seeded(SEED * 31 + index);
    const stage = index % 2 === 0 ? 'TRANSACTIONS' : 'AGGREGATES';
    const chunks = Math.ceil(DATA.transactions / CHUNK_RECORDS);
    // This job's chunks go fast (most of its rows are unchanged): kill soon after an early checkpoint.
    const at = stage === 'TRANSACTIONS' ? Math.floor(random() * Math.min(chunks, 4)) * CHUNK_RECORDS : random();
    return { index, stage, at, jitter: Math.floor(random() * 150) };
  });

  /** A database holding the first part, and a worker; the changed file is the job under test. */
  async function firstLoaded(label: string): Promise<{ env: FaultEnv; workers: Proc[] }> {
    const env = await createFaultEnv(label);
    const workers = [startWorker(env.db)];
    const first = await env.upload({ users: files.users, transactions: parts[0] });
    expect((await finished(env, first, 120_000, workers)).status).toBe('COMPLETED');
    return { env, workers };
  }

  beforeAll(async () => {
    parts = await firstPartThenChanged(files.transactions);
    const { env, workers } = await firstLoaded('incremental_clean');
    try {
      const jobId = await env.upload({ transactions: parts[1] });
      expect((await finished(env, jobId, 120_000, workers)).status).toBe('COMPLETED');
      expect(await differences(env.db)).toEqual({});
      const { rows } = await env.db.pool.query<{ stage_timings: Record<string, number> }>(
        'SELECT stage_timings FROM ingest_jobs WHERE id = $1',
        [jobId],
      );
      clean = { snapshot: await snapshot(env.db), counters: await jobCounters(env.db, jobId), timings: rows[0]!.stage_timings };
      const updated = clean.counters.files[0].updated_rows as number;
      expect(updated, 'the job changes rows').toBeGreaterThan(1_000);
    } finally {
      for (const worker of workers) await worker.kill9();
      await env.close();
    }
  });

  afterAll(() => {
    console.log(`incremental kill -9 points (FAULT_SEED=${SEED}):\n${outcomes.join('\n')}`);
  });

  it.each(points)('kill point $index in $stage: ends identical to a clean run', async (point) => {
    const { env, workers } = await firstLoaded(`incremental_kill${point.index}`);
    try {
      const jobId = await env.upload({ transactions: parts[1] });
      await killAndRecover(env, jobId, point, workers, clean, outcomes);
    } finally {
      for (const worker of workers) await worker.kill9();
      await env.close();
    }
  });

  it('the TRANSACTIONS kills landed in that stage', () => {
    const hits = outcomes.filter((line) => line.includes('TRANSACTIONS: killed at stage TRANSACTIONS (RUNNING)'));
    expect(hits.length, outcomes.join('\n')).toBeGreaterThanOrEqual(1);
  });
});

describe('SIGTERM of the worker', () => {
  it('stops taking new work, exits 0 within 60 s, and the jobs complete identically on the next worker', async () => {
    const env = await createFaultEnv('sigterm');
    const workers: Proc[] = [startWorker(env.db)];
    try {
      const first = await env.upload(files);
      const second = await env.upload({ users: files.users });
      await until(
        () => env.job(first),
        (j) => j.stage === 'TRANSACTIONS' && Number(j.processed_rows) >= DATA.users + DATA.transactions * 0.3,
        'the first job to be a third into TRANSACTIONS',
        120_000,
        20,
        workers[0]!.output,
      );
      const signalled = Date.now();
      workers[0]!.child.kill('SIGTERM');
      const code = await Promise.race([workers[0]!.exited, sleep(60_000).then(() => 'timeout' as const)]);
      expect(code, workers[0]!.output()).toBe(0);
      console.log(`SIGTERM → exit 0 after ${Date.now() - signalled} ms; first job was ${(await env.job(first)).status}`);
      // The queued job was not taken by the stopping worker.
      expect((await env.job(second)).status).toBe('QUEUED');

      workers.push(startWorker(env.db));
      const one = await finished(env, first, 120_000, workers);
      const two = await finished(env, second, 120_000, workers);
      expect([one.status, two.status]).toEqual(['COMPLETED', 'COMPLETED']);
      expect(await snapshot(env.db)).toEqual(baseline.snapshot);
      expect(await jobCounters(env.db, first)).toEqual(baseline.counters);
      const users = (await jobCounters(env.db, second)).files[0];
      expect(users).toMatchObject({ kind: 'USERS', total_rows: DATA.users, inserted_rows: 0, unchanged_rows: DATA.users });
      expect(await differences(env.db)).toEqual({});
    } finally {
      for (const worker of workers) await worker.kill9();
      await env.close();
    }
  });
});

describe('two overlapping uploads at the same time', () => {
  it('two workers ingest 60 % + 60 % of the transactions concurrently: the union equals a clean run', async () => {
    const env = await createFaultEnv('overlap');
    const workers: Proc[] = [startWorker(env.db, { LOG_LEVEL: 'info' }), startWorker(env.db, { LOG_LEVEL: 'info' })];
    try {
      // Both workers listening before the jobs exist, so each takes one.
      for (const worker of workers) {
        await until(async () => worker.output(), (out) => out.includes('worker started'), 'a worker to start', 60_000, 50, worker.output);
      }
      const [a, b] = await overlappingHalves(files.transactions);
      const jobs = await Promise.all([
        env.upload({ users: files.users, transactions: a }),
        env.upload({ users: files.users, transactions: b }),
      ]);
      // Both run at the same time: each worker takes one.
      await until(
        () => Promise.all(jobs.map((id) => env.job(id))),
        (rows) => rows.every((j) => j.status === 'RUNNING') || rows.some((j) => j.status !== 'QUEUED' && j.status !== 'RUNNING'),
        'both jobs to run',
        60_000,
        20,
      );
      for (const jobId of jobs) expect((await finished(env, jobId, 180_000, workers)).status).toBe('COMPLETED');
      const { rows: spans } = await env.db.pool.query<{ overlapped: boolean }>(
        'SELECT max(started_at) < min(finished_at) AS overlapped FROM ingest_jobs WHERE id = ANY($1::uuid[])',
        [jobs],
      );
      expect(spans[0]!.overlapped, 'the two jobs ran at the same time').toBe(true);

      expect(await snapshot(env.db)).toEqual(baseline.snapshot);
      expect(await differences(env.db)).toEqual({});
      const counts = await Promise.all(jobs.map((id) => jobCounters(env.db, id)));
      const sum = (kind: string, field: string) =>
        counts.reduce((total, c) => total + Number(c.files.find((f) => f.kind === kind)![field]), 0);
      const overlap = DATA.transactions - 2 * Math.floor(DATA.transactions * 0.4);
      expect({
        usersInserted: sum('USERS', 'inserted_rows'),
        usersUnchanged: sum('USERS', 'unchanged_rows'),
        txInserted: sum('TRANSACTIONS', 'inserted_rows'),
        txUnchanged: sum('TRANSACTIONS', 'unchanged_rows'),
        txUpdated: sum('TRANSACTIONS', 'updated_rows'),
        rejected: sum('TRANSACTIONS', 'rejected_rows') + sum('USERS', 'rejected_rows'),
      }).toEqual({
        usersInserted: DATA.users,
        usersUnchanged: DATA.users,
        txInserted: DATA.transactions,
        txUnchanged: overlap,
        txUpdated: 0,
        rejected: 0,
      });
    } finally {
      for (const worker of workers) await worker.kill9();
      await env.close();
    }
  });
});

describe.runIf(process.env.FAULTS_SLOW === '1')('kill -9 without the shortcut (FAULTS_SLOW=1)', () => {
  it('BullMQ redelivers the job by itself once the lock expires (lockDuration 60 s + stalled checks)', async () => {
    const env = await createFaultEnv('kill_natural');
    const workers: Proc[] = [startWorker(env.db)];
    try {
      const jobId = await env.upload(files);
      await until(
        () => position(env, jobId),
        (j) => j.stage === 'TRANSACTIONS' && (j.committed ?? 0) >= CHUNK_RECORDS,
        'the first transactions checkpoint',
        120_000,
        20,
        workers[0]!.output,
      );
      await workers[0]!.kill9();
      const killed = Date.now();
      workers.push(startWorker(env.db));
      const job = await finished(env, jobId, 180_000, workers);
      console.log(`natural redelivery: COMPLETED ${Date.now() - killed} ms after kill -9`);
      expect(job.status).toBe('COMPLETED');
      expect(await snapshot(env.db)).toEqual(baseline.snapshot);
      expect(await jobCounters(env.db, jobId)).toEqual(baseline.counters);
    } finally {
      for (const worker of workers) await worker.kill9();
      await env.close();
    }
  });
});
