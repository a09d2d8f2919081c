// Dry runs (SPEC §8): the same stages, statements and counts as a real run, with every
// data write inside ONE transaction on the run's session that is rolled back at the end.
// Only the job's own records (its row, its files' counters, its rejected rows) commit, per
// chunk, through another connection (file-stage.ts). So the transactions see the users of
// the same upload, duplicates across chunks are found as in a real run, and nothing else
// of the database changes: the data version is not bumped, no dates are registered for
// the aggregates (whose stage is a no-op), and new users take their `seq` from a session
// sequence, so users.seq's own sequence (never rolled back) does not move either.
//
// Nothing is committed, so nothing can be resumed: a re-run (crash, yield, retry) clears
// the job's counters and rejected rows and starts over.
//
// Locks: until its rollback the dry run holds the row locks of what it wrote, possibly for
// minutes. A real job must not wait for that, nor deadlock with it. So a dry run gives
// way: it waits on no lock longer than DRY_RUN_LOCK_TIMEOUT_MS, and before each chunk it
// looks whether any session waits on it; either way it rolls back (which frees the waiting
// job at once) and throws DryRunYield. The worker then treats the job as busy: it looks
// again later without spending an attempt, and the re-run starts over. A real job thus
// waits at most about one dry-run chunk, and PostgreSQL's deadlock detector (1 s) never
// has to choose between them. Between two dry runs only the waiting one gives way (a dry
// run's session is named DRY_RUN_APPLICATION while it runs), so they cannot both restart.
import { randomInt } from 'node:crypto';
import type pg from 'pg';
import { inPooledTransaction } from '../../src/infra/pg-pool.js';
import * as store from '../../src/jobs/store.js';

/** Longer than a chunk commit of another job takes, far shorter than deadlock_timeout (1 s). */
const DRY_RUN_LOCK_TIMEOUT_MS = 200;

/** application_name of a session inside a dry run, for the others' look at who waits on them. */
const DRY_RUN_APPLICATION = 'ingest dry run';

const LOCK_NOT_AVAILABLE = '55P03';
const DEADLOCK_DETECTED = '40P01';

/** The dry run found a session waiting on it, or would have had to wait: it gave way. */
export class DryRunYield extends Error {
  constructor() {
    super('the dry run gave way to another job writing the same rows');
    this.name = 'DryRunYield';
  }
}

export const isDryRunYield = (error: unknown): boolean =>
  error instanceof DryRunYield || [LOCK_NOT_AVAILABLE, DEADLOCK_DETECTED].includes((error as { code?: string } | null)?.code ?? '');

/** The open dry-run transaction of a run. */
export interface DryRunSession {
  /** Backend pid of the session that holds the dry run's writes. */
  pid: number;
}

/** Runs `work` inside the dry-run transaction on `client`, and rolls it back whatever happens. */
// Not withTransaction: this transaction never commits.
export async function inDryRun<T>(client: pg.ClientBase, work: (session: DryRunSession) => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const { rows } = await client.query<{ pid: number }>(
      `SELECT pg_backend_pid() AS pid, set_config('lock_timeout', $1, true), set_config('application_name', $2, true)`,
      [`${DRY_RUN_LOCK_TIMEOUT_MS}ms`, DRY_RUN_APPLICATION],
    );
    return await work({ pid: rows[0]!.pid });
  } finally {
    // A broken connection has rolled back anyway; keep the original error.
    await client.query('ROLLBACK').catch(() => undefined);
  }
}

// Only sessions waiting on a heavyweight lock are asked who blocks them (pg_blocking_pids
// takes the lock manager's locks). Run on another connection: inside the dry-run
// transaction pg_stat_activity would stay the snapshot of its first read.
const WAITED_ON_SQL = `
SELECT EXISTS (
  SELECT FROM pg_stat_activity
   WHERE CASE WHEN wait_event_type = 'Lock' AND application_name IS DISTINCT FROM $2
              THEN $1::int = ANY (pg_blocking_pids(pid)) ELSE false END) AS waited_on`;

/** Throws DryRunYield when a session other than a dry run waits on the dry run's locks. */
export async function giveWayIfWaitedOn(pool: pg.Pool, session: DryRunSession): Promise<void> {
  const { rows } = await pool.query<{ waited_on: boolean }>(WAITED_ON_SQL, [session.pid, DRY_RUN_APPLICATION]);
  if (rows[0]?.waited_on) throw new DryRunYield();
}

/** A dry run's new users are numbered from here down (negative: never a real seq); random, so two dry runs rarely meet. */
export const dryRunSeqStart = (): number => -1 - randomInt(2 ** 30);

/** Back to a clean start: nothing of an earlier run of this dry run was kept but its bookkeeping. */
export async function restartDryRun(pool: pg.Pool, jobId: string): Promise<void> {
  await inPooledTransaction(pool, async (client) => {
    await client.query('DELETE FROM rejected_rows WHERE job_id = $1', [jobId]);
    await store.restartDryRun(client, jobId);
  });
}
