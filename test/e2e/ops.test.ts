// Operability against a real server: Prometheus /metrics (operation latency, active
// subscriptions, queue depth, upload bytes, process metrics), Bull Board on the same
// app, request ids in responses and logs with secrets redacted, the worker's metrics
// server, and the auth-off defaults (127.0.0.1 only, endpoints open).
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parseConfig } from '../../src/config/config.js';
import { buildApp, type App } from '../../src/http/app.js';
import { createLogger, REDACTED } from '../../src/infra/logger.js';
import { startWorkerMetricsServer, WorkerMetrics } from '../../src/metrics/worker.js';
import { createServices } from '../../src/services.js';
import { until } from '../helpers/processes.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

// Built by hand (not startTestApp) to capture the API's log lines.
let db: TestDatabase;
let services: ReturnType<typeof createServices>;
let app: App;
let url: string;
let base: string;
const logLines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  db = await createTestDatabase('ops');
  const config = parseConfig({
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    REDIS_URL: db.redisUrl,
    REDIS_PREFIX: db.redisPrefix,
    PORT: '0',
  });
  services = createServices(config);
  const log = createLogger({ level: 'info', destination: { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) } });
  app = buildApp({ ...services, log });
  url = await app.start(0);
  base = url.replace('/graphql', '');
});
afterAll(async () => {
  await app?.stop();
  await services?.close();
  await db?.drop();
});

async function post(query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { response, body: (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] } };
}

async function scrape(): Promise<string> {
  const response = await fetch(`${base}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  return response.text();
}

/** The value of one series, e.g. sample(text, 'bi_ingest_queue_jobs', { state: 'waiting' }). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => have[key] === value)) return Number(match[3]);
  }
  return undefined;
}

async function uploadUsers(csv: string): Promise<string> {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: 'mutation ($u: File) { uploadCsv(users: $u) { id } }', variables: { u: null } }));
  form.append('map', JSON.stringify({ 0: ['variables.u'] }));
  form.append('0', new Blob([csv]), 'users.csv');
  const response = await fetch(url, { method: 'POST', headers: { 'x-graphql-yoga-csrf': '1' }, body: form });
  const body = (await response.json()) as { data?: { uploadCsv: { id: string } }; errors?: unknown[] };
  if (!body.data) throw new Error(`upload failed: ${JSON.stringify(body.errors)}`);
  return body.data.uploadCsv.id;
}

/** A graphql-ws connection with a message queue. */
async function openWs() {
  const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  const queue: Array<{ type: string; id?: string; payload?: unknown }> = [];
  let wake: (() => void) | undefined;
  socket.on('message', (data) => {
    queue.push(JSON.parse(String(data)) as (typeof queue)[number]);
    wake?.();
  });
  const next = async () => {
    while (!queue.length) await new Promise<void>((resolve) => (wake = resolve));
    return queue.shift()!;
  };
  await new Promise((resolve) => socket.once('open', resolve));
  socket.send(JSON.stringify({ type: 'connection_init' }));
  expect((await next()).type).toBe('connection_ack');
  return { socket, next };
}

const waitFor = (check: () => Promise<boolean>, what: string) => until(check, Boolean, what, 5_000, 25);

describe('auth off (AUTH_TOKENS empty)', () => {
  it('listens on 127.0.0.1 only', () => {
    expect((app.server.address() as AddressInfo).address).toBe('127.0.0.1');
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/graphql$/);
  });

  it('logs a warning that auth is off', () => {
    expect(logLines.some((line) => line.level === 40 && /auth is off/.test(String(line.msg)))).toBe(true);
  });
});

describe('/metrics', () => {
  let jobId: string;
  const csv = 'User_ID,User_Name,Region,Is_Active_Sub\n00000000-0000-4000-8000-000000000001,Ada,EU,true\n';

  beforeAll(async () => {
    jobId = await uploadUsers(csv);
  });

  it('exposes per-operation latency and counts for HTTP and WebSocket operations', async () => {
    await post('query OpsJobs { jobs(first: 1) { edges { cursor } } }');
    await post('query OpsJobs { jobs(first: 1) { edges { cursor } } }');
    const { socket, next } = await openWs();
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'query OpsOverWs { __typename }' } }));
    expect((await next()).type).toBe('next');
    expect(await next()).toEqual({ id: '1', type: 'complete' });
    socket.close();

    const text = await scrape();
    expect(sample(text, 'graphql_envelop_request_duration_count', { operationName: 'OpsJobs', operationType: 'query' })).toBe(2);
    expect(sample(text, 'graphql_envelop_request_duration_bucket', { operationName: 'OpsJobs', le: '+Inf' })).toBe(2);
    expect(sample(text, 'graphql_envelop_request_duration_count', { operationName: 'OpsOverWs' })).toBe(1);
    expect(sample(text, 'graphql_yoga_http_duration_count', { operationName: 'OpsJobs' })).toBe(2);
  });

  it('counts errors by phase', async () => {
    await post('query OpsBroken { jobz }');
    const text = await scrape();
    expect(sample(text, 'graphql_envelop_error_result', { phase: 'validate' })).toBeGreaterThanOrEqual(1);
  });

  it('reads queue depth and job states from Redis at scrape time', async () => {
    const text = await scrape();
    expect(sample(text, 'bi_ingest_queue_jobs', { queue: 'ingest', state: 'waiting' })).toBe(1);
    expect(sample(text, 'bi_ingest_queue_jobs', { queue: 'ingest', state: 'failed' })).toBe(0);
  });

  it('counts upload bytes (the whole multipart body)', async () => {
    const text = await scrape();
    expect(sample(text, 'bi_upload_bytes_total')).toBeGreaterThan(csv.length);
    expect(sample(text, 'bi_upload_bytes_total')).toBeLessThan(csv.length + 2048);
  });

  it('tracks active subscriptions: up while open, down after complete and after a dropped socket', async () => {
    const active = async () => sample(await scrape(), 'bi_graphql_active_subscriptions');
    expect(await active()).toBe(0);
    const query = 'subscription ($id: ID!) { jobProgress(jobId: $id) { status } }';
    const first = await openWs();
    const second = await openWs();
    for (const ws of [first, second]) {
      ws.socket.send(JSON.stringify({ id: 's', type: 'subscribe', payload: { query, variables: { id: jobId } } }));
      expect(await ws.next()).toMatchObject({ id: 's', type: 'next', payload: { data: { jobProgress: { status: 'QUEUED' } } } });
    }
    expect(await active()).toBe(2);
    first.socket.send(JSON.stringify({ id: 's', type: 'complete' }));
    await waitFor(async () => (await active()) === 1, 'one active subscription');
    second.socket.terminate();
    await waitFor(async () => (await active()) === 0, 'no active subscription');
    first.socket.close();
  });

  it('a subscription that completes by itself (terminal job) leaves no gauge count and no Redis channel', async () => {
    const active = async () => sample(await scrape(), 'bi_graphql_active_subscriptions');
    const doneJob = randomUUID();
    await db.pool.query(`INSERT INTO ingest_jobs (id, status, updated_at) VALUES ($1, 'RUNNING', now())`, [doneJob]);
    const ws = await openWs();
    const query = 'subscription ($id: ID!) { jobProgress(jobId: $id) { status } }';
    ws.socket.send(JSON.stringify({ id: 'd', type: 'subscribe', payload: { query, variables: { id: doneJob } } }));
    expect(await ws.next()).toMatchObject({ id: 'd', type: 'next', payload: { data: { jobProgress: { status: 'RUNNING' } } } });
    expect(await active()).toBe(1);
    // What the worker does at the end: update the row, publish the new state.
    await db.pool.query(`UPDATE ingest_jobs SET status = 'COMPLETED', progress_seq = 5, finished_at = now() WHERE id = $1`, [doneJob]);
    const now = new Date();
    await services.redis.publish(
      `${db.redisPrefix}:job-progress:${doneJob}`,
      JSON.stringify({
        jobId: doneJob, status: 'COMPLETED', stage: null, processedRows: 1, totalRows: 1, processedBytes: 1, totalBytes: 1,
        percent: 100, rowsPerSecond: 0, etaSeconds: null, rejectedRows: 0, sequence: 5, updatedAt: now.toISOString(), publishedAt: now.getTime(),
      }),
    );
    expect(await ws.next()).toMatchObject({ id: 'd', type: 'next', payload: { data: { jobProgress: { status: 'COMPLETED' } } } });
    expect(await ws.next()).toEqual({ id: 'd', type: 'complete' });
    await waitFor(async () => (await active()) === 0, 'no active subscription');
    await waitFor(async () => ((await services.redis.pubsub('CHANNELS', `${db.redisPrefix}:job-progress:${doneJob}`)) as string[]).length === 0, 'the finished job\'s channel to be unsubscribed');
    ws.socket.close();
  });

  it('has process metrics', async () => {
    const text = await scrape();
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sample(text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });
});

describe('Bull Board', () => {
  it('serves the UI at /admin/queues', async () => {
    const response = await fetch(`${base}/admin/queues`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(await response.text()).toMatch(/<div id="root">/);
  });

  it('its API lists the ingest queue with the waiting job', async () => {
    const response = await fetch(`${base}/admin/queues/api/queues?activeQueue=ingest&status=waiting&page=1`);
    expect(response.status).toBe(200);
    const { queues } = (await response.json()) as { queues: Array<{ name: string; counts: Record<string, number>; jobs: Array<{ data: unknown }> }> };
    expect(queues.map((queue) => queue.name)).toEqual(['ingest']);
    expect(queues[0]!.counts.waiting).toBe(1);
    expect(queues[0]!.jobs).toHaveLength(1);
    expect(queues[0]!.jobs[0]!.data).toEqual({ jobId: expect.any(String) });
  });
});

describe('request ids and logs', () => {
  it('answers with a request id: the client’s when it is a plain token, else a new UUID', async () => {
    const own = await post('{ __typename }', undefined, { 'x-request-id': 'client-abc.123' });
    expect(own.response.headers.get('x-request-id')).toBe('client-abc.123');
    const hostile = await post('{ __typename }', undefined, { 'x-request-id': `bad id <script>${'x'.repeat(80)}` });
    expect(hostile.response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const none = await post('{ __typename }');
    expect(none.response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs one line per operation with its request id, name, type, role, duration and error codes', async () => {
    const requestId = `ops-${randomUUID()}`;
    await post('query OpsLogged($id: ID!) { job(id: $id) { id } }', { id: randomUUID() }, { 'x-request-id': requestId });
    await post('mutation OpsFailing { cancelJob(id: "00000000-0000-4000-8000-000000000000") { id } }', undefined, {
      'x-request-id': `${requestId}-m`,
    });
    const query = logLines.find((line) => line.requestId === requestId && line.msg === 'graphql operation');
    expect(query).toMatchObject({ operation: 'OpsLogged', type: 'query', role: 'admin', level: 30 });
    expect(query?.ms).toEqual(expect.any(Number));
    expect(query).not.toHaveProperty('errors');
    const mutation = logLines.find((line) => line.requestId === `${requestId}-m`);
    expect(mutation).toMatchObject({ operation: 'OpsFailing', type: 'mutation', errors: ['NOT_FOUND'] });
    // An expected failure is the client's business: not an error in our logs.
    expect(logLines.filter((line) => line.level === 50)).toEqual([]);
  });

  it('logs an unexpected failure as an error, with its cause kept server-side', async () => {
    await db.pool.query('ALTER TABLE ingest_jobs RENAME TO ingest_jobs_hidden');
    try {
      const requestId = `ops-${randomUUID()}`;
      const { body } = await post('query OpsBroken { jobs(first: 1) { edges { cursor } } }', undefined, { 'x-request-id': requestId });
      expect(body.errors).toEqual([expect.objectContaining({ message: 'Unexpected error.' })]);
      expect(logLines.find((line) => line.requestId === requestId)).toMatchObject({ errors: ['INTERNAL_SERVER_ERROR'] });
      const errors = logLines.filter((line) => line.level === 50);
      expect(errors).toHaveLength(1);
      expect(JSON.stringify(errors[0])).toMatch(/ingest_jobs/);
    } finally {
      await db.pool.query('ALTER TABLE ingest_jobs_hidden RENAME TO ingest_jobs');
    }
  });

  it('gives WebSocket operations a request id too', async () => {
    const { socket, next } = await openWs();
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'query OpsWsLogged { __typename }' } }));
    await next();
    socket.close();
    const line = logLines.find((entry) => entry.operation === 'OpsWsLogged');
    expect(line?.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('never writes a token into the logs', async () => {
    await post('{ __typename }', undefined, { authorization: 'Bearer secret-token-in-header' });
    const wsWithToken = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    await new Promise((resolve) => wsWithToken.once('open', resolve));
    wsWithToken.send(JSON.stringify({ type: 'connection_init', payload: { authorization: 'Bearer secret-token-in-init' } }));
    await new Promise((resolve) => wsWithToken.once('message', resolve));
    wsWithToken.close();
    expect(JSON.stringify(logLines)).not.toMatch(/secret-token/);
    // And when something does log them, they are redacted.
    const captured: string[] = [];
    const log = createLogger({ level: 'info', destination: { write: (line: string) => void captured.push(line) } });
    log.info({ headers: { authorization: 'Bearer s1' }, connectionParams: { authorization: 'Bearer s2' }, env: { AUTH_TOKENS: 's3:admin', DATABASE_URL: 'postgresql://u:s4@h/db' } });
    expect(captured.join('')).not.toMatch(/s1|s2|s3|s4/);
    expect(captured.join('')).toContain(REDACTED);
  });
});

describe('worker metrics server', () => {
  it('serves the worker series recorded through WorkerMetrics', async () => {
    const metrics = new WorkerMetrics();
    metrics.recordRows('TRANSACTIONS', { inserted: 900, updated: 50, unchanged: 0, rejected: 7 });
    metrics.recordRows('USERS', { inserted: 10 });
    metrics.recordStage('TRANSACTIONS', 2);
    // Two jobs reading transactions, one reading users, one that stopped reporting 11 s ago,
    // one that finished reading: the gauge sums the running ones per stage.
    const now = Date.now();
    metrics.recordRowsPerSecond('job-a', 'TRANSACTIONS', 300, now);
    metrics.recordRowsPerSecond('job-b', 'TRANSACTIONS', 200, now);
    metrics.recordRowsPerSecond('job-c', 'USERS', 40, now);
    metrics.recordRowsPerSecond('job-d', 'USERS', 1_000, now - 11_000);
    metrics.recordRowsPerSecond('job-e', 'TRANSACTIONS', 900, now);
    metrics.recordRowsPerSecond('job-e', null, 0, now);
    metrics.recordJobFinished('COMPLETED_WITH_ERRORS');
    const server = await startWorkerMetricsServer(parseConfig({}), 0, metrics);
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const text = await (await fetch(server.url)).text();
      expect(sample(text, 'bi_ingest_rows_total', { file: 'TRANSACTIONS', outcome: 'inserted' })).toBe(900);
      expect(sample(text, 'bi_ingest_rows_total', { file: 'TRANSACTIONS', outcome: 'rejected' })).toBe(7);
      expect(sample(text, 'bi_ingest_rows_total', { file: 'TRANSACTIONS', outcome: 'unchanged' })).toBeUndefined();
      expect(sample(text, 'bi_ingest_rows_total', { file: 'USERS', outcome: 'inserted' })).toBe(10);
      expect(sample(text, 'bi_ingest_stage_duration_seconds_count', { stage: 'TRANSACTIONS' })).toBe(1);
      expect(sample(text, 'bi_ingest_stage_duration_seconds_sum', { stage: 'TRANSACTIONS' })).toBe(2);
      expect(sample(text, 'bi_ingest_rows_per_second', { stage: 'TRANSACTIONS' })).toBe(500);
      expect(sample(text, 'bi_ingest_rows_per_second', { stage: 'USERS' })).toBe(40);
      expect(sample(text, 'bi_ingest_jobs_finished_total', { status: 'COMPLETED_WITH_ERRORS' })).toBe(1);
      expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
      expect((await fetch(server.url.replace('/metrics', '/other'))).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('is admin only when auth is on', async () => {
    const server = await startWorkerMetricsServer(parseConfig({ AUTH_TOKENS: 'w-admin:admin,w-viewer:viewer', HOST: '127.0.0.1' }), 0, new WorkerMetrics());
    try {
      const status = async (token?: string) =>
        (await fetch(server.url, { headers: token ? { authorization: `Bearer ${token}` } : {} })).status;
      expect([await status(), await status('nope'), await status('w-viewer'), await status('w-admin')]).toEqual([401, 401, 403, 200]);
    } finally {
      await server.close();
    }
  });
});
