// PERSISTED_OPERATIONS_ONLY: viewers may run only the typed client's persisted operations
// (by sha256 id); admins may still send any document.
import { randomUUID } from 'node:crypto';
import { parse, validate } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DashboardFiltersQuery, DashboardQuery } from '../../src/client/operations/dashboard.js';
import { JobsQuery } from '../../src/client/operations/jobs.js';
import { JobProgressSubscription } from '../../src/client/operations/progress.js';
import { schema } from '../../src/graphql/schema.js';
import { GRAPHIQL_EXAMPLES } from '../../src/http/graphiql.js';
import { loadPersistedDocuments } from '../../src/http/persisted-operations.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
const ADMIN = 'po-admin';
const VIEWER = 'po-viewer';

beforeAll(async () => {
  t = await startTestApp('persisted', { PERSISTED_OPERATIONS_ONLY: 'true', AUTH_TOKENS: `${ADMIN}:admin,${VIEWER}:viewer` });
});
afterAll(() => t?.close());

async function post(token: string, body: object) {
  const response = await fetch(t.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return (await response.json()) as {
    data?: { jobs?: { edges: unknown[] }; dashboard?: Record<string, unknown> };
    errors?: Array<{ message: string; extensions?: { code?: string } }>;
  };
}

/** The id codegen gave JobsQuery, as a client sends it (without the algorithm prefix). */
const jobsId = () => {
  const hash = String(JobsQuery.__meta__?.hash ?? '');
  expect(loadPersistedDocuments().has(hash)).toBe(true);
  return hash.replace(/^sha256:/, '');
};

describe('persisted operations only', () => {
  it('runs a persisted operation by its hash for a viewer', async () => {
    const result = await post(VIEWER, {
      extensions: { persistedQuery: { version: 1, sha256Hash: jobsId() } },
      variables: { first: 1 },
    });
    expect(result.errors).toBeUndefined();
    expect(result.data?.jobs?.edges).toEqual([]);
  });

  it('serves a frontend\'s dashboard by hash to a viewer: the filter bar, then the page with a filter', async () => {
    const idOf = (document: { __meta__?: { hash?: string } }) => {
      const hash = String(document.__meta__?.hash ?? '');
      expect(loadPersistedDocuments().has(hash)).toBe(true);
      return hash.replace(/^sha256:/, '');
    };
    const filters = await post(VIEWER, { extensions: { persistedQuery: { version: 1, sha256Hash: idOf(DashboardFiltersQuery) } } });
    expect(filters.errors).toBeUndefined();
    const page = await post(VIEWER, {
      extensions: { persistedQuery: { version: 1, sha256Hash: idOf(DashboardQuery) } },
      variables: { filter: { from: '2026-01-01', to: '2026-01-31', regions: ['EU'] }, granularity: 'WEEK', limit: 5 },
    });
    expect(page.errors).toBeUndefined();
    expect(page.data?.dashboard).toMatchObject({ kpis: { totalCost: 0 }, previousPeriod: { from: '2025-12-01', to: '2025-12-31' }, spendAnomalies: [] });
  });

  it('refuses an arbitrary document from a viewer', async () => {
    const result = await post(VIEWER, { query: '{ jobs(first: 1) { edges { cursor } } }' });
    expect(result.data?.jobs).toBeUndefined();
    expect(result.errors?.[0]?.message).toMatch(/persisted/i);
  });

  it('refuses an unknown hash', async () => {
    const result = await post(VIEWER, { extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } });
    expect(result.errors?.[0]?.message).toMatch(/PersistedQueryNotFound/);
  });

  it('lets an admin send any document (GraphiQL)', async () => {
    const result = await post(ADMIN, { query: '{ jobs(first: 1) { edges { cursor } } }' });
    expect(result.errors).toBeUndefined();
    expect(result.data?.jobs?.edges).toEqual([]);
  });
});

describe('persisted operations only, over WebSocket', () => {
  const clients: Client[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
  });

  function ws(token: string): Client {
    const client = createClient({
      url: t.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      lazy: true,
    });
    clients.push(client);
    return client;
  }

  interface WsResult {
    data?: Record<string, unknown> | null;
    errors?: ReadonlyArray<{ message: string; extensions?: { code?: string } }>;
  }

  /** Every result of one operation until the server completes it (or fails it). */
  async function run(client: Client, payload: Parameters<Client['iterate']>[0]): Promise<WsResult[]> {
    const results: WsResult[] = [];
    try {
      for await (const result of client.iterate(payload)) results.push(result as WsResult);
    } catch (error) {
      // graphql-ws rejects the iterator with the error list when the server refuses the operation.
      results.push({ errors: error as WsResult['errors'] });
    }
    return results;
  }

  const arbitraryQuery = '{ jobs(first: 1) { edges { cursor } } }';

  it('refuses an arbitrary query or subscription from a viewer, with the code HTTP gives', async () => {
    const httpCode = (await post(VIEWER, { query: arbitraryQuery })).errors?.[0]?.extensions?.code;
    expect(httpCode).toBeTruthy();
    const client = ws(VIEWER);
    for (const query of [arbitraryQuery, 'subscription { jobUpdated { jobId } }', JobProgressSubscription.toString()]) {
      const results = await run(client, { query, variables: { jobId: randomUUID() } });
      expect(results, query).toHaveLength(1);
      expect(results[0]?.data ?? undefined).toBeUndefined();
      expect(results[0]?.errors?.map((error) => error.extensions?.code)).toEqual([httpCode]);
    }
  });

  it('refuses a missing or unknown hash from a viewer', async () => {
    const client = ws(VIEWER);
    const missing = await run(client, { query: '' });
    expect(missing[0]?.errors?.[0]?.message).toMatch(/PersistedQueryKeyNotFound/);
    const unknown = await run(client, { query: '', extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } });
    expect(unknown[0]?.errors?.[0]?.message).toMatch(/PersistedQueryNotFound/);
  });

  it('runs persisted operations by hash for a viewer: a query and a subscription', async () => {
    const client = ws(VIEWER);
    const query = await run(client, {
      query: '',
      variables: { first: 1 },
      extensions: { persistedQuery: { version: 1, sha256Hash: jobsId() } },
    });
    // The persisted documents ask for __typename everywhere (normalized caches need it).
    expect(query).toEqual([
      { data: { __typename: 'Query', jobs: { __typename: 'JobConnection', edges: [], pageInfo: { __typename: 'PageInfo', endCursor: null, hasNextPage: false } } } },
    ]);
    const progressHash = String(JobProgressSubscription.__meta__?.hash ?? '').replace(/^sha256:/, '');
    const subscription = await run(client, {
      query: '',
      variables: { jobId: randomUUID() },
      extensions: { persistedQuery: { version: 1, sha256Hash: progressHash } },
    });
    // The persisted subscription ran: an unknown job is NOT_FOUND, not a persisted-operation refusal.
    expect(subscription[0]?.errors?.map((error) => error.extensions?.code)).toEqual(['NOT_FOUND']);
  });

  it('lets an admin send any document over WebSocket', async () => {
    const results = await run(ws(ADMIN), { query: arbitraryQuery });
    expect(results).toEqual([{ data: { jobs: { edges: [] } } }]);
  });
});

describe('GraphiQL (development)', () => {
  it('opens with the example operations, each of them valid against the schema', async () => {
    expect(validate(schema, parse(GRAPHIQL_EXAMPLES))).toEqual([]);
    const dev = await startTestApp('graphiql', { NODE_ENV: 'development' });
    try {
      const page = await (await fetch(dev.url, { headers: { accept: 'text/html' } })).text();
      expect(page).toContain('RecentJobs');
      // Served whole from our install: no script, style or worker from a CDN.
      expect(page).not.toMatch(/(?:src|href)=["']?https?:\/\//);
    } finally {
      await dev.close();
    }
  });
});
