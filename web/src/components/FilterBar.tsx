// The dashboard's filter bar: a date range within the data's, and the regions, companies
// and models the data holds (none ticked = all).
import type { DashboardFiltersQuery } from '../../../src/client/generated/graphql.js';
import { EMPTY_FILTER, isIsoDate, toggleValue, type FilterState } from '../lib/filters.js';

type Choices = DashboardFiltersQuery['dashboard'] | undefined;

export function FilterBar({ filter, choices, onChange }: { filter: FilterState; choices: Choices; onChange(next: FilterState): void }) {
  const setDate = (key: 'from' | 'to', value: string) => onChange({ ...filter, [key]: value && isIsoDate(value) ? value : null });
  const isDefault = !filter.from && !filter.to && !filter.regions.length && !filter.companies.length && !filter.models.length;
  return (
    <form className="card filters" aria-label="Filter" onSubmit={(event) => event.preventDefault()}>
      <div className="field">
        <label htmlFor="filter-from">From</label>
        <input
          id="filter-from"
          type="date"
          value={filter.from ?? ''}
          min={choices?.dateRange?.min}
          max={filter.to ?? choices?.dateRange?.max}
          onChange={(event) => setDate('from', event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="filter-to">To</label>
        <input
          id="filter-to"
          type="date"
          value={filter.to ?? ''}
          min={filter.from ?? choices?.dateRange?.min}
          max={choices?.dateRange?.max}
          onChange={(event) => setDate('to', event.target.value)}
        />
      </div>
      <Choice legend="Regions" name="region" values={choices?.regions} selected={filter.regions} onToggle={(value) => onChange(toggleValue(filter, 'regions', value))} />
      <Choice legend="Companies" name="company" values={choices?.companies} selected={filter.companies} onToggle={(value) => onChange(toggleValue(filter, 'companies', value))} />
      <Choice legend="Models" name="model" values={choices?.models} selected={filter.models} onToggle={(value) => onChange(toggleValue(filter, 'models', value))} />
      <div className="field end">
        <button type="button" disabled={isDefault} onClick={() => onChange({ ...EMPTY_FILTER, granularity: filter.granularity })}>
          Reset filter
        </button>
      </div>
    </form>
  );
}

function Choice({
  legend,
  name,
  values,
  selected,
  onToggle,
}: {
  legend: string;
  name: string;
  values: string[] | undefined;
  selected: string[];
  onToggle(value: string): void;
}) {
  // Values in the URL that the data no longer holds stay visible, so they can be unticked.
  const all = [...new Set([...(values ?? []), ...selected])];
  return (
    <details className="field choice" data-filter={name}>
      <summary>
        {legend}: {selected.length ? `${selected.length} selected` : 'all'}
      </summary>
      <fieldset>
        <legend className="visually-hidden">{legend}</legend>
        {all.map((value) => (
          <label key={value} className="checkbox">
            <input type="checkbox" name={name} value={value} checked={selected.includes(value)} onChange={() => onToggle(value)} />
            {value || '(none)'}
          </label>
        ))}
        {!all.length && <p className="muted">No values yet</p>}
      </fieldset>
    </details>
  );
}
