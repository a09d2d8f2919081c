// SPEC §7: two API processes and a separate publishing process that share only
// PostgreSQL and Redis (each process in its own working and temp directory). A client on
// API B receives every event the worker publishes, through to completion; when clients
// leave, no Redis channel subscription remains.
import { openAsBlob } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upload } from '../../src/client/http.js';
import { UploadCsvMutation } from '../../src/client/operations/jobs.js';
import { JobProgressSubscription } from '../../src/client/operations/progress.js';
import { generateSample } from '../../scripts/generate-sample.js';
import { channelTopics } from '../../src/infra/pubsub.js';
import { jobProgressEventSchema, type JobProgressEvent } from '../../src/progress/events.js';
import { createWsClient, subscribeData } from '../../src/client/ws.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';
import { insertJob, waitFor } from '../helpers/progress-driver.js';
import { freePort } from '../helpers/ports.js';
import { spawnEntry, type Proc } from '../helpers/processes.js';


let db: TestDatabase;
let redis: Redis;
const children: Proc[] = [];
const dirs: string[] = [];
const apiUrls: string[] = [];

/** A TypeScript entry of ours as a child node process with its own cwd and TMPDIR. */
async function spawnProcess(entry: string, args: string[], env: Record<string, string>): Promise<Proc> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bi-progress-'));
  dirs.push(dir);
  const child = spawnEntry(
    entry,
    { LOG_LEVEL: 'error', TMPDIR: dir, DATABASE_URL: db.url, REDIS_URL: db.redisUrl, REDIS_PREFIX: db.redisPrefix, ...env },
    { args, cwd: dir, baseEnv: { PATH: process.env.PATH ?? '' }, stdio: 'inherit' },
  );
  children.push(child);
  return child;
}

async function startApi(): Promise<string> {
  const port = await freePort();
  await spawnProcess('src/main.ts', [], { PORT: String(port) });
  const base = `http://127.0.0.1:${port}`;
  // Each child compiles the app afresh (its own TMPDIR, so tsx's cache is cold): on a busy
  // machine two at once took over 30 s. Say so, rather than fail later on ECONNREFUSED.
  const healthy = await waitFor(
    () => fetch(`${base}/health`).then((response) => response.ok, () => false),
    (ok) => ok,
    90_000,
  );
  if (!healthy) throw new Error(`the API on port ${port} was not healthy within 90 s`);
  return `${base}/graphql`;
}

beforeAll(async () => {
  db = await createTestDatabase('progress_x');
  redis = new Redis(db.redisUrl);
  apiUrls.push(...(await Promise.all([startApi(), startApi()])));
});

afterAll(async () => {
  await Promise.all(children.map((child) => child.stop()));
  redis?.disconnect();
  await db?.drop();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

type Received = { sequence: number; status: string; stage?: string | null; processedRows: number; percent: number; publishedAt: string };

/** A graphql-ws client following one job through the given API process. */
function follow(url: string, jobId: string) {
  const client = createWsClient({ url });
  const events: Received[] = [];
  let started: () => void = () => undefined;
  const first = new Promise<void>((resolve) => (started = resolve));
  const done = (async () => {
    for await (const data of subscribeData(client, JobProgressSubscription, { jobId })) {
      events.push(data.jobProgress);
      started();
    }
  })();
  // A subscription that fails or ends before its first event must not leave `first` pending.
  const firstOrFailure = Promise.race([first, done.then(() => Promise.reject(new Error('ended before its first event')))]);
  return { client, events, first: firstOrFailure, done };
}

/** What really goes over Redis on a channel, seen by a plain subscriber. */
async function tapChannel(channel: string) {
  const wire: JobProgressEvent[] = [];
  const tap = new Redis(db.redisUrl);
  tap.on('message', (_channel: string, message: string) => {
    const event = jobProgressEventSchema.safeParse(JSON.parse(message));
    if (event.success) wire.push(event.data);
  });
  await tap.subscribe(channel);
  return {
    wire,
    async close() {
      await tap.unsubscribe(channel);
      tap.disconnect();
    },
  };
}

// Not publishedAt: when the API re-reads the row itself (no event for a while), its
// snapshot can carry a sequence before the worker's event for it arrives.
const key = (event: { sequence: number; status: string; stage?: string | null; processedRows: number }) =>
  `${event.sequence}/${event.status}/${event.stage ?? '-'}/${event.processedRows}`;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms).unref())]);
}

describe('progress across processes', () => {
  it('delivers every published event to clients of either API process, then leaves no Redis subscription', async () => {
    const jobId = await insertJob(db.pool, { totalBytes: 3_200_000 });
    const channel = channelTopics(db.redisPrefix).jobProgress(jobId).name;

    const tap = await tapChannel(channel);
    const [urlA, urlB] = apiUrls as [string, string];
    const onB = follow(urlB, jobId);
    const onA = follow(urlA, jobId);
    await Promise.all([onB.first, onA.first]);
    // One Redis subscription per API process (plus the tap), however the clients are spread.
    expect(Number(((await redis.pubsub('NUMSUB', channel)) as [string, number])[1])).toBe(3);

    const worker = await spawnProcess('test/helpers/progress-publisher-process.ts', [jobId], {});
    expect(await worker.exited).toBe(0);
    await withTimeout(Promise.all([onB.done, onA.done]), 15_000, 'subscriptions completing');

    // The tap is a connection of its own: it may see the last message a moment after the clients.
    await waitFor(async () => tap.wire.at(-1)?.status, (status) => status === 'COMPLETED');
    expect(tap.wire.length).toBeGreaterThanOrEqual(8);
    for (const side of [onB, onA]) {
      // The first event is the state read at subscription time (QUEUED); then the wire, all of it, in order.
      expect(side.events[0]).toMatchObject({ status: 'QUEUED', sequence: 0 });
      expect(side.events.slice(1).map(key)).toEqual(tap.wire.map(key));
    }

    await Promise.all([onA.client.dispose(), onB.client.dispose()]);
    await tap.close();
    const left = await waitFor(
      async () => (await redis.pubsub('CHANNELS', `${db.redisPrefix}:*`)) as string[],
      (channels) => channels.length === 0,
    );
    expect(left).toEqual([]);
  });
  it('upload through API A, the real worker process ingests, a client on API B follows it to completion', async () => {
    const sample = await mkdtemp(path.join(os.tmpdir(), 'bi-progress-sample-'));
    dirs.push(sample);
    await generateSample({ users: 300, transactions: 60_000, days: 10, seed: 7, dirty: 0.001, out: sample });
    const [urlA, urlB] = apiUrls as [string, string];
    const uploaded = await withTimeout(
      upload({ url: urlA }, UploadCsvMutation, {
        users: { name: 'users.csv', data: await openAsBlob(path.join(sample, 'users.csv')) },
        transactions: { name: 'transactions.csv', data: await openAsBlob(path.join(sample, 'transactions.csv')) },
      }),
      30_000,
      'uploadCsv through API A',
    );
    const jobId = uploaded.data?.uploadCsv?.id;
    expect(uploaded.errors).toBeUndefined();
    if (!jobId) throw new Error('no job id');

    const tap = await tapChannel(channelTopics(db.redisPrefix).jobProgress(jobId).name);
    const onB = follow(urlB, jobId);
    await onB.first;
    // The job waits in the queue until a worker exists: the first event is its QUEUED state.
    expect(onB.events[0]).toMatchObject({ status: 'QUEUED', percent: 0 });
    const worker = await spawnProcess('worker/main.ts', [], {});
    const workerExit = worker.exited.then((code): never => {
      throw new Error(`the worker exited (${code}) before the job finished`);
    });
    await withTimeout(Promise.race([onB.done, workerExit]), 60_000, 'the ingest');
    await worker.stop();

    const { events } = onB;
    expect(events.at(-1)).toMatchObject({ status: 'COMPLETED_WITH_ERRORS', percent: 100 });
    expect(events.at(-1)!.processedRows).toBe(60_300);
    await waitFor(async () => tap.wire.at(-1)?.status, (status) => status === 'COMPLETED_WITH_ERRORS');
    expect(events.slice(1).map(key)).toEqual(tap.wire.map(key));
    const stages = events.map((event) => event.stage).filter((stage, i, all) => stage && stage !== all[i - 1]);
    expect(stages).toEqual(['USERS', 'TRANSACTIONS', 'AGGREGATES']);
    for (let i = 1; i < events.length; i++) {
      expect(events[i]!.sequence).toBeGreaterThanOrEqual(events[i - 1]!.sequence);
      expect(events[i]!.percent).toBeGreaterThanOrEqual(events[i - 1]!.percent);
    }
    await onB.client.dispose();
    await tap.close();
    expect(await waitFor(async () => (await redis.pubsub('CHANNELS', `${db.redisPrefix}:job-progress:*`)) as string[], (c) => c.length === 0)).toEqual([]);
  }, 120_000);
});
