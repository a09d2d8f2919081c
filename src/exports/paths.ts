// Where the exports live, for the router and for the GraphQL fields that link to them.
import type { DashboardFilter } from '../dashboard/filter.js';
import { DASHBOARD_SERIES, FILTER_PARAMETERS, type SeriesName, type SeriesOptions } from './dashboard-series.js';

export const EXPORTS_PATH = '/exports';

export const rejectedRowsPath = (jobId: string) => `${EXPORTS_PATH}/jobs/${jobId}/rejected-rows.csv`;

/**
 * The export's path, relative to the API origin, with the filter and the series' own
 * options as query parameters; what `GET /exports/dashboard/{series}.csv` parses back.
 */
export function dashboardSeriesPath(name: SeriesName, filter: DashboardFilter, options: SeriesOptions): string {
  const query = new URLSearchParams();
  if (filter.from) query.set('from', filter.from);
  if (filter.to) query.set('to', filter.to);
  for (const [list, parameter] of Object.entries(FILTER_PARAMETERS) as [keyof typeof FILTER_PARAMETERS, string][]) {
    for (const value of filter[list] ?? []) query.append(parameter, value);
  }
  for (const parameter of DASHBOARD_SERIES[name].parameters) query.set(parameter, String(options[parameter]));
  const text = query.toString();
  return `${EXPORTS_PATH}/dashboard/${name}.csv${text ? `?${text}` : ''}`;
}
