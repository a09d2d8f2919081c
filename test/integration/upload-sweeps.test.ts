// The two upload sweeps against real PostgreSQL: partial uploads whose API process died
// (lapsed lease), and the bytes of jobs that ended longer ago than UPLOAD_RETENTION_DAYS.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeExpiredUploads, retryJob, sweepAbandonedUploads } from '../../src/jobs/service.js';
import { storeUpload } from '../../src/infra/file-store.js';
import { ADVISORY_LOCKS } from '../../src/infra/pg-pool.js';
import { bytesOf, createHarness, csv, id, USERS_HEADER, type IngestHarness } from '../helpers/ingest-fixtures.js';

let h: IngestHarness;
beforeAll(async () => {
  h = await createHarness('upload_sweeps');
});
afterAll(async () => h?.close());

const usersCsv = csv(USERS_HEADER, [`${id(1, 9)},Ada,EU,true,,,`]);
const deps = () => ({ pool: h.db.pool, queue: h.queue });

async function chunksOf(jobId: string): Promise<number> {
  const { rows } = await h.db.pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM upload_chunks c JOIN job_files f ON f.id = c.file_id WHERE f.job_id = $1',
    [jobId],
  );
  return rows[0]!.n;
}

/** A partial upload as createUploadJob leaves it mid-flight, with a lease ending `leaseSeconds` from now. */
async function partialUpload(jobId: string, leaseSeconds: number): Promise<void> {
  await h.db.pool.query(
    `INSERT INTO ingest_jobs (id, status, upload_lease_until) VALUES ($1, 'QUEUED', now() + make_interval(secs => $2))`,
    [jobId, leaseSeconds],
  );
  const fileId = randomUUID();
  await h.db.pool.query(`INSERT INTO job_files (id, job_id, kind, name, size_bytes, sha256) VALUES ($1, $2, 'USERS', 'u.csv', 0, '')`, [
    fileId,
    jobId,
  ]);
  await storeUpload(h.db.pool, fileId, bytesOf(usersCsv), 1024);
}

describe('sweepAbandonedUploads', () => {
  it('deletes a partial upload whose lease lapsed, with its files and chunks, and keeps one still leased', async () => {
    const dead = id(1, 7);
    const alive = id(2, 7);
    await partialUpload(dead, -1);
    await partialUpload(alive, 60);
    expect(await sweepAbandonedUploads(h.db.pool)).toBe(1);
    const { rows } = await h.db.pool.query<{ id: string }>('SELECT id FROM ingest_jobs WHERE id IN ($1, $2)', [dead, alive]);
    expect(rows).toEqual([{ id: alive }]);
    expect(await chunksOf(dead)).toBe(0);
    expect(await chunksOf(alive)).toBe(1);
    await h.db.pool.query('DELETE FROM ingest_jobs WHERE id = $1', [alive]);
  });
});

describe('purgeExpiredUploads (UPLOAD_RETENTION_DAYS)', () => {
  it('deletes the bytes of jobs that ended before the retention period; the job, counts and rejections stay', async () => {
    const old = await h.upload({ users: csv(USERS_HEADER, [`${id(1, 9)},Ada,EU,true,,,`, 'broken-row']) });
    expect((await h.run(old)).status).toBe('COMPLETED_WITH_ERRORS');
    const recent = await h.upload({ users: usersCsv });
    expect((await h.run(recent)).status).toBe('COMPLETED');
    const running = await h.upload({ users: usersCsv });
    await h.db.pool.query(`UPDATE ingest_jobs SET finished_at = now() - interval '8 days' WHERE id = $1`, [old]);
    // A job that has not ended is never purged, whatever its timestamps say.
    await h.db.pool.query(`UPDATE ingest_jobs SET finished_at = now() - interval '30 days' WHERE id = $1`, [running]);
    const before = await h.files(old);

    expect(await purgeExpiredUploads(h.db.pool, 7)).toBe(1);
    expect(await chunksOf(old)).toBe(0);
    expect(await chunksOf(recent)).toBeGreaterThan(0);
    expect(await chunksOf(running)).toBeGreaterThan(0);
    expect(await h.files(old)).toEqual(before);
    expect(await h.rejected(old)).toHaveLength(1);
    expect((await h.job(old)).status).toBe('COMPLETED_WITH_ERRORS');
    // Idempotent: nothing left to purge.
    expect(await purgeExpiredUploads(h.db.pool, 7)).toBe(0);
  });

  it('retryJob of a job whose files were purged is a CONFLICT that says to upload again', async () => {
    const failed = await h.upload({ users: 'User_ID,Region\n' });
    expect((await h.run(failed)).status).toBe('FAILED');
    await h.db.pool.query(`UPDATE ingest_jobs SET finished_at = now() - interval '8 days' WHERE id = $1`, [failed]);
    expect(await purgeExpiredUploads(h.db.pool, 7)).toBe(1);
    const refusal = retryJob(deps(), failed);
    await expect(refusal).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(refusal).rejects.toThrow(/files were removed .* retention period \(UPLOAD_RETENTION_DAYS\); upload the files again/);
    expect((await h.job(failed)).status).toBe('FAILED');
  });

  it('skips the run while another process holds the retention lock', async () => {
    const ended = await h.upload({ users: usersCsv });
    await h.db.pool.query(`UPDATE ingest_jobs SET status = 'CANCELLED', finished_at = now() - interval '8 days' WHERE id = $1`, [ended]);
    const other = await h.db.pool.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT pg_advisory_xact_lock($1, $2)', [...ADVISORY_LOCKS.uploadRetention]);
      expect(await purgeExpiredUploads(h.db.pool, 7)).toBe(0);
      await other.query('COMMIT');
    } finally {
      other.release();
    }
    expect(await purgeExpiredUploads(h.db.pool, 7)).toBe(1);
    expect(await chunksOf(ended)).toBe(0);
  });
});
