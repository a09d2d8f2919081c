// Deterministic dashboard test data, loaded the way ingestion leaves it: users and
// transactions rows, one job per batch with its aggregate batch, then the real
// refreshAggregates. Conversations span days and models; some users have no company,
// some have no transactions, some transactions carry a region/company snapshot that
// differs from the user's current row (the user moved after ingest).
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { refreshAggregates } from '../../worker/pipeline/aggregates.js';
import { seeded } from './random.js';

export const REGIONS = ['BR', 'EU', 'JP', 'US'];
export const COMPANIES = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Zeta Co'];
export const MODELS = ['claude-3', 'gemini-pro', 'gpt-4o', 'llama-3', 'mistral-l'];
/** Used by exactly one conversation in every data set. */
export const RARE_MODEL = 'rare-model';

export interface Random {
  next(): number;
  int(min: number, max: number): number;
  pick<T>(values: readonly T[]): T;
  chance(p: number): boolean;
  uuid(): string;
}

export function random(seed: number): Random {
  const next = seeded(seed);
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    pick: (values) => values[Math.floor(next() * values.length)] as (typeof values)[number],
    chance: (p) => next() < p,
    uuid: () => {
      const hex = Array.from({ length: 32 }, () => int(0, 15).toString(16)).join('');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
    },
  };
}

export interface UserRow {
  id: string;
  seq: number;
  name: string;
  region: string;
  is_active_sub: boolean;
  company: string | null;
}

export interface TransactionRow {
  row_id: string;
  user_id: string;
  user_seq: number;
  model: string;
  conversation_id: string;
  token_type: 'prompt' | 'completion';
  token_count: number;
  rate_per_1k: string;
  cost: string;
  occurred_at: string;
  date: string;
  region: string;
  company: string;
  job_id: string;
}

export const FIRST_DAY = '2025-01-27';
export const DAYS = 45; // crosses month and ISO-week boundaries

export const addDays = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

export interface DataSet {
  users: UserRow[];
  /** Transactions in load order, split into batches (one ingestion job each). */
  batches: TransactionRow[][];
}

export function generateDataSet(seed: number, options: { users?: number; conversations?: number } = {}): DataSet {
  const rnd = random(seed);
  const users: UserRow[] = Array.from({ length: options.users ?? 50 }, (_, index) => ({
    id: rnd.uuid(),
    seq: index + 1,
    name: `user ${index}`,
    region: rnd.pick(REGIONS),
    is_active_sub: rnd.chance(0.7),
    company: rnd.chance(0.3) ? null : rnd.pick(COMPANIES),
  }));
  // A few users never transact (they still count as subscribers).
  const transacting = users.slice(0, users.length - 4);
  const conversations = options.conversations ?? 300;
  const batches: TransactionRow[][] = [[], []];
  for (let c = 0; c < conversations; c++) {
    const user = rnd.pick(transacting);
    const conversationId = rnd.uuid();
    const startDay = rnd.int(0, DAYS - 1);
    const model = c === 0 ? RARE_MODEL : rnd.pick(MODELS);
    // Snapshot: occasionally the user's region/company at ingest differed from today's row.
    const moved = rnd.chance(0.05);
    const region = moved ? rnd.pick(REGIONS) : user.region;
    const company = moved ? (rnd.chance(0.5) ? '' : rnd.pick(COMPANIES)) : (user.company ?? '');
    const batch = batches[c % 2 === 0 || rnd.chance(0.3) ? 0 : 1] as TransactionRow[];
    const rows = c === 0 ? 2 : rnd.int(1, 6);
    for (let r = 0; r < rows; r++) {
      const day = Math.min(DAYS - 1, startDay + (c > 0 && rnd.chance(0.15) ? rnd.int(1, 8) : 0));
      const date = addDays(FIRST_DAY, day);
      const seconds = rnd.int(0, 86_399);
      const tokenCount = rnd.chance(0.05) ? 0 : rnd.int(1, 4000);
      const rate = (rnd.int(1, 3000) / 100_000).toFixed(5);
      const rowModel = c > 0 && rnd.chance(0.12) ? rnd.pick(MODELS) : model;
      const row: TransactionRow = {
        row_id: rnd.uuid(),
        user_id: user.id,
        user_seq: user.seq,
        model: rowModel,
        conversation_id: conversationId,
        token_type: r % 2 === 0 || rnd.chance(0.2) ? 'prompt' : 'completion',
        token_count: tokenCount,
        rate_per_1k: rate,
        cost: ((tokenCount * Number(rate)) / 1000).toFixed(8),
        occurred_at: new Date(Date.parse(`${date}T00:00:00Z`) + seconds * 1000).toISOString(),
        date,
        // Rarely a row of the conversation carries another snapshot (the user moved between
        // two uploads): the conversation then spans regions/companies, even within one day.
        ...(c > 0 && rnd.chance(0.03)
          ? { region: rnd.pick(REGIONS), company: rnd.chance(0.3) ? '' : rnd.pick(COMPANIES) }
          : { region, company }),
        job_id: '',
      };
      // A later batch may re-touch an earlier batch's conversation on other days.
      (rnd.chance(0.1) ? (batches[1] as TransactionRow[]) : batch).push(row);
    }
  }
  return { users, batches };
}

/** Inserts users + transactions batch by batch, each as a job refreshed by the real refreshAggregates. */
export async function loadDataSet(pool: pg.Pool, data: DataSet): Promise<void> {
  await pool.query(
    `INSERT INTO users (id, seq, name, region, is_active_sub, company)
     SELECT id, seq, name, region, is_active_sub, company FROM json_populate_recordset(null::users, $1::json)`,
    [JSON.stringify(data.users)],
  );
  await pool.query(`SELECT setval(pg_get_serial_sequence('users', 'seq'), (SELECT max(seq) FROM users))`);
  for (const batch of data.batches) await loadTransactions(pool, batch);
}

export async function loadTransactions(pool: pg.Pool, rows: readonly TransactionRow[]): Promise<string> {
  const jobId = randomUUID();
  await pool.query(`INSERT INTO ingest_jobs (id, status) VALUES ($1, 'COMPLETED')`, [jobId]);
  await stageAggregateBatch(pool, jobId, rows);
  await refreshAggregates(pool, jobId);
  return jobId;
}

/**
 * Inserts rows as one run of `jobId` would (an aggregate batch with its pending dates),
 * for refreshAggregates to apply.
 */
export async function stageAggregateBatch(pool: pg.Pool, jobId: string, rows: readonly TransactionRow[]): Promise<number> {
  const { rows: created } = await pool.query<{ id: number }>('INSERT INTO aggregate_batches (job_id) VALUES ($1) RETURNING id', [jobId]);
  const batch = created[0]!.id;
  const withJob = rows.map((row) => ({ ...row, job_id: jobId, agg_batch: batch }));
  await pool.query(
    `INSERT INTO transactions SELECT * FROM json_populate_recordset(null::transactions, $1::json)`,
    [JSON.stringify(withJob)],
  );
  await pool.query(
    `INSERT INTO aggregate_pending (batch, date) SELECT DISTINCT $1::int, d::date FROM unnest($2::text[]) d`,
    [batch, [...new Set(rows.map((row) => row.date))]],
  );
  return batch;
}
