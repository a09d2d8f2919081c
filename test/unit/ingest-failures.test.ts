// What a FAILED job says (issue 12): a stable sentence for users, never PostgreSQL's text.
// The errors classified here are real: a refused connection to a closed port, and a
// statement PostgreSQL refuses.
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { AggregatesFailedError, failureMessage, isConnectionError } from '../../worker/pipeline/failures.js';
import { ADMIN_URL } from '../helpers/env.js';
import { freePort } from '../helpers/ports.js';

async function errorOf(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('failureMessage', () => {
  it('says the database was unreachable when it was, with the attempts', async () => {
    const port = await freePort();
    const error = await errorOf(async () => {
      const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', connectionTimeoutMillis: 5000 });
      await client.connect();
    });
    expect(isConnectionError(error)).toBe(true);
    expect(failureMessage(error, 3)).toBe(
      'the database was unreachable after 3 attempts; retrying the job resumes it from its last committed chunk',
    );
  });

  it('hides what PostgreSQL said about a statement it refused', async () => {
    const client = new pg.Client({ connectionString: ADMIN_URL });
    await client.connect();
    try {
      const error = await errorOf(() => client.query(`SELECT 1 / 0 FROM pg_class WHERE relname = 'pg_class_oid_index'`));
      expect(isConnectionError(error)).toBe(false);
      const message = failureMessage(error, 1);
      expect(message).toBe(
        "the job stopped on an unexpected error after 1 attempt; retrying the job resumes it from its last committed chunk (the worker's log has the details under the job's id)",
      );
      expect(message).not.toMatch(/division|pg_class/);
    } finally {
      await client.end();
    }
  });

  it('names the dates whose aggregates lag, at most five of them', () => {
    const dates = ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05', '2024-01-06'];
    expect(failureMessage(new AggregatesFailedError(dates, new Error('index row size 3048 exceeds btree maximum 2704')), 3)).toBe(
      'the rows were stored, but the aggregates of 6 dates (2024-01-01, 2024-01-02, 2024-01-03, 2024-01-04, 2024-01-05, …) ' +
        'could not be refreshed; the next job or a retry of this one refreshes them',
    );
  });
});
