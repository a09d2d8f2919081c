// Hostile input at the HTTP/WebSocket layer against a real server: CSRF, oversize and
// malformed multipart, query bombs (depth, aliases, tokens, cost), syntax errors over
// WebSocket, the uploadCsv rate limit across two API processes, and error masking in
// production. After every case the server must still answer.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { GraphQLError } from 'graphql';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { QUERY_LIMITS } from '../../src/http/limits.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const ADMIN = 'hostile-admin-5e1a9c';
const MAX_UPLOAD_BYTES = 4096;
const UPLOAD_RATE_LIMIT = 3;

let t: TestApp;
let base: string;

beforeAll(async () => {
  t = await startTestApp('hostile', {
    AUTH_TOKENS: `${ADMIN}:admin`,
    MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
    UPLOAD_RATE_LIMIT: String(UPLOAD_RATE_LIMIT),
    UPLOAD_RATE_WINDOW_SECONDS: '60',
  });
  base = t.url.replace('/graphql', '');
});
afterAll(() => t?.close());

afterEach(async () => {
  expect((await fetch(`${base}/health`)).status).toBe(200);
});

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> & { code?: string } }>;
}

const admin = { authorization: `Bearer ${ADMIN}` };

async function post(query: string, variables?: Record<string, unknown>, url = t.url) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...admin },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLBody };
}

const codes = (body: GraphQLBody) => body.errors?.map((e) => e.extensions?.code);

function multipart(files: Array<{ field: string; name: string; data: Uint8Array<ArrayBuffer> | string }>, query?: string): FormData {
  const form = new FormData();
  const variables = Object.fromEntries(files.map((f) => [f.field, null]));
  const signature = files.map((f) => `$${f.field}: File`).join(', ');
  const args = files.map((f) => `${f.field}: $${f.field}`).join(', ');
  form.append('operations', JSON.stringify({ query: query ?? `mutation (${signature}) { uploadCsv(${args}) { id status } }`, variables }));
  form.append('map', JSON.stringify(Object.fromEntries(files.map((f, i) => [String(i), [`variables.${f.field}`]]))));
  files.forEach((f, i) => form.append(String(i), new Blob([f.data]), f.name));
  return form;
}

async function upload(form: FormData, headers: Record<string, string> = { 'x-graphql-yoga-csrf': '1' }) {
  const response = await fetch(t.url, { method: 'POST', headers: { ...admin, ...headers }, body: form });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as GraphQLBody };
}

async function storedState() {
  const { rows } = await t.db.pool.query<{ jobs: number; files: number; chunks: number }>(
    `SELECT (SELECT count(*) FROM ingest_jobs)::int AS jobs, (SELECT count(*) FROM job_files)::int AS files,
            (SELECT count(*) FROM upload_chunks)::int AS chunks`,
  );
  const counts = await t.services.ingestQueue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
  return { ...rows[0], queued: Object.values(counts).reduce((a, b) => a + b, 0) };
}

// Rate-limit buckets are per token: the upload cases below must not exhaust each other.
async function resetUploadRateLimit() {
  const keys = await t.services.redis.keys(`${t.config.redis.prefix}:ratelimit:*`);
  if (keys.length) await t.services.redis.del(...keys);
}

const USERS_HEADER = 'User_ID,User_Name,Region,Is_Active_Sub\n';
const userLine = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')},User ${i},EU,true\n`;
/** A users CSV of exactly `bytes` bytes. */
function usersCsv(bytes: number): string {
  let text = USERS_HEADER;
  for (let i = 0; text.length + userLine(i).length <= bytes; i++) text += userLine(i);
  return text + 'x'.repeat(bytes - text.length);
}

const jobsServiceLanded = existsSync(new URL('../../src/jobs/service.ts', import.meta.url));

describe('multipart uploads', () => {
  afterEach(resetUploadRateLimit);

  it('refuses a multipart request without a CSRF-prevention header (400) and stores nothing', async () => {
    const { status, body } = await upload(multipart([{ field: 'users', name: 'users.csv', data: usersCsv(200) }]), {});
    expect(status).toBe(400);
    expect(codes(body)).toEqual(['BAD_REQUEST']);
    expect(body.errors?.[0]?.message).toMatch(/x-graphql-yoga-csrf/);
    expect(await storedState()).toEqual({ jobs: 0, files: 0, chunks: 0, queued: 0 });
  });

  it('accepts apollo-require-preflight as the CSRF header too', async () => {
    const form = multipart([{ field: 'users', name: 'users.csv', data: 'x' }], 'mutation { uploadCsv { id } }');
    const { body } = await upload(form, { 'apollo-require-preflight': 'true' });
    expect(codes(body)).toEqual(['BAD_USER_INPUT']); // got past CSRF to the resolver
  });

  it.skipIf(!jobsServiceLanded)('an upload over MAX_UPLOAD_BYTES fails with PAYLOAD_TOO_LARGE; nothing is stored or queued', async () => {
    const { body } = await upload(multipart([{ field: 'users', name: 'users.csv', data: usersCsv(MAX_UPLOAD_BYTES + 1) }]));
    expect(body.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([
      ['PAYLOAD_TOO_LARGE', `file exceeds the upload limit of ${MAX_UPLOAD_BYTES} bytes`],
    ]);
    expect(await storedState()).toEqual({ jobs: 0, files: 0, chunks: 0, queued: 0 });
  });

  it.skipIf(!jobsServiceLanded)('a far larger upload is cut off while streaming with the same outcome', async () => {
    const { body } = await upload(multipart([{ field: 'transactions', name: 't.csv', data: new Uint8Array(5 * 1024 * 1024).fill(65) }]));
    expect(codes(body)).toEqual(['PAYLOAD_TOO_LARGE']);
    expect(await storedState()).toEqual({ jobs: 0, files: 0, chunks: 0, queued: 0 });
  });

  it.skipIf(!jobsServiceLanded)('a file of exactly MAX_UPLOAD_BYTES is accepted and queued', async () => {
    const { body } = await upload(multipart([{ field: 'users', name: 'users.csv', data: usersCsv(MAX_UPLOAD_BYTES) }]));
    expect(body.errors).toBeUndefined();
    expect((body.data?.uploadCsv as { status: string }).status).toBe('QUEUED');
    const { rows } = await t.db.pool.query<{ size: string }>('SELECT size_bytes::text AS size FROM job_files');
    expect(rows).toEqual([{ size: String(MAX_UPLOAD_BYTES) }]);
    await t.db.pool.query('DELETE FROM ingest_jobs');
    await t.services.ingestQueue.obliterate({ force: true });
  });

  it('refuses more than two files (413)', async () => {
    const form = multipart([
      { field: 'users', name: 'a.csv', data: 'a' },
      { field: 'transactions', name: 'b.csv', data: 'b' },
      { field: 'extra', name: 'c.csv', data: 'c' },
    ]);
    const { status, body } = await upload(form);
    expect(status).toBe(413);
    expect(codes(body)).toEqual(['PAYLOAD_TOO_LARGE']);
  });

  it('refuses an oversized operations field (413) and a multipart body without map (400)', async () => {
    const big = new FormData();
    big.append('operations', JSON.stringify({ query: `mutation { uploadCsv { id } } # ${'x'.repeat(70 * 1024)}` }));
    big.append('map', '{}');
    const tooBig = await upload(big);
    expect(tooBig.status).toBe(413);

    const noMap = new FormData();
    noMap.append('operations', JSON.stringify({ query: 'mutation { uploadCsv { id } }' }));
    const missing = await upload(noMap);
    expect(missing.status).toBe(400);
    expect(missing.body.errors?.[0]?.message).toMatch(/map/);
  });

  it.skipIf(!jobsServiceLanded)('a path-traversal file name is kept as a base name only', async () => {
    const { body } = await upload(multipart([{ field: 'users', name: '../../etc/passwd', data: usersCsv(100) }]));
    expect(body.errors).toBeUndefined();
    const { rows } = await t.db.pool.query<{ name: string }>('SELECT name FROM job_files');
    expect(rows).toEqual([{ name: 'passwd' }]);
    await t.db.pool.query('DELETE FROM ingest_jobs');
    await t.services.ingestQueue.obliterate({ force: true });
  });
});

describe('request size', () => {
  const bigQuery = `{ __typename } # ${'x'.repeat(2 * 1024 * 1024)}`;

  it('refuses a JSON body over 1 MiB by its Content-Length (413)', async () => {
    const response = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...admin },
      body: JSON.stringify({ query: bigQuery }),
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as GraphQLBody).errors?.[0]?.extensions?.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses a chunked JSON body (no Content-Length) once it passes 1 MiB', async () => {
    const piece = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"query":"{ __typename } #'));
      },
      pull(controller) {
        // 64 MiB if nobody stops it; the server must stop reading after 1 MiB.
        if ((sent += piece.length) > 64 * 1024 * 1024) controller.close();
        else controller.enqueue(piece);
      },
    });
    const response = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...admin },
      body,
      duplex: 'half',
    } as RequestInit & { duplex: 'half' });
    expect(response.status).toBe(413);
    expect(((await response.json()) as GraphQLBody).errors?.[0]?.extensions?.code).toBe('PAYLOAD_TOO_LARGE');
    expect(sent).toBeLessThan(64 * 1024 * 1024);
  });

  it('still accepts an ordinary JSON operation with variables', async () => {
    const { status, body } = await post('query ($id: ID!) { job(id: $id) { id } }', { id: '00000000-0000-4000-8000-000000000000' });
    expect(status).toBe(200);
    expect(body).toEqual({ data: { job: null } });
  });

  it('closes a WebSocket that sends a message over 1 MiB (1009), and keeps serving others', async () => {
    const socket = new WebSocket(t.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: admin }));
    await new Promise((resolve) => socket.once('message', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: bigQuery } }));
    expect(await closed).toBe(1009);
  });
});

describe('query limits (graphql-armor)', () => {
  it(`rejects a query deeper than ${QUERY_LIMITS.maxDepth} (introspection ofType chain)`, async () => {
    const chain = (n: number): string => (n === 0 ? 'name' : `ofType { ${chain(n - 1)} }`);
    const { status, body } = await post(`{ __type(name: "Job") { fields { type { ${chain(12)} } } } }`);
    expect(status).toBe(400);
    expect(codes(body)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(body.errors?.[0]?.message).toMatch(/depth limit of 10 exceeded/);
  });

  it(`rejects more than ${QUERY_LIMITS.maxAliases} aliases`, async () => {
    const aliases = Array.from({ length: 50 }, (_, i) => `a${i}: jobs(first: 1) { edges { cursor } }`).join(' ');
    const { status, body } = await post(`{ ${aliases} }`);
    expect(status).toBe(400);
    expect(codes(body)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(body.errors?.[0]?.message).toMatch(/Aliases limit of 15 exceeded/);
  });

  it(`rejects a document of more than ${QUERY_LIMITS.maxTokens} tokens before validating it`, async () => {
    const { status, body } = await post(`{ ${'__typename '.repeat(5000)} }`);
    expect(status).toBe(400);
    expect(codes(body)).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(body.errors?.[0]?.message).toMatch(/Token limit of 2000 exceeded/);
  });

  it(`rejects a query whose cost exceeds ${QUERY_LIMITS.maxCost}`, async () => {
    const job = 'edges { node { id status files { kind name sizeBytes sha256 totalRows rejectedRows } rejectedRows { edges { node { file line column reason raw } } } } }';
    const aliases = Array.from({ length: 15 }, (_, i) => `j${i}: jobs(first: 100) { ${job} }`).join(' ');
    const { status, body } = await post(`{ ${aliases} }`);
    expect(status).toBe(400);
    expect(codes(body)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(body.errors?.[0]?.message).toMatch(new RegExp(`exceeds the limit of ${QUERY_LIMITS.maxCost}`));
  });

  it('lets every operation a frontend ships (src/client/operations) through the same parse and validate', () => {
    const dir = new URL('../../src/client/operations/', import.meta.url);
    const sources = readdirSync(dir).flatMap((file) =>
      [...readFileSync(new URL(file, dir), 'utf8').matchAll(/graphql\(`([\s\S]*?)`\)/g)].map((match) => match[1]!),
    );
    const fragments = new Map(
      sources.flatMap((source) => {
        const name = /^\s*fragment\s+(\w+)/.exec(source)?.[1];
        return name ? [[name, source] as const] : [];
      }),
    );
    const operations = sources.filter((source) => !/^\s*fragment\b/.test(source));
    expect(operations.length).toBeGreaterThanOrEqual(6);
    const { parse, validate, schema } = t.app.yoga.getEnveloped({});
    for (const operation of operations) {
      // The fragments it spreads, and those they spread, as the client preset sends them
      // (and none other: unused ones fail validation).
      const spread = new Set<string>();
      const collect = (text: string) => {
        for (const [, name] of text.matchAll(/\.\.\.(\w+)/g)) {
          if (spread.has(name!)) continue;
          spread.add(name!);
          collect(fragments.get(name!) ?? '');
        }
      };
      collect(operation);
      const errors = validate(schema, parse([operation, ...[...spread].map((name) => fragments.get(name) ?? '')].join('\n')));
      expect(errors.map((error: GraphQLError) => error.message), operation.slice(0, 60)).toEqual([]);
    }
  });

  it('still runs a realistic deep query', async () => {
    const { status, body } = await post(
      'query ($id: ID!) { job(id: $id) { id files { kind } rejectedRows(first: 5) { edges { node { line reason } } pageInfo { hasNextPage } } } }',
      { id: '00000000-0000-4000-8000-000000000000' },
    );
    expect(status).toBe(200);
    expect(body).toEqual({ data: { job: null } });
  });

  it('a syntax error is GRAPHQL_PARSE_FAILED (400)', async () => {
    const { status, body } = await post('{ jobs(first: 1) { edges { node { id }');
    expect(status).toBe(400);
    expect(codes(body)).toEqual(['GRAPHQL_PARSE_FAILED']);
  });

  it('in development/test, unknown fields get suggestions', async () => {
    const { body } = await post('{ jobz { edges { cursor } } }');
    expect(codes(body)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(body.errors?.[0]?.message).toMatch(/Did you mean .*"jobs"/);
  });
});

describe('over WebSocket', () => {
  it('a syntax error or a bomb fails that operation only; the connection keeps working', async () => {
    const socket = new WebSocket(t.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const messages: Array<{ type: string; id?: string; payload?: unknown }> = [];
    let wake: (() => void) | undefined;
    socket.on('message', (data) => {
      messages.push(JSON.parse(String(data)) as (typeof messages)[number]);
      wake?.();
    });
    const next = async () => {
      while (!messages.length) await new Promise<void>((resolve) => (wake = resolve));
      return messages.shift()!;
    };
    let closeCode: number | undefined;
    socket.on('close', (code) => (closeCode = code));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: admin }));
    expect((await next()).type).toBe('connection_ack');

    const chain = (n: number): string => (n === 0 ? 'name' : `ofType { ${chain(n - 1)} }`);
    const bad = {
      syntax: '{ jobs(first: 1) { edges { node { id }',
      depth: `{ __type(name: "Job") { fields { type { ${chain(12)} } } } }`,
      tokens: `{ ${'__typename '.repeat(5000)} }`,
    };
    for (const [id, query] of Object.entries(bad)) {
      socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query } }));
      const message = await next();
      expect(message).toMatchObject({ id, type: 'error' });
      const [error] = message.payload as Array<{ extensions?: { code?: string } }>;
      expect(error?.extensions?.code).toMatch(/^GRAPHQL_(PARSE|VALIDATION)_FAILED$/);
    }
    socket.send(JSON.stringify({ id: 'ok', type: 'subscribe', payload: { query: '{ __typename }' } }));
    expect(await next()).toEqual({ id: 'ok', type: 'next', payload: { data: { __typename: 'Query' } } });
    expect(closeCode).toBeUndefined();
    socket.close();
  });
});

describe('uploadCsv rate limit (Redis, shared by API processes)', () => {
  let second: TestApp;
  beforeAll(async () => {
    await resetUploadRateLimit();
    // A second API process on the same database and Redis prefix.
    second = await startTestApp('hostile2', { AUTH_TOKENS: `${ADMIN}:admin`, UPLOAD_RATE_LIMIT: String(UPLOAD_RATE_LIMIT) }, t.db);
  });
  afterAll(() => second?.close());

  it(`allows ${UPLOAD_RATE_LIMIT} uploads per window across both processes, then TOO_MANY_REQUESTS (429)`, async () => {
    const results = [];
    for (let i = 0; i < UPLOAD_RATE_LIMIT + 2; i++) {
      results.push(await post('mutation { uploadCsv { id } }', undefined, i % 2 ? second.url : t.url));
    }
    // Files are absent, so the allowed calls end in the resolver's BAD_USER_INPUT.
    expect(results.map((r) => codes(r.body)?.[0])).toEqual([
      ...Array(UPLOAD_RATE_LIMIT).fill('BAD_USER_INPUT'),
      'TOO_MANY_REQUESTS',
      'TOO_MANY_REQUESTS',
    ]);
    const limited = results[UPLOAD_RATE_LIMIT]!;
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.body.errors?.[0]?.extensions?.retryAfterSeconds).toBe(retryAfter);
  });

  it('counts each aliased uploadCsv in one document', async () => {
    await resetUploadRateLimit();
    const { body } = await post(`mutation { ${Array.from({ length: UPLOAD_RATE_LIMIT + 1 }, (_, i) => `u${i}: uploadCsv { id }`).join(' ')} }`);
    expect(codes(body)).toEqual(['TOO_MANY_REQUESTS']);
  });

  it('with auth off, buckets by client address', async () => {
    const open = await startTestApp('hostile_open', { UPLOAD_RATE_LIMIT: '1' });
    try {
      const call = () => post('mutation { uploadCsv { id } }', undefined, open.url);
      expect(codes((await call()).body)).toEqual(['BAD_USER_INPUT']);
      const limited = await call();
      expect(limited.status).toBe(429);
      expect(codes(limited.body)).toEqual(['TOO_MANY_REQUESTS']);
      const keys = await open.services.redis.keys(`${open.config.redis.prefix}:ratelimit:*`);
      expect(keys).toEqual([expect.stringMatching(/:ip:(::ffff:)?127\.0\.0\.1:\d+$/)]);
    } finally {
      await open.close();
    }
  });

  it('does not limit other operations', async () => {
    for (let i = 0; i < UPLOAD_RATE_LIMIT + 2; i++) {
      const { body } = await post('{ jobs(first: 1) { edges { cursor } } }');
      expect(body.errors).toBeUndefined();
    }
  });
});

describe('production mode', () => {
  let prod: TestApp;
  beforeAll(async () => {
    prod = await startTestApp('hostile_prod', { NODE_ENV: 'production', AUTH_TOKENS: `${ADMIN}:admin` });
  });
  afterAll(() => prod?.close());

  it('gives no field suggestions', async () => {
    const { body } = await post('{ jobz { edges { cursor } } }', undefined, prod.url);
    expect(codes(body)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(JSON.stringify(body)).not.toMatch(/Did you mean|jobs/);
  });

  it('masks an unexpected failure: no stack, no SQL, no table names', async () => {
    // Break this test's own database under the running server.
    await prod.db.pool.query('ALTER TABLE ingest_jobs RENAME TO ingest_jobs_hidden');
    try {
      const { status, body } = await post('{ jobs(first: 1) { edges { node { id } } } }', undefined, prod.url);
      expect(status).toBe(200);
      expect(body.errors).toEqual([
        { message: 'Unexpected error.', locations: [{ line: 1, column: 3 }], path: ['jobs'], extensions: { code: 'INTERNAL_SERVER_ERROR' } },
      ]);
      expect(JSON.stringify(body)).not.toMatch(/ingest_jobs|SELECT|prisma|\.ts:\d+|at /i);
    } finally {
      await prod.db.pool.query('ALTER TABLE ingest_jobs_hidden RENAME TO ingest_jobs');
    }
    expect((await fetch(prod.url.replace('/graphql', '/health'))).status).toBe(200);
  });
});

describe('memory stays bounded while streaming uploads', () => {
  // RSS of this process (server and client share it) sampled every 10 ms. Buffering a
  // file would cost at least its size; streaming costs a few 1 MiB chunks in flight.
  const MiB = 1024 * 1024;
  const LIMIT = 256 * MiB;
  let big: TestApp;
  beforeAll(async () => {
    big = await startTestApp('hostile_mem', { AUTH_TOKENS: `${ADMIN}:admin`, MAX_UPLOAD_BYTES: String(LIMIT) });
    // Warm-up: first-use allocations (pools, JIT, buffers) are not what is measured.
    await (await streamingUpload(8 * MiB)).json();
    await big.db.pool.query('DELETE FROM ingest_jobs');
  });
  afterAll(() => big?.close());

  /** A multipart upload whose file part is `bytes` long, generated lazily 1 MiB at a time. */
  function streamingUpload(bytes: number) {
    const boundary = `----hostile${Date.now()}`;
    const head =
      `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n` +
      JSON.stringify({ query: 'mutation ($t: File) { uploadCsv(transactions: $t) { id } }', variables: { t: null } }) +
      `\r\n--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.t"]}` +
      `\r\n--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="t.csv"\r\nContent-Type: text/csv\r\n\r\n`;
    const piece = new Uint8Array(MiB).fill(0x61);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(head));
      },
      pull(controller) {
        if (sent >= bytes) {
          controller.enqueue(new TextEncoder().encode(`\r\n--${boundary}--\r\n`));
          controller.close();
          return;
        }
        const next = piece.subarray(0, Math.min(piece.length, bytes - sent));
        sent += next.length;
        controller.enqueue(next);
      },
    });
    return fetch(big.url, {
      method: 'POST',
      headers: { ...admin, 'x-graphql-yoga-csrf': '1', 'content-type': `multipart/form-data; boundary=${boundary}` },
      body,
      duplex: 'half',
    } as RequestInit & { duplex: 'half' });
  }

  async function peakRssGrowthMiB(work: () => Promise<unknown>): Promise<{ result: unknown; growthMiB: number }> {
    const baseline = process.memoryUsage.rss();
    let peak = baseline;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
    try {
      const result = await work();
      return { result, growthMiB: Math.round((Math.max(peak, process.memoryUsage.rss()) - baseline) / MiB) };
    } finally {
      clearInterval(timer);
    }
  }

  it('stores a 200 MiB upload without holding it in memory', async () => {
    const { result, growthMiB } = await peakRssGrowthMiB(async () => (await streamingUpload(200 * MiB)).json());
    expect((result as GraphQLBody).errors).toBeUndefined();
    const { rows } = await big.db.pool.query<{ size: string }>('SELECT size_bytes::text AS size FROM job_files');
    expect(rows).toEqual([{ size: String(200 * MiB) }]);
    console.info(`200 MiB upload stored: peak RSS growth ${growthMiB} MiB`);
    expect(growthMiB).toBeLessThan(150);
    await big.db.pool.query('DELETE FROM ingest_jobs');
  });

  it('cuts a 1 GiB upload off at the 256 MiB limit: PAYLOAD_TOO_LARGE, nothing kept, bounded memory', async () => {
    const { result, growthMiB } = await peakRssGrowthMiB(async () => (await streamingUpload(1024 * MiB)).json());
    expect((result as GraphQLBody).errors?.map((e) => e.extensions?.code)).toEqual(['PAYLOAD_TOO_LARGE']);
    const { rows } = await big.db.pool.query<{ chunks: number; jobs: number }>(
      'SELECT (SELECT count(*) FROM upload_chunks)::int AS chunks, (SELECT count(*) FROM ingest_jobs)::int AS jobs',
    );
    expect(rows).toEqual([{ chunks: 0, jobs: 0 }]);
    console.info(`1 GiB upload over a 256 MiB limit: peak RSS growth ${growthMiB} MiB`);
    expect(growthMiB).toBeLessThan(150);
  });
});
