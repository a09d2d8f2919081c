// @vitest-environment happy-dom
// The console's other logic: which dropped file is which, progress events folded in
// sequence order, anomalies placed on trend buckets, the budget form, the live jobs list,
// and the routes the API serves index.html for.
import { describe, expect, it } from 'vitest';
import { CONSOLE_ROUTES } from '../../src/http/web-console.js';
import { bucketOf } from '../../web/src/lib/anomalies.js';
import { budgetInput, EMPTY_BUDGET_FORM, scopeLabel } from '../../web/src/lib/budgets.js';
import { kindOfHeader, sortFiles } from '../../web/src/lib/files.js';
import { canCancel, canRetry, jobTotals, mergeJob } from '../../web/src/lib/jobs.js';
import { barPercent, nextProgress, progressLabel, type ProgressEvent } from '../../web/src/lib/progress.js';
import { ROUTES, routeOf } from '../../web/src/lib/routes.js';
import type { JobFieldsFragment } from '../../src/client/generated/graphql.js';

describe('dropped files', () => {
  it('tells the exports apart by their header, as the API matches headers', () => {
    expect(kindOfHeader('RowId,User_ID,Model_Name,Token_Type,Token_Count')).toBe('transactions');
    expect(kindOfHeader('\uFEFF"user id",User_Name,Region')).toBe('users');
    expect(kindOfHeader('userId,region')).toBe('users');
    expect(kindOfHeader('a,b,c')).toBeNull();
  });

  it('sorts files into the two slots and names the ones it cannot use', async () => {
    const users = new File(['User_ID,User_Name\n1,a\n'], 'u.csv');
    const transactions = new File(['RowId,User_ID\n1,1\n'], 'tx.csv');
    const other = new File(['x,y\n'], 'notes.csv');
    const second = new File(['User_ID\n2\n'], 'more-users.csv');
    const picked = await sortFiles([transactions, other, users, second]);
    expect(picked.users?.name).toBe('u.csv');
    expect(picked.transactions?.name).toBe('tx.csv');
    expect(picked.problems).toEqual([
      'notes.csv: not a users or transactions CSV (no User_ID or RowId column in its first line)',
      'more-users.csv: a second users file; one of each can be uploaded at once',
    ]);
    // A later drop of one file keeps the other slot.
    expect((await sortFiles([new File(['RowId\n'], 'tx2.csv')], picked)).users?.name).toBe('u.csv');
  });
});

describe('progress events', () => {
  const event = (sequence: number, patch: Partial<ProgressEvent> = {}): ProgressEvent => ({
    __typename: 'JobProgress',
    jobId: 'j1',
    status: 'RUNNING',
    stage: 'TRANSACTIONS',
    processedRows: sequence * 10,
    totalRows: 100,
    totalRowsEstimated: true,
    processedBytes: 0,
    totalBytes: 0,
    percent: sequence * 8.4,
    rowsPerSecond: 1000,
    etaSeconds: 3,
    rejectedRows: 0,
    sequence,
    updatedAt: '',
    publishedAt: '',
    ...patch,
  });

  it('keeps the newest event and drops one whose sequence is not above the last', () => {
    const third = nextProgress(nextProgress(null, event(1)), event(3));
    expect(third?.sequence).toBe(3);
    expect(nextProgress(third, event(2))).toBe(third);
    expect(nextProgress(third, event(3))).toBe(third);
  });

  it('labels the stage while running and the status otherwise; the bar is a whole percent within 0–100', () => {
    expect(progressLabel(event(1))).toBe('Reading transactions');
    expect(progressLabel(event(1, { stage: 'AGGREGATES' }))).toBe('Refreshing aggregates');
    expect(progressLabel(event(1, { status: 'QUEUED', stage: null }))).toBe('Queued');
    expect(progressLabel(event(1, { status: 'COMPLETED_WITH_ERRORS' }))).toBe('Completed with errors');
    expect(barPercent(event(1, { percent: 79.99 }))).toBe(79);
    expect(barPercent(event(1, { percent: 100 }))).toBe(100);
  });
});

describe('anomaly markers', () => {
  it('puts an anomaly on the bucket that holds its date', () => {
    const weeks = ['2026-01-05', '2026-01-12', '2026-01-19'];
    expect(bucketOf('2026-01-05', weeks)).toBe(0);
    expect(bucketOf('2026-01-14', weeks)).toBe(1);
    expect(bucketOf('2026-01-30', weeks)).toBe(2);
    expect(bucketOf('2026-01-01', weeks)).toBe(-1);
  });
});

describe('budget form', () => {
  it('builds the SetBudgetInput, thresholds sorted and distinct', () => {
    expect(budgetInput({ kind: 'REGION', value: ' EU ', monthlyLimit: '$1,500', thresholds: '100, 50 %, 80, 50' })).toEqual({
      input: { scope: { kind: 'REGION', value: 'EU' }, monthlyLimit: 1500, thresholds: [50, 80, 100] },
    });
    expect(budgetInput({ ...EMPTY_BUDGET_FORM, monthlyLimit: '10', value: 'ignored' })).toEqual({
      input: { scope: { kind: 'ALL', value: null }, monthlyLimit: 10, thresholds: [50, 80, 100] },
    });
  });

  it('names the first problem', () => {
    expect(budgetInput({ ...EMPTY_BUDGET_FORM, monthlyLimit: '0' })).toEqual({ error: 'The monthly limit must be a number above 0.' });
    expect(budgetInput({ ...EMPTY_BUDGET_FORM, monthlyLimit: '5', thresholds: '50, x' })).toEqual({ error: 'Each threshold must be a percent above 0.' });
    expect(budgetInput({ ...EMPTY_BUDGET_FORM, kind: 'COMPANY', monthlyLimit: '5' })).toEqual({ error: 'Choose the company.' });
    expect(scopeLabel({ kind: 'COMPANY', value: 'Acme' })).toBe('Company Acme');
  });
});

describe('jobs list', () => {
  const job = (id: string, createdAt: string, status: JobFieldsFragment['status'] = 'QUEUED'): JobFieldsFragment => ({
    __typename: 'Job',
    id,
    status,
    dryRun: false,
    stage: null,
    createdAt,
    startedAt: null,
    finishedAt: null,
    error: null,
    warnings: [],
    stageTimings: [],
    files: [
      { __typename: 'JobFile', id: `${id}-u`, kind: 'USERS', name: 'u.csv', sizeBytes: 1, sha256: '', totalRows: 10, insertedRows: 8, updatedRows: 1, unchangedRows: 0, rejectedRows: 1 },
      { __typename: 'JobFile', id: `${id}-t`, kind: 'TRANSACTIONS', name: 't.csv', sizeBytes: 1, sha256: '', totalRows: 100, insertedRows: 90, updatedRows: 0, unchangedRows: 5, rejectedRows: 5 },
    ],
  });

  it('adds a job from a live event on top and replaces one it holds', () => {
    const list = [job('b', '2026-01-02T00:00:00Z'), job('a', '2026-01-01T00:00:00Z')];
    expect(mergeJob(list, job('c', '2026-01-03T00:00:00Z')).map((item) => item.id)).toEqual(['c', 'b', 'a']);
    const updated = mergeJob(list, job('a', '2026-01-01T00:00:00Z', 'COMPLETED'));
    expect(updated.map((item) => [item.id, item.status])).toEqual([
      ['b', 'QUEUED'],
      ['a', 'COMPLETED'],
    ]);
  });

  it('offers cancel and retry where the API allows them, and totals the files', () => {
    expect(['QUEUED', 'RUNNING'].every((status) => canCancel(status as never))).toBe(true);
    expect(canCancel('COMPLETED')).toBe(false);
    expect(canRetry('FAILED') && canRetry('CANCELLED') && !canRetry('COMPLETED_WITH_ERRORS')).toBe(true);
    expect(jobTotals(job('a', ''))).toEqual({ rows: 110, inserted: 98, updated: 1, unchanged: 5, rejected: 6 });
  });
});

describe('routes', () => {
  it('the API serves index.html for exactly the console screens', () => {
    expect([...CONSOLE_ROUTES].sort()).toEqual(['/', ...ROUTES.map((route) => route.path)].sort());
    expect(routeOf('/jobs/')).toBe('/jobs');
    expect(routeOf('/')).toBe('/dashboard');
  });
});
