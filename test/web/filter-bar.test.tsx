// @vitest-environment happy-dom
// The filter bar rendered by React: ticking a value and picking a date write the URL (so a
// view can be shared), and opening a URL shows its filter ticked.
import { act, useMemo } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FilterBar } from '../../web/src/components/FilterBar.js';
import { filterFromSearch, searchFromFilter } from '../../web/src/lib/filters.js';
import { navigate, useLocation } from '../../web/src/navigation.js';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const choices = {
  __typename: 'Dashboard' as const,
  id: 'd',
  dateRange: { __typename: 'DateRange' as const, min: '2026-01-01', max: '2026-01-31' },
  regions: ['EU', 'US'],
  companies: ['Acme', 'Globex'],
  models: ['gpt-4o', 'claude'],
};

/** What the dashboard does: the filter is the URL's, and a change replaces the URL. */
function Harness() {
  const { search } = useLocation();
  const filter = useMemo(() => filterFromSearch(search), [search]);
  return <FilterBar filter={filter} choices={choices} onChange={(next) => navigate(`/dashboard${searchFromFilter(next)}`, { replace: true })} />;
}

let root: Root;
let container: HTMLElement;

beforeEach(() => {
  window.history.replaceState(null, '', '/dashboard');
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
});

const checkbox = (name: string, value: string) => container.querySelector<HTMLInputElement>(`input[name="${name}"][value="${value}"]`)!;

describe('filter bar ↔ URL', () => {
  it('writes ticked values and dates into the URL without adding history entries', () => {
    act(() => root.render(<Harness />));
    const before = window.history.length;
    act(() => checkbox('region', 'US').click());
    act(() => checkbox('model', 'claude').click());
    expect(window.location.pathname + window.location.search).toBe('/dashboard?region=US&model=claude');
    const from = container.querySelector<HTMLInputElement>('#filter-from')!;
    expect(from.min).toBe('2026-01-01');
    act(() => {
      // React listens for input events; set the value as a browser would.
      Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(from, '2026-01-10');
      from.dispatchEvent(new Event('input', { bubbles: true }));
    });
    expect(window.location.search).toBe('?from=2026-01-10&region=US&model=claude');
    act(() => checkbox('region', 'US').click());
    expect(window.location.search).toBe('?from=2026-01-10&model=claude');
    expect(window.history.length).toBe(before);
  });

  it('opens a shared link with its filter shown, and Reset clears it', () => {
    window.history.replaceState(null, '', '/dashboard?to=2026-01-20&company=Globex&region=EU');
    act(() => root.render(<Harness />));
    expect(checkbox('company', 'Globex').checked).toBe(true);
    expect(checkbox('company', 'Acme').checked).toBe(false);
    expect(checkbox('region', 'EU').checked).toBe(true);
    expect(container.querySelector<HTMLInputElement>('#filter-to')!.value).toBe('2026-01-20');
    expect(container.querySelector('[data-filter="company"] summary')!.textContent).toBe('Companies: 1 selected');
    const reset = [...container.querySelectorAll('button')].find((button) => button.textContent === 'Reset filter')!;
    act(() => reset.click());
    expect(window.location.search).toBe('');
    expect(checkbox('company', 'Globex').checked).toBe(false);
  });

  it('follows the back button (popstate) to an earlier filter', () => {
    act(() => root.render(<Harness />));
    act(() => navigate('/dashboard?region=EU'));
    expect(checkbox('region', 'EU').checked).toBe(true);
    act(() => {
      window.history.replaceState(null, '', '/dashboard?region=US');
      window.dispatchEvent(new PopStateEvent('popstate'));
    });
    expect(checkbox('region', 'EU').checked).toBe(false);
    expect(checkbox('region', 'US').checked).toBe(true);
  });
});
