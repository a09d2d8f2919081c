// The API as a client sees it: real server on a free port, real PostgreSQL and Redis.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobQuery, JobsQuery } from '../../src/client/operations/jobs.js';
import { request, requestData } from '../../src/client/http.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
const jobIds: string[] = [];

beforeAll(async () => {
  t = await startTestApp('api');
  // 25 jobs, one second apart, every third FAILED, each with two files.
  for (let i = 0; i < 25; i++) {
    const id = randomUUID();
    jobIds.push(id);
    await t.db.pool.query(
      `INSERT INTO ingest_jobs (id, status, created_at, updated_at) VALUES ($1, $2, $3, now())`,
      [id, i % 3 === 0 ? 'FAILED' : 'COMPLETED', new Date(Date.UTC(2026, 0, 1, 0, 0, i))],
    );
    for (const kind of ['USERS', 'TRANSACTIONS']) {
      await t.db.pool.query(
        `INSERT INTO job_files (id, job_id, kind, name, size_bytes, sha256) VALUES ($1, $2, $3, $4, 10, 'x')`,
        [randomUUID(), id, kind, `${kind.toLowerCase()}.csv`],
      );
    }
  }
});
afterAll(() => t?.close());

describe('HTTP endpoints', () => {
  it('/health and /ready answer 200 when PostgreSQL and Redis are up', async () => {
    const base = t.url.replace('/graphql', '');
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, checks: { postgres: { ok: true }, redis: { ok: true } } });
  });
});

describe('jobs query', () => {
  it('pages newest first through a Relay connection', async () => {
    const seen: string[] = [];
    let after: string | null | undefined;
    do {
      const { jobs } = await requestData({ url: t.url }, JobsQuery, { first: 10, after });
      seen.push(...jobs.edges.map((edge) => edge.node.id));
      after = jobs.pageInfo.hasNextPage ? jobs.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual([...jobIds].reverse());
  });

  it('filters by status', async () => {
    const { jobs } = await requestData({ url: t.url }, JobsQuery, { first: 50, status: 'FAILED' });
    expect(jobs.edges.map((edge) => edge.node.id)).toEqual(jobIds.filter((_, i) => i % 3 === 0).reverse());
    expect(jobs.edges.every((edge) => edge.node.status === 'FAILED' && edge.node.files.length === 2)).toBe(true);
  });

  it('loads jobs with their files in a fixed number of SQL queries (no N+1)', async () => {
    const countFor = async (first: number) => {
      const queries = await captureSql(async () => {
        const { jobs } = await requestData({ url: t.url }, JobsQuery, { first });
        expect(jobs.edges).toHaveLength(first);
      });
      expect(queries.some((sql) => /job_files/.test(sql))).toBe(true);
      return queries.length;
    };
    expect(await countFor(20)).toBe(await countFor(2));
    expect(await countFor(20)).toBeLessThanOrEqual(2);
  });

  async function captureSql(run: () => Promise<void>): Promise<string[]> {
    const queries: string[] = [];
    const pool = t.services.db.pool;
    const original = pool.query.bind(pool);
    pool.query = ((...args: Parameters<typeof pool.query>) => {
      const first: unknown = args[0];
      queries.push(typeof first === 'string' ? first : String((first as { text?: string }).text));
      return original(...args);
    }) as typeof pool.query;
    try {
      await run();
    } finally {
      pool.query = original;
    }
    return queries;
  }

  it('job(id) returns the job, null for an unknown or malformed id', async () => {
    const { job } = await requestData({ url: t.url }, JobQuery, { id: jobIds[3]! });
    expect(job?.id).toBe(jobIds[3]);
    expect(job?.rejectedRows.edges).toEqual([]);
    expect((await requestData({ url: t.url }, JobQuery, { id: randomUUID() })).job).toBeNull();
    expect((await requestData({ url: t.url }, JobQuery, { id: 'not-a-uuid' })).job).toBeNull();
  });

  it('rejects a bad argument with BAD_USER_INPUT, never a stack trace', async () => {
    const result = await request({ url: t.url }, JobsQuery, { first: -1 });
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const cursor = await request({ url: t.url }, JobsQuery, { after: 'not-a-cursor' });
    expect(cursor.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(result)).not.toMatch(/at .*\.ts:\d+/);
  });
});
