// README's error table against a real server: every code it lists is produced here by a
// request of the kind its row describes, with one of the HTTP statuses the row gives, and
// every code the source can send is in the table. Statuses are those a client sees with
// `Accept: application/graphql-response+json` (Apollo Client 4, urql 6); the legacy
// `application/json` rule for parse and validation errors is checked too.
import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobsQuery } from '../../src/client/operations/jobs.js';
import { dribble, multipartBody, multipartHeaders, openRawPost, rawPost, uploadHead, uploadParts } from '../helpers/raw-http.js';
import { ROOT } from '../helpers/processes.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const ADMIN = 'ec-admin-41d7a2';
const VIEWER = 'ec-viewer-93be10';
// Each upload case has a token of its own: the upload rate limit is per token.
const UPLOADERS = { big: 'ec-up-big-1', busy: 'ec-up-busy-2', idle: 'ec-up-idle-3', rate: 'ec-up-rate-4', parts: 'ec-up-parts-5' };
const MAX_UPLOAD_BYTES = 1024;

let t: TestApp;
let persisted: TestApp;

beforeAll(async () => {
  const tokens = [`${ADMIN}:admin`, `${VIEWER}:viewer`, ...Object.values(UPLOADERS).map((token) => `${token}:admin`)];
  t = await startTestApp('error_codes', {
    AUTH_TOKENS: tokens.join(','),
    MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
    MAX_CONCURRENT_UPLOADS: '1',
    UPLOAD_IDLE_TIMEOUT_SECONDS: '1',
    UPLOAD_RATE_LIMIT: '2',
  });
  persisted = await startTestApp('error_codes_po', { AUTH_TOKENS: tokens.join(','), PERSISTED_OPERATIONS_ONLY: 'true' }, t.db);
});
afterAll(async () => {
  await persisted?.close();
  await t?.close();
});

interface Outcome {
  status: number;
  codes: string[];
  body: { data?: unknown; errors?: Array<{ message: string; path?: unknown; extensions?: { code?: string } }> };
}

const GRAPHQL_RESPONSE = 'application/graphql-response+json';

async function post(
  body: unknown,
  { token = ADMIN, url = t.url, accept = GRAPHQL_RESPONSE, method = 'POST', headers = {} as Record<string, string> } = {},
): Promise<Outcome> {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', accept, ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return outcome(response.status, await response.text());
}

function outcome(status: number, text: string): Outcome {
  const body = JSON.parse(text) as Outcome['body'];
  return { status, body, codes: (body.errors ?? []).map((error) => error.extensions?.code ?? '(none)') };
}

const uploadBody = (content: string) => multipartBody(uploadParts('users.csv', content));
const rawUpload = async (token: string, body: Buffer) => {
  const response = await rawPost(t.url, { headers: multipartHeaders(token), body });
  return outcome(response.status, response.body);
};

async function completedJob(): Promise<string> {
  const id = randomUUID();
  await t.db.pool.query(`INSERT INTO ingest_jobs (id, status, finished_at) VALUES ($1, 'COMPLETED', now())`, [id]);
  return id;
}

/** One request per row (several for rows with several statuses), named as the row says it. */
const CASES: Array<{ code: string; what: string; run: () => Promise<Outcome> }> = [
  { code: 'BAD_USER_INPUT', what: 'a variable that does not fit its type (Int)', run: () => post({ query: 'query ($n: Int) { jobs(first: $n) { edges { cursor } } }', variables: { n: 'x' } }) },
  { code: 'BAD_USER_INPUT', what: 'an invalid enum value in a variable', run: () => post({ query: 'query ($s: JobStatus) { jobs(status: $s) { edges { cursor } } }', variables: { s: 'DONE' } }) },
  { code: 'BAD_USER_INPUT', what: 'a Date that is no calendar date, in a variable', run: () => post({ query: 'query ($f: DashboardFilter) { dashboard(filter: $f) { id } }', variables: { f: { from: '2026-02-30' } } }) },
  { code: 'BAD_USER_INPUT', what: 'a File variable that is not a file part', run: () => post({ query: 'mutation ($u: File) { uploadCsv(users: $u) { id } }', variables: { u: 'users.csv' } }) },
  { code: 'BAD_USER_INPUT', what: 'a required variable missing', run: () => post({ query: 'query ($id: ID!) { job(id: $id) { id } }' }) },
  { code: 'BAD_USER_INPUT', what: 'an argument a resolver refuses (from after to)', run: () => post({ query: '{ dashboard(filter: { from: "2026-02-01", to: "2026-01-01" }) { id } }' }) },
  { code: 'BAD_USER_INPUT', what: 'a cursor the API did not issue', run: () => post({ query: '{ jobs(after: "bm9wZQ") { edges { cursor } } }' }) },
  { code: 'BAD_USER_INPUT', what: 'an upload without a file', run: () => post({ query: 'mutation { uploadCsv { id } }' }, { token: UPLOADERS.rate }) },
  { code: 'NOT_FOUND', what: 'cancelling an unknown job', run: () => post({ query: `mutation { cancelJob(id: "${randomUUID()}") { id } }` }) },
  { code: 'CONFLICT', what: 'cancelling a finished job', run: async () => post({ query: `mutation { cancelJob(id: "${await completedJob()}") { id } }` }) },
  { code: 'UNAUTHENTICATED', what: 'no token', run: () => post({ query: '{ jobs { edges { cursor } } }' }, { token: '' }) },
  { code: 'UNAUTHENTICATED', what: 'a wrong token', run: () => post({ query: '{ jobs { edges { cursor } } }' }, { token: 'nope' }) },
  { code: 'FORBIDDEN', what: 'a viewer running a mutation', run: () => post({ query: `mutation { retryJob(id: "${randomUUID()}") { id } }` }, { token: VIEWER }) },
  { code: 'FORBIDDEN', what: 'a viewer sending an upload', run: () => rawUpload(VIEWER, uploadBody('a\n')) },
  { code: 'PAYLOAD_TOO_LARGE', what: 'a file over MAX_UPLOAD_BYTES', run: () => rawUpload(UPLOADERS.big, uploadBody('x'.repeat(MAX_UPLOAD_BYTES + 1))) },
  { code: 'PAYLOAD_TOO_LARGE', what: 'a JSON body over 1 MiB', run: () => post({ query: `{ jobs { edges { cursor } } } # ${'x'.repeat(1024 * 1024)}` }) },
  { code: 'TOO_MANY_REQUESTS', what: 'uploadCsv over the rate limit', run: async () => {
    await post({ query: 'mutation { uploadCsv { id } }' }, { token: UPLOADERS.rate });
    return post({ query: 'mutation { uploadCsv { id } }' }, { token: UPLOADERS.rate });
  } },
  { code: 'REQUEST_TIMEOUT', what: 'an upload that stops sending', run: async () => {
    const { response } = openRawPost(t.url, { headers: multipartHeaders(UPLOADERS.idle), body: uploadHead(), contentLength: 1_000_000 });
    const answer = await response;
    return outcome(answer.status, answer.body);
  } },
  { code: 'SERVICE_UNAVAILABLE', what: 'an upload while MAX_CONCURRENT_UPLOADS are in flight', run: async () => {
    const slow = dribble(t.url, UPLOADERS.busy, 200);
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      return await rawUpload(UPLOADERS.parts, uploadBody('a\n'));
    } finally {
      slow.stop();
      await slow.response;
    }
  } },
  { code: 'BAD_REQUEST', what: 'a multipart request without the CSRF header', run: async () => {
    const headers = { ...multipartHeaders(ADMIN) } as Record<string, string>;
    delete headers['x-graphql-yoga-csrf'];
    const response = await rawPost(t.url, { headers, body: uploadBody('a\n') });
    return outcome(response.status, response.body);
  } },
  { code: 'BAD_REQUEST', what: 'a body that is not JSON', run: () => post('{"query": ') },
  { code: 'BAD_REQUEST', what: 'variables that are not an object', run: () => post({ query: '{ jobs { edges { cursor } } }', variables: [1] }) },
  { code: 'BAD_REQUEST', what: 'a method other than GET or POST', run: () => post({ query: '{ jobs { edges { cursor } } }' }, { method: 'PUT' }) },
  { code: 'BAD_REQUEST', what: 'a request HTTP cannot parse (headers over 16 KiB)', run: () => post({ query: '{ jobs { edges { cursor } } }' }, { headers: { 'x-padding': 'x'.repeat(20_000) } }) },
  { code: 'GRAPHQL_PARSE_FAILED', what: 'a syntax error', run: () => post({ query: '{ jobs(' }) },
  { code: 'GRAPHQL_VALIDATION_FAILED', what: 'an unknown field', run: () => post({ query: '{ jobz { edges { cursor } } }' }) },
  { code: 'GRAPHQL_VALIDATION_FAILED', what: 'a cost over the limit', run: () => post({ query: 'query ($n: Int) { jobs(first: $n) { edges { node { rejectedRows(first: 500) { edges { cursor } } } } } }', variables: { n: 100 } }) },
  { code: 'PERSISTED_QUERY_NOT_IN_LIST', what: 'PERSISTED_OPERATIONS_ONLY: an unknown hash', run: () => post({ extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } }, { token: VIEWER, url: persisted.url }) },
  { code: 'CANNOT_SEND_PQ_ID_AND_BODY', what: 'PERSISTED_OPERATIONS_ONLY: a viewer sending a document', run: () => post({ query: '{ jobs { edges { cursor } } }' }, { token: VIEWER, url: persisted.url }) },
  { code: 'PERSISTED_QUERY_ID_REQUIRED', what: 'PERSISTED_OPERATIONS_ONLY: neither a document nor a hash', run: () => post({ variables: {} }, { token: VIEWER, url: persisted.url }) },
  { code: 'INTERNAL_SERVER_ERROR', what: 'an unexpected failure (the database table is gone)', run: async () => {
    await t.db.pool.query('ALTER TABLE ingest_jobs RENAME TO ingest_jobs_hidden');
    try {
      return await post({ query: JobsQuery.toString(), variables: { first: 1 } });
    } finally {
      await t.db.pool.query('ALTER TABLE ingest_jobs_hidden RENAME TO ingest_jobs');
    }
  } },
];

/** README's error table: code → the HTTP statuses its row lists. */
function readmeTable(): Map<string, number[]> {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('| code | when | HTTP |'));
  const rows = section.slice(0, section.indexOf('\n\n')).split('\n').slice(2);
  return new Map(
    rows.flatMap((row) => {
      const [, codes = '', , http = ''] = row.split('|');
      const statuses = [...http.matchAll(/\b[1-5]\d\d\b/g)].map((match) => Number(match[0]));
      return [...codes.matchAll(/`([A-Z_]+)`/g)].map((match) => [match[1]!, statuses] as const);
    }),
  );
}

describe('README error table', () => {
  const seen = new Map<string, Set<number>>();

  for (const { code, what, run } of CASES) {
    it(`${code}: ${what}`, async () => {
      const table = readmeTable();
      expect(table.has(code), `${code} is not in README's error table`).toBe(true);
      const { status, codes, body } = await run();
      expect(codes).toContain(code);
      expect(table.get(code)).toContain(status);
      // A request refused as a whole has no data; an error inside execution has a path and
      // comes with a 200 and whatever else the operation answered.
      if (status === 200) expect(body.errors?.every((error) => error.path !== undefined)).toBe(true);
      else expect(body.data ?? null).toBeNull();
      seen.set(code, new Set([...(seen.get(code) ?? []), status]));
    });
  }

  it('lists exactly the codes and statuses the requests above produced', () => {
    expect([...readmeTable().keys()].sort()).toEqual([...seen.keys()].sort());
    for (const [code, statuses] of readmeTable()) expect([...(seen.get(code) ?? [])].sort(), code).toEqual([...statuses].sort());
  });

  it('names every code the source can send', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const full = path.join(dir, name);
        return statSync(full).isDirectory() ? (name === 'generated' ? [] : files(full)) : full.endsWith('.ts') ? [full] : [];
      });
    const sent = new Set<string>();
    for (const file of files(path.join(ROOT, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/\bcode: '([A-Z_]+)'|new DomainError\('([A-Z_]+)'/g)) sent.add(match[1] ?? match[2]!);
    }
    const table = readmeTable();
    expect([...sent].filter((code) => !table.has(code))).toEqual([]);
  });
});

describe('HTTP status by Accept (GraphQL over HTTP)', () => {
  it('parse and validation failures are 400 for graphql-response+json and 200 for plain application/json; the rest keep their status', async () => {
    for (const query of ['{ jobs(', '{ jobz }']) {
      expect((await post({ query })).status).toBe(400);
      expect((await post({ query }, { accept: 'application/json' })).status).toBe(200);
    }
    const coercion = { query: 'query ($n: Int) { jobs(first: $n) { edges { cursor } } }', variables: { n: 'x' } };
    expect((await post(coercion, { accept: 'application/json' })).status).toBe(400);
    expect((await post({ query: '{ jobs { edges { cursor } } }' }, { token: '', accept: 'application/json' })).status).toBe(401);
  });
});
