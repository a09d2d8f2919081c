// Filter validation, SQL predicates and the version-keyed cache, without a database.
import { describe, expect, it } from 'vitest';
import { DashboardCache, estimateBytes } from '../../src/dashboard/cache.js';
import { compareNames } from '../../src/dashboard/dashboard.js';
import { filterKey, validateFilter, validateGranularity, validateTopCompaniesLimit } from '../../src/dashboard/filter.js';
import { Params, bucketExpression, filterPredicate, sumsTable, dimensionsUsed } from '../../src/dashboard/sql.js';
import { DomainError } from '../../src/errors.js';

function expectBadInput(run: () => unknown, argument: string): void {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('BAD_USER_INPUT');
    expect((error as DomainError).details).toEqual({ argument });
    expect((error as DomainError).message).toContain(argument);
    return;
  }
  throw new Error(`expected BAD_USER_INPUT for ${argument}`);
}

describe('validateFilter', () => {
  it('treats absent and empty lists as all, and dedupes and sorts lists', () => {
    expect(validateFilter(undefined)).toEqual({ from: null, to: null, regions: null, companies: null, models: null });
    expect(validateFilter({ regions: [], companies: null, models: ['b', 'a', 'b'] })).toEqual({
      from: null,
      to: null,
      regions: null,
      companies: null,
      models: ['a', 'b'],
    });
  });

  it('accepts from = to and rejects from > to', () => {
    expect(validateFilter({ from: '2025-01-01', to: '2025-01-01' })).toMatchObject({ from: '2025-01-01', to: '2025-01-01' });
    expectBadInput(() => validateFilter({ from: '2025-01-02', to: '2025-01-01' }), 'filter.from');
  });

  it('rejects lists longer than 100', () => {
    const many = Array.from({ length: 101 }, (_, i) => `v${i}`);
    expect(validateFilter({ regions: many.slice(0, 100) }).regions).toHaveLength(100);
    expectBadInput(() => validateFilter({ regions: many }), 'filter.regions');
    expectBadInput(() => validateFilter({ companies: many }), 'filter.companies');
    expectBadInput(() => validateFilter({ models: many }), 'filter.models');
  });

  it('refuses values longer than the data can hold, naming the value', () => {
    const code = 'r'.repeat(128);
    const company = 'c'.repeat(256);
    expect(validateFilter({ regions: [code], models: [code], companies: [company] }).companies).toEqual([company]);
    expectBadInput(() => validateFilter({ regions: ['a', 'b', 'c', `${code}x`] }), 'filter.regions[3]');
    expectBadInput(() => validateFilter({ models: [`${code}x`] }), 'filter.models[0]');
    expectBadInput(() => validateFilter({ companies: ['ok', `${company}x`] }), 'filter.companies[1]');
    // Characters are code points, as ingest counts them: 256 emoji are a storable company.
    const emoji = '🏢'.repeat(256);
    expect(validateFilter({ companies: [emoji] }).companies).toEqual([emoji]);
    expectBadInput(() => validateFilter({ companies: [`${emoji}🏢`] }), 'filter.companies[0]');
  });

  it('refuses control characters (NUL, escape, DEL, C1) in values', () => {
    for (const bad of ['a\u0000b', '\u001b[31m', 'x\u007f', '\u0085', 'line\nbreak']) {
      expectBadInput(() => validateFilter({ regions: ['fine', 'ok', 'good', bad] }), 'filter.regions[3]');
    }
    expect(validateFilter({ companies: ['Société Générale', '株式会社'] }).companies).toHaveLength(2);
  });

  it('gives equal filters equal cache keys of a fixed size', () => {
    const huge = validateFilter({ regions: Array.from({ length: 100 }, (_, i) => `${i}`.padEnd(128, 'r')) });
    expect(filterKey(huge).length).toBeLessThanOrEqual(64);
    expect(filterKey(validateFilter({ models: ['b', 'a'] }))).toBe(filterKey(validateFilter({ models: ['a', 'b', 'a'] })));
    expect(filterKey(validateFilter({ regions: [] }))).toBe(filterKey(validateFilter({})));
    expect(filterKey(validateFilter({ regions: ['a'] }))).not.toBe(filterKey(validateFilter({ companies: ['a'] })));
  });
});

describe('limit and granularity', () => {
  it('accepts 1..100 (default 10)', () => {
    expect(validateTopCompaniesLimit(undefined)).toBe(10);
    expect(validateTopCompaniesLimit(1)).toBe(1);
    expect(validateTopCompaniesLimit(100)).toBe(100);
    expectBadInput(() => validateTopCompaniesLimit(0), 'limit');
    expectBadInput(() => validateTopCompaniesLimit(101), 'limit');
    expectBadInput(() => validateTopCompaniesLimit(-5), 'limit');
  });

  it('knows DAY, WEEK and MONTH (default DAY)', () => {
    expect(validateGranularity(undefined)).toBe('DAY');
    expect(validateGranularity('MONTH')).toBe('MONTH');
    expectBadInput(() => validateGranularity('YEAR'), 'granularity');
  });
});

describe('SQL building blocks', () => {
  it('writes only the conditions the filter needs, with typed parameters', () => {
    const params = new Params();
    const filter = validateFilter({ from: '2025-01-01', companies: ['Acme'], models: ['m'] });
    expect(filterPredicate(filter, params)).toBe(
      `date >= $1::date AND company = ANY($2::text[]) AND company <> '' AND model = ANY($3::text[])`,
    );
    expect(params.values).toEqual(['2025-01-01', ['Acme'], ['m']]);
    expect(filterPredicate(validateFilter({}), new Params())).toBe('true');
  });

  it('reads sums from the smallest table holding the dimensions used', () => {
    const none = validateFilter({ regions: ['EU'], from: '2025-01-01' });
    expect(sumsTable(dimensionsUsed(none, []))).toBe('daily_metrics');
    expect(sumsTable(dimensionsUsed(none, ['region']))).toBe('daily_metrics');
    expect(sumsTable(dimensionsUsed(none, ['model']))).toBe('daily_model_metrics');
    expect(sumsTable(dimensionsUsed(validateFilter({ companies: ['a'] }), []))).toBe('daily_company_metrics');
    expect(sumsTable(dimensionsUsed(validateFilter({ companies: ['a'] }), ['model']))).toBe('daily_cell_metrics');
  });

  it('buckets by day, ISO week and calendar month', () => {
    expect(bucketExpression('DAY')).toBe('date');
    expect(bucketExpression('WEEK')).toContain(`'week'`);
    expect(bucketExpression('MONTH')).toContain(`'month'`);
  });

  it('orders names like the database "C" collation', () => {
    expect(['b', 'B', 'a', 'é', 'z'].sort(compareNames)).toEqual(['B', 'a', 'b', 'z', 'é']);
  });
});

describe('DashboardCache', () => {
  it('computes once per key, shares in-flight work and forgets failures', async () => {
    const cache = new DashboardCache(1 << 20);
    let runs = 0;
    const compute = async () => ++runs;
    const [a, b] = await Promise.all([cache.getOrCompute('k', compute), cache.getOrCompute('k', compute)]);
    expect([a, b, runs]).toEqual([1, 1, 1]);
    await expect(cache.getOrCompute('bad', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await new Promise((resolve) => setImmediate(resolve));
    expect(await cache.getOrCompute('bad', compute)).toBe(2);
  });

  it('evicts the least recently used entry beyond its size', async () => {
    const probe = new DashboardCache(1 << 20);
    await probe.getOrCompute('a', async () => 'a1');
    const cache = new DashboardCache(2 * probe.bytes); // room for two such entries
    await cache.getOrCompute('a', async () => 'a1');
    await cache.getOrCompute('b', async () => 'b1');
    await cache.getOrCompute('a', async () => 'a2'); // a is now most recent
    await cache.getOrCompute('c', async () => 'c1'); // evicts b
    expect(await cache.getOrCompute('a', async () => 'a3')).toBe('a1');
    expect(await cache.getOrCompute('b', async () => 'b2')).toBe('b2');
  });

  it('accounts bytes by result size and never holds more than its cap', async () => {
    const cap = 64 * 1024;
    const cache = new DashboardCache(cap);
    const result = (i: number) => Array.from({ length: 50 }, (_, j) => ({ model: `model-${i}-${j}`, cost: i * j }));
    for (let i = 0; i < 200; i++) {
      await cache.getOrCompute(`key-${i}`, async () => result(i));
      expect(cache.bytes).toBeLessThanOrEqual(cap);
    }
    expect(cache.bytes).toBeGreaterThan(cap / 2);
    expect(cache.size).toBeGreaterThan(1);
    expect(cache.size).toBeLessThan(200);
    let recomputed = false;
    await cache.getOrCompute('key-199', async () => ((recomputed = true), []));
    expect(recomputed).toBe(false); // the newest entry is still there
    expect(estimateBytes(result(1))).toBeGreaterThan(50 * 20);
  });

  it('returns but does not keep a result larger than the whole cache', async () => {
    const cache = new DashboardCache(1024);
    const big = 'x'.repeat(4096);
    expect(await cache.getOrCompute('big', async () => big)).toBe(big);
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
  });

  it('is off with zero bytes', () => {
    expect(new DashboardCache(0).enabled).toBe(false);
  });
});
