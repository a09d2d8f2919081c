// The KPI cards: which figures, how each is formatted, and its change against the
// previous period of the same length (when the filter has both dates).
import type { KpiFieldsFragment } from '../../../src/client/generated/graphql.js';
import { formatCount, formatDecimal, formatMoney, formatShare, periodChange, type Change } from './format.js';

type NumericKpi = { [K in keyof KpiFieldsFragment]: KpiFieldsFragment[K] extends number | null ? K : never }[keyof KpiFieldsFragment];

export interface KpiCard {
  key: NumericKpi;
  label: string;
  value: number | null;
  text: string;
  change: Change;
}

const CARDS: Array<{ key: NumericKpi; label: string; format(value: number | null): string }> = [
  { key: 'totalCost', label: 'Total cost', format: formatMoney },
  { key: 'totalTokens', label: 'Total tokens', format: formatCount },
  { key: 'conversations', label: 'Conversations', format: formatCount },
  { key: 'activeDays', label: 'Active days', format: formatCount },
  { key: 'avgSpendPerDay', label: 'Average spend per day', format: formatMoney },
  { key: 'avgTokensPerConversation', label: 'Tokens per conversation', format: formatDecimal },
  { key: 'modelEfficiency', label: 'Completion tokens per prompt token', format: formatDecimal },
  { key: 'activeSubscriberUtilization', label: 'Active subscriber utilization', format: formatShare },
];

export function kpiCards(current: KpiFieldsFragment, previous: KpiFieldsFragment | null | undefined): KpiCard[] {
  return CARDS.map(({ key, label, format }) => {
    const value = current[key];
    return { key, label, value, text: format(value), change: previous ? periodChange(value, previous[key]) : { text: '—', direction: 'none' } };
  });
}
