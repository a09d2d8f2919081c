// The worker as deployed: worker/main.ts in a child process taking jobs from BullMQ.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, csv, id, TX_HEADER, USERS_HEADER, type IngestHarness } from './ingest-fixtures.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

let h: IngestHarness;
let worker: ReturnType<typeof startWorker>;

function startWorker(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'worker/main.ts')], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (data: Buffer) => (output += data.toString()));
  child.stderr.on('data', (data: Buffer) => (output += data.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 45_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; worker output:\n${worker.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

beforeAll(async () => {
  h = await createHarness('ingest_worker');
  worker = startWorker({ DATABASE_URL: h.db.url, REDIS_URL: h.db.redisUrl, REDIS_PREFIX: h.db.redisPrefix, WORKER_CONCURRENCY: '2' });
});
afterAll(async () => {
  if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
  await h?.close();
});

describe('worker process', () => {
  it('ingests a queued upload to COMPLETED', async () => {
    const jobId = await h.upload({
      users: csv(USERS_HEADER, [`${id(1, 5)},Ada,EU,true,,,`]),
      transactions: csv(TX_HEADER, [
        [id(1, 6), id(1, 5), 'gpt-4o', id(1, 4), 'prompt', '10', '0.0025', '0.000025', '2024-03-01T10:00:00Z'].join(','),
      ]),
    });
    const job = await until(() => h.job(jobId), (j) => j.status === 'COMPLETED', 'the job to complete');
    expect(job.finished_at).not.toBeNull();
    expect(await h.differences()).toEqual({});
    const bull = await until(async () => h.queue.getJob(jobId), (j) => j?.finishedOn !== undefined, 'BullMQ to finish');
    expect(bull?.returnvalue).toEqual({ status: 'COMPLETED' });
  });

  it('fails bad input once, without BullMQ retries', async () => {
    const jobId = await h.upload({ transactions: 'not,a,transactions,header\n1,2,3,4\n' });
    const job = await until(() => h.job(jobId), (j) => j.status === 'FAILED', 'the job to fail');
    expect(job.error).toMatch(/^transactions file "transactions.csv": missing required columns: RowId, User_ID/);
    const bull = await until(async () => h.queue.getJob(jobId), (j) => j?.failedReason !== undefined, 'BullMQ to fail it');
    expect(bull?.attemptsMade).toBe(1);
    expect(bull?.failedReason).toBe(job.error);
  });

  it('shuts down cleanly on SIGTERM', async () => {
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  });
});
