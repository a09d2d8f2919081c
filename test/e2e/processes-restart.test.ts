// `npm start` as a supervisor: real child processes killed with SIGKILL. The other child
// keeps serving, the dead one comes back (the API on the same port), each exit and
// restart is one structured log line, and SIGINT still stops everything.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { requestData, upload } from '../../src/client/http.js';
import { JobQuery, UploadCsvMutation } from '../../src/client/operations/jobs.js';
import { pgConfig } from '../../src/infra/migrations.js';
import { ADMIN_URL, databaseUrl } from '../helpers/env.js';
import { freePort } from '../helpers/ports.js';
import { spawnEntry, until } from '../helpers/processes.js';

const database = `bi_test_restart_${randomBytes(4).toString('hex')}`;

interface LogLine {
  msg?: string;
  process?: string;
  childPid?: number;
  signal?: string | null;
  restartInMs?: number;
}

function runStart(env: Record<string, string>) {
  const proc = spawnEntry('src/start.ts', { LOG_LEVEL: 'info', ...env });
  const lines = (): LogLine[] =>
    proc
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);
  return { ...proc, lines };
}

/** The pid of the supervisor's child running `entry` (read from ps, not from our own logs). */
function childPid(parent: number, entry: string): number | undefined {
  const rows = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(parent)], { encoding: 'utf8' }).split('\n');
  const row = rows.find((line) => line.includes(entry));
  return row ? Number(row.trim().split(/\s+/)[0]) : undefined;
}

/** The first value `probe` gives that is not undefined, within `ms`. */
const reached = <T>(what: string, probe: () => Promise<T | undefined> | T | undefined, context: () => string, ms = 60_000): Promise<T> =>
  until(async () => probe(), (value) => value !== undefined, what, ms, 100, context) as Promise<T>;

afterAll(async () => {
  const admin = new pg.Client(pgConfig(ADMIN_URL));
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
});

describe('npm start restarts a dead child', () => {
  it('kill -9 the worker: the API keeps answering, a new worker runs the next job; kill -9 the API: it comes back on its port', { timeout: 150_000 }, async () => {
    const port = await freePort();
    const start = runStart({
      DATABASE_URL: databaseUrl(database),
      PORT: String(port),
      REDIS_PREFIX: `bi_test_restart_${randomBytes(4).toString('hex')}`,
    });
    const base = `http://127.0.0.1:${port}`;
    const ready = () => fetch(`${base}/ready`).then((r) => r.status, () => 0);
    const started = (name: string) => start.lines().filter((line) => line.msg === 'child started' && line.process === name);
    const pidOf = (entry: string) => () => {
      try {
        return childPid(start.child.pid!, entry);
      } catch {
        return undefined; // ps exits 1 when there is no such child
      }
    };
    try {
      await reached('ready', async () => ((await ready()) === 200 ? true : undefined), start.output);
      const worker = await reached('worker started', pidOf('worker/main.ts'), start.output);
      const api = await reached('API started', pidOf('src/main.ts'), start.output);

      process.kill(worker, 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 500));
      // The API was not taken down with it.
      expect(await ready()).toBe(200);
      const workerExit = await reached(
        'worker exit logged',
        () => start.lines().find((line) => line.msg === 'child exited unexpectedly; restarting' && line.process === 'worker'),
        start.output,
      );
      expect(workerExit).toMatchObject({ childPid: worker, signal: 'SIGKILL', restartInMs: 1_000 });
      const secondWorker = await reached('worker restarted', () => started('worker')[1]?.childPid, start.output);
      expect(secondWorker).not.toBe(worker);
      expect(pidOf('worker/main.ts')()).toBe(secondWorker);
      // Dying again soon after: the delay doubles.
      process.kill(secondWorker, 'SIGKILL');
      const exits = await reached(
        'second worker exit logged',
        () => {
          const found = start.lines().filter((line) => line.msg === 'child exited unexpectedly; restarting' && line.process === 'worker');
          return found.length === 2 ? found : undefined;
        },
        start.output,
      );
      expect(exits[1]).toMatchObject({ childPid: secondWorker, signal: 'SIGKILL', restartInMs: 2_000 });
      const newWorker = await reached('worker restarted again', () => started('worker')[2]?.childPid, start.output);
      expect(pidOf('worker/main.ts')()).toBe(newWorker);
      expect(await ready()).toBe(200);
      expect(await ready()).toBe(200);

      // A job uploaded now is run by the new worker.
      const csv = 'User_ID,User_Name,Region,Is_Active_Sub\n00000000-0000-4000-8000-000000000001,Ada,EU,true\n';
      const uploaded = await upload({ url: `${base}/graphql` }, UploadCsvMutation, { users: { name: 'users.csv', data: new Blob([csv]) } });
      const jobId = uploaded.data!.uploadCsv.id;
      const status = await reached(
        'job finished',
        async () => {
          const { job } = await requestData({ url: `${base}/graphql` }, JobQuery, { id: jobId });
          return job && ['COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED'].includes(job.status) ? job.status : undefined;
        },
        start.output,
      );
      expect(status).toBe('COMPLETED');

      process.kill(api, 'SIGKILL');
      const newApi = await reached('API restarted', () => started('api')[1]?.childPid, start.output);
      expect(newApi).not.toBe(api);
      expect(pidOf('src/main.ts')()).toBe(newApi);
      await reached('ready again', async () => ((await ready()) === 200 ? true : undefined), start.output);
      expect(start.child.exitCode).toBeNull();

      start.child.kill('SIGINT');
      expect(await start.exited).toBe(0);
      expect(await fetch(`${base}/health`).then(() => 'up', () => 'down')).toBe('down');
      for (const pid of [newWorker, newApi]) expect(() => process.kill(pid, 0)).toThrow();
    } finally {
      if (start.child.exitCode === null) start.child.kill('SIGKILL');
    }
  });
});
