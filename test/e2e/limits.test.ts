// Limits that must hold whatever the spelling, against a real server: the query cost
// computed with the variables (HTTP and graphql-ws), the uploadCsv rate limit through
// fragments and Authorization spellings, and the per-client concurrency limit.
import { readdirSync, readFileSync } from 'node:fs';
import { getNamedType, getNullableType, isListType, isObjectType, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { LIST_SIZES, operationCost, PAGE_SIZES, QUERY_LIMITS } from '../../src/http/limits.js';
import { executedOperation } from '../../src/http/operation-fields.js';
import { schema } from '../../src/graphql/schema.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const ADMIN = 'limits-admin-7c21f0';
const OTHER = 'limits-other-93ab44';
const UPLOAD_RATE_LIMIT = 3;
const MAX_CONCURRENT = 4;

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp('limits', {
    AUTH_TOKENS: `${ADMIN}:admin,${OTHER}:viewer`,
    UPLOAD_RATE_LIMIT: String(UPLOAD_RATE_LIMIT),
    UPLOAD_RATE_WINDOW_SECONDS: '60',
    MAX_CONCURRENT_OPERATIONS_PER_CLIENT: String(MAX_CONCURRENT),
    MAX_QUEUED_OPERATIONS_PER_CLIENT: '1',
  });
});
afterAll(() => t?.close());

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> & { code?: string } }>;
}

async function post(query: string, variables?: Record<string, unknown>, authorization = `Bearer ${ADMIN}`) {
  const response = await fetch(t.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLBody };
}

const codes = (body: GraphQLBody) => body.errors?.map((e) => e.extensions?.code);

/** One operation over graphql-ws: the messages up to its end (complete or error). */
async function overWebSocket(query: string, variables?: Record<string, unknown>) {
  const socket = new WebSocket(t.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  const messages: Array<{ type: string; payload?: unknown }> = [];
  try {
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${ADMIN}` } }));
    await new Promise<void>((resolve) => {
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { type: string; payload?: unknown };
        if (message.type === 'connection_ack') {
          socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables } }));
          return;
        }
        messages.push(message);
        if (message.type === 'complete' || message.type === 'error') resolve();
      });
    });
    return messages;
  } finally {
    socket.close();
  }
}

// ---------------------------------------------------------------- cost

const nestedAlias = (i: number) =>
  `a${i}: jobs(first: $n) { edges { node { rejectedRows(first: $m) { edges { node { file line column reason raw } } } } } }`;
const NESTED_PAGES = `query ($n: Int, $m: Int) { ${Array.from({ length: 15 }, (_, i) => nestedAlias(i)).join(' ')} }`;

describe('query cost with variables', () => {
  it('refuses 15 aliased page-of-pages whose sizes come from variables (400, cost and limit named)', async () => {
    const { status, body } = await post(NESTED_PAGES, { n: 100, m: 500 });
    expect(status).toBe(400);
    expect(codes(body)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const [error] = body.errors!;
    expect(error!.extensions?.maxCost).toBe(QUERY_LIMITS.maxCost);
    expect(error!.extensions?.cost).toBeGreaterThan(QUERY_LIMITS.maxCost);
    expect(error!.message).toContain(`exceeds the limit of ${QUERY_LIMITS.maxCost}`);
    expect(error!.message).toContain(`cost ${String(error!.extensions?.cost)}`);
  });

  it('counts variable defaults, and one such alias alone is already too costly', async () => {
    const withDefaults = `query ($n: Int = 100, $m: Int = 500) { ${nestedAlias(0)} }`;
    const { status, body } = await post(withDefaults);
    expect(status).toBe(400);
    expect(codes(body)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('counts fields behind fragment spreads and inline fragments', async () => {
    const query = `query ($n: Int, $m: Int) { ... on Query { ...Pages } }
      fragment Pages on Query { ${Array.from({ length: 3 }, (_, i) => nestedAlias(i)).join(' ')} }`;
    const { status, body } = await post(query, { n: 100, m: 500 });
    expect(status).toBe(400);
    expect(codes(body)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('refuses the same over graphql-ws: that operation fails, with the same code', async () => {
    const messages = await overWebSocket(NESTED_PAGES, { n: 100, m: 500 });
    const errors = (messages[0]?.payload as GraphQLBody | GraphQLBody['errors']) ?? [];
    const list = Array.isArray(errors) ? errors : (errors.errors ?? []);
    expect(list.map((e) => e.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(list[0]?.extensions?.http).toBeUndefined();
  });

  it('lets the largest single page the schema allows through: rejectedRows(first: 500)', async () => {
    const { status, body } = await post(
      'query ($id: ID!) { job(id: $id) { rejectedRows(first: 500) { edges { node { line column reason } } } } }',
      { id: '00000000-0000-4000-8000-000000000000' },
    );
    expect(status).toBe(200);
    expect(body).toEqual({ data: { job: null } });
  });

  it('clamps a page above the maximum to it (cost and resolver agree): jobs(first: 1000) returns 100', async () => {
    await t.db.pool.query('INSERT INTO ingest_jobs (id) SELECT gen_random_uuid() FROM generate_series(1, 101)');
    try {
      const { status, body } = await post('{ jobs(first: 1000) { edges { node { id status files { kind } } } pageInfo { hasNextPage } } }');
      expect(status).toBe(200);
      const jobs = body.data?.jobs as { edges: unknown[]; pageInfo: { hasNextPage: boolean } };
      expect(jobs.edges).toHaveLength(100);
      expect(jobs.pageInfo.hasNextPage).toBe(true);
    } finally {
      await t.db.pool.query('DELETE FROM ingest_jobs');
    }
  });

  it('costs every client operation, at the largest variables it may send, within the limit', () => {
    const dir = new URL('../../src/client/operations/', import.meta.url);
    const sources = readdirSync(dir).flatMap((file) =>
      [...readFileSync(new URL(file, dir), 'utf8').matchAll(/graphql\(`([\s\S]*?)`\)/g)].map((match) => match[1]!),
    );
    const fragments = sources.filter((source) => /^\s*fragment\b/.test(source)).join('\n');
    const largest = {
      first: 100,
      rejectedFirst: 500,
      id: '00000000-0000-4000-8000-000000000000',
      jobId: '00000000-0000-4000-8000-000000000000',
      input: { scope: { kind: 'ALL' }, monthlyLimit: 1 },
    };
    const costs = sources
      .filter((source) => !/^\s*fragment\b/.test(source))
      .map((source) => {
        const document = parse(`${source}\n${/\.\.\.\w/.test(source) ? fragments : ''}`);
        const op = executedOperation(schema, document, undefined, largest);
        expect(op, source.slice(0, 60)).not.toBeNull();
        return operationCost(op!);
      });
    expect(costs.length).toBeGreaterThanOrEqual(6);
    expect(Math.max(...costs)).toBeLessThanOrEqual(QUERY_LIMITS.maxCost);
  });

  it('knows a size for every list of objects in the schema', () => {
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      for (const field of Object.values(type.getFields())) {
        const coordinate = `${type.name}.${field.name}`;
        const listOfObjects = isListType(getNullableType(field.type)) && isObjectType(getNamedType(field.type));
        const isEdges = field.name === 'edges' && type.name.endsWith('Connection');
        if (listOfObjects && !isEdges && !LIST_SIZES[coordinate]) missing.push(coordinate);
        if (type.name.endsWith('Connection') || !getNamedType(field.type).name.endsWith('Connection')) continue;
        if (!PAGE_SIZES[coordinate]) missing.push(coordinate);
      }
    }
    expect(missing).toEqual([]);
  });
});

// ---------------------------------------------------------------- upload rate limit

describe('uploadCsv rate limit cannot be dodged', () => {
  async function resetUploadRateLimit() {
    const keys = await t.services.redis.keys(`${t.config.redis.prefix}:ratelimit:*`);
    if (keys.length) await t.services.redis.del(...keys);
  }

  it('counts uploadCsv behind inline fragments and fragment spreads', async () => {
    await resetUploadRateLimit();
    const query = `mutation { ... on Mutation { a: uploadCsv { id } b: uploadCsv { id } } ...More }
      fragment More on Mutation { c: uploadCsv { id } d: uploadCsv { id } }`;
    const { status, body } = await post(query);
    expect(status).toBe(429);
    expect(codes(body)).toEqual(['TOO_MANY_REQUESTS']);
  });

  it('does not count an uploadCsv that @skip leaves out', async () => {
    await resetUploadRateLimit();
    const skipped = Array.from({ length: UPLOAD_RATE_LIMIT + 1 }, (_, i) => `s${i}: uploadCsv @skip(if: $skip) { id }`).join(' ');
    const { body } = await post(`mutation ($skip: Boolean!) { ${skipped} kept: uploadCsv { id } }`, { skip: true });
    expect(codes(body)).toEqual(['BAD_USER_INPUT']); // reached the resolver: no files
  });

  it('is one bucket per token, however the Authorization header spells it', async () => {
    await resetUploadRateLimit();
    const spellings = [`Bearer ${ADMIN}`, `bearer ${ADMIN}`, `BEARER ${ADMIN}`, `Bearer  ${ADMIN}`];
    const results = [];
    for (const authorization of spellings) results.push(await post('mutation { uploadCsv { id } }', undefined, authorization));
    expect(results.map((r) => codes(r.body)?.[0])).toEqual([
      ...Array(UPLOAD_RATE_LIMIT).fill('BAD_USER_INPUT'),
      'TOO_MANY_REQUESTS',
    ]);
    const keys = await t.services.redis.keys(`${t.config.redis.prefix}:ratelimit:*`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toContain(ADMIN);
  });
});

// ---------------------------------------------------------------- fairness

describe('per-client concurrency', () => {
  /** The first of the requests to answer; a generous bound so a missing limit fails instead of hanging on the lock. */
  const firstAnswer = (requests: Array<Promise<Awaited<ReturnType<typeof post>>>>) =>
    Promise.race([...requests, new Promise<null>((resolve) => setTimeout(() => resolve(null), 15_000))]);

  /** Backends of this test's database waiting for a lock. */
  async function lockWaiters() {
    const { rows } = await t.db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    return rows[0]!.n;
  }

  it(`runs ${MAX_CONCURRENT} operations of one client at once, queues the next, refuses beyond the queue; another client is served meanwhile`, async () => {
    const locker = await t.db.pool.connect();
    const blocked: Array<Promise<Awaited<ReturnType<typeof post>>>> = [];
    try {
      // Every jobs query blocks on this lock until the transaction ends.
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE ingest_jobs IN ACCESS EXCLUSIVE MODE');
      for (let i = 0; i < MAX_CONCURRENT + 2; i++) blocked.push(post('{ jobs(first: 1) { edges { cursor } } }'));
      // Exactly one of the six is refused: the queue holds one.
      const first = await firstAnswer(blocked);
      expect(first?.status).toBe(429);
      expect(codes(first!.body)).toEqual(['TOO_MANY_REQUESTS']);
      expect(first!.headers.get('retry-after')).toBe('1');

      while ((await lockWaiters()) < MAX_CONCURRENT) await new Promise((resolve) => setTimeout(resolve, 20));
      // The other client is not behind the first one's queue.
      const other = await post('{ dashboard { regions } }', undefined, `Bearer ${OTHER}`);
      expect(other.status).toBe(200);
      expect(other.body.errors).toBeUndefined();
      // The queued operation has still not started.
      expect(await lockWaiters()).toBe(MAX_CONCURRENT);
    } finally {
      await locker.query('COMMIT');
      locker.release();
    }
    const results = await Promise.all(blocked);
    expect(results.map((r) => r.status).sort()).toEqual([...Array(MAX_CONCURRENT + 1).fill(200), 429]);
  });

  it(`counts an operation's root fields: one with ${MAX_CONCURRENT} aliases takes every slot`, async () => {
    const locker = await t.db.pool.connect();
    const blocked: Array<Promise<Awaited<ReturnType<typeof post>>>> = [];
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE ingest_jobs IN ACCESS EXCLUSIVE MODE');
      const aliases = Array.from({ length: MAX_CONCURRENT }, (_, i) => `j${i}: jobs(first: 1) { edges { cursor } }`).join(' ');
      blocked.push(post(`{ ${aliases} }`));
      while ((await lockWaiters()) < MAX_CONCURRENT) await new Promise((resolve) => setTimeout(resolve, 20));
      // One more waits in the queue (it holds one), the next is refused.
      for (let i = 0; i < 2; i++) blocked.push(post('{ jobs(first: 1) { edges { cursor } } }'));
      const first = await firstAnswer(blocked);
      expect(first?.status).toBe(429);
    } finally {
      await locker.query('COMMIT');
      locker.release();
    }
    const results = await Promise.all(blocked);
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 429]);
  });
});
