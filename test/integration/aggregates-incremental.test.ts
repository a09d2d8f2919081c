// Incremental aggregates over a long random sequence of small uploads (issue 13): rows
// re-uploaded with another date, model, conversation or cost; users moving region and
// company between uploads; conversations becoming spanning and solo again; unchanged
// re-uploads. After every job every aggregate and helper table (the distinct sets
// included) must equal a full recompute from transactions written as plain SQL
// (test/helpers/reference-aggregates.ts), and nothing may stay pending.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../helpers/random.js';
import { createHarness, csv, id, TX_HEADER, USERS_HEADER, type IngestHarness } from '../helpers/ingest-fixtures.js';

const SEED = Number(process.env.TEST_SEED ?? 1313);
const U = (n: number) => id(n, 1);
const T = (n: number) => id(n, 2);
const C = (n: number) => id(n, 3);
const REGIONS = ['EU', 'US', 'JP'];
const COMPANIES = ['Acme', 'Globex', ''];
const MODELS = ['gpt-4o', 'claude-3-5-sonnet', 'gemini-1.5-flash'];
const DAYS = ['2024-05-01', '2024-05-02', '2024-05-03', '2024-05-04'];

describe(`incremental aggregates (seed ${SEED})`, () => {
  let h: IngestHarness;
  beforeAll(async () => {
    h = await createHarness('aggregates_incremental');
  });
  afterAll(async () => h?.close());

  const rnd = new Rng(SEED);
  const userLine = (n: number) =>
    `${U(n)},user ${n},${rnd.pick(REGIONS)},${rnd.chance(0.7)},,${rnd.pick(COMPANIES)},2024-01-01`;
  /** The last version uploaded of each row, to re-upload some unchanged. */
  const uploaded = new Map<number, string>();
  const rowLine = (n: number) => {
    const day = rnd.pick(DAYS);
    // Some conversations cross midnight: the last minutes of a day and the first of the next.
    const at = rnd.chance(0.2) ? `${day}T23:5${rnd.int(0, 9)}:00Z` : `${day}T${String(rnd.int(0, 22)).padStart(2, '0')}:00:00Z`;
    const tokens = rnd.int(1, 5000);
    const cents = rnd.int(-3, 900); // a negative cost (a refund) now and then
    return [T(n), U(rnd.int(1, 6)), rnd.pick(MODELS), C(rnd.int(1, 10)), rnd.chance(0.5) ? 'prompt' : 'completion',
      String(tokens), '0.002', `${(cents / 100).toFixed(2)}`, at].join(',');
  };

  it('equals a full recompute after each of 30 jobs', { timeout: 240_000 }, async () => {
    const first = await h.upload({ users: csv(USERS_HEADER, Array.from({ length: 6 }, (_, i) => userLine(i + 1))) });
    expect((await h.run(first)).status).toBe('COMPLETED');
    for (let job = 0; job < 30; job++) {
      const users = rnd.chance(0.25) ? csv(USERS_HEADER, [userLine(rnd.int(1, 6))]) : undefined;
      const lines = new Map<number, string>();
      for (let k = rnd.int(1, 12); k > 0; k--) {
        const n = rnd.int(1, 40);
        const again = uploaded.get(n);
        lines.set(n, again && rnd.chance(0.3) ? again : rowLine(n));
      }
      for (const [n, line] of lines) uploaded.set(n, line);
      const jobId = await h.upload({ users, transactions: csv(TX_HEADER, [...lines.values()]) });
      const result = await h.run(jobId);
      expect(['COMPLETED', 'COMPLETED_WITH_ERRORS'], `job ${job}`).toContain(result.status);
      expect(await h.differences(), `after job ${job}`).toEqual({});
      const { rows } = await h.db.pool.query('SELECT count(*)::int AS n FROM aggregate_pending');
      expect(rows[0].n, `pending after job ${job}`).toBe(0);
    }
    // The sequence did exercise what it is for.
    const { rows } = await h.db.pool.query<{ updated: number; spanning: number }>(
      `SELECT (SELECT sum(updated_rows)::int FROM job_files) AS updated,
              (SELECT count(DISTINCT conversation_id)::int FROM conversation_cells WHERE spans_cells) AS spanning`,
    );
    expect(rows[0]!.updated).toBeGreaterThan(15);
    expect(rows[0]!.spanning).toBeGreaterThan(0);
  });

  // Conversations as real exports have them: one user, one day, now and then another model
  // (spanning models only: counted by model_spanning_conversations and model_conversations
  // sets), sometimes moved to another user or day (spanning wide) and back.
  it('equals a full recompute while conversations flip between solo, models-only and wide spans', { timeout: 240_000 }, async () => {
    const owner = (conversation: number) => ({ user: 7 + (conversation % 3), day: DAYS[conversation % DAYS.length]! });
    const first = await h.upload({ users: csv(USERS_HEADER, [7, 8, 9].map(userLine)) });
    expect((await h.run(first)).status).toBe('COMPLETED');
    const spans = new Set<string>();
    for (let job = 0; job < 25; job++) {
      const lines: string[] = [];
      for (let k = rnd.int(1, 10); k > 0; k--) {
        const conversation = rnd.int(11, 18);
        const home = owner(conversation);
        const wide = rnd.chance(0.15);
        const user = wide && rnd.chance(0.5) ? 7 + rnd.int(0, 2) : home.user;
        const day = wide ? rnd.pick(DAYS) : home.day;
        const model = rnd.chance(0.3) ? rnd.pick(MODELS) : MODELS[conversation % MODELS.length]!;
        lines.push([T(100 + rnd.int(1, 60)), U(user), model, C(conversation), rnd.chance(0.5) ? 'prompt' : 'completion',
          String(rnd.int(1, 5000)), '0.002', `${(rnd.int(0, 900) / 100).toFixed(2)}`, `${day}T${String(rnd.int(0, 22)).padStart(2, '0')}:00:00Z`].join(','));
      }
      const users = rnd.chance(0.2) ? csv(USERS_HEADER, [userLine(rnd.int(7, 9))]) : undefined;
      const jobId = await h.upload({ users, transactions: csv(TX_HEADER, [...new Map(lines.map((line) => [line.slice(0, 36), line])).values()]) });
      expect(['COMPLETED', 'COMPLETED_WITH_ERRORS'], `job ${job}`).toContain((await h.run(jobId)).status);
      expect(await h.differences(), `after job ${job}`).toEqual({});
      const { rows } = await h.db.pool.query<{ span: string }>(
        `SELECT CASE WHEN count(*) = 1 THEN 'solo'
                     WHEN count(DISTINCT (date, region, company)) = 1 THEN 'models' ELSE 'wide' END AS span
           FROM conversation_cells GROUP BY conversation_id`,
      );
      for (const { span } of rows) spans.add(span);
    }
    // Every span was met (the flips between them are what the recompute checks).
    expect([...spans].sort()).toEqual(['models', 'solo', 'wide']);
  });
});
