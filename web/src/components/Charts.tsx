// The dashboard's charts, on Apache ECharts imported piece by piece from echarts/core (only
// line and bar charts, the SVG renderer and the components used here are bundled). This
// module is its own chunk, loaded after the KPI cards render.
import { BarChart, LineChart, ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';
import type { DashboardChartsQuery, Granularity } from '../../../src/client/generated/graphql.js';
import { bucketOf } from '../lib/anomalies.js';
import { GRANULARITIES } from '../lib/filters.js';
import { formatCompact, formatCount, formatMoney } from '../lib/format.js';

echarts.use([LineChart, BarChart, ScatterChart, GridComponent, TooltipComponent, LegendComponent, SVGRenderer]);

type Dashboard = DashboardChartsQuery['dashboard'];
type Option = echarts.EChartsCoreOption;

const COLORS = ['#1f5fbf', '#c2410c', '#047857', '#7c3aed', '#b91c1c', '#0e7490', '#a16207', '#be185d'];
const money = (value: unknown) => formatMoney(Number(value));
const base: Option = {
  color: COLORS,
  grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
  tooltip: { trigger: 'axis', valueFormatter: money },
};

function Chart({ option, label, testId }: { option: Option; label: string; testId: string }) {
  const element = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  useEffect(() => {
    const instance = echarts.init(element.current!, undefined, { renderer: 'svg' });
    chart.current = instance;
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(element.current!);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption({ ...base, ...option }, { notMerge: true });
  }, [option]);
  // Our own label says what the chart shows in words (ECharts' aria component would replace
  // it with a generated list of raw values).
  return <div ref={element} className="chart" role="img" aria-label={label} data-testid={testId} />;
}

export default function Charts({
  dashboard,
  granularity,
  onGranularity,
}: {
  dashboard: Dashboard;
  granularity: Granularity;
  onGranularity(granularity: Granularity): void;
}) {
  const buckets = dashboard.spendTrend.map((point) => point.bucketStart);
  const marks = dashboard.spendAnomalies
    .map((anomaly) => ({ anomaly, index: bucketOf(anomaly.date, buckets) }))
    .filter(({ index }) => index >= 0);
  const trend: Option = {
    legend: { top: 0 },
    xAxis: { type: 'category', data: buckets },
    yAxis: { type: 'value', axisLabel: { formatter: (value: number) => `$${formatCompact(value)}` } },
    series: [
      { name: 'Spend', type: 'line', data: dashboard.spendTrend.map((point) => point.cost), showSymbol: buckets.length < 60 },
      {
        name: 'Unusual day',
        type: 'scatter',
        symbolSize: 12,
        itemStyle: { color: '#b91c1c' },
        data: marks.map(({ anomaly, index }) => [index, dashboard.spendTrend[index]!.cost, anomaly.date, anomaly.direction]),
        tooltip: { trigger: 'item', formatter: (p: { data: [number, number, string, string] }) => `${p.data[2]}: unusually ${p.data[3] === 'HIGH' ? 'high' : 'low'}` },
      },
    ],
  };
  const models = dashboard.costByModel;
  const byModel: Option = {
    xAxis: { type: 'value', axisLabel: { formatter: (value: number) => `$${formatCompact(value)}` } },
    yAxis: { type: 'category', data: models.map((row) => row.model).reverse() },
    series: [{ name: 'Cost', type: 'bar', data: models.map((row) => row.cost).reverse() }],
  };
  const byRegion: Option = {
    xAxis: { type: 'category', data: dashboard.costByRegion.map((row) => row.region) },
    yAxis: { type: 'value', axisLabel: { formatter: (value: number) => `$${formatCompact(value)}` } },
    series: [{ name: 'Cost', type: 'bar', data: dashboard.costByRegion.map((row) => row.cost) }],
  };
  const companies = dashboard.topCompanies;
  const topCompanies: Option = {
    xAxis: { type: 'value', axisLabel: { formatter: (value: number) => `$${formatCompact(value)}` } },
    yAxis: { type: 'category', data: companies.map((row) => row.company).reverse() },
    series: [{ name: 'Cost', type: 'bar', data: companies.map((row) => row.cost).reverse() }],
  };
  const subscribers: Option = {
    legend: { top: 0 },
    tooltip: { trigger: 'axis', valueFormatter: (value: unknown) => formatCount(Number(value)) },
    xAxis: { type: 'category', data: dashboard.subscribers.map((row) => row.region) },
    yAxis: { type: 'value' },
    series: [
      { name: 'Active', type: 'bar', stack: 'subs', data: dashboard.subscribers.map((row) => row.active), itemStyle: { color: '#047857' } },
      { name: 'Inactive', type: 'bar', stack: 'subs', data: dashboard.subscribers.map((row) => row.inactive), itemStyle: { color: '#9ca3af' } },
    ],
  };
  const active = dashboard.subscribers.reduce((sum, row) => sum + row.active, 0);
  const inactive = dashboard.subscribers.reduce((sum, row) => sum + row.inactive, 0);

  return (
    <div className="charts">
      <section className="card wide" aria-labelledby="trend-title">
        <div className="row spread">
          <h2 id="trend-title">Spend trend</h2>
          <div role="group" aria-label="Granularity" className="segmented">
            {GRANULARITIES.map((value) => (
              <button key={value} type="button" aria-pressed={value === granularity} onClick={() => onGranularity(value)}>
                {value === 'DAY' ? 'Day' : value === 'WEEK' ? 'Week' : 'Month'}
              </button>
            ))}
          </div>
        </div>
        <Chart option={trend} testId="chart-trend" label={`Spend per ${granularity.toLowerCase()}, ${buckets.length} points, ${marks.length} unusual days marked`} />
        {marks.length > 0 && (
          <details>
            <summary>{marks.length} unusual days</summary>
            <ul className="anomalies">
              {marks.map(({ anomaly }) => (
                <li key={anomaly.date}>
                  {anomaly.date}: {formatMoney(anomaly.cost)} (usual {formatMoney(anomaly.baseline)}), {anomaly.direction === 'HIGH' ? 'high' : 'low'}
                </li>
              ))}
            </ul>
          </details>
        )}
      </section>
      <section className="card" aria-labelledby="models-title">
        <h2 id="models-title">Cost by model</h2>
        <Chart option={byModel} testId="chart-models" label={`Cost by model: ${models.slice(0, 5).map((row) => `${row.model} ${formatMoney(row.cost)}`).join(', ')}`} />
      </section>
      <section className="card" aria-labelledby="regions-title">
        <h2 id="regions-title">Cost by region</h2>
        <Chart option={byRegion} testId="chart-regions" label={`Cost by region: ${dashboard.costByRegion.map((row) => `${row.region} ${formatMoney(row.cost)}`).join(', ')}`} />
      </section>
      <section className="card" aria-labelledby="companies-title">
        <h2 id="companies-title">Top companies</h2>
        <Chart option={topCompanies} testId="chart-companies" label={`Top companies by cost: ${companies.slice(0, 5).map((row) => `${row.company} ${formatMoney(row.cost)}`).join(', ')}`} />
      </section>
      <section className="card" aria-labelledby="subscribers-title">
        <h2 id="subscribers-title">Subscribers</h2>
        <p className="muted">
          {formatCount(active)} active, {formatCount(inactive)} inactive
        </p>
        <Chart option={subscribers} testId="chart-subscribers" label={`Active and inactive subscribers per region: ${formatCount(active)} active, ${formatCount(inactive)} inactive`} />
      </section>
    </div>
  );
}
