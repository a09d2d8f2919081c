// SPEC §7 and §8: two API processes and a worker process sharing only PostgreSQL and
// Redis. A budget set through API A, an upload through API A that crosses two of its
// thresholds; a client on API B, subscribed to budgetAlerts and to the job's progress on
// one graphql-ws connection, receives both alerts before the job's COMPLETED event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestData, upload } from '../../src/client/http.js';
import { BudgetAlertsLiveSubscription, BudgetsQuery, SetBudgetMutation } from '../../src/client/operations/budgets.js';
import { UploadCsvMutation } from '../../src/client/operations/jobs.js';
import { JobProgressSubscription } from '../../src/client/operations/progress.js';
import { createWsClient, subscribeData } from '../../src/client/ws.js';
import { startApi, startWorker, until, type ApiProc, type Proc } from '../helpers/processes.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.js';

let db: TestDatabase;
let apiA: ApiProc;
let apiB: ApiProc;
let worker: Proc | undefined;

beforeAll(async () => {
  db = await createTestDatabase('budget_live');
  [apiA, apiB] = await Promise.all([startApi(db), startApi(db)]);
});
afterAll(async () => {
  await Promise.all([apiA?.kill9(), apiB?.kill9(), worker?.kill9()]);
  await db?.drop();
});

const uuid = (group: number, n: number) => `${String(group).padStart(8, '0')}-0000-4000-8000-${String(n).padStart(12, '0')}`;
const USERS = 'User_ID,User_Name,Region,Is_Active_Sub\n' + `${uuid(1, 1)},Ann,US,true\n${uuid(1, 2)},Bo,EU,true\n`;
// 30 + 25 + 30 = 85 in January 2025.
const TRANSACTIONS =
  'RowId,User_ID,Model_Name,Conversation_ID,Token_Type,Token_Count,Rate_Per_1k,Calculated_Cost,Timestamp\n' +
  [
    [uuid(2, 1), uuid(1, 1), 'gpt-4o', uuid(3, 1), 'prompt', 10, '0.01', '30', '2025-01-03T10:00:00Z'],
    [uuid(2, 2), uuid(1, 2), 'gpt-4o', uuid(3, 2), 'prompt', 10, '0.01', '25', '2025-01-04T10:00:00Z'],
    [uuid(2, 3), uuid(1, 1), 'gpt-4o', uuid(3, 3), 'completion', 10, '0.01', '30', '2025-01-05T10:00:00Z'],
  ]
    .map((row) => row.join(','))
    .join('\n') +
  '\n';

type Arrival = { kind: 'alert'; threshold: number; spent: number } | { kind: 'progress'; status: string };

describe('budgetAlerts across processes', () => {
  it('a client on API B receives the alerts of an upload through API A before its COMPLETED event', async () => {
    const a = { url: `${apiA.base}/graphql` };
    const b = { url: `${apiB.base}/graphql` };
    await requestData(a, SetBudgetMutation, { input: { scope: { kind: 'ALL' }, monthlyLimit: 100 } });
    const uploaded = await upload(a, UploadCsvMutation, {
      users: { name: 'users.csv', data: new Blob([USERS]) },
      transactions: { name: 'transactions.csv', data: new Blob([TRANSACTIONS]) },
    });
    const jobId = uploaded.data?.uploadCsv?.id;
    if (!jobId) throw new Error(`upload failed: ${JSON.stringify(uploaded.errors)}`);

    const client = createWsClient(b);
    const arrivals: Arrival[] = [];
    const alerts = (async () => {
      for await (const data of subscribeData(client, BudgetAlertsLiveSubscription, {})) {
        arrivals.push({ kind: 'alert', threshold: data.budgetAlerts.threshold, spent: data.budgetAlerts.spent });
      }
    })();
    const progress = (async () => {
      for await (const data of subscribeData(client, JobProgressSubscription, { jobId })) {
        arrivals.push({ kind: 'progress', status: data.jobProgress.status });
      }
    })();
    try {
      // Both subscriptions are live once the progress stream delivered its first (QUEUED) event;
      // the alerts subscription was sent first on the same connection.
      await until(async () => arrivals, (list) => list.some((x) => x.kind === 'progress'), 'the first progress event', 15_000, 20);
      await new Promise((resolve) => setTimeout(resolve, 200));
      worker = startWorker(db);
      await Promise.race([
        progress,
        worker.exited.then((code) => Promise.reject(new Error(`the worker exited (${code}):\n${worker?.output()}`))),
      ]);
      const order = arrivals.map((x) => (x.kind === 'alert' ? `alert ${x.threshold}` : x.status));
      const completed = order.indexOf('COMPLETED');
      expect(completed, order.join(', ')).toBeGreaterThan(0);
      expect(order.slice(0, completed).filter((x) => x.startsWith('alert')), order.join(', ')).toEqual(['alert 50', 'alert 80']);
      expect(arrivals.filter((x) => x.kind === 'alert')).toEqual([
        { kind: 'alert', threshold: 50, spent: 85 },
        { kind: 'alert', threshold: 80, spent: 85 },
      ]);
    } finally {
      await client.dispose();
      await Promise.allSettled([alerts, progress]);
    }
    const { budgets } = await requestData(b, BudgetsQuery, {});
    expect(budgets.map((s) => [s.month, s.spent, s.percentUsed])).toEqual([['2025-01', 85, 85]]);
  }, 120_000);
});
