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
    expect(await ready.json()).toEqual({ ready: true, postgres: 'ok', redis: 'ok' });
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

  it('loads jobs with their files in one SQL query (no N+1)', async () => {
    const queries: string[] = [];
    const pool = t.services.db.pool;
    const original = pool.query.bind(pool);
    pool.query = ((...args: Parameters<typeof pool.query>) => {
      const [first] = args as [unknown];
      queries.push(typeof first === 'string' ? first : String((first as { text?: string }).text));
      return original(...args);
    }) as typeof pool.query;
    try {
      const { jobs } = await requestData({ url: t.url }, JobsQuery, { first: 20 });
      expect(jobs.edges).toHaveLength(20);
    } finally {
      pool.query = original;
    }
    // Prisma plugin: jobs and their files come from one statement, not one per job.
    expect(queries).toHaveLength(1);
    expect(queries[0]).toMatch(/job_files/);
  });

  it('job(id) returns the job, null for an unknown or malformed id', async () => {
    const { job } = await requestData({ url: t.url }, JobQuery, { id: jobIds[3]! });
    expect(job?.id).toBe(jobIds[3]);
    expect(job?.rejectedRows.edges).toEqual([]);
    expect((await requestData({ url: t.url }, JobQuery, { id: randomUUID() })).job).toBeNull();
    expect((await requestData({ url: t.url }, JobQuery, { id: 'not-a-uuid' })).job).toBeNull();
  });

  it('rejects a bad argument with BAD_USER_INPUT, never a stack trace', async () => {
    const result = await request({ url: t.url }, JobsQuery, { first: -1 });
    expect(result.errors?.[0]?.extensions?.code).toBeDefined();
    expect(JSON.stringify(result)).not.toMatch(/at .*\.ts:\d+/);
  });
});
