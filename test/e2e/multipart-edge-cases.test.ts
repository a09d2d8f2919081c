// GraphQL multipart requests that break the spec or HTTP in one way each, written byte by
// byte over a raw socket: every one is a 4xx with an error code (never a 500, never a hung
// or reset connection), nothing of it stays in the database or the queue, and the server
// serves the next request. (Other suites cover limits, slow bodies and fuzzed framing:
// upload-limits, hostile, multipart-fuzz.)
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  BOUNDARY,
  multipartBody,
  multipartHeaders,
  openRawPost,
  rawPost,
  uploadParts,
  type MultipartPart,
  type RawResponse,
} from '../helpers/raw-http.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const ADMIN = 'mp-edge-admin-5c2e81';
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp('multipart_edges', { AUTH_TOKENS: `${ADMIN}:admin`, UPLOAD_RATE_LIMIT: '1000' });
});
afterAll(() => t?.close());

afterEach(async () => {
  expect((await fetch(t.url.replace('/graphql', '/ready'))).status).toBe(200);
});

const USERS = 'User_ID,User_Name,Region,Is_Active_Sub\n00000000-0000-4000-8000-000000000001,Ada,EU,true\n';
const TWO_FILES = 'mutation ($u: File, $t: File) { uploadCsv(users: $u, transactions: $t) { id } }';

const operations = (body: unknown): MultipartPart => ({
  headers: ['Content-Disposition: form-data; name="operations"'],
  body: JSON.stringify(body),
});
const map = (body: unknown): MultipartPart => ({ headers: ['Content-Disposition: form-data; name="map"'], body: JSON.stringify(body) });
const file = (field: string, content = USERS, name = 'users.csv'): MultipartPart => ({
  headers: [`Content-Disposition: form-data; name="${field}"; filename="${name}"`, 'Content-Type: text/csv'],
  body: content,
});
const [OPERATIONS, MAP, FILE] = uploadParts('users.csv', USERS) as [MultipartPart, MultipartPart, MultipartPart];

/** A body sent whole, with our headers (or others). */
const send = (body: Buffer, headers: Record<string, string> = multipartHeaders(ADMIN)) => rawPost(t.url, { headers, body, timeoutMs: 15_000 });

/** Writes `sent` of a body that declares `declared` bytes, then half-closes: the server can still answer. */
function cutShort(body: Buffer, sent: number): Promise<RawResponse> {
  const request = openRawPost(t.url, { headers: multipartHeaders(ADMIN), body: body.subarray(0, sent), contentLength: body.length, timeoutMs: 15_000 });
  request.socket.once('connect', () => setImmediate(() => request.socket.end()));
  return request.response;
}

const withoutCsrf = () => {
  const headers: Record<string, string> = { ...multipartHeaders(ADMIN) };
  delete headers['x-graphql-yoga-csrf'];
  return headers;
};

const CASES: Array<{ name: string; code: string; status: number; message: RegExp; send: () => Promise<RawResponse> }> = [
  {
    name: 'one file mapped to two variables (the spec\'s file deduplication)',
    code: 'BAD_USER_INPUT',
    status: 400,
    message: /same file cannot be both users and transactions/,
    send: () => send(multipartBody([operations({ query: TWO_FILES, variables: { u: null, t: null } }), map({ 0: ['variables.u', 'variables.t'] }), FILE])),
  },
  {
    name: 'a map entry naming a file part that is never sent',
    code: 'BAD_USER_INPUT',
    status: 400,
    message: /file for "transactions".*never sent/,
    send: () => send(multipartBody([operations({ query: TWO_FILES, variables: { u: null, t: null } }), map({ 0: ['variables.u'], 1: ['variables.t'] }), FILE])),
  },
  {
    name: 'the file part before operations',
    code: 'BAD_REQUEST',
    status: 400,
    message: /Misordered multipart fields; files should follow 'map'/,
    send: () => send(multipartBody([FILE, OPERATIONS, MAP])),
  },
  {
    name: 'map before operations',
    code: 'BAD_REQUEST',
    status: 400,
    message: /Misordered multipart fields; 'map' should follow 'operations'/,
    send: () => send(multipartBody([MAP, OPERATIONS, FILE])),
  },
  {
    name: 'batched operations (an array: batching is off)',
    code: 'BAD_REQUEST',
    status: 400,
    message: /batch/i,
    send: () =>
      send(
        multipartBody([
          operations([
            { query: 'mutation ($u: File) { uploadCsv(users: $u) { id } }', variables: { u: null } },
            { query: 'mutation ($u: File) { uploadCsv(users: $u) { id } }', variables: { u: null } },
          ]),
          map({ 0: ['0.variables.u'], 1: ['1.variables.u'] }),
          file('0'),
          file('1'),
        ]),
      ),
  },
  {
    name: 'a value that is not a file where a File goes',
    code: 'BAD_USER_INPUT',
    status: 400,
    message: /File value invalid/,
    send: () =>
      send(multipartBody([operations({ query: TWO_FILES, variables: { u: null, t: 'transactions.csv' } }), map({ 0: ['variables.u'] }), FILE])),
  },
  {
    name: 'no CSRF-prevention header',
    code: 'BAD_REQUEST',
    status: 400,
    message: /x-graphql-yoga-csrf/,
    send: () => send(multipartBody([OPERATIONS, MAP, FILE]), withoutCsrf()),
  },
  {
    name: 'a multipart content type without a boundary',
    code: 'BAD_REQUEST',
    status: 400,
    message: /needs a boundary/,
    send: () => send(multipartBody([OPERATIONS, MAP, FILE]), { ...multipartHeaders(ADMIN), 'Content-Type': 'multipart/form-data' }),
  },
  {
    name: 'a boundary that does not match the body',
    code: 'BAD_REQUEST',
    status: 400,
    message: /malformed multipart body/,
    send: () => send(multipartBody([OPERATIONS, MAP, FILE], 'anotherBoundary')),
  },
  {
    name: 'a body whose HTTP message ends inside the file (multipart never closed)',
    code: 'BAD_REQUEST',
    status: 400,
    message: /malformed multipart body: Unexpected end of form/,
    send: () => {
      const body = multipartBody([OPERATIONS, MAP, FILE]);
      return send(body.subarray(0, body.indexOf(Buffer.from(`--${BOUNDARY}--`)) - 10));
    },
  },
  {
    name: 'a body cut short: the client stops sending before its Content-Length and half-closes',
    code: 'BAD_REQUEST',
    status: 400,
    message: /ended before its body was complete/,
    send: () => {
      const body = multipartBody([OPERATIONS, MAP, file('0', USERS.repeat(200))]);
      return cutShort(body, body.length - 500);
    },
  },
  {
    name: 'a body cut short before the map',
    code: 'BAD_REQUEST',
    status: 400,
    message: /ended before its body was complete/,
    send: () => {
      const body = multipartBody([OPERATIONS, MAP, FILE]);
      return cutShort(body, body.indexOf(Buffer.from('name="map"')));
    },
  },
  {
    name: 'operations that are not JSON',
    code: 'BAD_REQUEST',
    status: 400,
    message: /operations/i,
    send: () => send(multipartBody([{ headers: OPERATIONS.headers, body: '{"query": ' }, MAP, FILE])),
  },
  {
    name: 'a map that is not JSON',
    code: 'BAD_REQUEST',
    status: 400,
    message: /map/i,
    send: () => send(multipartBody([OPERATIONS, { headers: MAP.headers, body: '{"0": [' }, FILE])),
  },
];

async function stored() {
  const { rows } = await t.db.pool.query<{ jobs: number; files: number; chunks: number }>(
    `SELECT (SELECT count(*) FROM ingest_jobs)::int AS jobs, (SELECT count(*) FROM job_files)::int AS files,
            (SELECT count(*) FROM upload_chunks)::int AS chunks`,
  );
  const counts = await t.services.ingestQueue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
  return { ...rows[0], queued: Object.values(counts).reduce((a, b) => a + b, 0) };
}

describe('multipart edge cases: a 4xx with a code, never a 500, nothing stored', () => {
  for (const edge of CASES) {
    it(edge.name, async () => {
      const response = await edge.send();
      expect(response.status, response.body).toBe(edge.status);
      const errors = (JSON.parse(response.body) as { errors?: Array<{ message: string; extensions?: { code?: string } }> }).errors ?? [];
      expect(errors.map((error) => error.extensions?.code)).toEqual([edge.code]);
      expect(errors[0]?.message).toMatch(edge.message);
      // A partial upload's rows are removed once its request has failed (the response may go first).
      await expect.poll(stored, { timeout: 5_000 }).toEqual({ jobs: 0, files: 0, chunks: 0, queued: 0 });
    });
  }

  it('and a well-formed upload still goes through', async () => {
    const response = await send(multipartBody([OPERATIONS, MAP, FILE]));
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ data: { uploadCsv: { id: expect.any(String) } } });
  });
});
