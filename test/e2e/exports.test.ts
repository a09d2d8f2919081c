// CSV exports over real HTTP: byte-exact RFC 4180 output with formula-safe cells, the
// same tokens as GraphQL, the same values as the GraphQL fields, constant memory.
import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formulaSafe } from '../../src/exports/csv.js';
import { startApi } from '../helpers/processes.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const ADMIN = 'exports-admin-91c2';
const VIEWER = 'exports-viewer-4be7';

let t: TestApp;
let base: string;

const exportUrl = (jobId: string) => `${base}/exports/jobs/${jobId}/rejected-rows.csv`;
const get = (url: string, token?: string) => fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });

async function jobWithRejections(rows: Array<{ file: string; line: number; column: string | null; reason: string; raw: string }>) {
  const id = randomUUID();
  await t.db.pool.query(`INSERT INTO ingest_jobs (id, status) VALUES ($1, 'COMPLETED_WITH_ERRORS')`, [id]);
  for (const row of rows) {
    await t.db.pool.query(
      `INSERT INTO rejected_rows (job_id, file, line, "column", reason, raw) VALUES ($1, $2, $3, $4, $5, $6)`,
      [id, row.file, row.line, row.column, row.reason, row.raw],
    );
  }
  return id;
}

beforeAll(async () => {
  t = await startTestApp('exports', { AUTH_TOKENS: `${ADMIN}:admin,${VIEWER}:viewer` });
  base = t.url.replace('/graphql', '');
});
afterAll(() => t?.close());

describe('formula-safe cells', () => {
  it.each([
    ['=SUM(A1:A9)', "'=SUM(A1:A9)"],
    ['+1-2', "'+1-2"],
    ['-cmd', "'-cmd"],
    ['@SUM(1)', "'@SUM(1)"],
    ['\tx', "'\tx"],
    ['\rx', "'\rx"],
    ['-5', '-5'],
    ['+3.25', '+3.25'],
    ['-1.5e3', '-1.5e3'],
    ['plain', 'plain'],
    ['a=b', 'a=b'],
    ['', ''],
  ])('%j → %j', (value, expected) => {
    expect(formulaSafe(value)).toBe(expected);
  });
});

describe('GET /exports/jobs/{id}/rejected-rows.csv', () => {
  it('is byte-exact RFC 4180 with formula-safe cells', async () => {
    const id = await jobWithRejections([
      { file: 'USERS', line: 2, column: 'User_Name', reason: 'is required', raw: 'a,"b ""quoted""",c' },
      { file: 'TRANSACTIONS', line: 3, column: null, reason: 'has 2 fields, the header has 9', raw: 'line one\nline two' },
      { file: 'TRANSACTIONS', line: 7, column: 'Model_Name', reason: 'too long', raw: '=HYPERLINK("http://x")' },
      { file: 'TRANSACTIONS', line: 9, column: 'Token_Count', reason: '"-5" is negative', raw: 'Zürich, 東京 €' },
    ]);
    const response = await get(exportUrl(id), VIEWER);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="job-${id}-rejected-rows.csv"`);
    expect(await response.text()).toBe(
      'file,line,column,reason,raw\r\n' +
        'USERS,2,User_Name,is required,"a,""b """"quoted"""""",c"\r\n' +
        'TRANSACTIONS,3,,"has 2 fields, the header has 9","line one\nline two"\r\n' +
        `TRANSACTIONS,7,Model_Name,too long,"'=HYPERLINK(""http://x"")"\r\n` +
        'TRANSACTIONS,9,Token_Count,"""-5"" is negative","Zürich, 東京 €"\r\n',
    );
  });

  it('holds the values GraphQL shows for the same rows', async () => {
    const rows = Array.from({ length: 120 }, (_, i) => ({
      file: i % 2 ? 'TRANSACTIONS' : 'USERS',
      line: i + 2,
      column: i % 3 ? 'Region' : null,
      reason: `reason ${i}, with "quotes"`,
      raw: `raw ${i}\n${'x'.repeat(i)}`,
    }));
    const id = await jobWithRejections(rows);
    const csv = parse(await (await get(exportUrl(id), ADMIN)).text(), { columns: true }) as Array<Record<string, string>>;
    const response = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${VIEWER}` },
      body: JSON.stringify({
        query: 'query ($id: ID!) { job(id: $id) { rejectedRows(first: 500) { edges { node { file line column reason raw } } } } }',
        variables: { id },
      }),
    });
    const { data, errors } = (await response.json()) as { data: { job: { rejectedRows: { edges: Array<{ node: Record<string, unknown> }> } } }; errors?: unknown };
    expect(errors).toBeUndefined();
    const graphql = data.job.rejectedRows.edges.map(({ node }) => ({ ...node, line: String(node.line), column: node.column ?? '' }));
    expect(csv).toEqual(graphql);
  });

  it('answers 401 without a valid token, 404 for an unknown or malformed job id', async () => {
    const id = await jobWithRejections([]);
    expect((await get(exportUrl(id))).status).toBe(401);
    expect((await get(exportUrl(id), 'wrong-token')).status).toBe(401);
    const unknown = await get(exportUrl(randomUUID()), VIEWER);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect((await get(exportUrl('not-a-uuid'), VIEWER)).status).toBe(404);
    // Ids are matched case-insensitively, like GraphQL's.
    const upper = await get(exportUrl(id.toUpperCase()), VIEWER);
    expect(upper.status).toBe(200);
    expect(await upper.text()).toBe('file,line,column,reason,raw\r\n');
  });

  it('answers a browser app on another origin under the CORS rule of /graphql', async () => {
    const id = await jobWithRejections([]);
    const preflight = await fetch(exportUrl(id), {
      method: 'OPTIONS',
      headers: { origin: 'http://console.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toBe('authorization');
    // Development and test default: any origin, without credentials.
    const download = await fetch(exportUrl(id), { headers: { origin: 'http://console.example', authorization: `Bearer ${VIEWER}` } });
    expect(download.status).toBe(200);
    expect(download.headers.get('access-control-allow-origin')).toBe('*');
    expect(download.headers.get('access-control-allow-credentials')).toBeNull();
    expect(download.headers.get('access-control-expose-headers')).toContain('content-disposition');
  });

  it('streams a job with 1M rejected rows with the API process in constant memory', async () => {
    const id = randomUUID();
    await t.db.pool.query(`INSERT INTO ingest_jobs (id, status) VALUES ($1, 'COMPLETED_WITH_ERRORS')`, [id]);
    await t.db.pool.query(
      `INSERT INTO rejected_rows (job_id, file, line, "column", reason, raw)
       SELECT $1, 'TRANSACTIONS', n + 1, 'Token_Count', '"' || n || '" is not an integer',
              md5(n::text) || ',' || md5((n + 1)::text) || ',=1+' || n
         FROM generate_series(1, 1000000) AS n`,
      [id],
    );
    // A separate API process with the production flags: its RSS is the figure that matters.
    const api = await startApi(t.db, { AUTH_TOKENS: `${VIEWER}:viewer` });
    const start = api.rssBytes();
    let peak = start;
    const sampler = setInterval(() => (peak = Math.max(peak, api.rssBytes())), 50);
    let bytes = 0;
    let lines = 0;
    try {
      const response = await get(`${api.base}/exports/jobs/${id}/rejected-rows.csv`, VIEWER);
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        bytes += chunk.length;
        for (const byte of chunk) if (byte === 10) lines++;
      }
    } finally {
      clearInterval(sampler);
      await api.kill9();
    }
    expect(lines).toBe(1_000_001);
    // The CSV is ~135 MiB; holding it (or the rows) in memory would cost more than that.
    console.log(`1M-row export: ${(bytes / 2 ** 20).toFixed(0)} MiB; API RSS ${(start / 2 ** 20).toFixed(0)} → peak ${(peak / 2 ** 20).toFixed(0)} MiB`);
    expect(bytes).toBeGreaterThan(100 * 2 ** 20);
    expect(peak - start).toBeLessThan(64 * 2 ** 20);
  }, 180_000);
});
