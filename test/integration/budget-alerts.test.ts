// SPEC §8 budget alerts raised by the real ingest pipeline (uploads through
// createUploadJob, runs through runJob): one upload crossing two thresholds raises two; a
// re-upload of the same rows raises none; a correction down and then up again does not
// repeat one; budgets of other scopes and months the job did not touch stay quiet; a
// budget created after the spend raises nothing by itself; alerts go out before the job
// is finished, and a run that died after raising them publishes them on its re-run.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BudgetAlert } from '../../src/budgets/model.js';
import { deleteBudget, setBudget } from '../../src/budgets/store.js';
import { validateBudgetInput, type SetBudgetInput } from '../../src/budgets/input.js';
import { createHarness, csv, id, TX_HEADER, USERS_HEADER, type IngestHarness } from '../helpers/ingest-fixtures.js';

let h: IngestHarness;
/** What the pipeline published, per job, with the job's status at the moment it published. */
let published: Array<{ alert: BudgetAlert; jobStatus: string }>;

const US_ACME = id(1, 1);
const EU_GLOBEX = id(2, 1);
const JP_NONE = id(3, 1);
const USERS = csv(USERS_HEADER, [`${US_ACME},Ann,US,true,,Acme,`, `${EU_GLOBEX},Bo,EU,true,,Globex,`, `${JP_NONE},Cy,JP,false,,,`]);

/** One transaction line; `n` numbers the RowId (and the conversation). */
const tx = (n: number, user: string, cost: string, timestamp: string) =>
  [id(n, 2), user, 'gpt-4o', id(n, 3), 'prompt', '100', '0.01', cost, timestamp].join(',');

async function ingest(lines: string[], users = false) {
  const jobId = await h.upload({ ...(users ? { users: USERS } : {}), transactions: csv(TX_HEADER, lines) });
  const before = published.length;
  const result = await h.run(jobId, {
    publishAlerts: async (alerts) => {
      const { status } = await h.job(jobId);
      for (const alert of alerts) published.push({ alert, jobStatus: status });
    },
  });
  expect(result.status).toBe('COMPLETED');
  return { jobId, alerts: published.slice(before).map((p) => p.alert) };
}

const budget = (input: SetBudgetInput) => setBudget(h.db.pool, validateBudgetInput(input));
const brief = (alert: BudgetAlert) => [alert.budget.scope.kind, alert.budget.scope.value, alert.month, alert.threshold];

async function storedAlerts() {
  const { rows } = await h.db.pool.query<{ scope: string; month: string; threshold: number; job_id: string; published: boolean }>(
    `SELECT b.scope_kind || ':' || b.scope_value AS scope, to_char(a.month, 'YYYY-MM') AS month, a.threshold::float8 AS threshold,
            a.job_id::text AS job_id, a.published_at IS NOT NULL AS published
       FROM budget_alerts a JOIN budgets b ON b.id = a.budget_id ORDER BY a.id`,
  );
  return rows;
}

beforeAll(async () => {
  h = await createHarness('budget_alerts');
});
afterAll(() => h?.close());
beforeEach(() => {
  published = [];
});

describe('budget alerts from the pipeline', () => {
  it('one upload crossing two thresholds raises two alerts, published while the job is still RUNNING; other scopes stay quiet', async () => {
    await budget({ scope: { kind: 'ALL' }, monthlyLimit: 100 });
    await budget({ scope: { kind: 'REGION', value: 'EU' }, monthlyLimit: 1000 });
    await budget({ scope: { kind: 'COMPANY', value: 'Acme' }, monthlyLimit: 60, thresholds: [90] });
    // ALL: 85 of 100 (50 % and 80 % crossed at once); EU 25 of 1000; Acme 40 of 60 (66 %, below its 90 %).
    const { jobId, alerts } = await ingest(
      [tx(1, US_ACME, '40', '2025-01-10T10:00:00Z'), tx(2, EU_GLOBEX, '25', '2025-01-11T10:00:00Z'), tx(3, JP_NONE, '20', '2025-01-12T23:59:59Z')],
      true,
    );
    expect(alerts.map(brief)).toEqual([
      ['ALL', null, '2025-01', 50],
      ['ALL', null, '2025-01', 80],
    ]);
    for (const alert of alerts) expect(alert).toMatchObject({ spent: 85, percentUsed: 85, jobId });
    expect(published.every((p) => p.jobStatus === 'RUNNING')).toBe(true);
    expect((await h.job(jobId)).status).toBe('COMPLETED');
    expect(await storedAlerts()).toEqual([
      { scope: 'ALL:', month: '2025-01', threshold: 50, job_id: jobId, published: true },
      { scope: 'ALL:', month: '2025-01', threshold: 80, job_id: jobId, published: true },
    ]);
  });

  it('a re-upload of the same rows raises none (same bytes, and the same rows in another order)', async () => {
    const lines = [tx(1, US_ACME, '40', '2025-01-10T10:00:00Z'), tx(2, EU_GLOBEX, '25', '2025-01-11T10:00:00Z'), tx(3, JP_NONE, '20', '2025-01-12T23:59:59Z')];
    expect((await ingest(lines, true)).alerts).toEqual([]);
    expect((await ingest([...lines].reverse())).alerts).toEqual([]);
    expect(await storedAlerts()).toHaveLength(2);
  });

  it('a correction that lowers the spend and a later one that raises it again repeats no alert; a new threshold still fires', async () => {
    // Row 1 from 40 to 25: ALL 85 → 70 (below 80 %).
    expect((await ingest([tx(1, US_ACME, '25', '2025-01-10T10:00:00Z')])).alerts).toEqual([]);
    // Back up to 90: 80 % is crossed again, but was raised before.
    expect((await ingest([tx(1, US_ACME, '45', '2025-01-10T10:00:00Z')])).alerts).toEqual([]);
    // To 105: only 100 % is new for ALL; Acme reaches 60 of 60, past its own 90 %.
    const { alerts } = await ingest([tx(1, US_ACME, '60', '2025-01-10T10:00:00Z')]);
    expect(alerts.map(brief)).toEqual([
      ['ALL', null, '2025-01', 100],
      ['COMPANY', 'Acme', '2025-01', 90],
    ]);
    expect(alerts[0]).toMatchObject({ spent: 105, percentUsed: 105 });
    expect(alerts[1]).toMatchObject({ spent: 60, percentUsed: 100 });
    expect((await storedAlerts()).map((a) => `${a.scope} ${a.threshold}`)).toEqual(['ALL: 50', 'ALL: 80', 'ALL: 100', 'COMPANY:Acme 90']);
  });

  it('moving a row to another month evaluates both months: the old one falls, the new one rises', async () => {
    await budget({ scope: { kind: 'REGION', value: 'JP' }, monthlyLimit: 30 });
    // JP's only row (20) moves from January to February: January 20 → 0, February 0 → 20 (66 %).
    const { alerts } = await ingest([tx(3, JP_NONE, '20', '2025-02-01T00:00:00Z')]);
    expect(alerts.map(brief)).toEqual([['REGION', 'JP', '2025-02', 50]]);
  });

  it('a job touching one region raises nothing for other regions, and nothing for months it did not touch', async () => {
    // EU in March only: 990 of 1000 (99 %); ALL in March 990 of 100 (every threshold). January and February unchanged.
    const { alerts } = await ingest([tx(10, EU_GLOBEX, '990', '2025-03-02T12:00:00Z')]);
    expect(alerts.map(brief)).toEqual([
      ['ALL', null, '2025-03', 50],
      ['ALL', null, '2025-03', 80],
      ['ALL', null, '2025-03', 100],
      ['REGION', 'EU', '2025-03', 50],
      ['REGION', 'EU', '2025-03', 80],
    ]);
  });

  it('a budget created after the spend raises no alert by itself; the next job that moves its spend evaluates it', async () => {
    // Acme has 60 in January; a new Acme-region budget (US, 70) starts at 85 %.
    await budget({ scope: { kind: 'REGION', value: 'US' }, monthlyLimit: 70 });
    // A job that moves only EU's spend leaves US alone.
    expect((await ingest([tx(11, EU_GLOBEX, '1', '2025-01-20T00:00:00Z')])).alerts).toEqual([]);
    // 60 → 69 (98 %): no threshold between 85 % and 98 %.
    expect((await ingest([tx(12, US_ACME, '9', '2025-01-21T00:00:00Z')])).alerts).toEqual([]);
    // 69 → 71: 100 % crossed now.
    const { alerts } = await ingest([tx(13, US_ACME, '2', '2025-01-22T00:00:00Z')]);
    expect(alerts.map(brief)).toEqual([['REGION', 'US', '2025-01', 100]]);
  });

  it('a budget changed after the spend raises no alert by itself: a threshold added below the spend stays quiet', async () => {
    // Acme: 71 of 60 in January (118 %; it was 66 % after the first upload), thresholds [90]. Now [70, 90, 150].
    const changed = await budget({ scope: { kind: 'COMPANY', value: 'Acme' }, monthlyLimit: 60, thresholds: [70, 90, 150] });
    expect(changed.thresholds).toEqual([70, 90, 150]);
    // 71 → 72: 70 % lies below the spend before this job, so this job does not cross it.
    expect((await ingest([tx(14, US_ACME, '1', '2025-01-23T00:00:00Z')])).alerts).toEqual([]);
    // 72 → 92 (153 %): 150 % is.
    const { alerts } = await ingest([tx(15, US_ACME, '20', '2025-01-24T00:00:00Z')]);
    expect(alerts.map(brief)).toEqual([['COMPANY', 'Acme', '2025-01', 150]]);
  });

  it('a run that dies after raising its alerts but before publishing them publishes them on its re-run, once', async () => {
    await budget({ scope: { kind: 'COMPANY', value: 'Globex' }, monthlyLimit: 4000 });
    const jobId = await h.upload({ transactions: csv(TX_HEADER, [tx(20, EU_GLOBEX, '2500', '2025-04-05T00:00:00Z')]) });
    // Redis refuses: the run fails transiently after the alerts were stored (as a crash there would leave them).
    await expect(h.run(jobId, { publishAlerts: () => Promise.reject(new Error('Redis is gone')) })).rejects.toThrow('Redis is gone');
    expect((await h.job(jobId)).status).toBe('RUNNING');
    const stored = (await storedAlerts()).filter((a) => a.job_id === jobId);
    expect(stored.map((a) => [a.scope, a.threshold, a.published])).toEqual([
      ['ALL:', 50, false],
      ['ALL:', 80, false],
      ['ALL:', 100, false],
      ['REGION:EU', 50, false],
      ['REGION:EU', 80, false],
      ['REGION:EU', 100, false],
      ['COMPANY:Globex', 50, false],
    ]);
    // The re-run (BullMQ's retry) raises nothing new and publishes the seven.
    const result = await h.run(jobId, {
      publishAlerts: async (alerts) => {
        for (const alert of alerts) published.push({ alert, jobStatus: (await h.job(jobId)).status });
      },
    });
    expect(result.status).toBe('COMPLETED');
    expect(published.map((p) => brief(p.alert))).toEqual([
      ['ALL', null, '2025-04', 50],
      ['ALL', null, '2025-04', 80],
      ['ALL', null, '2025-04', 100],
      ['REGION', 'EU', '2025-04', 50],
      ['REGION', 'EU', '2025-04', 80],
      ['REGION', 'EU', '2025-04', 100],
      ['COMPANY', 'Globex', '2025-04', 50],
    ]);
    expect(published.every((p) => p.jobStatus === 'RUNNING')).toBe(true);
    expect((await storedAlerts()).filter((a) => a.job_id === jobId).every((a) => a.published)).toBe(true);
  });

  it('a dry run crossing thresholds raises no alert and moves no mark (it writes nothing to budgets)', async () => {
    const marks = () => h.db.pool.query('SELECT budget_id, month, spent::text FROM budget_spend_marks ORDER BY 1, 2').then((r) => r.rows);
    const before = { alerts: await storedAlerts(), marks: await marks() };
    const jobId = await h.upload({ transactions: csv(TX_HEADER, [tx(40, EU_GLOBEX, '5000', '2025-05-05T00:00:00Z')]) }, { dryRun: true });
    const result = await h.run(jobId, {
      publishAlerts: async (alerts) => {
        for (const alert of alerts) published.push({ alert, jobStatus: 'dry run' });
      },
    });
    expect(result.status).toBe('COMPLETED');
    expect(published).toEqual([]);
    expect({ alerts: await storedAlerts(), marks: await marks() }).toEqual(before);
  });

  it('deleting a budget deletes its alerts and marks; setting it again starts from the spend there is', async () => {
    const { rows } = await h.db.pool.query<{ id: string }>(`SELECT id::text FROM budgets WHERE scope_kind = 'REGION' AND scope_value = 'JP'`);
    await deleteBudget(h.db.pool, rows[0]!.id);
    const { rows: left } = await h.db.pool.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM budget_alerts WHERE budget_id = $1) + (SELECT count(*) FROM budget_spend_marks WHERE budget_id = $1) AS n`,
      [rows[0]!.id],
    );
    expect(Number(left[0]!.n)).toBe(0);
    await budget({ scope: { kind: 'REGION', value: 'JP' }, monthlyLimit: 30 });
    // February JP: 20 → 21 (70 %): 50 % was below the budget's first mark (66 %), so nothing.
    expect((await ingest([tx(30, JP_NONE, '1', '2025-02-02T00:00:00Z')])).alerts).toEqual([]);
  });
});
