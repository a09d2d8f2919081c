// Dashboard: the filter bar (choices from the API, state in the URL), KPI cards with the
// previous period's change, then the charts (ECharts, loaded after the cards) and CSV exports.
// The cards and the charts are two queries, the charts' sent once the cards have their first
// answer, so the cards do not wait for the series; both read the same Dashboard entity (its
// id comes from the filter).
import { lazy, Suspense, useMemo } from 'react';
import { useQuery } from 'urql';
import type { DashboardChartsQuery as ChartsData, DashboardKpisQuery as KpisData } from '../../../src/client/generated/graphql.js';
import { DashboardChartsQuery, DashboardFiltersQuery, DashboardKpisQuery } from '../../../src/client/operations/dashboard.js';
import { doc } from '../client.js';
import { DownloadButton } from '../components/DownloadButton.js';
import { FilterBar } from '../components/FilterBar.js';
import { filterFromSearch, searchFromFilter, toGraphQLFilter, type FilterState } from '../lib/filters.js';
import { formatInstant } from '../lib/format.js';
import { kpiCards } from '../lib/kpis.js';
import { navigate, useLocation } from '../navigation.js';
import { useSession } from '../session.js';

const Filters = doc(DashboardFiltersQuery);
const Kpis = doc(DashboardKpisQuery);
const ChartsDocument = doc(DashboardChartsQuery);
// ECharts is the largest part of the bundle: its chunk loads while the cards render.
const Charts = lazy(() => import('../components/Charts.js'));

export function Dashboard() {
  const { search } = useLocation();
  const filter = useMemo(() => filterFromSearch(search), [search]);
  const setFilter = (next: FilterState) => navigate(`/dashboard${searchFromFilter(next)}`, { replace: true });
  const [choices] = useQuery({ query: Filters });
  const graphqlFilter = useMemo(() => toGraphQLFilter(filter), [filter]);
  const [kpis] = useQuery({ query: Kpis, variables: { filter: graphqlFilter } });
  const chartVariables = useMemo(() => ({ filter: graphqlFilter, granularity: filter.granularity, limit: 10 }), [graphqlFilter, filter.granularity]);
  // The series wait for the cards' first answer: on a busy API the two would share its CPU
  // and the cards, the first figures a person reads, would come later.
  const [charts] = useQuery({ query: ChartsDocument, variables: chartVariables, pause: !kpis.data && !kpis.error });
  const error = kpis.error ?? charts.error;
  const dashboard = kpis.data?.dashboard;

  return (
    <section aria-labelledby="dashboard-title" className="stack">
      <div className="row spread">
        <h1 id="dashboard-title">Dashboard</h1>
        <p className="muted" aria-live="polite">
          {kpis.fetching || charts.fetching ? 'Updating…' : dashboard?.meta.asOf ? `Data as of ${formatInstant(dashboard.meta.asOf)}` : ''}
        </p>
      </div>
      <FilterBar filter={filter} choices={choices.data?.dashboard} onChange={setFilter} />
      {error && (
        <p className="error" role="alert">
          {error.graphQLErrors[0]?.message ?? error.message}
        </p>
      )}
      {dashboard && <KpiCards dashboard={dashboard} />}
      {charts.data && (
        <ChartsAndExports dashboard={charts.data.dashboard} filter={filter} onGranularity={(granularity) => setFilter({ ...filter, granularity })} />
      )}
    </section>
  );
}

function KpiCards({ dashboard }: { dashboard: KpisData['dashboard'] }) {
  const previous = dashboard.previousPeriod;
  const cards = kpiCards(dashboard.kpis, previous?.kpis);
  return (
    <section aria-label="Key figures" className="kpis" data-testid="kpis">
      {cards.map((card) => (
        <article key={card.key} className="card kpi" data-kpi={card.key} data-value={card.value ?? ''}>
          <h2>{card.label}</h2>
          <p className="kpi-value">{card.text}</p>
          <p className={`kpi-change ${card.change.direction}`}>
            {previous ? (
              <>
                {card.change.text} <span className="muted">vs {previous.from} – {previous.to}</span>
              </>
            ) : (
              <span className="muted">Set both dates to compare with the period before</span>
            )}
          </p>
        </article>
      ))}
      <article className="card kpi">
        <h2>Models</h2>
        <p className="kpi-models">
          Most used: <strong>{dashboard.kpis.highestUsedModel ?? '—'}</strong>
          <br />
          Costliest: <strong>{dashboard.kpis.costliestModel ?? '—'}</strong>
          <br />
          Least used: <strong>{dashboard.kpis.leastUsedModel ?? '—'}</strong>
        </p>
      </article>
    </section>
  );
}

function ChartsAndExports({
  dashboard,
  filter,
  onGranularity,
}: {
  dashboard: ChartsData['dashboard'];
  filter: FilterState;
  onGranularity(granularity: FilterState['granularity']): void;
}) {
  const { token } = useSession();
  return (
    <>
      <Suspense fallback={<p role="status">Loading charts…</p>}>
        <Charts dashboard={dashboard} granularity={filter.granularity} onGranularity={onGranularity} />
      </Suspense>
      <section aria-labelledby="exports-title" className="card">
        <h2 id="exports-title">Export (CSV, this filter)</h2>
        <div className="row wrap">
          <DownloadButton url={dashboard.exportUrls.spendTrend} token={token} label={`Spend trend (${filter.granularity.toLowerCase()})`} />
          <DownloadButton url={dashboard.exportUrls.costByModel} token={token} label="Cost by model" />
          <DownloadButton url={dashboard.exportUrls.costByRegion} token={token} label="Cost by region" />
          <DownloadButton url={dashboard.exportUrls.topCompanies} token={token} label="Top companies" />
        </div>
      </section>
    </>
  );
}
