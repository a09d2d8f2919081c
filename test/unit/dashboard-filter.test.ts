// Filter validation, SQL predicates and the version-keyed cache, without a database.
import { describe, expect, it } from 'vitest';
import { DashboardCache } from '../../src/dashboard/cache.js';
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

  it('gives equal filters equal cache keys', () => {
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
    const cache = new DashboardCache(10);
    let runs = 0;
    const compute = async () => ++runs;
    const [a, b] = await Promise.all([cache.getOrCompute('k', compute), cache.getOrCompute('k', compute)]);
    expect([a, b, runs]).toEqual([1, 1, 1]);
    await expect(cache.getOrCompute('bad', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await new Promise((resolve) => setImmediate(resolve));
    expect(await cache.getOrCompute('bad', compute)).toBe(2);
  });

  it('evicts the least recently used entry beyond its size', async () => {
    const cache = new DashboardCache(2);
    await cache.getOrCompute('a', async () => 'a1');
    await cache.getOrCompute('b', async () => 'b1');
    await cache.getOrCompute('a', async () => 'a2'); // a is now most recent
    await cache.getOrCompute('c', async () => 'c1'); // evicts b
    expect(await cache.getOrCompute('a', async () => 'a3')).toBe('a1');
    expect(await cache.getOrCompute('b', async () => 'b2')).toBe('b2');
  });

  it('is off with zero entries', () => {
    expect(new DashboardCache(0).enabled).toBe(false);
  });
});
