// kill -9 of the worker between the AGGREGATES stage and the budget alert evaluation: the
// re-run raises and publishes exactly the alerts of a clean run, each once.
//
// The kill point is exact without any hook in the code: the test holds the advisory lock
// that alert evaluation takes (BUDGETS_LOCK), so the worker, its aggregates committed,
// waits on it; the test sees it waiting in pg_locks and kills it there. This file kills
// only worker processes (PostgreSQL and Redis keep running), so it can run on its own:
//   npx vitest run --project faults test/faults/budget-alerts-crash.test.ts
import pg from 'pg';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { validateBudgetInput, type SetBudgetInput } from '../../src/budgets/input.js';
import { setBudget, BUDGETS_LOCK } from '../../src/budgets/store.js';
import { channelTopics } from '../../src/infra/pubsub.js';
import { pgConfig } from '../../src/infra/migrations.js';
import { createFaultEnv, expireLocks, finished, startWorker, until, type FaultEnv, type Proc } from './helpers.js';

const BUDGETS: SetBudgetInput[] = [
  { scope: { kind: 'ALL' }, monthlyLimit: 2000 },
  { scope: { kind: 'REGION', value: 'US' }, monthlyLimit: 500 },
  { scope: { kind: 'REGION', value: 'JP' }, monthlyLimit: 100_000 },
  { scope: { kind: 'COMPANY', value: 'Acme' }, monthlyLimit: 5000, thresholds: [10, 15, 20, 90] },
];

const uuid = (group: number, n: number) => `${String(group).padStart(8, '0')}-0000-4000-8000-${String(n).padStart(12, '0')}`;
const PEOPLE = [
  ['US', 'Acme'],
  ['US', 'Globex'],
  ['EU', 'Acme'],
  ['EU', 'Globex'],
  ['JP', 'Acme'],
  ['JP', ''],
] as const;
const USERS = Buffer.from(
  'User_ID,User_Name,Region,Is_Active_Sub,Company_Name\n' +
    PEOPLE.map(([region, company], i) => `${uuid(1, i + 1)},user ${i},${region},true,${company}`).join('\n') +
    '\n',
);
/** One transaction per user and day over January and February 2025 (~3.5k USD). */
function transactions(): Buffer {
  const lines = ['RowId,User_ID,Model_Name,Conversation_ID,Token_Type,Token_Count,Rate_Per_1k,Calculated_Cost,Timestamp'];
  let n = 0;
  for (let day = 0; day < 59; day++) {
    const date = new Date(Date.UTC(2025, 0, 1 + day)).toISOString().slice(0, 10);
    PEOPLE.forEach((_, i) => {
      n++;
      const cost = `${5 + ((day * 7 + i * 3) % 11)}.${String((day * 37 + i * 11) % 1000).padStart(3, '0')}`;
      lines.push([uuid(2, n), uuid(1, i + 1), 'gpt-4o', uuid(3, n), 'prompt', 1000, '0.01', cost, `${date}T12:00:00Z`].join(','));
    });
  }
  return Buffer.from(lines.join('\n') + '\n');
}

interface AlertRow {
  scope: string;
  month: string;
  threshold: string;
  spent: string;
  percent_used: string;
  this_job: boolean;
  published: boolean;
}

async function storedAlerts(env: FaultEnv, jobId: string): Promise<AlertRow[]> {
  const { rows } = await env.db.pool.query<AlertRow>(
    `SELECT b.scope_kind || ':' || b.scope_value AS scope, to_char(a.month, 'YYYY-MM') AS month, a.threshold::text,
            a.spent::text, a.percent_used::text, a.job_id = $1 AS this_job, a.published_at IS NOT NULL AS published
       FROM budget_alerts a JOIN budgets b ON b.id = a.budget_id ORDER BY 1, 2, a.threshold`,
    [jobId],
  );
  return rows;
}

/** What the workers published, as a plain Redis subscriber sees it. */
async function tapAlerts(env: FaultEnv) {
  const messages: string[] = [];
  const tap = new Redis(env.db.redisUrl);
  tap.on('message', (_channel: string, message: string) => {
    const alert = JSON.parse(message) as { budget: { scope: { kind: string; value: string | null } }; month: string; threshold: number };
    messages.push(`${alert.budget.scope.kind}:${alert.budget.scope.value ?? ''} ${alert.month} ${alert.threshold}`);
  });
  await tap.subscribe(channelTopics(env.db.redisPrefix).budgetAlerts().name);
  return { messages, close: () => tap.quit().catch(() => undefined) };
}

async function prepare(label: string) {
  const env = await createFaultEnv(label);
  for (const input of BUDGETS) await setBudget(env.db.pool, validateBudgetInput(input));
  return env;
}

const workers: Proc[] = [];
afterAll(async () => {
  for (const worker of workers) await worker.kill9();
});

describe('kill -9 between the aggregates and the budget alert evaluation', () => {
  it('the re-run raises and publishes exactly the alerts of a clean run', async () => {
    const files = { users: USERS, transactions: transactions() };

    // The clean run.
    const clean = await prepare('budget_clean');
    const cleanTap = await tapAlerts(clean);
    let expected: AlertRow[];
    try {
      const worker = startWorker(clean.db);
      workers.push(worker);
      const jobId = await clean.upload(files);
      expect((await finished(clean, jobId, 60_000, [worker])).status).toBe('COMPLETED');
      expected = await storedAlerts(clean, jobId);
      await until(async () => cleanTap.messages.length, (n) => n === expected.length, 'the clean run\'s alerts on Redis', 5_000, 20);
      await worker.kill9();
    } finally {
      await cleanTap.close();
      await clean.close();
    }
    // The data crosses thresholds of several budgets in both months, and leaves JP's quiet.
    expect(new Set(expected.map((a) => a.scope))).toEqual(new Set(['ALL:', 'REGION:US', 'COMPANY:Acme']));
    expect(new Set(expected.map((a) => a.month))).toEqual(new Set(['2025-01', '2025-02']));
    expect(expected.every((a) => a.this_job && a.published)).toBe(true);

    // The same upload, killed while waiting to evaluate its alerts.
    const env = await prepare('budget_kill');
    const tap = await tapAlerts(env);
    const holder = new pg.Client(pgConfig(env.db.url));
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [BUDGETS_LOCK]);
      const first = startWorker(env.db);
      workers.push(first);
      const jobId = await env.upload(files);
      await until(
        async () =>
          (
            await holder.query<{ waiting: number }>(
              `SELECT count(*)::int AS waiting FROM pg_locks
                WHERE locktype = 'advisory' AND NOT granted AND objid = $1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
              [BUDGETS_LOCK],
            )
          ).rows[0]!.waiting,
        (waiting) => waiting === 1,
        'the worker to wait for the budget lock',
        60_000,
        20,
        first.output,
      );
      const { rows } = await env.db.pool.query<{ status: string; aggregates: boolean }>(
        `SELECT status, stage_timings ? 'AGGREGATES' AS aggregates FROM ingest_jobs WHERE id = $1`,
        [jobId],
      );
      expect(rows[0]).toEqual({ status: 'RUNNING', aggregates: true });
      await first.kill9();
      await holder.query('SELECT pg_advisory_unlock($1)', [BUDGETS_LOCK]);
      expect(await storedAlerts(env, jobId)).toEqual([]);

      // Redelivery (BullMQ's stalled-job check, brought forward) to a new worker.
      expect(await expireLocks(env)).toEqual([jobId]);
      const second = startWorker(env.db);
      workers.push(second);
      expect((await finished(env, jobId, 60_000, [first, second])).status).toBe('COMPLETED');
      expect(await storedAlerts(env, jobId)).toEqual(expected);
      const published = expected.map((a) => `${a.scope} ${a.month} ${Number(a.threshold)}`).sort();
      await until(async () => tap.messages.length, (n) => n >= published.length, 'the re-run\'s alerts on Redis', 5_000, 20);
      await new Promise((resolve) => setTimeout(resolve, 200)); // nothing more arrives
      expect([...tap.messages].sort()).toEqual(published);
    } finally {
      await holder.end().catch(() => undefined);
      await tap.close();
      await env.close();
    }
  });
});
