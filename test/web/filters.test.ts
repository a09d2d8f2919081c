// @vitest-environment happy-dom
// The dashboard filter ↔ URL: what a shared link opens, and what a change writes.
import { describe, expect, it } from 'vitest';
import { EMPTY_FILTER, filterFromSearch, isIsoDate, searchFromFilter, toGraphQLFilter, toggleValue } from '../../web/src/lib/filters.js';

describe('dashboard filter in the URL', () => {
  it('reads every part of a shared link', () => {
    expect(filterFromSearch('?from=2026-01-01&to=2026-01-31&region=EU&region=US&company=Acme+Inc&model=gpt-4o&granularity=WEEK')).toEqual({
      from: '2026-01-01',
      to: '2026-01-31',
      regions: ['EU', 'US'],
      companies: ['Acme Inc'],
      models: ['gpt-4o'],
      granularity: 'WEEK',
    });
  });

  it('writes a filter so that reading it back gives the same filter, including values with + & = and spaces', () => {
    const filter = { from: '2025-02-01', to: '2025-02-10', regions: ['EU', 'US'], companies: ['A&B = C+D', 'Zoë Ltd'], models: ['gpt-4o+mini'], granularity: 'MONTH' as const };
    const search = searchFromFilter(filter);
    expect(search).toBe('?from=2025-02-01&to=2025-02-10&region=EU&region=US&company=A%26B+%3D+C%2BD&company=Zo%C3%AB+Ltd&model=gpt-4o%2Bmini&granularity=MONTH');
    expect(filterFromSearch(search)).toEqual(filter);
  });

  it('writes nothing for the default view, and no granularity when it is DAY', () => {
    expect(searchFromFilter(EMPTY_FILTER)).toBe('');
    expect(searchFromFilter({ ...EMPTY_FILTER, regions: ['JP'] })).toBe('?region=JP');
  });

  it('drops what a hand-edited link gets wrong: impossible dates, unknown granularity, empty and repeated values', () => {
    expect(filterFromSearch('?from=2026-02-30&to=tomorrow&granularity=YEAR&region=&region=EU&region=EU')).toEqual({
      ...EMPTY_FILTER,
      regions: ['EU'],
    });
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2025-02-29')).toBe(false);
  });

  it('reads a reversed range as meant', () => {
    expect(filterFromSearch('?from=2026-03-10&to=2026-03-01')).toMatchObject({ from: '2026-03-01', to: '2026-03-10' });
  });

  it('sends the API only what is set (absent lists mean all)', () => {
    expect(toGraphQLFilter(EMPTY_FILTER)).toEqual({});
    expect(toGraphQLFilter({ ...EMPTY_FILTER, from: '2026-01-01', models: ['m'] })).toEqual({ from: '2026-01-01', models: ['m'] });
  });

  it('ticks and unticks a value', () => {
    const once = toggleValue(EMPTY_FILTER, 'companies', 'Acme');
    expect(once.companies).toEqual(['Acme']);
    expect(toggleValue(once, 'companies', 'Acme').companies).toEqual([]);
  });
});
