// PERSISTED_OPERATIONS_ONLY: viewers may run only the typed client's persisted operations
// (by sha256 id); admins may still send any document.
import { parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobsQuery } from '../../src/client/operations/jobs.js';
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
  return (await response.json()) as { data?: { jobs?: { edges: unknown[] } }; errors?: Array<{ message: string }> };
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

describe('GraphiQL (development)', () => {
  it('opens with the example operations, each of them valid against the schema', async () => {
    expect(validate(schema, parse(GRAPHIQL_EXAMPLES))).toEqual([]);
    const dev = await startTestApp('graphiql', { NODE_ENV: 'development' });
    try {
      const page = await (await fetch(dev.url, { headers: { accept: 'text/html' } })).text();
      expect(page).toContain('RecentJobs');
    } finally {
      await dev.close();
    }
  });
});
