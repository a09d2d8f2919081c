// Multipart uploads under attack, against a real server over real sockets: framing the
// parser chokes on, spec edge cases (one file in two variables, a file never sent), who may
// send a body at all, and uploads that dribble or stall. After each case the server answers
// and no partial upload is left in the database.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { BOUNDARY, multipartBody, rawPost, uploadParts, type RawResponse } from '../helpers/raw-http.js';

const ADMIN = 'uplim-admin-3c1f9e';
const VIEWER = 'uplim-viewer-8d2a6b';

let t: TestApp;
let base: string;

beforeAll(async () => {
  t = await startTestApp('upload_limits', { AUTH_TOKENS: `${ADMIN}:admin,${VIEWER}:viewer`, UPLOAD_RATE_LIMIT: '1000' });
  base = t.url.replace('/graphql', '');
});
afterAll(() => t?.close());

afterEach(async () => {
  expect((await fetch(`${base}/ready`)).status).toBe(200);
});

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

const multipartHeaders = (token = ADMIN) => ({
  Authorization: `Bearer ${token}`,
  'x-graphql-yoga-csrf': '1',
  'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`,
});

const bodyOf = (response: RawResponse) => JSON.parse(response.body) as GraphQLBody;
const codeOf = (response: RawResponse) => bodyOf(response).errors?.[0]?.extensions?.code;

async function storedRows() {
  const { rows } = await t.db.pool.query<{ jobs: number; files: number; chunks: number }>(
    `SELECT (SELECT count(*) FROM ingest_jobs)::int AS jobs, (SELECT count(*) FROM job_files)::int AS files,
            (SELECT count(*) FROM upload_chunks)::int AS chunks`,
  );
  return rows[0];
}

describe('multipart framing the parser refuses', () => {
  for (const control of ['\x01', '\x1b', '\x7f']) {
    it(`a file name holding ${JSON.stringify(control)} is a 400 BAD_REQUEST, and the process lives on`, async () => {
      const response = await rawPost(t.url, { headers: multipartHeaders(), body: multipartBody(uploadParts(`a${control}b.csv`)) });
      expect(response.status).toBe(400);
      expect(codeOf(response)).toBe('BAD_REQUEST');
      expect(bodyOf(response).errors?.[0]?.message).toMatch(/malformed multipart/i);
      expect(await storedRows()).toEqual({ jobs: 0, files: 0, chunks: 0 });
    });
  }
});

describe('GraphQL multipart spec edge cases', () => {
  it('one file mapped to both users and transactions is a 400 BAD_USER_INPUT', async () => {
    const [operations, , file] = uploadParts('both.csv');
    const body = multipartBody([
      {
        headers: operations!.headers,
        body: JSON.stringify({
          query: 'mutation ($u: File, $t: File) { uploadCsv(users: $u, transactions: $t) { id } }',
          variables: { u: null, t: null },
        }),
      },
      { headers: ['Content-Disposition: form-data; name="map"'], body: '{"0":["variables.u","variables.t"]}' },
      file!,
    ]);
    const response = await rawPost(t.url, { headers: multipartHeaders(), body });
    expect(response.status).toBe(400);
    expect(codeOf(response)).toBe('BAD_USER_INPUT');
    expect(bodyOf(response).errors?.[0]?.message).toMatch(/same file cannot be both users and transactions/);
    expect(await storedRows()).toEqual({ jobs: 0, files: 0, chunks: 0 });
  });

  it('a map entry naming a file part that is never sent is a 400 BAD_USER_INPUT', async () => {
    const [operations, , file] = uploadParts('u.csv');
    const body = multipartBody([
      {
        headers: operations!.headers,
        body: JSON.stringify({
          query: 'mutation ($u: File, $t: File) { uploadCsv(users: $u, transactions: $t) { id } }',
          variables: { u: null, t: null },
        }),
      },
      { headers: ['Content-Disposition: form-data; name="map"'], body: '{"0":["variables.u"],"1":["variables.t"]}' },
      file!,
    ]);
    const response = await rawPost(t.url, { headers: multipartHeaders(), body });
    expect(response.status).toBe(400);
    expect(codeOf(response)).toBe('BAD_USER_INPUT');
    expect(bodyOf(response).errors?.[0]?.message).toMatch(/file for "transactions".*never sent/);
    expect(await storedRows()).toEqual({ jobs: 0, files: 0, chunks: 0 });
  });
});

describe('who may send a multipart body', () => {
  it('a viewer gets 403 FORBIDDEN and no token 401 before the body is read; a keep-alive fetch client sees both', async () => {
    // Node's fetch (undici) keeps the connection alive: the refusal must not reset the next
    // request on that socket. A body larger than the socket buffers makes it matter.
    const form = () => {
      const data = new FormData();
      data.append('operations', JSON.stringify({ query: 'mutation ($u: File) { uploadCsv(users: $u) { id } }', variables: { u: null } }));
      data.append('map', JSON.stringify({ 0: ['variables.u'] }));
      data.append('0', new Blob([new Uint8Array(4 * 1024 * 1024).fill(0x61)]), 'users.csv');
      return data;
    };
    const post = (authorization?: string) =>
      fetch(t.url, {
        method: 'POST',
        headers: { 'x-graphql-yoga-csrf': '1', ...(authorization ? { authorization } : {}) },
        body: form(),
      });
    for (let round = 0; round < 3; round++) {
      const viewer = await post(`Bearer ${VIEWER}`);
      expect(viewer.status).toBe(403);
      expect(viewer.headers.get('connection')).toBe('close');
      expect(((await viewer.json()) as GraphQLBody).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const anonymous = await post();
      expect(anonymous.status).toBe(401);
      expect(((await anonymous.json()) as GraphQLBody).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      const next = await fetch(t.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${VIEWER}` },
        body: JSON.stringify({ query: '{ jobs(first: 1) { edges { cursor } } }' }),
      });
      expect(next.status).toBe(200);
    }
    expect(await storedRows()).toEqual({ jobs: 0, files: 0, chunks: 0 });
  });
});
