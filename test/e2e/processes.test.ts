// The entry points as an operator runs them: real child processes, real signals, and
// `npm start` as production runs it (the compiled build under plain node).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { requestData } from '../../src/client/http.js';
import { JobsQuery } from '../../src/client/operations/jobs.js';
import { pgConfig } from '../../src/infra/migrations.js';
import { ADMIN_URL, databaseUrl } from '../helpers/env.js';
import { freePort } from '../helpers/ports.js';
import { ROOT, spawnEntry } from '../helpers/processes.js';

const database = `bi_test_start_${randomBytes(4).toString('hex')}`;


beforeAll(() => {
  // What `npm start`'s prestart does: compile to dist/ unless it is newer than the sources.
  execFileSync(process.execPath, [path.join(ROOT, 'scripts/build.ts'), '--if-stale'], { cwd: ROOT, stdio: 'inherit', timeout: 240_000 });
}, 250_000);

/** The command lines of `parent`'s child processes (read from ps). */
function childCommands(parent: number): string[] {
  return execFileSync('ps', ['-o', 'args=', '--ppid', String(parent)], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

afterAll(async () => {
  const admin = new pg.Client(pgConfig(ADMIN_URL));
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
});

describe('process entry points', () => {
  it('a bad env var stops the API with one clear message, not a stack trace', async () => {
    const api = spawnEntry('src/main.ts', { PORT: 'abc', MAX_UPLOAD_BYTES: '-5' });
    expect(await api.exited).toBe(1);
    expect(api.output()).toMatch(/Invalid environment:\n {2}PORT: .+\n {2}MAX_UPLOAD_BYTES: .+/);
    expect(api.output()).not.toMatch(/\n\s+at /);
  });

  it('npm start migrates a new database, serves the API with a worker from the compiled build, and stops both on SIGINT', async () => {
    const port = await freePort();
    const start = spawnEntry('dist/src/start.js', {
      DATABASE_URL: databaseUrl(database),
      PORT: String(port),
      REDIS_PREFIX: `bi_test_start_${randomBytes(4).toString('hex')}`,
      // As on a fresh clone: development serves GraphiQL, whose page is rendered from a
      // package resolved at run time (from dist/ here).
      NODE_ENV: 'development',
      // Loads dist/'s copy of the persisted documents at startup (auth is off: we are admin).
      PERSISTED_OPERATIONS_ONLY: 'true',
    });
    // A failed expectation must not leave the supervisor and its children running:
    // SIGINT is how it stops them (a SIGKILL would orphan both).
    onTestFinished(async () => {
      if (start.alive()) start.child.kill('SIGINT');
      await start.exited;
    });
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    while (!(await fetch(`${base}/ready`).then((r) => r.ok, () => false))) {
      if (Date.now() > deadline || start.child.exitCode !== null) throw new Error(`not ready:\n${start.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const { jobs } = await requestData({ url: `${base}/graphql` }, JobsQuery, { first: 5 });
    expect(jobs.edges).toEqual([]);
    const graphiql = await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } });
    expect(graphiql.status).toBe(200);
    expect(await graphiql.text()).toContain('GraphiQL');
    // Both children are compiled JS under plain node: no tsx loader at run time.
    const children = childCommands(start.child.pid!);
    expect(children).toHaveLength(2);
    expect(children.some((args) => args.endsWith(path.join(ROOT, 'dist/src/main.js')))).toBe(true);
    expect(children.some((args) => args.endsWith(path.join(ROOT, 'dist/worker/main.js')))).toBe(true);
    expect(children.join('\n')).not.toContain('tsx');

    start.child.kill('SIGINT');
    expect(await start.exited).toBe(0);
    expect(await fetch(`${base}/health`).then(() => 'up', () => 'down')).toBe('down');
  });
});
