// Multipart uploads under attack, against a real server over real sockets: framing the
// parser chokes on, spec edge cases (one file in two variables, a file never sent), who may
// send a body at all, and uploads that dribble or stall. After each case the server answers
// and no partial upload is left in the database.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import {
  dribble,
  multipartBody,
  multipartHeaders,
  openRawPost,
  rawPost,
  uploadHead,
  uploadParts,
  type OpenRequest,
  type RawResponse,
} from '../helpers/raw-http.js';

const ADMIN = 'uplim-admin-3c1f9e';
const VIEWER = 'uplim-viewer-8d2a6b';

let t: TestApp;
let base: string;

beforeAll(async () => {
  t = await startTestApp('upload_limits', {
    AUTH_TOKENS: `${ADMIN}:admin,${VIEWER}:viewer`,
    UPLOAD_RATE_LIMIT: '1000',
    // More slow uploads than the pool (10) has connections may be in flight at once.
    MAX_CONCURRENT_UPLOADS: '12',
    UPLOAD_IDLE_TIMEOUT_SECONDS: '2',
  });
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


const bodyOf = (response: RawResponse) => JSON.parse(response.body) as GraphQLBody;
const codeOf = (response: RawResponse) => bodyOf(response).errors?.[0]?.extensions?.code;

async function storedRows() {
  const { rows } = await t.db.pool.query<{ jobs: number; files: number; chunks: number }>(
    `SELECT (SELECT count(*) FROM ingest_jobs)::int AS jobs, (SELECT count(*) FROM job_files)::int AS files,
            (SELECT count(*) FROM upload_chunks)::int AS chunks`,
  );
  return rows[0]!;
}

describe('multipart framing the parser refuses', () => {
  for (const control of ['\x01', '\x1b', '\x7f']) {
    it(`a file name holding ${JSON.stringify(control)} is a 400 BAD_REQUEST, and the process lives on`, async () => {
      const response = await rawPost(t.url, { headers: multipartHeaders(ADMIN), body: multipartBody(uploadParts(`a${control}b.csv`)) });
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
    const response = await rawPost(t.url, { headers: multipartHeaders(ADMIN), body });
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
    const response = await rawPost(t.url, { headers: multipartHeaders(ADMIN), body });
    expect(response.status).toBe(400);
    expect(codeOf(response)).toBe('BAD_USER_INPUT');
    expect(bodyOf(response).errors?.[0]?.message).toMatch(/file for "transactions".*never sent/);
    expect(await storedRows()).toEqual({ jobs: 0, files: 0, chunks: 0 });
  });
});

describe('files the operation never reads', () => {
  it('a file mapped to an undeclared variable does not stall the request waiting on a missing one (400, not a hang)', async () => {
    const [operations, , file] = uploadParts('t.csv');
    const body = multipartBody([
      operations!,
      { headers: ['Content-Disposition: form-data; name="map"'], body: '{"0":["variables.u"],"1":["variables.t"]}' },
      { headers: ['Content-Disposition: form-data; name="1"; filename="t.csv"'], body: file!.body },
    ]);
    const response = await rawPost(t.url, { headers: multipartHeaders(ADMIN), body, timeoutMs: 15_000 });
    expect(response.status).toBe(400);
    expect(codeOf(response)).toBe('BAD_USER_INPUT');
    expect(bodyOf(response).errors?.[0]?.message).toMatch(/file for "users".*never sent/);
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

async function waitForNoUploadRows() {
  for (let i = 0; i < 100 && Object.values(await storedRows()).some(Boolean); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return storedRows();
}

async function jobsAnswer(url = t.url) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${VIEWER}` },
    body: JSON.stringify({ query: '{ jobs(first: 5) { edges { node { id status } } } }' }),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: (await response.json()) as GraphQLBody };
}

describe('slow and stalled uploads', () => {
  it('10 uploads dribbling a byte at a time hold no pooled connection: /ready and queries answer, partial jobs are hidden', async () => {
    const uploads = Array.from({ length: 10 }, () => dribble(t.url, ADMIN, 500));
    try {
      // Wait (at most 20 s: a loaded machine accepts ten sockets slowly) until every upload
      // has stored its job and file rows and waits on the network.
      for (let i = 0; i < 200 && (await storedRows()).files < 10; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      for (let round = 0; round < 3; round++) {
        expect((await fetch(`${base}/ready`, { signal: AbortSignal.timeout(10_000) })).status).toBe(200);
        expect(await jobsAnswer()).toEqual({ status: 200, body: { data: { jobs: { edges: [] } } } });
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      expect(await storedRows()).toEqual({ jobs: 10, files: 10, chunks: 0 });
    } finally {
      for (const upload of uploads) upload.stop();
    }
    // The client went away: each partial upload is deleted with its chunks.
    expect(await waitForNoUploadRows()).toEqual({ jobs: 0, files: 0, chunks: 0 });
  });

  it('an upload that stops sending ends with 408 REQUEST_TIMEOUT and leaves no rows behind', async () => {
    const stalled = dribble(t.url, ADMIN, 60_000); // head only: the file's bytes never come
    const response = await stalled.response;
    expect(response.status).toBe(408);
    expect(codeOf(response)).toBe('REQUEST_TIMEOUT');
    expect(bodyOf(response).errors?.[0]?.message).toMatch(/no byte received for 2 s/);
    expect(await storedRows()).toEqual({ jobs: 0, files: 0, chunks: 0 });
  });

  it('a body that stalls before its map is a 408 as well', async () => {
    const head = uploadHead();
    const stalled = openRawPost(t.url, { headers: multipartHeaders(ADMIN), body: head.subarray(0, 60), contentLength: head.length + 100 });
    const response = await stalled.response;
    expect(response.status).toBe(408);
    expect(codeOf(response)).toBe('REQUEST_TIMEOUT');
  });

  describe(`with MAX_CONCURRENT_UPLOADS=2`, () => {
    let capped: TestApp;
    beforeAll(async () => {
      capped = await startTestApp('upload_limits_cap', { AUTH_TOKENS: `${ADMIN}:admin,${VIEWER}:viewer`, MAX_CONCURRENT_UPLOADS: '2' }, t.db);
    });
    afterAll(() => capped?.close());

    it('a third upload is refused with 503 SERVICE_UNAVAILABLE and Retry-After before its body is read', async () => {
      const uploads: Array<OpenRequest & { stop(): void }> = [dribble(capped.url, ADMIN, 500), dribble(capped.url, ADMIN, 500)];
      try {
        for (let i = 0; i < 100; i++) {
          const { rows } = await t.db.pool.query<{ partial: number }>('SELECT count(*)::int AS partial FROM ingest_jobs');
          if (rows[0]!.partial === 2) break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        // Headers only: the declared body is never sent, yet the refusal comes.
        const refused = await rawPost(capped.url, { headers: multipartHeaders(ADMIN), contentLength: 1024 * 1024 });
        expect(refused.status).toBe(503);
        expect(refused.headers['retry-after']).toMatch(/^\d+$/);
        expect(codeOf(refused)).toBe('SERVICE_UNAVAILABLE');
        expect(bodyOf(refused).errors?.[0]?.message).toMatch(/Too many uploads in progress/);
        expect((await jobsAnswer(capped.url)).status).toBe(200);
      } finally {
        for (const upload of uploads) upload.stop();
      }
      expect(await waitForNoUploadRows()).toEqual({ jobs: 0, files: 0, chunks: 0 });
      // The slots are free again.
      const accepted = await rawPost(capped.url, { headers: multipartHeaders(ADMIN), body: multipartBody(uploadParts('u.csv')) });
      expect(accepted.status).toBe(200);
      expect(bodyOf(accepted).errors).toBeUndefined();
      await t.db.pool.query('DELETE FROM ingest_jobs');
    });
  });
});
